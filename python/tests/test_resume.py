"""Resuming an epoch mid-way from state_dict(): any workers, bad files among the samples, another
world size (merge_states), and through SluiceDataset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import sluice
from conftest import same_bits, write_pipeline


def batches(iterator, count=None):
    out = []
    for images, labels, indices in iterator:
        out.append((images.copy(), labels.copy(), indices.copy()))
        if count is not None and len(out) == count:
            break
    return out


def same(a, b) -> bool:
    return len(a) == len(b) and all(same_bits(x[0], y[0]) and np.array_equal(x[1], y[1]) and np.array_equal(x[2], y[2]) for x, y in zip(a, b))


@pytest.mark.parametrize("taken", [1, 2, 3])   # of 3 batches: 40 good files (and 4 bad) in 16s
def test_resumed_epoch_gives_the_rest_bit_for_bit(mixed_folder: Path, tmp_path: Path, taken: int) -> None:
    pipeline = write_pipeline(tmp_path, mixed_folder)
    quiet = {"on_skip": lambda path, reason: None}   # the bad files are the fixture's own
    whole = batches(sluice.Loader(pipeline, workers=1, **quiet).epoch(3, indices=True))
    assert len(whole) == 3
    first = sluice.Loader(pipeline, workers=2, prefetch=4, **quiet)
    iterator = first.epoch(3, indices=True)
    batches(iterator, taken)
    state = json.loads(json.dumps(first.state_dict()))   # kept as JSON, as a checkpoint would
    assert state["epoch"] == 3 and state["version"] == 1
    for workers, prefetch in [(1, 1), (3, 2)]:
        resumed = sluice.Loader(pipeline, workers=workers, prefetch=prefetch, **quiet)
        resumed.load_state_dict(state)
        assert same(batches(resumed.epoch(3, indices=True)), whole[taken:])
        assert resumed.state_dict()["segments"][-1]["positions"] == [len(resumed.order(3))]   # the whole epoch taken


def test_elastic_resume_two_ranks_to_three(pipeline: Path) -> None:
    epoch = 2
    everything = set(sluice.Loader(pipeline).order(epoch).tolist())
    states, taken = [], []
    for rank in range(2):
        loader = sluice.Loader(pipeline, rank=rank, world_size=2)
        taken += [int(i) for _, _, indices in batches(loader.epoch(epoch, indices=True), 2) for i in indices]
        states.append(loader.state_dict())
    merged = sluice.merge_states(states)
    assert [segment["positions"] for segment in merged["segments"]] == [[32, 32]]
    seen = []
    for rank in range(3):
        loader = sluice.Loader(pipeline, rank=rank, world_size=3)
        loader.load_state_dict(merged)
        seen += [int(i) for _, _, indices in batches(loader.epoch(epoch, indices=True)) for i in indices]
    assert not set(taken) & set(seen) and set(taken) | set(seen) == everything
    assert len(seen) - len(set(seen)) <= 2
    with pytest.raises(ValueError, match="merge the ranks' states"):
        one = sluice.Loader(pipeline, rank=0, world_size=3)
        one.load_state_dict(states[0])
        next(iter(one.epoch(epoch)))


def test_a_state_of_another_pipeline_is_refused(pipeline: Path, tmp_path: Path) -> None:
    loader = sluice.Loader(pipeline)
    batches(loader.epoch(0, indices=True), 1)
    other = sluice.Loader(pipeline, shuffle=False)
    other.load_state_dict(loader.state_dict())
    with pytest.raises(ValueError, match="another pipeline"):
        next(iter(other.epoch(0)))
    with pytest.raises(ValueError):
        other.load_state_dict({"not": "a state"})


def test_sluice_dataset_resumes(pipeline: Path) -> None:
    from sluice.torch import SluiceDataset
    reference = [labels.clone() for _, labels in SluiceDataset(pipeline, epoch=4)]
    dataset = SluiceDataset(pipeline, epoch=4)
    iterator = iter(dataset)
    first = [next(iterator)[1].clone() for _ in range(3)]
    state = dataset.state_dict()
    del iterator
    again = SluiceDataset(pipeline, workers=1)
    again.load_state_dict(state)
    rest = [labels.clone() for _, labels in again]
    assert [x.tolist() for x in first + rest] == [x.tolist() for x in reference]
