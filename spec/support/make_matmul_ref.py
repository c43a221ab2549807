#!/usr/bin/python3
"""Reference values from PyTorch (Debian's python3-torch) for
spec/matmul_bcast_spec.lua: torch.matmul with 1-D operands and broadcast
batch dims. For each case: a, b, y = a @ b, r, and the gradients of
L = sum(y * r); the shapes go to spec/fixtures/matmul_bcast/cases.lua
(a 0-d y or r is stored with shape [1]). Run from the repository root:
/usr/bin/python3 spec/support/make_matmul_ref.py"""
import numpy as np
import torch

out = "spec/fixtures/matmul_bcast/"
torch.manual_seed(21)

cases = [
    ("bcast_4d_3d", [2, 1, 3, 4], [5, 4, 6]),
    ("fold_4d_2d", [2, 3, 5, 4], [4, 7]),
    ("dot", [4], [4]),
    ("vec_batched", [4], [3, 4, 2]),
    ("batched_vec", [3, 2, 4], [4]),
    ("mat_batched", [3, 4], [2, 4, 5]),
    ("same_4d", [2, 3, 4, 5], [2, 3, 5, 6]),
    ("bcast_both", [1, 3, 4], [2, 1, 4, 5]),
    ("bcast_inner", [2, 2, 3, 4], [2, 1, 4, 5]),
    ("vec_mat", [5], [5, 3]),
    ("bcast_cross", [1, 4, 2, 3], [3, 1, 3, 2]),
    ("bcast_5d", [2, 1, 3, 1, 2, 4], [2, 1, 5, 4, 3]),
]


def save(name, what, t):
    a = t.detach().numpy().astype("<f4")
    np.save(out + name + "." + what + ".npy", a.reshape(1) if a.ndim == 0 else a)


lines = ["-- made by spec/support/make_matmul_ref.py (do not edit)", "return {"]
for name, sa, sb in cases:
    a = torch.randn(*sa, requires_grad=True)
    b = torch.randn(*sb, requires_grad=True)
    y = torch.matmul(a, b)
    r = torch.randn(tuple(y.shape))
    (y * r).sum().backward()
    for k, t in (("a", a), ("b", b), ("y", y), ("r", r), ("da", a.grad), ("db", b.grad)):
        save(name, k, t)
    lines.append('  {name = "%s", a = {%s}, b = {%s}, y = {%s}},' % (
        name, ", ".join(map(str, sa)), ", ".join(map(str, sb)),
        ", ".join(map(str, y.shape))))
lines.append("}")
with open(out + "cases.lua", "w") as f:
    f.write("\n".join(lines) + "\n")
print(len(cases), "cases")
