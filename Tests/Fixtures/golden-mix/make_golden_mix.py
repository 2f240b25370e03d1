#!/usr/bin/env python3
"""Expected outputs of torchvision 0.29's MixUp and CutMix on a float32 batch at fixed draws, and
20,000 of their draws, for Tests/ImageTransformsTests/BatchMixTests.swift:
- batch.npy [5, 3, 8, 10] and labels.npy [5] (int64), the inputs;
- mixup-<lam>.npy / cutmix-<x1>_<y1>_<x2>_<y2>.npy with their -targets.npy [5, 7] (7 classes);
- draws-mixup-<alpha>.npy (lam) and draws-cutmix-1.0.npy (lam_adjusted, x1, y1, x2, y2 on 32 x 32).

    python3 Tests/Fixtures/golden-mix/make_golden_mix.py   (pip install torchvision numpy)
"""
import json
from pathlib import Path

import numpy as np
import torch
import torchvision
from torchvision.transforms import v2

here = Path(__file__).parent
torch.manual_seed(0)
batch = torch.rand(5, 3, 8, 10)
labels = torch.tensor([3, 0, 6, 3, 1])
np.save(here / "batch.npy", batch.numpy())
np.save(here / "labels.npy", labels.numpy())
cases = []
for lam in (0.3, 0.8712):
    mixup = v2.MixUp(alpha=1.0, num_classes=7)
    params = {"lam": lam, "labels": labels, "batch_size": 5}
    np.save(here / f"mixup-{lam}.npy", mixup.transform(batch, params).numpy())
    np.save(here / f"mixup-{lam}-targets.npy", mixup.transform(labels, params).numpy())
    cases.append({"op": "mixup", "lam": lam, "expected": f"mixup-{lam}.npy", "targets": f"mixup-{lam}-targets.npy"})
for box in ((2, 1, 7, 6), (0, 0, 10, 3)):
    cutmix = v2.CutMix(alpha=1.0, num_classes=7)
    lam = float(1.0 - (box[2] - box[0]) * (box[3] - box[1]) / (8 * 10))
    params = {"box": box, "lam_adjusted": lam, "labels": labels, "batch_size": 5}
    name = "_".join(map(str, box))
    np.save(here / f"cutmix-{name}.npy", cutmix.transform(batch, params).numpy())
    np.save(here / f"cutmix-{name}-targets.npy", cutmix.transform(labels, params).numpy())
    cases.append({"op": "cutmix", "box": list(box), "lam": lam, "expected": f"cutmix-{name}.npy", "targets": f"cutmix-{name}-targets.npy"})

draws = {}
probe = torch.zeros(4, 3, 32, 32)
for alpha in (0.2, 1.0):
    mixup = v2.MixUp(alpha=alpha, num_classes=7)
    np.save(here / f"draws-mixup-{alpha}.npy", np.array([mixup.make_params([probe])["lam"] for _ in range(20000)], dtype=np.float32))
    draws[f"mixup-{alpha}"] = f"draws-mixup-{alpha}.npy"
cutmix = v2.CutMix(alpha=1.0, num_classes=7)
rows = []
for _ in range(20000):
    p = cutmix.make_params([probe])
    rows.append([p["lam_adjusted"], *p["box"]])
np.save(here / "draws-cutmix-1.0.npy", np.array(rows, dtype=np.float32))
draws["cutmix-1.0"] = "draws-cutmix-1.0.npy"
(here / "manifest.json").write_text(json.dumps({"torchvision": torchvision.__version__, "torch": torch.__version__, "classes": 7,
                                                "cases": cases, "draws": draws}, indent=1) + "\n")
