"""PyTorch: a Sluice loader as a ``torch.utils.data.IterableDataset`` of whole batches."""

from __future__ import annotations

from typing import Any, Iterator, Tuple

try:
    import torch
    import torch.distributed
    import torch.utils.data
except ImportError as error:   # pragma: no cover - depends on the environment
    raise ImportError("sluice.torch needs PyTorch: pip install torch (or pip install ./python[torch])") from error

from .loader import Loader, PathLike


class SluiceDataset(torch.utils.data.IterableDataset):
    """The batches of a pipeline file's split as ``(images, labels)`` tensors (float32
    ``[B, C, H, W]``, int64 ``[B]``, or float32 ``[B, classes]`` soft targets when the split has
    ``batch_transforms``) that share the batch's memory.

    Each pass (``for images, labels in dataset``) is the next epoch, starting at ``epoch``;
    ``set_epoch(e)`` chooses the next one (to resume, or as with ``DistributedSampler``). The
    batches are already formed: use it directly, or through
    ``DataLoader(dataset, batch_size=None)`` with ``num_workers=0``: Sluice decodes in its own
    ``workers`` threads. ``rank`` and ``world_size`` default to torch.distributed's when it is
    initialised, else 0 and 1. The other arguments are ``sluice.Loader``'s.
    """

    def __init__(self, pipeline: PathLike | None, split: str = "train", *, epoch: int = 0,
                 rank: int | None = None, world_size: int | None = None, **loader_options: Any) -> None:
        super().__init__()
        if rank is None or world_size is None:
            distributed = torch.distributed.is_available() and torch.distributed.is_initialized()
            rank = rank if rank is not None else (torch.distributed.get_rank() if distributed else 0)
            world_size = world_size if world_size is not None else (torch.distributed.get_world_size() if distributed else 1)
        self.loader = Loader(pipeline, split, rank=rank, world_size=world_size, **loader_options)
        self.epoch = epoch

    def set_epoch(self, epoch: int) -> None:
        """The epoch the next pass runs."""
        self.epoch = epoch

    def state_dict(self) -> dict:
        """Where the pass being iterated stands (``Loader.state_dict``): save it with the model.
        With several ranks, gather them (``torch.distributed.all_gather_object``) and
        ``sluice.merge_states`` them to resume with another world size."""
        return self.loader.state_dict()

    def load_state_dict(self, state: dict) -> None:
        """The next pass resumes ``state``'s epoch where it was saved."""
        self.loader.load_state_dict(state)
        self.epoch = state["epoch"]

    def __len__(self) -> int:
        """Batches per epoch for this rank."""
        return len(self.loader)

    def __iter__(self) -> Iterator[Tuple[torch.Tensor, torch.Tensor]]:
        if torch.utils.data.get_worker_info() is not None:
            raise RuntimeError("SluiceDataset decodes in its own threads: use DataLoader(dataset, batch_size=None, "
                               "num_workers=0) and set SluiceDataset(..., workers=N)")
        epoch, self.epoch = self.epoch, self.epoch + 1
        for images, labels in self.loader.epoch(epoch):
            yield torch.from_numpy(images), torch.from_numpy(labels)
