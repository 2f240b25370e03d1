#!/usr/bin/env python3
"""Float64 NumPy statistics of an IDX image file, to check `sluice stats --json` against.

Usage: numpy_stats.py IMAGES.idx[.gz]  -> JSON {mean, std, per_image_std_mean, images, pixels}
"""
import gzip, json, sys
import numpy as np

path = sys.argv[1]
data = (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
rank = data[3]
dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
x = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims).astype(np.float64) / 255
channels = dims[3] if rank == 4 else 1
x = x.reshape(dims[0], -1, channels)
print(json.dumps({
    "images": dims[0],
    "pixels": dims[0] * x.shape[1],
    "mean": x.mean(axis=(0, 1)).tolist(),
    "std": x.std(axis=(0, 1)).tolist(),
    "per_image_std_mean": x.std(axis=1).mean(axis=0).tolist(),
}))
