"""Reference forward/backward values from PyTorch for Sluice's trainer tests.

Writes pytorch-reference.safetensors: for each case, the input, weights, upstream gradient
(loss = sum(output * grad_output)), output and every gradient; the case settings are in the
metadata as JSON. Optimizer cases apply three steps with fixed gradients.

Run: pip install torch safetensors numpy; python make_pytorch_reference.py
"""
import json

import torch
import torch.nn as nn
from safetensors.torch import save_file

torch.manual_seed(0)
tensors, cases = {}, {}


def record(name, module, input_shape, settings, make_input=None):
    x = (make_input(input_shape) if make_input else torch.randn(*input_shape)).requires_grad_(True)
    y = module(x)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    tensors[f"{name}.input"] = x.detach()
    tensors[f"{name}.output"] = y.detach()
    tensors[f"{name}.grad_output"] = r
    tensors[f"{name}.grad_input"] = x.grad
    for key, p in module.named_parameters():
        tensors[f"{name}.{key}"] = p.detach().clone()
        tensors[f"{name}.grad_{key}"] = p.grad
    for key, b in module.named_buffers():
        if b.dtype == torch.float32:
            tensors[f"{name}.{key}"] = b.detach().clone()
    cases[name] = settings


conv_cases = [
    ("conv_3x3_pad1", dict(kernel=3, stride=1, padding=1, dilation=1), (2, 3, 7, 6), 4),
    ("conv_2x2_same", dict(kernel=2, stride=1, padding="same", dilation=1), (2, 3, 8, 8), 5),
    ("conv_3x3_stride2", dict(kernel=3, stride=2, padding=1, dilation=1), (2, 2, 9, 7), 3),
    ("conv_3x3_dilation2", dict(kernel=3, stride=1, padding=0, dilation=2), (1, 2, 9, 9), 3),
    ("conv_5x5_valid", dict(kernel=5, stride=1, padding=0, dilation=1), (3, 1, 12, 10), 6),
]
for name, s, shape, filters in conv_cases:
    m = nn.Conv2d(shape[1], filters, s["kernel"], stride=s["stride"], padding=s["padding"], dilation=s["dilation"])
    record(name, m, shape, {"layer": "conv2d", "filters": filters, **s})

record("max_pool_2", nn.MaxPool2d(2), (2, 3, 8, 7), {"layer": "max_pool", "size": 2, "stride": 2})
record("max_pool_3_stride2", nn.MaxPool2d(3, 2), (2, 2, 9, 8), {"layer": "max_pool", "size": 3, "stride": 2})
record("avg_pool_2", nn.AvgPool2d(2), (2, 3, 8, 7), {"layer": "avg_pool", "size": 2, "stride": 2})
# Wide rows (8 and 4 outputs at a time) and many ties (small integers): the first maximum wins.
record("max_pool_2_wide", nn.MaxPool2d(2), (2, 3, 10, 37), {"layer": "max_pool", "size": 2, "stride": 2})
record("max_pool_2_mid", nn.MaxPool2d(2), (1, 2, 6, 13), {"layer": "max_pool", "size": 2, "stride": 2})
record("max_pool_2_ties", nn.MaxPool2d(2), (2, 2, 8, 34), {"layer": "max_pool", "size": 2, "stride": 2, "ties": True},
       make_input=lambda shape: torch.randint(0, 3, shape).float())
record("dense", nn.Linear(13, 5), (4, 13), {"layer": "dense", "units": 5})
bn = nn.BatchNorm2d(3)
bn.train()
record("batch_norm_2d", bn, (4, 3, 5, 5), {"layer": "batch_norm", "momentum": 0.1, "epsilon": 1e-5})
bn1 = nn.BatchNorm1d(6)
bn1.train()
record("batch_norm_1d", bn1, (8, 6), {"layer": "batch_norm", "momentum": 0.1, "epsilon": 1e-5})

# Cross-entropy: mean loss and its gradient.
logits = (torch.randn(6, 10) * 4).requires_grad_(True)
labels = torch.tensor([0, 9, 3, 3, 7, 1])
loss = nn.functional.cross_entropy(logits, labels)
loss.backward()
tensors["cross_entropy.logits"] = logits.detach()
tensors["cross_entropy.labels"] = labels.to(torch.float32)
tensors["cross_entropy.loss"] = loss.detach().reshape(1)
tensors["cross_entropy.grad_logits"] = logits.grad
cases["cross_entropy"] = {"layer": "loss"}

# Optimizers: three steps from the same start with fixed gradients.
start = torch.randn(20)
grads = torch.randn(3, 20)
tensors["optimizer.start"] = start
tensors["optimizer.gradients"] = grads
optimizers = {
    "sgd": lambda p: torch.optim.SGD([p], lr=0.1),
    "sgd_momentum_wd": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda p: torch.optim.Adam([p], lr=0.01, eps=1e-7),
    "adam_wd": lambda p: torch.optim.Adam([p], lr=0.01, eps=1e-7, weight_decay=0.1),
    "rmsprop": lambda p: torch.optim.RMSprop([p], lr=0.01, alpha=0.9, eps=1e-7),
    "rmsprop_momentum": lambda p: torch.optim.RMSprop([p], lr=0.01, alpha=0.9, eps=1e-7, momentum=0.5),
}
for name, make in optimizers.items():
    p = torch.nn.Parameter(start.clone())
    opt = make(p)
    after = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        after.append(p.detach().clone())
    tensors[f"optimizer.{name}"] = torch.stack(after)
cases["optimizer"] = {"layer": "optimizer", "names": list(optimizers)}

save_file({k: v.contiguous() for k, v in tensors.items()}, "pytorch-reference.safetensors",
          metadata={"cases": json.dumps(cases), "torch": torch.__version__})
print(f"{len(tensors)} tensors, torch {torch.__version__}")
