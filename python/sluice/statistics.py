"""Exact dataset statistics, as ``sluice stats --json`` measures them."""

from __future__ import annotations

import json
from ctypes import byref, c_char_p, c_void_p
from typing import Any, Sequence

from . import _native
from ._native import lib
from .loader import PathLike


def stats(
    paths: PathLike | Sequence[PathLike],
    *,
    color: str | None = None,
    split: str = "train",
    workers: int | None = None,
    on_error: str = "skip",
) -> dict[str, Any]:
    """Measures the images of ``paths`` (folders, file lists, IDX files, images, or pipeline
    files, whose ``split`` source is read) and returns the object ``sluice stats --json`` writes:
    exact per-channel ``mean`` and ``std`` on the [0, 1] scale, ``min``, ``max``,
    ``per_image_std_mean``, sizes, formats, classes, ``failed`` files, and the ``exact`` integer
    sums that merge across parts. The same for any ``workers``.

    Args:
        color: "auto" (1 channel if every image is grayscale, else 3), "rgb" or "gray"; None takes
            a pipeline file's decode colour, else "auto".
        on_error: "skip" lists bad files under "failed"; "fail" raises DecodeError at the first.
    """
    if isinstance(paths, (str, bytes)) or hasattr(paths, "__fspath__"):
        paths = [paths]  # type: ignore[list-item]
    encoded = [_native.encode(path) for path in paths]  # type: ignore[union-attr]
    if not encoded:
        raise ValueError("give at least one path")
    if on_error not in _native.ON_ERROR:
        raise ValueError(f"on_error={on_error!r}: use 'skip' or 'fail'")
    if workers is not None and workers < 1:
        raise ValueError(f"workers={workers}: must be at least 1 (or None)")
    options = _native.StatsOptions()
    lib.sluice_stats_options_init(byref(options))
    options.color = None if color is None else color.encode()
    options.split = split.encode()
    options.workers = workers or 0
    options.on_error = _native.ON_ERROR[on_error]
    array = (c_char_p * len(encoded))(*encoded)
    result = c_void_p()
    _native.check(lib.sluice_stats(array, len(encoded), byref(options), byref(result)))
    return json.loads(_native.take_string(result))
