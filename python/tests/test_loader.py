"""The feeder from Python: the bytes of `sluice apply`, any worker count, ranks, zero copy."""

from __future__ import annotations

import gc
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest

import sluice
from conftest import SAMPLES, same_bits, write_pipeline


def epoch_batches(loader: sluice.Loader, epoch: int):
    return [(images.copy(), labels.copy(), indices.copy()) for images, labels, indices in loader.epoch(epoch, indices=True)]


@pytest.mark.parametrize("workers", [1, 2])
def test_batches_are_the_bytes_of_sluice_apply(pipeline: Path, cli: Path, tmp_path: Path, workers: int) -> None:
    loader = sluice.Loader(pipeline, workers=workers)
    assert loader.sample_shape == (1, 24, 24) and loader.num_samples == 100 and len(loader) == 7
    for epoch in (0, 3):
        batches = epoch_batches(loader, epoch)
        assert np.array_equal(np.concatenate([indices for _, _, indices in batches]), loader.order(epoch))
        images = np.concatenate([images for images, _, _ in batches])
        order = loader.order(epoch)
        chosen = [0, 17, 63, 99]   # positions in the epoch: first, inside, batch edge, last
        output = tmp_path / f"apply-{workers}-{epoch}"
        samples = [str(order[position]) for position in chosen]
        subprocess.run([str(cli), "apply", "--pipeline", str(pipeline), "--epoch", str(epoch), "--sample", *samples,
                        "--output", str(output)], check=True, capture_output=True)
        for position in chosen:
            index = int(order[position])
            from_python = sluice.apply(pipeline, None, epoch=epoch, index=index)
            from_cli = np.load(output / f"sample-{index:05d}.npy")
            assert same_bits(images[position], from_python), (epoch, index)
            assert same_bits(images[position], from_cli), (epoch, index)


def test_apply_on_an_image_path_is_the_cli_output(pipeline: Path, cli: Path, tmp_path: Path) -> None:
    image = sorted((SAMPLES / "fashion-mnist" / "train").rglob("*.png"))[5]
    subprocess.run([str(cli), "apply", "--pipeline", str(pipeline), "--epoch", "2", "--index", "41", str(image),
                    "--output", str(tmp_path / "out")], check=True, capture_output=True)
    result = sluice.apply(pipeline, image, epoch=2, index=41)
    assert same_bits(result, np.load(tmp_path / "out" / "00000.npy"))
    # Before to_float: uint8 [H, W, C], as the CLI writes it too.
    text = pipeline.read_text().split("    - to_float")[0] + "loader: {batch_size: 4}\n"
    raw = sluice.apply(None, image, text=text, index=41)
    assert raw.dtype == np.uint8 and raw.shape == (24, 24, 1)


@pytest.mark.parametrize("workers", [1, 2])
def test_uint8_batches_when_the_transforms_stop_before_to_float(pipeline: Path, cli: Path, tmp_path: Path, workers: int) -> None:
    uint8 = tmp_path / "uint8.yaml"
    uint8.write_text(pipeline.read_text().replace("    - to_float: {}\n", "").split("    - normalize")[0]
                     + "loader: {batch_size: 16, shuffle: true, workers: 1}\n")
    loader = sluice.Loader(uint8, workers=workers)
    assert loader.sample_shape == (24, 24, 1)
    batches = epoch_batches(loader, 1)
    images = np.concatenate([images for images, _, _ in batches])
    assert images.dtype == np.uint8 and images.shape == (100, 24, 24, 1) and batches[-1][0].shape == (4, 24, 24, 1)
    order = loader.order(1)
    subprocess.run([str(cli), "apply", "--pipeline", str(uint8), "--epoch", "1", "--sample", str(order[0]), str(order[99]),
                    "--output", str(tmp_path / "out")], check=True, capture_output=True)
    for position in (0, 99):
        index = int(order[position])
        assert same_bits(images[position], sluice.apply(uint8, None, epoch=1, index=index))
        assert same_bits(images[position], np.load(tmp_path / "out" / f"sample-{index:05d}.npy"))


def test_any_worker_count_and_prefetch_give_the_same_batches(pipeline: Path) -> None:
    reference = epoch_batches(sluice.Loader(pipeline, workers=1, prefetch=1), 5)
    for workers, prefetch in [(2, 4), (3, 2)]:
        batches = epoch_batches(sluice.Loader(pipeline, workers=workers, prefetch=prefetch), 5)
        assert all(same_bits(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(reference, batches))
        assert len(batches) == len(reference)


def test_epochs_differ_and_repeat(pipeline: Path) -> None:
    loader = sluice.Loader(pipeline)
    first, again, other = epoch_batches(loader, 1), epoch_batches(loader, 1), epoch_batches(loader, 2)
    assert all(same_bits(a[0], b[0]) for a, b in zip(first, again))
    assert not np.array_equal(loader.order(1), loader.order(2))
    assert not same_bits(first[0][0], other[0][0])


@pytest.mark.parametrize("world_size, drop_last", [(2, False), (3, False), (3, True)])
def test_ranks_partition_an_epoch_exactly(tmp_path: Path, world_size: int, drop_last: bool) -> None:
    # As PyTorch's DistributedSampler: 100 samples over 3 ranks are padded to 102 by repeating
    # the epoch's first ones, or cut to 99 with drop_last; rank r takes positions r, r + W, ...
    pipeline = write_pipeline(tmp_path, SAMPLES / "fashion-mnist" / "train")
    pipeline.write_text(pipeline.read_text().replace("drop_last: false", f"drop_last: {str(drop_last).lower()}"))
    everything = sluice.Loader(pipeline).order(4)
    total = len(everything) // world_size * world_size if drop_last else -(-len(everything) // world_size) * world_size
    padded = np.concatenate([everything, everything])[:total]
    parts = []
    for rank in range(world_size):
        loader = sluice.Loader(pipeline, rank=rank, world_size=world_size)
        order = loader.order(4)
        assert np.array_equal(order, padded[rank::world_size])
        fed = np.concatenate([indices for _, _, indices in loader.epoch(4, indices=True)])
        assert np.array_equal(fed, order[: len(order) // 16 * 16] if drop_last else order)   # and the last, smaller batch
        parts.append(order)
    joined = np.concatenate(parts)
    assert len(joined) == total and sorted(joined.tolist()) == sorted(padded.tolist())
    assert set(joined.tolist()) == (set(everything[:total].tolist()) if drop_last else set(everything.tolist()))


def test_labels_come_from_the_class_folders(pipeline: Path) -> None:
    loader = sluice.Loader(pipeline, shuffle=False)
    assert loader.classes[:2] == ["0_tshirt_top", "1_trouser"]
    _, labels, indices = next(iter(loader.epoch(0, indices=True)))
    assert labels.dtype == np.int64 and labels.tolist() == [0] * 10 + [1] * 6 and indices.tolist() == list(range(16))


def test_bad_files_are_skipped_as_in_the_cli(mixed_folder: Path, tmp_path: Path, cli: Path) -> None:
    pipeline = write_pipeline(tmp_path, mixed_folder)
    skipped: list[tuple[str, str]] = []
    loader = sluice.Loader(pipeline, on_skip=lambda path, reason: skipped.append((path, reason)))
    fed = np.concatenate([indices for _, _, indices in loader.epoch(0, indices=True)])
    bad = sorted(str(path) for path in mixed_folder.glob("*-bad.png"))
    assert sorted(path for path, _ in skipped) == bad
    assert len(fed) == 40 and all(reason for _, reason in skipped)
    # Every other sample is still there, in the epoch's order.
    names = sorted(mixed_folder.iterdir())
    assert [int(index) for index in fed] == [int(index) for index in loader.order(0) if "good" in names[index].name]
    # The CLI reports the same files with the same reasons.
    result = subprocess.run([str(cli), "stats", str(mixed_folder), "--json", "-"], capture_output=True, text=True, check=True)
    for path, reason in skipped:
        assert f"skipped {path}: {reason}" in result.stderr
    # Without a callback: one SkippedSampleWarning per bad file, naming it.
    with pytest.warns(sluice.SkippedSampleWarning) as warned:
        for _ in sluice.Loader(pipeline).epoch(0):
            pass
    assert sorted(str(warning.message).split(": ")[0].removeprefix("skipped ") for warning in warned) == bad


def test_on_error_fail_raises_decode_error_naming_the_file(mixed_folder: Path, tmp_path: Path) -> None:
    pipeline = write_pipeline(tmp_path, mixed_folder)
    with pytest.raises(sluice.DecodeError) as raised:
        for _ in sluice.Loader(pipeline, on_error="fail").epoch(0):
            pass
    assert raised.value.path.endswith("-bad.png") and raised.value.reason


def test_pipeline_errors_name_the_place(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("version: 1\ndata:\n  train: {folder: .}\ntransforms:\n  train:\n    - random_crp: {size: 8}\n")
    with pytest.raises(sluice.PipelineError, match=r"typo.yaml:6:7: .*did you mean 'random_crop'"):
        sluice.Loader(path)
    with pytest.raises(ValueError, match="no data for split 'valid'"):
        sluice.Loader(SAMPLES.parent / "pipelines" / "fashion-mnist.yaml", split="valid")
    with pytest.raises(ValueError, match="rank 2 is not in"):
        sluice.Loader(SAMPLES.parent / "pipelines" / "fashion-mnist.yaml", rank=2, world_size=2)
    with pytest.raises(sluice.DataError, match="no such file or folder"):
        sluice.Loader(None, text="version: 1\ndata:\n  train: {folder: /nonexistent/images}\n"
                      "transforms:\n  train:\n    - resize: {size: 8}\n    - center_crop: {size: 8}\n    - to_float: {}\n")


def test_a_batch_outlives_its_loader_and_epoch(pipeline: Path) -> None:
    loader = sluice.Loader(pipeline)
    batches = loader.epoch(0)
    images, labels = next(batches)
    expected = images.copy(), labels.copy()
    batches.close()
    loader.close()
    del loader, batches
    gc.collect()
    for _ in sluice.Loader(pipeline).epoch(1):   # other batches are made meanwhile
        pass
    assert same_bits(images, expected[0]) and np.array_equal(labels, expected[1])
    labels_only = labels
    del images
    gc.collect()
    assert np.array_equal(labels_only, expected[1])


def test_storage_returns_to_the_pool_once_no_view_is_left(pipeline: Path) -> None:
    loader = sluice.Loader(pipeline, prefetch=2)
    dropped = {images.__array_interface__["data"][0] for images, _ in loader.epoch(0)}
    kept = [images for images, _ in loader.epoch(1)]
    assert len(dropped) <= 2 + 2 + 1   # prefetch + the pool's spare places + the one in hand
    assert len({images.__array_interface__["data"][0] for images in kept}) == len(kept)


def test_rss_stays_flat_over_200_epochs(pipeline: Path) -> None:
    def rss_mib() -> float:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4096 / 2**20

    loader = sluice.Loader(pipeline, workers=2)
    for epoch in range(20):
        for images, labels in loader.epoch(epoch):
            images.sum()
    gc.collect()
    start = rss_mib()
    for epoch in range(20, 200):
        for images, labels in loader.epoch(epoch):
            images.sum()
    gc.collect()
    assert rss_mib() - start < 8, f"RSS grew from {start:.1f} to {rss_mib():.1f} MiB over 180 epochs"


def test_ctrl_c_stops_the_epoch_and_the_loader_goes_on(pipeline: Path) -> None:
    loader = sluice.Loader(pipeline, workers=2)
    expected = epoch_batches(loader, 0)
    # Python's own Ctrl-C handler, also when the tests were started with SIGINT ignored (as a
    # shell's background job is).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            for number, _ in enumerate(loader.epoch(0)):
                if number == 2:
                    signal.raise_signal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert all(same_bits(a[0], b[0]) for a, b in zip(expected, epoch_batches(loader, 0)))


def test_loader_from_pipeline_text_resolves_paths_beside_its_name(tmp_path: Path) -> None:
    (tmp_path / "images").symlink_to(SAMPLES / "fashion-mnist" / "train")
    text = (SAMPLES.parent / "python" / "tests" / "conftest.py").read_text()   # not YAML: refused clearly
    with pytest.raises(sluice.PipelineError):
        sluice.Loader(None, text=text)
    yaml = write_pipeline(tmp_path, Path("images")).read_text()
    loader = sluice.Loader(tmp_path / "named.yaml", text=yaml)
    assert loader.num_samples == 100


def test_batch_ops_give_soft_targets_as_torchvision_shapes_them(tmp_path: Path) -> None:
    """With mixup/cutmix, labels are float32 [B, classes] soft targets (torchvision's MixUp/CutMix
    output), the same for any worker count; without them, int64 labels as before."""
    text = write_pipeline(tmp_path, SAMPLES / "fashion-mnist" / "train").read_text().replace(
        "loader:", "batch_transforms: {train: [mixup: {alpha: 0.4}, cutmix: {alpha: 1.0}]}\nloader:")
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(text)
    one = epoch_batches(sluice.Loader(mixed, workers=1), 2)
    two = epoch_batches(sluice.Loader(mixed, workers=2, prefetch=2), 2)
    assert all(same_bits(a[0], b[0]) and same_bits(a[1], b[1]) for a, b in zip(one, two)) and len(one) == len(two) == 7
    plain = epoch_batches(sluice.Loader(write_pipeline(tmp_path, SAMPLES / "fashion-mnist" / "train")), 2)
    for (images, targets, indices), (_, labels, plain_indices) in zip(one, plain):
        assert targets.dtype == np.float32 and targets.shape == (len(indices), 10)
        assert np.allclose(targets.sum(axis=1), 1) and np.array_equal(indices, plain_indices)
        for n in range(len(labels)):   # each sample mixes its own label with the previous sample's (torchvision's roll)
            assert set(np.flatnonzero(targets[n]).tolist()) <= {int(labels[n]), int(labels[n - 1])}
