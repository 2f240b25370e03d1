"""Reads a Sluice shard folder with the safetensors package, as a Python training job would.

Checks every shard against index.json (shapes, dtypes, counts, CRC-32C of every tensor,
computed here in pure Python), then that the images of the given samples equal the NumPy
files `sluice apply` wrote for them.

Usage: read_shards.py SHARD_DIR [INDEX=FILE.npy ...]; prints "ok N samples" on success.
"""
import json
import os
import sys

import numpy as np
from safetensors.numpy import load_file

TABLE = []
for byte in range(256):
    crc = byte
    for _ in range(8):
        crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    TABLE.append(crc)


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


folder = sys.argv[1]
with open(os.path.join(folder, "index.json")) as f:
    index = json.load(f)
height, width, channels = index["image_shape"]
by_index = {}
total = 0
for shard in index["shards"]:
    tensors = load_file(os.path.join(folder, shard["file"]))
    images, labels, indices = tensors["images"], tensors["labels"], tensors["indices"]
    n = shard["count"]
    assert images.dtype == np.uint8 and images.shape == (n, height, width, channels), (shard["file"], images.shape)
    assert labels.dtype == np.int64 and labels.shape == (n,) and indices.dtype == np.int64 and indices.shape == (n,)
    for name, tensor in (("images", images), ("labels", labels), ("indices", indices)):
        assert crc32c(tensor.tobytes()) == shard["crc32c"][name], (shard["file"], name)
    assert ((labels >= 0) & (labels < len(index["classes"]))).all()
    for k in range(n):
        by_index[int(indices[k])] = images[k]
    total += n
assert total == sum(s["count"] for s in index["shards"])
for argument in sys.argv[2:]:
    sample, path = argument.split("=", 1)
    expected = np.load(path)
    assert expected.dtype == np.uint8 and (by_index[int(sample)] == expected).all(), f"sample {sample} differs from {path}"
print(f"ok {total} samples")
