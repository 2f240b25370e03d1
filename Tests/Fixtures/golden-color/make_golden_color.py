#!/usr/bin/env python3
"""Expected outputs of torchvision 0.29's colour ops on PIL images (the course notes' path), for
Tests/ImageTransformsTests/ColorTransformTests.swift: each op on each input of ../golden/inputs,
saved as uint8 HWC .npy files beside this script.

    python3 Tests/Fixtures/golden-color/make_golden_color.py   (pip install torchvision pillow numpy)
"""
import json
from pathlib import Path

import numpy as np
import torchvision
from PIL import Image
from torchvision.transforms import v2

here = Path(__file__).parent
inputs = sorted((here.parent / "golden" / "inputs").glob("*.png"))
cases = {"grayscale-1": v2.Grayscale(num_output_channels=1), "grayscale-3": v2.Grayscale(num_output_channels=3),
         "random_grayscale-p1": v2.RandomGrayscale(p=1.0)}
manifest = []
for path in inputs:
    image = Image.open(path)
    image.load()
    for name, op in cases.items():
        out = np.asarray(op(image))
        if out.ndim == 2:
            out = out[:, :, None]
        file = f"{path.stem}-{name}.npy"
        np.save(here / file, np.ascontiguousarray(out, dtype=np.uint8))
        manifest.append({"input": path.name, "op": name, "expected": file, "shape": list(out.shape)})
(here / "manifest.json").write_text(json.dumps({"torchvision": torchvision.__version__, "pillow": Image.__version__,
                                                "cases": manifest}, indent=1) + "\n")
