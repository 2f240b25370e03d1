#!/usr/bin/env python3
"""Expected outputs of torchvision 0.29's gaussian_blur, rotate and affine on PIL images (the course
notes' path), for Tests/ImageTransformsTests/GeometryGoldenTests.swift: each case on the inputs of
../golden/inputs, saved as uint8 HWC .npy files beside this script, plus 20,000 parameter draws of
RandomAffine and GaussianBlur (torch's generator, seed 0) for the distribution tests.

    python3 Tests/Fixtures/golden-geometry/make_golden_geometry.py   (pip install torchvision pillow numpy)
"""
import json
from pathlib import Path

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as F

here = Path(__file__).parent
inputs = sorted((here.parent / "golden" / "inputs").glob("*.png"))
nearest, bilinear, bicubic = (v2.InterpolationMode.NEAREST, v2.InterpolationMode.BILINEAR, v2.InterpolationMode.BICUBIC)
# name: (parameters as the Swift test reads them, the torchvision call)
cases = {
    "gaussian_blur-3-0.8": ({"op": "blur", "kernel": [3, 3], "sigma": 0.8}, v2.GaussianBlur(3, sigma=(0.8, 0.8))),
    "gaussian_blur-5-1.5": ({"op": "blur", "kernel": [5, 5], "sigma": 1.5}, v2.GaussianBlur(5, sigma=(1.5, 1.5))),
    "gaussian_blur-7x3-1.2": ({"op": "blur", "kernel": [7, 3], "sigma": 1.2}, v2.GaussianBlur((7, 3), sigma=(1.2, 1.2))),
    "gaussian_blur-9-3": ({"op": "blur", "kernel": [9, 9], "sigma": 3.0}, v2.GaussianBlur(9, sigma=(3.0, 3.0))),
}
for degrees, interpolation, expand, center, fill in [(30, nearest, False, None, 0), (30, bilinear, False, None, 0),
                                                      (-47.5, bicubic, False, None, 0), (90, nearest, False, None, 0),
                                                      (180, bilinear, False, None, 0), (270, nearest, True, None, 0),
                                                      (30, nearest, True, None, 0), (200, bilinear, True, None, 0),
                                                      (15, bilinear, False, [10, 5], 200), (-123.4, nearest, False, [3.5, 40], 99)]:
    name = f"random_rotation-{degrees}-{interpolation.value}" + ("-expand" if expand else "") + (f"-center{center[0]}_{center[1]}" if center else "") + (f"-fill{fill}" if fill else "")
    cases[name] = ({"op": "rotate", "degrees": degrees, "interpolation": interpolation.value, "expand": expand, "center": center, "fill": fill},
                   v2.RandomRotation((degrees, degrees), interpolation=interpolation, expand=expand, center=center, fill=fill))
for angle, translate, scale, shear, interpolation, center, fill in [
        (25, [3, -2], 1.2, [10, 0], nearest, None, 0), (25, [3, -2], 1.2, [10, 0], bilinear, None, 0),
        (-10, [0, 0], 0.8, [-5, 12], bicubic, None, 0), (0, [5, 4], 1.0, [0, 0], nearest, None, 0),
        (0, [0, 0], 2.0, [0, 0], nearest, None, 0), (33, [-4, 6], 1.1, [20, -15], bilinear, [5, 7], 77),
        (0, [0, 0], 1.0, [30, 0], nearest, [0, 0], 128)]:
    name = f"random_affine-{angle}-{translate[0]}_{translate[1]}-{scale}-{shear[0]}_{shear[1]}-{interpolation.value}" + (f"-center{center[0]}_{center[1]}" if center else "") + (f"-fill{fill}" if fill else "")
    cases[name] = ({"op": "affine", "angle": angle, "translate": translate, "scale": scale, "shear": shear, "interpolation": interpolation.value,
                    "center": center, "fill": fill},
                   lambda image, a=angle, t=translate, s=scale, sh=shear, i=interpolation, c=center, f=fill:
                       F.affine(image, angle=a, translate=t, scale=s, shear=sh, interpolation=i, center=c, fill=f))
manifest = []
for path in inputs:
    image = Image.open(path)
    image.load()
    for name, (parameters, op) in cases.items():
        if path.stem == "rgb_large" and name != "random_rotation-30-bilinear":
            continue   # the smaller inputs cover the kernels; this keeps the fixture small
        if name.startswith("gaussian_blur") and min(image.size) <= parameters["kernel"][0] // 2:
            continue   # torch's reflect padding needs the image wider than half the kernel
        out = np.asarray(op(image))
        if out.ndim == 2:
            out = out[:, :, None]
        file = f"{path.stem}-{name}.npy"
        np.save(here / file, np.ascontiguousarray(out, dtype=np.uint8))
        manifest.append({"input": path.name, "name": name, "parameters": parameters, "expected": file, "shape": list(out.shape)})

# Parameter draws: RandomAffine on a 100 x 60 image (angle, tx, ty, scale, shear x, shear y), GaussianBlur's sigma.
torch.manual_seed(0)
probe = Image.new("RGB", (100, 60))
affine = v2.RandomAffine(degrees=(-30, 45), translate=(0.2, 0.1), scale=(0.7, 1.3), shear=(-10, 10, 5, 25))
rows = []
for _ in range(20000):
    p = affine.make_params([probe])
    rows.append([p["angle"], p["translate"][0], p["translate"][1], p["scale"], p["shear"][0], p["shear"][1]])
np.save(here / "draws-random_affine.npy", np.array(rows, dtype=np.float32))
blur = v2.GaussianBlur(5, sigma=(0.1, 2.0))
np.save(here / "draws-gaussian_blur.npy", np.array([blur.make_params([probe])["sigma"][0] for _ in range(20000)], dtype=np.float32))
draws = {"random_affine": {"image": [60, 100], "degrees": [-30, 45], "translate": [0.2, 0.1], "scale": [0.7, 1.3], "shear": [-10, 10, 5, 25],
                           "columns": ["angle", "tx", "ty", "scale", "shear_x", "shear_y"], "file": "draws-random_affine.npy"},
         "gaussian_blur": {"sigma": [0.1, 2.0], "file": "draws-gaussian_blur.npy"}}
(here / "manifest.json").write_text(json.dumps({"torchvision": torchvision.__version__, "pillow": Image.__version__, "torch": torch.__version__,
                                                "cases": manifest, "draws": draws}, indent=1) + "\n")
