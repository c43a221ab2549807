#!/usr/bin/python3
"""Reference values from PyTorch (Debian's python3-torch) for
spec/conv_axes_spec.lua: conv2d, max_pool2d and avg_pool2d with per-axis
kernel, stride, padding and dilation, grouped and depthwise convolution.
For each case: the inputs, the output y, and the gradients of
L = sum(y * r) (r fixed) with respect to every input. The case table is
written as spec/fixtures/conv_axes/cases.lua so the spec reads the same
attributes. Run from the repository root:
/usr/bin/python3 spec/support/make_conv_ref.py"""
import numpy as np
import torch
import torch.nn.functional as F

out = "spec/fixtures/conv_axes/"
torch.manual_seed(12)

# name, op, input shape, weight shape (conv) or None, bias?, attributes
# (luanet's names: a number or a pair [h, w]); the pools' stride None =
# the kernel (luanet's 0)
cases = [
    ("conv_axes", "conv2d", [2, 4, 9, 8], [6, 2, 3, 2], True,
     dict(stride=[2, 1], padding=[1, 0], dilation=[1, 2], groups=2)),
    ("conv_1x3", "conv2d", [2, 3, 6, 7], [4, 3, 1, 3], False,
     dict(stride=[1, 2], padding=[0, 1], dilation=[2, 1], groups=1)),
    ("conv_depthwise_x2", "conv2d", [2, 3, 7, 7], [6, 1, 3, 3], True,
     dict(stride=1, padding=[1, 1], dilation=1, groups=3)),
    ("conv_depthwise", "conv2d", [1, 4, 6, 5], [4, 1, 5, 3], False,
     dict(stride=[1, 1], padding=[2, 1], dilation=1, groups=4)),
    ("conv_depthwise_strided", "conv2d", [2, 8, 9, 9], [8, 1, 3, 3], True,
     dict(stride=2, padding=1, dilation=[2, 1], groups=8)),
    ("max_2x3", "max_pool2d", [2, 3, 7, 8], None, False,
     dict(kernel=[2, 3], stride=[1, 2], padding=[1, 1])),
    ("max_3x2_default_stride", "max_pool2d", [2, 2, 9, 7], None, False,
     dict(kernel=[3, 2], stride=None, padding=[1, 0])),
    ("avg_2x3", "avg_pool2d", [2, 3, 7, 8], None, False,
     dict(kernel=[2, 3], stride=[2, 1], padding=[1, 1])),
    ("avg_3_strided", "avg_pool2d", [1, 2, 8, 9], None, False,
     dict(kernel=3, stride=[1, 2], padding=0)),
]


def pair(v):
    return tuple(v) if isinstance(v, list) else v


def save(name, what, t):
    np.save(out + name + "." + what + ".npy", t.detach().numpy().astype("<f4"))


def lua(v):
    if v is None:
        return "0"
    if isinstance(v, list):
        return "{%d, %d}" % tuple(v)
    return str(v)


lines = ["-- made by spec/support/make_conv_ref.py (do not edit)", "return {"]
for name, op, xs, ws, bias, a in cases:
    x = torch.randn(*xs, requires_grad=True)
    ins = [("x", x)]
    if op == "conv2d":
        w = torch.randn(*ws, requires_grad=True)
        ins.append(("w", w))
        b = torch.randn(ws[0], requires_grad=True) if bias else None
        if bias:
            ins.append(("b", b))
        y = F.conv2d(x, w, b, stride=pair(a["stride"]), padding=pair(a["padding"]),
                     dilation=pair(a["dilation"]), groups=a["groups"])
    elif op == "max_pool2d":
        y = F.max_pool2d(x, pair(a["kernel"]), pair(a["stride"]), pair(a["padding"]))
    else:
        y = F.avg_pool2d(x, pair(a["kernel"]), pair(a["stride"]), pair(a["padding"]),
                         count_include_pad=True)
    r = torch.randn(*y.shape)
    (y * r).sum().backward()
    for k, t in ins:
        save(name, k, t)
        save(name, "d" + k, t.grad)
    save(name, "y", y)
    save(name, "r", r)
    attrs = ", ".join("%s = %s" % (k, lua(v)) for k, v in a.items())
    lines.append('  {name = "%s", op = "%s", inputs = {%s}, attrs = {%s}},'
                 % (name, op, ", ".join('"%s"' % k for k, _ in ins), attrs))
lines.append("}")
with open(out + "cases.lua", "w") as f:
    f.write("\n".join(lines) + "\n")
print(len(cases), "cases")
