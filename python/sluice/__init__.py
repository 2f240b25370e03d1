"""Sluice: folders of images to training-ready batches, fast and reproducibly.

    import sluice
    loader = sluice.Loader("pipelines/fashion-mnist.yaml", split="train", workers=2)
    for images, labels in loader.epoch(0):   # float32 [B, C, H, W], int64 [B], zero-copy
        ...

``loader.state_dict()`` / ``load_state_dict()`` resume an epoch mid-way (``sluice.merge_states``
for another number of ranks), ``sluice.apply`` runs one sample's transforms, ``sluice.stats`` measures a dataset, and
``sluice.torch.SluiceDataset`` feeds a PyTorch training loop.
"""

from ._native import lib as _lib
from .errors import DataError, DecodeError, PipelineError, SkippedSampleWarning, SluiceError
from .loader import Loader, merge_states
from .statistics import stats
from .transform import apply

__version__: str = _lib.sluice_version().decode()

__all__ = ["Loader", "merge_states", "apply", "stats", "SluiceError", "PipelineError", "DecodeError", "DataError", "SkippedSampleWarning"]
