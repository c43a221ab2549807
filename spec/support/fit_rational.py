#!/usr/bin/python3
"""Fit KAT's rational function (Yang & Wang 2024, arXiv:2409.10594),
    F(x) = (a_0 + a_1 x + ... + a_5 x^5) / (1 + |b_1 x + ... + b_4 x^4|),
to an activation on [-3, 3] (1000 points, as the paper's init does), by
least squares: a linearised fit (P - f (1 + S) = 0, S kept positive) to
start, then L-BFGS on the true squared error. Prints the coefficients that
lua/luanet/nn.lua uses to initialise nn.KAN{variant = "rational"}.
Run: /usr/bin/python3 spec/support/fit_rational.py"""
import math
import torch

torch.set_default_dtype(torch.float64)
x = torch.linspace(-3, 3, 1000)
targets = {
    "gelu": x * 0.5 * (1 + torch.erf(x / math.sqrt(2))),
    "swish": x * torch.sigmoid(x),
}
for name, f in targets.items():
    # linear start: P(x) - f(x) S(x) = f(x) with S = b . (x, ..., x^4)
    X = torch.stack([x ** k for k in range(6)] + [-f * x ** k for k in range(1, 5)], 1)
    coef = torch.linalg.lstsq(X, f.unsqueeze(1)).solution.squeeze(1)
    a = coef[:6].clone().requires_grad_(True)
    b = coef[6:].clone().requires_grad_(True)
    opt = torch.optim.LBFGS([a, b], lr=1, max_iter=5000, tolerance_grad=1e-14,
                            tolerance_change=1e-16, history_size=50,
                            line_search_fn="strong_wolfe")

    def loss():
        opt.zero_grad()
        P = sum(a[k] * x ** k for k in range(6))
        S = sum(b[k - 1] * x ** k for k in range(1, 5))
        l = ((P / (1 + S.abs()) - f) ** 2).mean()
        l.backward()
        return l

    for _ in range(5):
        opt.step(loss)
    err = loss().item()
    print(name, "rmse %.2e" % math.sqrt(err))
    print("  a =", ", ".join("%.10g" % v for v in a.tolist()))
    print("  b =", ", ".join("%.10g" % v for v in b.tolist()))
