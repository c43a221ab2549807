#!/usr/bin/python3
"""Reference values from PyTorch 1.13 (Debian's python3-torch) for
spec/normloss_ref_spec.lua: the normalisation and loss ops of
src/ops/norm.c and src/ops/loss.c on fixed inputs, their outputs, and the
gradients of L = sum(y * w) for fixed random w.

PyTorch's own functions where it has the op (layer_norm, group_norm,
instance_norm, nll_loss, binary_cross_entropy_with_logits, l1_loss,
smooth_l1_loss, kl_div, multi_margin_loss, cross_entropy, mse_loss);
otherwise the paper's formula written with torch operations, so autograd
gives gradients independent of luanet's hand-written backward (rms_norm,
evonorm_b0/s0, film, focal and sigmoid_focal, z_loss, l2_svm,
stablemax_ce as in the authors' code, soft_infonce as in the authors'
code, router_z_loss). Computed in float64, stored as float32 / int32.

Writes spec/fixtures/normloss/<case>.<name>.npy and the manifest
spec/fixtures/normloss/cases.lua. Run from the repository root:
  /usr/bin/python3 spec/support/make_normloss_ref.py
"""
import os
import numpy as np
import torch
import torch.nn.functional as F

OUT = "spec/fixtures/normloss/"
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    os.remove(OUT + f)
rng = np.random.default_rng(2024)
manifest = []


def f32(*shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, shape).astype(np.float32)


def lua_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"%s"' % v
    return repr(v)


def add(name, op, inputs, fn, attrs=None, training=False, scale=1.0):
    """inputs: list of (array, kind) with kind 'f' (float, gradient
    checked), 'b' (float buffer, no gradient) or 'i' (int32 labels)."""
    ts = []
    for a, kind in inputs:
        if kind == "i":
            ts.append(torch.tensor(a.astype(np.int64)))
        else:
            ts.append(torch.tensor(a.astype(np.float64), requires_grad=(kind == "f")))
    y = fn(*ts)
    w = rng.uniform(-1, 1, tuple(y.shape)) * scale
    (y * torch.tensor(w)).sum().backward()
    for k, (a, kind) in enumerate(inputs):
        np.save("%s%s.in%d.npy" % (OUT, name, k + 1),
                a.astype("<i4") if kind == "i" else a.astype("<f4"))
        if kind == "f":
            np.save("%s%s.g%d.npy" % (OUT, name, k + 1),
                    ts[k].grad.numpy().astype("<f4"))
    np.save("%s%s.out.npy" % (OUT, name), y.detach().numpy().astype("<f4"))
    np.save("%s%s.w.npy" % (OUT, name), np.asarray(w, dtype="<f4"))
    manifest.append((name, op, [kind for _, kind in inputs], attrs or {}, training))


def reduce(l, reduction, den=None):
    if reduction == "none":
        return l
    if reduction == "sum":
        return l.sum()
    return l.sum() / (den if den is not None else l.numel())


# ---- normalisations ----
x = f32(4, 6)
add("layer_norm", "layer_norm", [(x, "f"), (f32(6), "f"), (f32(6), "f")],
    lambda x, g, b: F.layer_norm(x, (6,), g, b, 1e-5))
x = f32(2, 3, 4, lo=-3, hi=5)
add("layer_norm_dims2", "layer_norm", [(x, "f"), (f32(3, 4), "f")],
    lambda x, g: F.layer_norm(x, (3, 4), g, None, 1e-5), {"dims": 2})
add("layer_norm_plain", "layer_norm", [(f32(3, 5), "f")],
    lambda x: F.layer_norm(x, (5,), None, None, 1e-5))


def rms(x, g, eps=1e-6):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * g


add("rms_norm", "rms_norm", [(f32(4, 6), "f"), (f32(6), "f")], rms)
add("group_norm", "group_norm", [(f32(2, 6, 3, 3), "f"), (f32(6), "f"), (f32(6), "f")],
    lambda x, g, b: F.group_norm(x, 3, g, b, 1e-5), {"groups": 3})
add("group_norm_auto", "group_norm", [(f32(2, 12, 2, 2), "f")],
    lambda x: F.group_norm(x, 12, None, None, 1e-5))   # 12 channels: auto -> 12 groups
add("instance_norm", "instance_norm", [(f32(2, 3, 4, 4), "f"), (f32(3), "f"), (f32(3), "f")],
    lambda x, g, b: F.instance_norm(x, weight=g, bias=b, eps=1e-5))


def evonorm_b0(x, g, b, v, rv, training, eps=1e-5):
    if training:
        var_b = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    else:
        var_b = rv.view(1, -1, 1, 1)
    left = torch.sqrt(var_b + eps)
    right = v.view(1, -1, 1, 1) * x + torch.sqrt(x.var(dim=(2, 3), unbiased=False, keepdim=True) + eps)
    return x / torch.maximum(left, right) * g.view(1, -1, 1, 1) + b.view(1, -1, 1, 1)


def evonorm_s0(x, g, b, v, groups, eps=1e-5):
    n, c, h, w = x.shape
    xg = x.view(n, groups, c // groups, h, w)
    sd = torch.sqrt(xg.var(dim=(2, 3, 4), unbiased=False, keepdim=True) + eps)
    sd = sd.expand_as(xg).reshape(n, c, h, w)
    return x * torch.sigmoid(v.view(1, -1, 1, 1) * x) / sd * g.view(1, -1, 1, 1) + b.view(1, -1, 1, 1)


def b0_inputs(C):
    # v1 large in magnitude so both branches of the max occur
    return [(f32(4, C, 3, 3, lo=-2, hi=2), "f"), (f32(C, lo=0.5, hi=1.5), "f"), (f32(C), "f"),
            (np.array([1.5, -0.7, 2.0, -1.2][:C], dtype=np.float32), "f"),
            (f32(C, lo=0.3, hi=1.5), "b")]


b0 = b0_inputs(4)
add("evonorm_b0_train", "evonorm_b0", b0,
    lambda x, g, b, v, rv: evonorm_b0(x, g, b, v, rv, True), training=True)
# running variance after one training step: momentum 0.1, biased batch variance
np.save(OUT + "evonorm_b0_train.rv.npy",
        (0.9 * b0[4][0].astype(np.float64) + 0.1 * b0[0][0].astype(np.float64).var(axis=(0, 2, 3))).astype("<f4"))
add("evonorm_b0_eval", "evonorm_b0", b0_inputs(4),
    lambda x, g, b, v, rv: evonorm_b0(x, g, b, v, rv, False))
add("evonorm_s0", "evonorm_s0", [(f32(2, 8, 3, 3, lo=-2, hi=2), "f"), (f32(8), "f"), (f32(8), "f"),
                                 (f32(8, lo=-2, hi=2), "f")],
    lambda x, g, b, v: evonorm_s0(x, g, b, v, 4), {"groups": 4})
add("film", "film", [(f32(2, 3, 4, 4), "f"), (f32(2, 3), "f"), (f32(2, 3), "f")],
    lambda x, g, b: g.view(2, 3, 1, 1) * x + b.view(2, 3, 1, 1))

# ---- losses ----
N, C = 6, 5
logits = f32(N, C, lo=-3, hi=3)
labels = rng.integers(0, C, N).astype(np.int32)
ext = np.array([[1e4, -1e4, 0, 5, -5], [-1e4, 1e4, 3, 0, 1], [80, -80, 0, 40, -40],
                [0, 0, 0, 0, 0], [1e4, 1e4, -1e4, 0, 2], [-3, 2, 1, 0.5, -1]], dtype=np.float32)
ext_labels = np.array([0, 0, 1, 2, 2, 4], dtype=np.int32)

for red in ("mean", "sum", "none"):
    lp = F.log_softmax(torch.tensor(logits.astype(np.float64)), 1).numpy().astype(np.float32)
    add("nll_" + red, "nll", [(lp, "f"), (labels, "i")],
        lambda x, y, red=red: F.nll_loss(x, y, reduction=red), {"reduction": red})
ign = labels.copy()
ign[[1, 4]] = -100
add("nll_ignore", "nll", [(f32(N, C, lo=-4, hi=0), "f"), (ign, "i")],
    lambda x, y: F.nll_loss(x, y, ignore_index=-100))

t01 = f32(3, 4, lo=0, hi=1)
add("bce_with_logits", "bce_with_logits", [(f32(3, 4, lo=-4, hi=4), "f"), (t01, "f")],
    lambda x, t: F.binary_cross_entropy_with_logits(x, t))
bx = np.array([1e4, -1e4, 80, -80, 30, -30, 0, 1e-3], dtype=np.float32)
bt = np.array([0, 0, 1, 0, 0.5, 1, 1, 0.25], dtype=np.float32)
add("bce_extreme", "bce_with_logits", [(bx, "f"), (bt, "f")],
    lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"), {"reduction": "none"})
a, b = f32(3, 4, lo=-2, hi=2), f32(3, 4, lo=-2, hi=2)
add("l1", "l1", [(a, "f"), (b, "f")], lambda a, b: F.l1_loss(a, b))
add("l1_sum", "l1", [(a, "f"), (b, "f")], lambda a, b: F.l1_loss(a, b, reduction="sum"),
    {"reduction": "sum"})
add("smooth_l1", "smooth_l1", [(a, "f"), (b, "f")], lambda a, b: F.smooth_l1_loss(a, b, beta=1.0))
add("smooth_l1_beta", "smooth_l1", [(a, "f"), (b, "f")],
    lambda a, b: F.smooth_l1_loss(a, b, reduction="none", beta=0.5),
    {"reduction": "none", "beta": 0.5})
logq = F.log_softmax(torch.tensor(f32(4, 5, lo=-2, hi=2).astype(np.float64)), 1).numpy().astype(np.float32)
p = F.softmax(torch.tensor(f32(4, 5, lo=-2, hi=2).astype(np.float64)), 1).numpy().astype(np.float32)
for red in ("batchmean", "mean", "sum", "none"):
    add("kl_div_" + red, "kl_div", [(logq, "f"), (p, "f")],
        lambda x, t, red=red: F.kl_div(x, t, reduction=red), {"reduction": red})
add("kl_div_log_target", "kl_div", [(logq, "f"), (np.log(p), "f")],
    lambda x, t: F.kl_div(x, t, reduction="batchmean", log_target=True),
    {"reduction": "batchmean", "log_target": 1})
for pp in (1, 2):
    add("multi_margin_p%d" % pp, "multi_margin", [(logits, "f"), (labels, "i")],
        lambda x, y, pp=pp: F.multi_margin_loss(x, y, p=pp, margin=1.0), {"p": pp})
add("multi_margin_sum", "multi_margin", [(logits, "f"), (labels, "i")],
    lambda x, y: F.multi_margin_loss(x, y, p=1, margin=0.5, reduction="sum"),
    {"reduction": "sum", "margin": 0.5})
add("cross_entropy_extreme", "cross_entropy", [(ext, "f"), (ext_labels, "i")],
    lambda x, y: F.cross_entropy(x, y, reduction="none"), {"reduction": "none"})


def sigmoid_focal(x, t, alpha=0.25, gamma=2.0):
    # torchvision.ops.sigmoid_focal_loss, written out
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * (1 - p_t) ** gamma
    return (alpha * t + (1 - alpha) * (1 - t)) * loss


add("sigmoid_focal", "sigmoid_focal", [(f32(3, 4, lo=-4, hi=4), "f"), (t01, "f")],
    lambda x, t: sigmoid_focal(x, t).mean())
add("sigmoid_focal_none", "sigmoid_focal", [(f32(3, 4, lo=-4, hi=4), "f"), (t01, "f")],
    lambda x, t: sigmoid_focal(x, t, alpha=0.5, gamma=1.5),
    {"reduction": "none", "alpha": 0.5, "gamma": 1.5})


def focal(x, y, alpha=0.25, gamma=2.0):
    lp = F.log_softmax(x, 1).gather(1, y[:, None])[:, 0]
    return -alpha * (1 - lp.exp()) ** gamma * lp


add("focal", "focal", [(logits, "f"), (labels, "i")], lambda x, y: focal(x, y).mean())
add("focal_extreme", "focal", [(ext, "f"), (ext_labels, "i")],
    lambda x, y: focal(x, y), {"reduction": "none"})


def z_loss(x, y, a=1.0, b=2.0):
    mu = x.mean(1, keepdim=True)
    sd = torch.sqrt(((x - mu) ** 2).mean(1, keepdim=True))
    z = ((x - mu) / sd).gather(1, y[:, None])[:, 0]
    return F.softplus(a * (b - z)) / a


add("z_loss", "z_loss", [(logits, "f"), (labels, "i")], lambda x, y: z_loss(x, y).mean())
add("z_loss_ab", "z_loss", [(logits, "f"), (labels, "i")],
    lambda x, y: z_loss(x, y, 0.3, 4.0), {"reduction": "none", "a": 0.3, "b": 4})
add("z_loss_extreme", "z_loss", [(ext[[0, 1, 2, 4, 5]], "f"), (ext_labels[[0, 1, 2, 4, 5]], "i")],
    lambda x, y: z_loss(x, y), {"reduction": "none"})


def l2_svm(x, y, margin=1.0):
    t = -torch.ones_like(x)
    t[torch.arange(x.shape[0]), y] = 1
    return torch.clamp(margin - t * x, min=0).pow(2).sum(1)


add("l2_svm", "l2_svm", [(logits, "f"), (labels, "i")], lambda x, y: l2_svm(x, y).mean())


def stablemax_ce(x, y):
    # the authors' utils.py: s(x) = x + 1 (x >= 0), 1 / (1 - x) (x < 0);
    # min(x, 0) in the unused branch keeps autograd off 1/0 at x = 1
    s = torch.where(x < 0, 1 / (1 - torch.clamp(x, max=0)), x + 1)
    return -torch.log(s / s.sum(1, keepdim=True)).gather(1, y[:, None])[:, 0]


add("stablemax_ce", "stablemax_ce", [(logits, "f"), (labels, "i")],
    lambda x, y: stablemax_ce(x, y).mean())
add("stablemax_ce_extreme", "stablemax_ce", [(ext, "f"), (ext_labels, "i")],
    lambda x, y: stablemax_ce(x, y), {"reduction": "none"})


def soft_infonce(s, w=None, tau=0.05):
    # the authors' CodeBERT/models.py with the logits divided by tau
    n = s.shape[0]
    eye = torch.eye(n, dtype=torch.bool)
    wt = torch.ones_like(s) if w is None else torch.where(eye, torch.ones_like(s), w)
    z = s / tau
    m = z.max(1, keepdim=True)[0]
    e = torch.exp(z - m)
    return -(z.diagonal() - m[:, 0] - torch.log((wt * e).sum(1)))


sim = f32(5, 5, lo=-1, hi=1)
wts = f32(5, 5, lo=0.1, hi=2)
add("soft_infonce", "soft_infonce", [(sim, "f")], lambda s: soft_infonce(s).mean(), scale=0.1)
add("soft_infonce_w", "soft_infonce", [(sim, "f"), (wts, "f")],
    lambda s, w: soft_infonce(s, w, 0.2), {"reduction": "none", "tau": 0.2})


def router_z(x):
    return torch.logsumexp(x, -1) ** 2


add("router_z_loss", "router_z_loss", [(f32(2, 3, 4, lo=-3, hi=3), "f")],
    lambda x: router_z(x).mean())

with open(OUT + "cases.lua", "w") as f:
    f.write("-- generated by spec/support/make_normloss_ref.py: do not edit\n")
    f.write("-- {name, op, input kinds (f: float with gradient, b: buffer, i: int32), attrs, training}\n")
    f.write("return {\n")
    for name, op, kinds, attrs, training in manifest:
        at = ", ".join("%s = %s" % (k, lua_value(v)) for k, v in attrs.items())
        f.write('  {name = "%s", op = "%s", kinds = {%s}, attrs = {%s}, training = %s},\n'
                % (name, op, ", ".join('"%s"' % k for k in kinds), at, lua_value(training)))
    f.write("}\n")
print(len(manifest), "cases written to", OUT)
