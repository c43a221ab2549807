#!/usr/bin/python3
"""Reference values from PyTorch (Debian's python3-torch 1.13) for the
activation ops of src/ops/act.c and of prelu and swish (src/ops/actlearn.c),
checked by spec/ops_act_spec.lua and spec/c/test_ops_act.c.

One input x (4 x 3 x 5, float32: a grid over [-8, 8] with 0 and the kinks
-2, 2, 6 on it, plus 21 and 25 beyond softplus' threshold), one upstream
gradient gy; for every case y = f(x) and gx = dL/dx with L = sum(gy * y)
(and gw for the parameter of prelu and swish). Computed in float64 from
the float32 inputs, stored as float32: the references are the exact
values, not PyTorch's float32 rounding.

Run from the repository root: /usr/bin/python3 spec/support/make_act_ref.py"""
import numpy as np
import torch
import torch.nn.functional as F

out = "spec/fixtures/act/"
rng = np.random.RandomState(5)
vals = np.concatenate([np.linspace(-8, 8, 57), [21.0, 25.0, -25.0]])
x32 = vals[rng.permutation(60)].reshape(4, 3, 5).astype("<f4")
gy32 = rng.uniform(-1, 1, size=(4, 3, 5)).astype("<f4")
np.save(out + "x.npy", x32)
np.save(out + "gy.npy", gy32)


def swish(x, beta):
    return x * torch.sigmoid(beta.reshape(-1, 1) * x) if beta.numel() > 1 \
        else x * torch.sigmoid(beta * x)


# name -> (function of x (and w), parameter values or None)
cases = {
    "leaky_relu": (lambda x: F.leaky_relu(x), None),
    "leaky_relu_a0.2": (lambda x: F.leaky_relu(x, 0.2), None),
    "prelu": (lambda x, w: F.prelu(x, w), [0.25, -0.1, 0.7]),
    "prelu_shared": (lambda x, w: F.prelu(x, w), [0.3]),
    "relu6": (lambda x: F.relu6(x), None),
    "hardtanh": (lambda x: F.hardtanh(x), None),
    "hardtanh_-2_3": (lambda x: F.hardtanh(x, -2.0, 3.0), None),
    "elu": (lambda x: F.elu(x), None),
    "elu_alpha0.5": (lambda x: F.elu(x, 0.5), None),
    "celu": (lambda x: F.celu(x), None),
    "celu_alpha2": (lambda x: F.celu(x, 2.0), None),
    "selu": (lambda x: F.selu(x), None),
    "gelu": (lambda x: F.gelu(x), None),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), None),
    "silu": (lambda x: F.silu(x), None),
    "swish": (swish, [1.0, 0.5, -1.5]),
    "swish_shared": (swish, [1.7]),
    "mish": (lambda x: F.mish(x), None),
    "softplus": (lambda x: F.softplus(x), None),
    "softplus_b2_t5": (lambda x: F.softplus(x, beta=2.0, threshold=5.0), None),
    "logsigmoid": (lambda x: F.logsigmoid(x), None),
    "softsign": (lambda x: F.softsign(x), None),
    "squared_relu": (lambda x: torch.relu(x) ** 2, None),
}

gy = torch.from_numpy(gy32.astype(np.float64))
for name, (fn, wv) in cases.items():
    x = torch.from_numpy(x32.astype(np.float64)).requires_grad_(True)
    if wv is None:
        y = fn(x)
        y.backward(gy)
    else:
        w32 = np.array(wv, dtype="<f4")
        w = torch.from_numpy(w32.astype(np.float64)).requires_grad_(True)
        y = fn(x, w)
        y.backward(gy)
        np.save(out + "w_" + name + ".npy", w32)
        np.save(out + "gw_" + name + ".npy", w.grad.numpy().astype("<f4"))
    np.save(out + "y_" + name + ".npy", y.detach().numpy().astype("<f4"))
    np.save(out + "gx_" + name + ".npy", x.grad.numpy().astype("<f4"))
print(len(cases), "cases written to", out)
