"""The ctypes binding of libSluiceABI (the C ABI of ``sluice.h``), loaded from this package."""

from __future__ import annotations

import ctypes
import os
from ctypes import POINTER, Structure, c_char_p, c_int32, c_int64, c_void_p

from .errors import DecodeError, DataError, PipelineError, SluiceError

OK, END, TIMEOUT = 0, 1, 2
E_ARGUMENT, E_PIPELINE, E_DECODE, E_DATA = -1, -2, -3, -4
UINT8, FLOAT32 = 1, 2
ON_ERROR = {"skip": 0, "fail": 1}


class Tensor(Structure):
    _fields_ = [("data", c_void_p), ("dtype", c_int32), ("ndim", c_int32), ("shape", c_int64 * 4)]


class Batch(Structure):
    _fields_ = [
        ("images", Tensor),
        ("labels", c_void_p),    # const int64_t *, read as an address
        ("indices", c_void_p),
        ("count", c_int64),
        ("owner", c_void_p),
        ("targets", c_void_p),   # const float *: [count, classes] soft targets, or NULL
        ("classes", c_int64),
    ]


class LoaderOptions(Structure):
    _fields_ = [
        ("split", c_char_p),
        ("workers", c_int32),
        ("prefetch", c_int32),
        ("rank", c_int32),
        ("world_size", c_int32),
        ("on_error", c_int32),
        ("shuffle", c_int32),
        ("limit", c_int64),
        ("shards", c_char_p),
        ("source", c_char_p),
    ]


class StatsOptions(Structure):
    _fields_ = [("color", c_char_p), ("split", c_char_p), ("workers", c_int32), ("on_error", c_int32)]


def _load() -> ctypes.CDLL:
    # ctypes.CDLL releases the GIL around every call: Python threads run while a call waits.
    library = ctypes.CDLL(os.path.join(os.path.dirname(os.path.abspath(__file__)), "libSluiceABI.so"))
    signatures = {
        "sluice_version": (c_char_p, []),
        "sluice_last_error": (c_char_p, []),
        "sluice_string_free": (None, [c_void_p]),
        "sluice_loader_options_init": (None, [POINTER(LoaderOptions)]),
        "sluice_stats_options_init": (None, [POINTER(StatsOptions)]),
        "sluice_loader_open": (c_int32, [c_char_p, c_char_p, POINTER(LoaderOptions), POINTER(c_void_p)]),
        "sluice_loader_close": (None, [c_void_p]),
        "sluice_loader_batches": (c_int64, [c_void_p]),
        "sluice_loader_samples": (c_int64, [c_void_p]),
        "sluice_loader_info": (c_int32, [c_void_p, POINTER(c_void_p)]),
        "sluice_loader_order": (c_int64, [c_void_p, c_int64, POINTER(c_int64), c_int64]),
        "sluice_loader_epoch": (c_int32, [c_void_p, c_int64, POINTER(c_void_p)]),
        "sluice_epoch_next": (c_int32, [c_void_p, c_int32, POINTER(POINTER(Batch))]),
        "sluice_epoch_failure": (c_int32, [c_void_p, POINTER(c_void_p), POINTER(c_void_p)]),
        "sluice_epoch_close": (None, [c_void_p]),
        "sluice_epoch_state": (c_int32, [c_void_p, POINTER(c_void_p)]),
        "sluice_loader_resume": (c_int32, [c_void_p, c_char_p, POINTER(c_void_p)]),
        "sluice_states_merge": (c_int32, [POINTER(c_char_p), c_int64, POINTER(c_void_p)]),
        "sluice_batch_release": (None, [POINTER(Batch)]),
        "sluice_apply": (c_int32, [c_char_p, c_char_p, c_char_p, c_char_p, c_int64, c_int64, POINTER(POINTER(Batch))]),
        "sluice_stats": (c_int32, [POINTER(c_char_p), c_int64, POINTER(StatsOptions), POINTER(c_void_p)]),
    }
    for name, (result, arguments) in signatures.items():
        function = getattr(library, name)
        function.restype = result
        function.argtypes = arguments
    return library


lib = _load()


def encode(text: str | os.PathLike[str] | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def check(status: int) -> int:
    """Returns `status` when it is not an error, else raises the error it stands for."""
    if status >= 0:
        return status
    message = lib.sluice_last_error().decode("utf-8", "replace")
    if status == E_PIPELINE:
        raise PipelineError(message)
    if status == E_DECODE:
        path, _, reason = message.partition(": ")
        raise DecodeError(message, path=path, reason=reason)
    if status == E_DATA:
        raise DataError(message)
    if status == E_ARGUMENT:
        raise ValueError(message)
    raise SluiceError(message)


def take_string(pointer: c_void_p) -> str:
    """The text of a string the library allocated, which is freed here."""
    try:
        return ctypes.string_at(pointer.value).decode("utf-8", "replace")
    finally:
        lib.sluice_string_free(pointer)
