#!/usr/bin/python3
"""Reference values for the KAN op family (src/ops/kan.c), computed by
PyTorch autograd in float64 from the formulas of the papers, written out
independently of the C kernels: for each op, its inputs, a weight w, the
output y and the gradients of L = sum(y * w) with respect to every input.
spec/ops_kan_spec.lua compares the engine against them.
Run from the repository root: /usr/bin/python3 spec/support/make_kan_ref.py"""
import math
import os
import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
out = "spec/fixtures/kan/"
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20240531)


def inp(shape, lo=-1.0, hi=1.0):
    """float32-representable values, so the engine sees the same numbers"""
    return rng.uniform(lo, hi, shape).astype(np.float32)


def bsplines(x, grid, order, lo, hi):
    """B-splines of degree 'order' on 'grid' intervals of [lo, hi], knots
    extended by 'order' on both sides; Cox-de Boor from degree 0"""
    h = (hi - lo) / grid
    t = torch.tensor([lo + (m - order) * h for m in range(grid + 2 * order + 1)])
    x = x.unsqueeze(-1)
    B = ((x >= t[:-1]) & (x < t[1:])).to(x.dtype)
    for d in range(1, order + 1):
        left = (x - t[:-(d + 1)]) / (t[d:-1] - t[:-(d + 1)]) * B[..., :-1]
        right = (t[d + 1:] - x) / (t[d + 1:] - t[1:-d]) * B[..., 1:]
        B = left + right
    return B  # [..., grid + order]


def cheb(x, deg):
    t = torch.tanh(x)
    T = [torch.ones_like(t), t]
    for _ in range(2, deg + 1):
        T.append(2 * t * T[-1] - T[-2])
    return torch.stack(T[:deg + 1], -1)


def rbf(x, C, lo, hi):
    h = (hi - lo) / (C - 1)
    c = torch.tensor([lo + m * h for m in range(C)])
    return torch.exp(-((x.unsqueeze(-1) - c) / h) ** 2)


def fourier(x, Fq):
    k = torch.arange(1, Fq + 1, dtype=x.dtype)
    kx = x.unsqueeze(-1) * k
    return torch.cat([torch.cos(kx), torch.sin(kx)], -1)


def edge_sum(phi, coef):
    """y[r, j] = sum_i sum_m phi[r, i, m] coef[j, i, m]"""
    return torch.einsum("rim,jim->rj", phi, coef)


def kan_bspline(x, coef, wb, ws, b, grid=5, order=3, lo=-1.0, hi=1.0):
    spl = edge_sum(bsplines(x, grid, order, lo, hi), coef * ws.unsqueeze(-1))
    return F.silu(x) @ wb.T + spl + b


def relu_kan(x, coef, ph, b):
    s, e = ph[0], ph[1]
    R = (torch.relu(e - x.unsqueeze(-1)) * torch.relu(x.unsqueeze(-1) - s)) ** 2 * 16 / (e - s) ** 4
    return edge_sum(R, coef) + b


ACTS = {"silu": F.silu, "tanh": torch.tanh, "softplus": F.softplus, "gelu": F.gelu}


def af_kan(x, ph, attn, W, norm, act="silu", func="quad1"):
    """AF-KAN as the authors' af_kan.py computes it (global attention)"""
    a = ACTS[act]
    K = ph.shape[1]
    a1 = a(x.unsqueeze(-1) - ph[0])
    a2 = a(ph[1] - x.unsqueeze(-1))
    A = (a1 * a2) ** 2 if func == "quad1" else a1 + a2 + a1 * a2
    A = F.normalize(A.flatten(), p=2, dim=0).reshape(A.shape)   # L2 over everything
    A = (A - A.min()) / (A.max() - A.min())                      # then min-max
    l = A @ attn[:K] + attn[K]
    al = F.softmax(l / attn[K + 1].clamp(min=1.0), dim=-1)
    z = al * A.sum(-1)
    if norm is not None:
        z = F.layer_norm(z, (z.shape[-1],), norm[0], norm[1], 1e-5)
    return a(z) @ W.T


def fourier_kan(x, coef, b):
    return edge_sum(fourier(x, coef.shape[2] // 2), coef) + b


def tru_kan(x, coef, b, degree=3, lo=-1.0, hi=1.0):
    J = coef.shape[2] - degree - 1
    knots = torch.linspace(lo, hi, J + 2)[1:-1]
    xe = x.unsqueeze(-1)
    poly = torch.cat([xe ** d for d in range(degree + 1)], -1)
    trunc = torch.relu(xe - knots) ** degree
    return edge_sum(torch.cat([poly, trunc], -1), coef) + b


def rational_kan(x, a, bq, W, b):
    G = a.shape[0]
    per = x.shape[1] // G
    g = torch.arange(x.shape[1]) // per
    A, Bq = a[g], bq[g]                              # per channel
    P = sum(A[:, k] * x ** k for k in range(a.shape[1]))
    S = sum(Bq[:, k - 1] * x ** k for k in range(1, bq.shape[1] + 1))
    return (P / (1 + torch.abs(S))) @ W.T + b


def s_kan(x, coef, theta, b, grid=5, order=3, lo=-1.0, hi=1.0, deg=4, C=8, Fq=4):
    parts = [bsplines(x, grid, order, lo, hi), cheb(x, deg), rbf(x, C, lo, hi), fourier(x, Fq)]
    p = F.softmax(theta, -1)
    y, off = 0, 0
    for q, phi in enumerate(parts):
        n = phi.shape[-1]
        y = y + p[:, q] * edge_sum(phi, coef[:, :, off:off + n])
        off += n
    return y + b


def quadratic(x, W, b):
    return (x @ W[0].T + b[0]) * (x @ W[1].T + b[1]) + (x * x) @ W[2].T + b[2]


def cosnet(z, w1, p1, M, w2, p2):
    return torch.cos(w2 * (torch.cos(w1 * z + p1) @ M) + p2)


def case(name, fn, inputs, **kw):
    ts = [torch.tensor(v.astype(np.float64), requires_grad=True) for v in inputs]
    y = fn(*ts, **kw)
    w = inp(tuple(y.shape))
    (y * torch.tensor(w.astype(np.float64))).sum().backward()
    for k, v in enumerate(inputs):
        np.save(f"{out}{name}.in{k + 1}.npy", v.astype("<f4"))
        np.save(f"{out}{name}.grad{k + 1}.npy", ts[k].grad.numpy().astype("<f4"))
    np.save(f"{out}{name}.w.npy", w.astype("<f4"))
    np.save(f"{out}{name}.y.npy", y.detach().numpy().astype("<f4"))
    print(name, tuple(y.shape))


xb = inp((6, 3), -2.5, 2.5)            # inside, outside [-1, 1], beyond the knots
case("kan_bspline", kan_bspline, [xb, inp((4, 3, 8), -0.5, 0.5), inp((4, 3)), inp((4, 3)), inp((4,))])
case("kan_bspline_g7k2", kan_bspline, [inp((5, 2), -2, 1), inp((3, 2, 9)), inp((3, 2)), inp((3, 2)),
                                        inp((3,))], grid=7, order=2, lo=-1.5, hi=0.5)
ph = np.stack([np.tile(np.arange(-3, 5) / 5.0, (3, 1)), np.tile(np.arange(-3, 5) / 5.0 + 0.8, (3, 1))])
ph = (ph + rng.uniform(-0.05, 0.05, ph.shape)).astype(np.float32)
case("relu_kan", relu_kan, [inp((6, 3), -0.2, 1.2), inp((4, 3, 8)), ph, inp((4,))])
aph = np.stack([np.arange(-3, 5) / 5.0, np.arange(-3, 5) / 5.0 + 0.8]).astype(np.float32)
attn = np.concatenate([inp((9,)), np.array([1.7], np.float32)])
case("af_kan", af_kan, [inp((5, 4), 0, 1), aph, attn, inp((3, 4)), inp((2, 4), 0.5, 1.5)])
case("af_kan_tanh", lambda x, p, at, W: af_kan(x, p, at, W, None, "tanh", "sum_prod"),
     [inp((5, 3), 0, 1), aph, attn, inp((2, 3))])
case("fourier_kan", fourier_kan, [inp((6, 3), -3, 3), inp((4, 3, 10)), inp((4,))])
case("tru_kan", tru_kan, [inp((6, 3), -1.5, 1.5), inp((4, 3, 10)), inp((4,))])
case("rational_kan", rational_kan, [inp((6, 8), -3, 3), inp((4, 6)), inp((4, 4)), inp((5, 8)), inp((5,))])
case("s_kan", s_kan, [inp((6, 3), -1.5, 1.5), inp((4, 3, 29)), inp((4, 4), -2, 2), inp((4,))])
case("quadratic", quadratic, [inp((6, 5)), inp((3, 4, 5)), inp((3, 4))])
case("cosnet", cosnet, [inp((6, 4), -2, 2), inp((4,), 0.5, 2), inp((4,)), inp((4, 4)), inp((4,), 0.5, 2),
                        inp((4,))])
