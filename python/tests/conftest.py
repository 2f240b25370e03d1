"""Shared pieces of the Python package's tests: the repository, the CLI, and small pipelines
over the repository's sample images."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
SAMPLES = REPOSITORY / "samples"

# Every random op of the product, on 28x28 gray PNGs in class folders (100 files).
AUGMENTED = """\
version: 1
seed: 7
data:
  train: {{folder: {folder}}}
decode: {{color: gray}}
transforms:
  train:
    - random_crop: {{size: 24, padding: 3}}
    - horizontal_flip: {{p: 0.5}}
    - to_float: {{}}
    - normalize: {{mean: [0.2860], std: [0.3530]}}
    - random_erasing: {{p: 0.5, value: random}}
    - gaussian_noise: {{sigma: 0.05}}
loader: {{batch_size: {batch_size}, shuffle: true, drop_last: false, workers: 1, prefetch: 3}}
"""


def write_pipeline(folder: Path, data: Path, batch_size: int = 16) -> Path:
    path = folder / "augmented.yaml"
    path.write_text(AUGMENTED.format(folder=data, batch_size=batch_size))
    return path


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    return write_pipeline(tmp_path, SAMPLES / "fashion-mnist" / "train")


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """Good 28x28 PNGs with bad files among them (truncated, corrupt, empty)."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    good = sorted((SAMPLES / "fashion-mnist" / "train").rglob("*.png"))[:40]
    for number, path in enumerate(good):
        shutil.copy(path, folder / f"{number:03d}-good.png")
    for number, bad in enumerate(["empty.png", "pillow/truncated_image.png", "go/invalid-zlib.png", "pngsuite-corrupted/xcrn0g04.png"]):
        shutil.copy(SAMPLES / "bad" / bad, folder / f"{number * 9 + 4:03d}-bad.png")
    return folder


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `sluice` executable of this repository's build (SLUICE_CLI overrides)."""
    if "SLUICE_CLI" in os.environ:
        return Path(os.environ["SLUICE_CLI"])
    for configuration in ("debug", "release"):
        path = REPOSITORY / ".build" / configuration / "sluice"
        if path.exists():
            return path
    subprocess.run(["swift", "build", "--product", "sluice"], cwd=REPOSITORY, check=True)
    return REPOSITORY / ".build" / "debug" / "sluice"


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit (NaN and -0.0 included), shapes and types too."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
