"""One sample through a split's transforms, as ``sluice apply`` writes it."""

from __future__ import annotations

from ctypes import POINTER, byref

import numpy as np

from . import _native
from ._native import lib
from .loader import PathLike, batch_arrays


def apply(
    pipeline: PathLike | None,
    image: PathLike | None = None,
    *,
    split: str = "train",
    epoch: int = 0,
    index: int = 0,
    text: str | None = None,
) -> np.ndarray:
    """Runs ``split``'s transforms on ``image`` as sample ``index`` of ``epoch``: the random draws
    training makes for that sample, so the result equals that sample's slot in the epoch's batch
    and ``sluice apply --epoch E --index I`` output, bit for bit. Without ``image``, the split's
    own sample ``index`` is read (as ``sluice apply --sample``).

    Returns float32 ``[C, H, W]`` when the transforms end in ``to_float``, else uint8 ``[H, W, C]``.

    Raises:
        DecodeError: the image cannot be read. PipelineError: the pipeline is invalid.
        ValueError: a bad argument (a sample index past the split's end, ...).
    """
    if epoch < 0 or index < 0:
        raise ValueError("epoch and index must not be negative")
    batch = POINTER(_native.Batch)()
    _native.check(lib.sluice_apply(_native.encode(pipeline), None if text is None else text.encode(), split.encode(),
                                   _native.encode(image), epoch, index, byref(batch)))
    images, _ = batch_arrays(batch, with_indices=False)
    return images[0]
