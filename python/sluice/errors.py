"""The errors Sluice raises; each message names the file and what to do."""

from __future__ import annotations


class SluiceError(Exception):
    """Base class of Sluice's errors."""


class PipelineError(SluiceError):
    """The pipeline file or text is invalid; the message starts with file:line:column."""


class DecodeError(SluiceError):
    """An image could not be read (raised under ``on_error="fail"``)."""

    def __init__(self, message: str, path: str, reason: str) -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason


class DataError(SluiceError):
    """A dataset cannot be listed or read: a missing folder, no images, shards of another pipeline."""


class SkippedSampleWarning(UserWarning):
    """A bad file skipped under ``on_error="skip"``; the batch was filled from the next samples."""
