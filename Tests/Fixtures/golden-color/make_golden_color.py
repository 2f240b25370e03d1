#!/usr/bin/env python3
"""Expected outputs of torchvision 0.29's colour and tone ops on PIL images (the course notes' path), for
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
# One adjustment at a time, with a range of equal ends (the factor is then fixed, the order moot).
for name, value in [("brightness", 1.3), ("brightness", 0.45), ("contrast", 0.6), ("contrast", 1.6),
                    ("saturation", 1.7), ("saturation", 0.3), ("hue", 0.2), ("hue", -0.35), ("hue", 0.5)]:
    cases[f"color_jitter-{name}-{value}"] = v2.ColorJitter(**{name: (value, value)})
cases.update({"random_posterize-3": v2.RandomPosterize(bits=3, p=1.0), "random_posterize-7": v2.RandomPosterize(bits=7, p=1.0),
              "random_solarize-128": v2.RandomSolarize(threshold=128, p=1.0), "random_solarize-200": v2.RandomSolarize(threshold=200, p=1.0),
              "random_autocontrast": v2.RandomAutocontrast(p=1.0), "random_equalize": v2.RandomEqualize(p=1.0)})
manifest = []
for path in inputs:
    image = Image.open(path)
    image.load()
    for name, op in cases.items():
        if name.startswith(("color_jitter", "random_posterize", "random_solarize", "random_auto", "random_equalize")) and path.stem == "rgb_large":
            continue   # the smaller inputs cover the kernels; this keeps the fixture small
        out = np.asarray(op(image))
        if out.ndim == 2:
            out = out[:, :, None]
        file = f"{path.stem}-{name}.npy"
        np.save(here / file, np.ascontiguousarray(out, dtype=np.uint8))
        manifest.append({"input": path.name, "op": name, "expected": file, "shape": list(out.shape)})
(here / "manifest.json").write_text(json.dumps({"torchvision": torchvision.__version__, "pillow": Image.__version__,
                                                "cases": manifest}, indent=1) + "\n")
