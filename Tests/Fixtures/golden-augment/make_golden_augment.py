#!/usr/bin/env python3
"""Expected outputs of torchvision 0.29's automatic augmentation policies on PIL images, for
Tests/ImageTransformsTests/AutoAugmentTests.swift:
- each op of `_apply_image_or_video_transform` at fixed signed magnitudes, on ../golden/inputs
  (uint8 HWC .npy files beside this script);
- the magnitude tables of AutoAugment/RandAugment and TrivialAugmentWide (10 and 31 bins, a
  101 x 77 image);
- the ops and magnitudes `forward` chose over 20,000 calls of each policy (torch's generator, seed 0),
  as counts.

    python3 Tests/Fixtures/golden-augment/make_golden_augment.py   (pip install torchvision pillow numpy)
"""
import json
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision.transforms import v2

here = Path(__file__).parent
inputs = [here.parent / "golden" / "inputs" / name for name in ("rgb_medium.png", "gray_medium.png", "rgb_small.png")]
base = v2.AutoAugment()
cases = [("ShearX", 0.3), ("ShearX", -0.17), ("ShearY", 0.25), ("TranslateX", 17.9), ("TranslateY", -9.6), ("Rotate", 23.3),
         ("Rotate", -135.0), ("Brightness", 0.7), ("Brightness", -0.45), ("Color", 0.9), ("Color", -0.6), ("Contrast", 0.5),
         ("Contrast", -0.8), ("Sharpness", 0.9), ("Sharpness", -0.99), ("Posterize", 3.0), ("Solarize", 0.4), ("AutoContrast", 0.0),
         ("Equalize", 0.0), ("Invert", 0.0), ("Identity", 0.0)]
manifest = []
for path in inputs:
    image = Image.open(path)
    image.load()
    for op, magnitude in cases:
        for interpolation, fill in [("nearest", None), ("bilinear", 90)]:
            if interpolation == "bilinear" and op not in ("ShearX", "ShearY", "TranslateX", "Rotate"):
                continue
            filled = base._fill if fill is None else v2.AutoAugment(fill=fill)._fill
            out = np.asarray(base._apply_image_or_video_transform(image, op, magnitude, interpolation=interpolation, fill=filled))
            if out.ndim == 2:
                out = out[:, :, None]
            file = f"{path.stem}-{op}-{magnitude}-{interpolation}.npy"
            np.save(here / file, np.ascontiguousarray(out, dtype=np.uint8))
            manifest.append({"input": path.name, "op": op, "magnitude": magnitude, "interpolation": interpolation, "fill": fill or 0,
                             "expected": file})

tables = {}
for name, space in [("standard", v2.RandAugment._AUGMENTATION_SPACE | {"Invert": v2.AutoAugment._AUGMENTATION_SPACE["Invert"]}),
                    ("wide", v2.TrivialAugmentWide._AUGMENTATION_SPACE)]:
    for bins in (10, 31):
        for op, (fn, signed) in space.items():
            values = fn(bins, 77, 101)
            tables[f"{name}-{bins}-{op}"] = None if values is None else [float(v) for v in values]


def chosen(policy, calls=20000):
    """(op, magnitude) counts of `forward` over `calls` calls on a 101 x 77 image."""
    picks = Counter()
    def record(image, transform_id, magnitude, interpolation, fill):
        picks[f"{transform_id} {magnitude!r}"] += 1
        return image
    policy._apply_image_or_video_transform = record
    probe = Image.new("RGB", (101, 77))
    for _ in range(calls):
        policy(probe)
    return dict(sorted(picks.items()))


torch.manual_seed(0)
draws = {"auto_augment-cifar10": chosen(v2.AutoAugment(v2.AutoAugmentPolicy.CIFAR10)),
         "auto_augment-imagenet": chosen(v2.AutoAugment(v2.AutoAugmentPolicy.IMAGENET)),
         "auto_augment-svhn": chosen(v2.AutoAugment(v2.AutoAugmentPolicy.SVHN)),
         "rand_augment-2-9-31": chosen(v2.RandAugment(num_ops=2, magnitude=9, num_magnitude_bins=31)),
         "trivial_augment_wide-31": chosen(v2.TrivialAugmentWide(num_magnitude_bins=31))}
(here / "manifest.json").write_text(json.dumps({"torchvision": torchvision.__version__, "pillow": Image.__version__, "torch": torch.__version__,
                                                "calls": 20000, "image": [77, 101], "cases": manifest, "tables": tables,
                                                "draws": draws}, indent=1) + "\n")
