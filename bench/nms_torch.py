"""bench/nms_torch.py: the Python side of bench/nms_bench.lua.

Reads the boxes and scores that nms_bench.lua wrote (.npy), times
torchvision.ops.nms (Debian's python3-torchvision) on them, and a NumPy
Soft-NMS (the paper's Algorithm 1, one vectorised pass per selection) as a
reference point; writes torchvision's kept indices for the equality check
and prints RESULT lines:  RESULT <n> <what> <ms>
usage: python3 bench/nms_torch.py DIR N [N ...] [--iou 0.5] [--budget S]
"""
import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402


def best_ms(fn, budget, min_calls=3):
    """best time of one call in ms: runs until 'budget' seconds have gone"""
    fn()  # warm up
    best, t_end, calls = float("inf"), time.perf_counter() + budget, 0
    while calls < min_calls or time.perf_counter() < t_end:
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        calls += 1
    return 1000 * best


def soft_nms_numpy(boxes, scores, method, nt=0.3, sigma=0.5, thr=0.001):
    """Algorithm 1 of Bodla et al. 2017 with NumPy, continuous IoU"""
    x1, y1, x2, y2 = (boxes[:, k].copy() for k in range(4))
    s = scores.astype(np.float32).copy()
    idx = np.arange(len(s))
    alive = s >= thr
    x1, y1, x2, y2, s, idx = x1[alive], y1[alive], x2[alive], y2[alive], s[alive], idx[alive]
    area = (x2 - x1) * (y2 - y1)
    keep = []
    while len(s):
        m = int(np.argmax(s))
        keep.append(idx[m])
        w = np.maximum(0, np.minimum(x2[m], x2) - np.maximum(x1[m], x1))
        h = np.maximum(0, np.minimum(y2[m], y2) - np.maximum(y1[m], y1))
        inter = w * h
        o = inter / np.maximum(area[m] + area - inter, 1e-12)
        if method == "linear":
            wt = np.where(o > nt, 1 - o, 1)
        else:
            wt = np.exp(-(o * o) / sigma)
        s = s * wt
        ok = s >= thr
        ok[m] = False
        x1, y1, x2, y2, s, idx, area = x1[ok], y1[ok], x2[ok], y2[ok], s[ok], idx[ok], area[ok]
    return keep


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("sizes", nargs="+", type=int)
    ap.add_argument("--iou", type=float, default=0.5)
    ap.add_argument("--budget", type=float, default=1.0)
    a = ap.parse_args()
    torch.set_num_threads(1)
    print("RESULT info torchvision %s" % torchvision.__version__)
    for n in a.sizes:
        b = np.load(os.path.join(a.dir, "boxes_%d.npy" % n))
        s = np.load(os.path.join(a.dir, "scores_%d.npy" % n))
        tb, ts = torch.from_numpy(b), torch.from_numpy(s)
        keep = torchvision.ops.nms(tb, ts, a.iou)
        np.save(os.path.join(a.dir, "torch_keep_%d.npy" % n), keep.numpy().astype(np.int32))
        print("RESULT %d torchvision_nms %.4f ms" % (n, best_ms(lambda: torchvision.ops.nms(tb, ts, a.iou), a.budget)))
        for m in ("linear", "gaussian"):
            print("RESULT %d numpy_soft_%s %.4f ms" % (n, m, best_ms(lambda: soft_nms_numpy(b, s, m), a.budget, 1)))


if __name__ == "__main__":
    main()
