"""The feeder of batches: a pipeline file's split, epoch by epoch, as NumPy arrays."""

from __future__ import annotations

import json
import os
import warnings
from ctypes import POINTER, byref, c_char_p, c_float, c_int64, c_uint8, c_void_p
from typing import Callable, Iterator, Tuple, Union

import numpy as np

from . import _native
from ._native import lib
from .errors import SkippedSampleWarning

PathLike = Union[str, "os.PathLike[str]"]
#: How long one wait for a batch lasts before Python gets control back (to see Ctrl-C).
_WAIT_MS = 100


class _BatchOwner:
    """Holds a batch of the library until no array views it any more, then gives it back."""

    __slots__ = ("pointer",)

    def __init__(self, pointer: "POINTER(_native.Batch)") -> None:
        self.pointer = pointer

    # The function is bound at definition: at interpreter exit, module globals may be gone
    # before the last batch is.
    def __del__(self, release=lib.sluice_batch_release) -> None:  # type: ignore[no-untyped-def]
        release(self.pointer)


#: Per (element type, length): a ctypes array type whose instances can carry the batch's owner.
_array_types: dict = {}


def _view(owner: _BatchOwner, address: int, ctype, count: int):  # type: ignore[no-untyped-def]
    """A ctypes array over `count` elements at `address`, holding `owner`: NumPy arrays made from
    it with ``np.frombuffer`` keep it (their ``base``), and so the batch, alive."""
    array_type = _array_types.get((ctype, count))
    if array_type is None:
        array_type = _array_types[(ctype, count)] = type("BatchView", (ctype * count,), {})
    view = array_type.from_address(address)
    view.owner = owner
    return view


def batch_arrays(pointer: "POINTER(_native.Batch)", with_indices: bool = True) -> tuple:
    """Zero-copy arrays (images, labels[, indices]) over a batch the library handed out."""
    owner = _BatchOwner(pointer)
    batch = pointer.contents
    images = batch.images
    shape = tuple(images.shape[: images.ndim])
    size = 1
    for side in shape:
        size *= side
    is_float = images.dtype == _native.FLOAT32
    # Labels: int64 [B]; or, when the split has batch ops (mixup, cutmix), their soft targets float32 [B, classes].
    labels = (np.frombuffer(_view(owner, batch.targets, c_float, batch.count * batch.classes), np.float32).reshape(batch.count, batch.classes)
              if batch.targets else np.frombuffer(_view(owner, batch.labels, c_int64, batch.count), np.int64))
    arrays = (
        np.frombuffer(_view(owner, images.data, c_float if is_float else c_uint8, size), np.float32 if is_float else np.uint8).reshape(shape),
        labels,
    )
    return arrays + (np.frombuffer(_view(owner, batch.indices, c_int64, batch.count), np.int64),) if with_indices else arrays


def _epoch_state(handle: c_void_p) -> dict:
    text = c_void_p()
    _native.check(lib.sluice_epoch_state(handle, byref(text)))
    return json.loads(_native.take_string(text))


def merge_states(states: "list[dict]") -> dict:
    """One state from the states every rank of a job saved at the same step (``state_dict()``
    of each rank's loader): loaded into loaders of another ``world_size``, it splits what all
    the ranks left among the new ranks, every sample once (but for at most world_size - 1
    repeats that even the ranks out), each with the augmentation it would have had."""
    texts = (c_char_p * len(states))(*[json.dumps(state).encode() for state in states])
    merged = c_void_p()
    _native.check(lib.sluice_states_merge(texts, len(states), byref(merged)))
    return json.loads(_native.take_string(merged))


class Loader:
    """The batches of one split of a pipeline file, the same bytes for any number of workers.

    Each epoch's order, and every random draw of its samples, comes from (seed, epoch, sample
    index): ``loader.epoch(3)`` gives the same batches today and tomorrow, on one process or
    split over ranks. Images are float32 ``[B, C, H, W]`` after ``to_float`` (uint8
    ``[B, H, W, C]`` when the split's transforms stop before it, say to augment on a GPU), and
    labels int64 ``[B]`` (-1 when the split has none), or float32 ``[B, classes]`` soft targets when the split has
    ``batch_transforms`` (mixup, cutmix, as torchvision's ``MixUp``/``CutMix`` give them); both view the batch's storage without a copy, which goes back to the
    loader's pool once no array (or torch tensor made with ``torch.from_numpy``) views it.

    Args:
        pipeline: the pipeline file (YAML or JSON). With ``text``, only names it in messages and
            anchors its relative paths (may be None).
        split: the split to feed ("train", "test", ...).
        workers: decode and transform threads; None takes the file's ``loader.workers``, else the
            cores - 1 (at least 1).
        rank, world_size: this process takes samples rank, rank + world_size, ... of each epoch.
        prefetch: batches prepared ahead; None takes the file's.
        on_error: "skip" reports each bad file (``SkippedSampleWarning``, or ``on_skip(path,
            reason)``) and fills the batch from the next samples; "fail" raises ``DecodeError``.
        shuffle: None takes the file's.
        limit: only the first ``limit`` samples of the split.
        shards: read the split from this ``sluice shard`` folder instead of its source.
        source: run the split's recipe on these images instead (a folder, file list, IDX file).
        text: the pipeline as YAML text instead of a file.
        on_skip: called with (path, reason) for each bad file instead of a warning.

    Raises:
        PipelineError: the pipeline is invalid (the message gives file:line:column).
        DataError: the split's data cannot be listed.
        ValueError: a bad argument (unknown split, rank >= world_size, ...).
    """

    def __init__(
        self,
        pipeline: PathLike | None,
        split: str = "train",
        *,
        workers: int | None = None,
        rank: int = 0,
        world_size: int = 1,
        prefetch: int | None = None,
        on_error: str = "skip",
        shuffle: bool | None = None,
        limit: int | None = None,
        shards: PathLike | None = None,
        source: PathLike | None = None,
        text: str | None = None,
        on_skip: Callable[[str, str], None] | None = None,
    ) -> None:
        if on_error not in _native.ON_ERROR:
            raise ValueError(f"on_error={on_error!r}: use 'skip' or 'fail'")
        for name, value in (("workers", workers), ("prefetch", prefetch), ("limit", limit)):
            if value is not None and value < 1:
                raise ValueError(f"{name}={value}: must be at least 1 (or None)")
        options = _native.LoaderOptions()
        lib.sluice_loader_options_init(byref(options))
        options.split = split.encode()
        options.workers = workers or 0
        options.prefetch = prefetch or 0
        options.rank = rank
        options.world_size = world_size
        options.on_error = _native.ON_ERROR[on_error]
        options.shuffle = -1 if shuffle is None else int(bool(shuffle))
        options.limit = limit or 0
        options.shards = _native.encode(shards)
        options.source = _native.encode(source)
        handle = c_void_p()
        _native.check(lib.sluice_loader_open(_native.encode(pipeline), None if text is None else text.encode(), byref(options), byref(handle)))
        self._handle = handle
        self._epoch: c_void_p | None = None   # the epoch being iterated, for state_dict()
        self._state: dict | None = None   # the state when no epoch is being iterated
        self._resume: dict | None = None   # a loaded state, for the next epoch() of its epoch
        self._on_skip = on_skip
        self._skips = on_error == "skip"
        info = c_void_p()
        _native.check(lib.sluice_loader_info(handle, byref(info)))
        self.info: dict = json.loads(_native.take_string(info))
        """split, sample_shape, batch_size, samples, batches, dataset_size, classes, seed, shuffle,
        drop_last, workers, prefetch, rank, world_size."""

    @property
    def sample_shape(self) -> Tuple[int, int, int]:
        """[C, H, W] of every float32 sample, or [H, W, C] of every uint8 one."""
        return tuple(self.info["sample_shape"])  # type: ignore[return-value]

    @property
    def batch_size(self) -> int:
        return int(self.info["batch_size"])

    @property
    def num_samples(self) -> int:
        """Samples per epoch for this rank."""
        return int(self.info["samples"])

    @property
    def classes(self) -> list[str]:
        """Class names by label (the pipeline file's ``classes:``, or the folders'), if known."""
        return list(self.info["classes"])

    def __len__(self) -> int:
        """Batches per epoch for this rank (the last may be smaller unless drop_last)."""
        return int(lib.sluice_loader_batches(self._live()))

    def order(self, epoch: int) -> np.ndarray:
        """This rank's dataset indices of ``epoch``, in the order the batches hold them (int64)."""
        count = self.num_samples
        indices = np.empty(count, dtype=np.int64)
        _native.check(lib.sluice_loader_order(self._live(), epoch, indices.ctypes.data_as(POINTER(c_int64)), count))
        return indices

    def epoch(self, epoch: int, *, indices: bool = False) -> Iterator[tuple]:
        """The batches of ``epoch`` (>= 0): ``(images, labels)``, or ``(images, labels, indices)``
        with ``indices=True``. Workers start now and stop when the loop ends, is broken, or is
        interrupted (Ctrl-C); the GIL is released while a batch is awaited. After
        ``load_state_dict(state)``, ``epoch(state["epoch"])`` gives the rest of that epoch."""
        if epoch < 0:
            raise ValueError(f"epoch {epoch} is negative")
        self._live()
        resume = self._resume if self._resume is not None and self._resume.get("epoch") == epoch else None
        self._resume = None
        return self._batches(epoch, indices, resume)

    def state_dict(self) -> dict:
        """Where the epoch being iterated stands (after the batches handed out so far), or the
        last one ended: a small JSON-serialisable dict (version, seed, epoch, digest, segments).

        ``load_state_dict`` of it, in a new loader of the same pipeline with any ``workers`` or
        ``prefetch``, makes ``epoch(state["epoch"])`` give exactly the batches this one would
        have given next. It holds this rank's place only: to resume with another ``world_size``,
        merge every rank's state with ``sluice.merge_states``. Empty before any epoch."""
        if self._epoch is not None:
            return _epoch_state(self._epoch)
        return dict(self._state) if self._state is not None else {}

    def load_state_dict(self, state: dict) -> None:
        """Makes the next ``epoch(state["epoch"])`` resume where ``state`` was saved. A state of
        another pipeline (dataset, transforms, seed, shuffle, drop_last) raises ValueError then."""
        if not isinstance(state, dict) or not isinstance(state.get("epoch"), int):
            raise ValueError("not a loader state: use the dict state_dict() gave")
        self._resume = dict(state)

    def _batches(self, epoch: int, with_indices: bool, resume: dict | None,
                 _close=lib.sluice_epoch_close) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
        # Workers start at the first next(): an iterator never looped over holds nothing.
        handle = c_void_p()
        if resume is None:
            _native.check(lib.sluice_loader_epoch(self._live(), epoch, byref(handle)))
        else:
            _native.check(lib.sluice_loader_resume(self._live(), json.dumps(resume).encode(), byref(handle)))
        self._epoch = handle
        try:
            batch = POINTER(_native.Batch)()
            while True:
                status = lib.sluice_epoch_next(handle, _WAIT_MS, byref(batch))
                if self._skips:
                    self._report_skipped(handle)
                if status == _native.OK:
                    arrays = batch_arrays(batch, with_indices)
                    batch = POINTER(_native.Batch)()   # the arrays' owner keeps the last one
                    yield arrays
                elif status == _native.END:
                    return
                else:
                    _native.check(status)   # TIMEOUT: Python looks at its signals (Ctrl-C), then waits again
        finally:
            if self._epoch is handle:
                self._state = _epoch_state(handle)
                self._epoch = None
            _close(handle)   # bound at definition, as in _BatchOwner

    def _report_skipped(self, handle: c_void_p) -> None:
        path, reason = c_void_p(), c_void_p()
        while lib.sluice_epoch_failure(handle, byref(path), byref(reason)) == 1:
            path_text, reason_text = _native.take_string(path), _native.take_string(reason)
            if self._on_skip is not None:
                self._on_skip(path_text, reason_text)
            else:
                warnings.warn(f"skipped {path_text}: {reason_text}", SkippedSampleWarning, stacklevel=3)

    def _live(self) -> c_void_p:
        if self._handle is None:
            raise ValueError("the loader is closed")
        return self._handle

    def close(self, _close=lib.sluice_loader_close) -> None:  # type: ignore[no-untyped-def]
        """Frees the loader; epochs still running and batches already taken stay valid."""
        if getattr(self, "_handle", None) is not None:
            _close(self._handle)
            self._handle = None

    def __enter__(self) -> "Loader":
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def __repr__(self) -> str:
        info = self.info
        return (f"Loader(split={info['split']!r}, samples={info['samples']}, batches={info['batches']}, "
                f"batch_size={info['batch_size']}, sample_shape={tuple(info['sample_shape'])}, "
                f"workers={info['workers']}, rank={info['rank']}/{info['world_size']})")
