"""sluice.stats against the CLI, and the PyTorch dataset."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

import sluice
from conftest import SAMPLES, same_bits

torch = pytest.importorskip("torch")
from sluice.torch import SluiceDataset  # noqa: E402


def without_timing(report: dict) -> dict:
    return {key: value for key, value in report.items() if key not in ("seconds", "images_per_second")}


@pytest.mark.parametrize("color", [None, "rgb"])
def test_stats_equal_the_cli_json(cli: Path, color: str | None) -> None:
    folder = SAMPLES / "good"
    arguments = [str(cli), "stats", str(folder), "--json", "-"] + (["--color", color] if color else [])
    from_cli = json.loads(subprocess.run(arguments, capture_output=True, text=True, check=True).stdout)
    from_python = sluice.stats([folder], color=color, workers=2)
    assert without_timing(from_python) == without_timing(from_cli)
    assert without_timing(sluice.stats(str(folder), color=color, workers=1)) == without_timing(from_python)


def test_stats_of_a_pipeline_file_take_its_split_and_colour(tmp_path: Path) -> None:
    pipeline = tmp_path / "classes.yaml"
    pipeline.write_text(f"version: 1\ndata:\n  train: {{folder: {SAMPLES / 'fashion-mnist' / 'train'}}}\n"
                        "decode: {color: rgb}\n"
                        "transforms:\n  train:\n    - to_float: {}\n")
    report = sluice.stats(pipeline)
    assert report["images"] == 100 and report["channels"] == 3
    assert report["classes"] == {folder.name: 10 for folder in (SAMPLES / "fashion-mnist" / "train").iterdir()}


def test_stats_errors() -> None:
    with pytest.raises(sluice.DataError, match="no such file or folder"):
        sluice.stats(["/nonexistent/folder"])
    with pytest.raises(ValueError, match="color 'grey'"):
        sluice.stats([SAMPLES / "good"], color="grey")
    with pytest.raises(sluice.DecodeError):
        sluice.stats([SAMPLES / "bad"], on_error="fail")


def test_torch_dataloader_with_batch_size_none(pipeline: Path) -> None:
    dataset = SluiceDataset(pipeline, workers=2, epoch=3)
    loader = sluice.Loader(pipeline)
    expected = [(images.copy(), labels.copy()) for images, labels in loader.epoch(3)]
    got = list(torch.utils.data.DataLoader(dataset, batch_size=None))
    assert len(got) == len(dataset) == len(expected)
    for (images, labels), (want_images, want_labels) in zip(got, expected):
        assert images.dtype == torch.float32 and labels.dtype == torch.int64
        assert same_bits(images.numpy(), want_images) and np.array_equal(labels.numpy(), want_labels)
    # The next pass is the next epoch; set_epoch chooses one.
    assert not same_bits(next(iter(dataset))[0].numpy(), expected[0][0])
    dataset.set_epoch(3)
    assert same_bits(next(iter(dataset))[0].numpy(), expected[0][0])


def test_torch_tensors_share_the_batch_memory_and_keep_it(pipeline: Path) -> None:
    dataset = SluiceDataset(pipeline, rank=1, world_size=2)
    images, labels = next(iter(dataset))
    copy = images.clone()
    del dataset
    assert torch.equal(images, copy) and images.shape == (16, 1, 24, 24)
    images.mul_(2)   # writable, like any tensor of the user's
    assert torch.equal(images, copy * 2)


def test_dataloader_workers_are_refused_with_what_to_do(pipeline: Path) -> None:
    loader = torch.utils.data.DataLoader(SluiceDataset(pipeline), batch_size=None, num_workers=1)
    with pytest.raises(RuntimeError, match="num_workers=0"):
        next(iter(loader))
