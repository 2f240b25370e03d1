#!/usr/bin/env python3
"""Per-op images/s of albumentations (OpenCV) and Pillow on one thread, on the same inputs as
`sluice bench --suite transforms` (a centre square of chelsea.jpg resized to 32x32 and 224x224),
for side-by-side ratios in the same minute.

Usage: python3 bench/peer_transforms.py [PHOTO]   (pip install albumentations pillow numpy)
"""
import os, sys, time
os.environ.setdefault("OMP_NUM_THREADS", "1")
import cv2
cv2.setNumThreads(1)
import numpy as np
import albumentations as A
from PIL import Image

photo = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples", "photos", "chelsea.jpg")
source = Image.open(photo).convert("RGB")
side = min(source.size)
left, top = (source.width - side) // 2, (source.height - side) // 2
square = source.crop((left, top, left + side, top + side))


def rate(fn, arg, seconds=0.2, rounds=5):
    count = 20
    start = time.perf_counter()
    for _ in range(count): fn(arg)
    count = max(20, int(count / (time.perf_counter() - start) * seconds))
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(count): fn(arg)
        rates.append(count / (time.perf_counter() - start))
    return sorted(rates)[len(rates) // 2]


for size in (32, 224):
    pil = square.resize((size, size), Image.BILINEAR)
    image = np.asarray(pil).copy()
    smaller = size * 3 // 4
    floats = A.Normalize()(image=image)["image"]
    ops = [
        ("resize %d->%d bilinear (albumentations, cv2, no antialias)" % (size, smaller), lambda x: A.Resize(smaller, smaller)(image=x), image),
        ("resize %d->%d bilinear (Pillow, antialiased)" % (size, smaller), lambda x: x.resize((smaller, smaller), Image.BILINEAR), pil),
        ("resize %d->%d bicubic (Pillow, antialiased)" % (size, smaller), lambda x: x.resize((smaller, smaller), Image.BICUBIC), pil),
        ("horizontal_flip p=1", lambda x: A.HorizontalFlip(p=1)(image=x), image),
        ("random_crop %d" % (size // 2), lambda x: A.RandomCrop(size // 2, size // 2)(image=x), image),
        ("random_resized_crop %d" % size, lambda x: A.RandomResizedCrop((size, size))(image=x), image),
        ("normalize (uint8 -> float, ImageNet)", lambda x: A.Normalize()(image=x), image),
        ("random_erasing p=1", lambda x: A.Erasing(p=1)(image=x), floats),
        ("gaussian_noise", lambda x: A.GaussNoise(std_range=(0.1, 0.1), p=1)(image=x), floats),
        ("grayscale", lambda x: A.ToGray(num_output_channels=1, p=1)(image=x), image),
        ("color_jitter 0.4/0.4/0.4/0.1", lambda x: A.ColorJitter(0.4, 0.4, 0.4, 0.1, p=1)(image=x), image),
        ("random_posterize bits=4 p=1", lambda x: A.Posterize(num_bits=4, p=1)(image=x), image),
        ("random_solarize 128 p=1", lambda x: A.Solarize(threshold_range=(0.5, 0.5), p=1)(image=x), image),
        ("random_autocontrast p=1", lambda x: A.AutoContrast(p=1)(image=x), image),
        ("random_equalize p=1", lambda x: A.Equalize(p=1)(image=x), image),
        ("gaussian_blur 5 sigma 0.1-2", lambda x: A.GaussianBlur(blur_limit=(5, 5), sigma_limit=(0.1, 2.0), p=1)(image=x), image),
        ("random_rotation 30 nearest", lambda x: A.Rotate(limit=30, interpolation=cv2.INTER_NEAREST, border_mode=cv2.BORDER_CONSTANT, p=1)(image=x), image),
        ("random_rotation 30 bilinear", lambda x: A.Rotate(limit=30, interpolation=cv2.INTER_LINEAR, border_mode=cv2.BORDER_CONSTANT, p=1)(image=x), image),
        ("random_affine 15/0.1/0.9-1.1/10 bilinear", lambda x: A.Affine(rotate=(-15, 15), translate_percent=(-0.1, 0.1), scale=(0.9, 1.1),
                                                                        shear=(-10, 10), interpolation=cv2.INTER_LINEAR, p=1)(image=x), image),
    ]
    for name, fn, arg in ops:
        print("%dx%d  %-60s %12.0f img/s" % (size, size, name, rate(fn, arg)))
