"""Trains the course notes' MNIST CNN in PyTorch on Fashion-MNIST, fed by Sluice, and prints
training img/s and test accuracy beside the same loop fed by torchvision's DataLoader and by
batches held in memory (the loop's ceiling: no feeder at all).

    pip install ./python torch torchvision      # from the repository root
    python examples/pytorch/train_fashion_mnist.py --loader all --epochs 1 --rounds 3

The recipe is pipelines/fashion-mnist.yaml's: random_crop 28 with 2 pixels of padding, to_float,
normalize (0.2860, 0.3530), batch 64, shuffled; RMSprop (lr 1e-3), as the course notes train it.
`--loader torchvision` runs it through torchvision's transforms (RandomCrop, ToTensor,
Normalize) and a DataLoader with `--torchvision-workers` processes, on the same IDX files;
`--loader memory` on Sluice's epoch 0, made before the clock starts and replayed every epoch.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

import sluice
from sluice.torch import SluiceDataset

REPOSITORY = Path(__file__).resolve().parents[2]
PIPELINE = REPOSITORY / "pipelines" / "fashion-mnist.yaml"
IDX = Path("/usr/share/datasets/fashion-mnist")   # apt-get install dataset-fashion-mnist


def course_cnn() -> nn.Module:
    """The course notes' MNIST CNN: 220,234 parameters, as pipelines/fashion-mnist.yaml's model."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(3136, 64), nn.ReLU(), nn.Linear(64, 10))


def sluice_batches(split: str, epoch: int, workers: int):
    dataset = SluiceDataset(PIPELINE, split, epoch=epoch, workers=workers)
    return torch.utils.data.DataLoader(dataset, batch_size=None)


def torchvision_batches(split: str, epoch: int, workers: int):
    from PIL import Image
    from torchvision import transforms

    class FashionMNIST(torch.utils.data.Dataset):
        """The IDX files as PIL images, as torchvision.datasets.FashionMNIST gives them."""

        def __init__(self, prefix: str) -> None:
            with gzip.open(IDX / f"{prefix}-images-idx3-ubyte.gz") as file:
                self.images = np.frombuffer(file.read(), np.uint8, offset=16).reshape(-1, 28, 28)
            with gzip.open(IDX / f"{prefix}-labels-idx1-ubyte.gz") as file:
                self.labels = np.frombuffer(file.read(), np.uint8, offset=8).astype(np.int64)
            steps = [transforms.RandomCrop(28, padding=2)] if prefix == "train" else []
            self.transform = transforms.Compose(steps + [transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])

        def __len__(self) -> int:
            return len(self.labels)

        def __getitem__(self, index: int):
            return self.transform(Image.fromarray(self.images[index], mode="L")), self.labels[index]

    generator = torch.Generator().manual_seed(epoch)
    return torch.utils.data.DataLoader(FashionMNIST("train" if split == "train" else "t10k"), batch_size=64,
                                       shuffle=split == "train", num_workers=workers, generator=generator,
                                       persistent_workers=False)


def train(loader: str, epochs: int, threads: int, workers: int) -> tuple[float, float]:
    """Trains `epochs` epochs; returns the training img/s (steps and feeding, all epochs) and the
    test accuracy."""
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    model = course_cnn()
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_function = nn.CrossEntropyLoss()
    batches = torchvision_batches if loader == "torchvision" else sluice_batches
    held = [(images.clone(), labels.clone()) for images, labels in sluice_batches("train", 0, 1)] if loader == "memory" else None
    warm_up = course_cnn()   # the first steps of a process set up PyTorch's kernels: not timed
    for _ in range(20):
        nn.CrossEntropyLoss()(warm_up(torch.randn(64, 1, 28, 28)), torch.randint(0, 10, (64,))).backward()
    images_seen, seconds = 0, 0.0
    for epoch in range(epochs):
        model.train()
        source = held if held is not None else batches("train", epoch, workers)
        start = time.perf_counter()
        for images, labels in source:
            optimizer.zero_grad()
            loss_function(model(images), labels).backward()
            optimizer.step()
            images_seen += len(labels)
        seconds += time.perf_counter() - start
        print(f"  {loader}: epoch {epoch + 1}/{epochs}: {images_seen / seconds:,.0f} img/s so far", flush=True)
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in batches("test", 0, workers):
            correct += int((model(images).argmax(1) == labels).sum())
            total += len(labels)
    return images_seen / seconds, correct / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loader", choices=["sluice", "torchvision", "memory", "all"], default="all",
                        help="what feeds the loop; all: each in turn, then a table (default)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the comparison, alternating the order (default 1)")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="PyTorch's threads (default: its own choice)")
    parser.add_argument("--sluice-workers", type=int, default=1, help="Sluice's decode threads (default 1)")
    parser.add_argument("--torchvision-workers", type=int, default=2, help="DataLoader processes (default 2)")
    arguments = parser.parse_args()
    if arguments.epochs < 1 or arguments.rounds < 1:
        parser.error("--epochs and --rounds must be at least 1")
    loaders = ["memory", "sluice", "torchvision"] if arguments.loader == "all" else [arguments.loader]
    rates: dict[str, list[float]] = {loader: [] for loader in loaders}
    accuracy: dict[str, float] = {}
    for round_number in range(arguments.rounds):
        # Machines drift: each round runs every loader (in turn reversed order), and a loader's
        # ratio to memory is taken within its round.
        for loader in loaders if round_number % 2 == 0 else reversed(loaders):
            workers = arguments.sluice_workers if loader == "sluice" else arguments.torchvision_workers
            rate, accuracy[loader] = train(loader, arguments.epochs, arguments.threads, workers)
            rates[loader].append(rate)
    print(f"\n{'fed by':<34} {'img/s':>8} {'vs memory':>10} {'test accuracy':>14}   (median of {arguments.rounds} rounds)")
    for loader in loaders:
        name = {"sluice": f"Sluice ({arguments.sluice_workers} worker)", "memory": "epoch held in memory",
                "torchvision": f"torchvision DataLoader ({arguments.torchvision_workers} workers)"}[loader]
        ratio = f"{statistics.median(r / m for r, m in zip(rates[loader], rates['memory'])):.1%}" if "memory" in rates else "-"
        print(f"{name:<34} {statistics.median(rates[loader]):>8,.0f} {ratio:>10} {accuracy[loader]:>14.2%}")
    print(f"PyTorch {torch.__version__}, {arguments.threads} threads, sluice {sluice.__version__}")


if __name__ == "__main__":
    main()
