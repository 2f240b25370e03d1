#!/usr/bin/env python3
"""torchvision's DataLoader on the CIFAR AutoAugment recipe of pipelines/cifar10-autoaugment.yaml
(RandomCrop 32 padding 4, RandomHorizontalFlip, AutoAugment(CIFAR10), ToTensor, Normalize; then
MixUp or CutMix per batch, as torchvision's reference scripts), over a class-per-folder set of
32x32 PNGs, for the ratio against `sluice bench --suite pipeline` on the same files, same minutes.
Prints images/s of each full epoch and the median.

Usage: python3 bench/peer_autoaugment.py FOLDER [--workers 2] [--epochs 3] [--no-mix]
       (pip install torch torchvision pillow)
"""
import argparse
import statistics
import time

import torch
from torch.utils.data import DataLoader, default_collate
from torchvision import datasets
from torchvision.transforms import v2

parser = argparse.ArgumentParser()
parser.add_argument("folder")
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--batch-size", type=int, default=128)
parser.add_argument("--no-mix", action="store_true", help="leave out MixUp/CutMix")
args = parser.parse_args()
torch.set_num_threads(1)
recipe = v2.Compose([v2.RandomCrop(32, padding=4), v2.RandomHorizontalFlip(), v2.AutoAugment(v2.AutoAugmentPolicy.CIFAR10),
                     v2.ToImage(), v2.ToDtype(torch.float32, scale=True),
                     v2.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))])
dataset = datasets.ImageFolder(args.folder, transform=recipe)
mix = v2.RandomChoice([v2.MixUp(alpha=0.2, num_classes=len(dataset.classes)), v2.CutMix(alpha=1.0, num_classes=len(dataset.classes))])
collate = default_collate if args.no_mix else (lambda batch: mix(*default_collate(batch)))
rates = []
for epoch in range(args.epochs):
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True, num_workers=args.workers, collate_fn=collate)
    start, count = time.perf_counter(), 0
    for images, labels in loader:
        count += images.shape[0]
    rates.append(count / (time.perf_counter() - start))
    print(f"epoch {epoch}: {rates[-1]:,.0f} img/s", flush=True)
print(f"median {statistics.median(rates):,.0f} img/s ({args.workers} workers, {len(dataset)} images, torchvision, "
      f"{'no mix' if args.no_mix else 'MixUp/CutMix'})")
