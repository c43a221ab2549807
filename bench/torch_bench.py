#!/usr/bin/python3
"""PyTorch's side of `make bench`: the same MLP (784-1024-1024-10) and CNN,
batch, Adam (lr 1e-3), CrossEntropyLoss and thread count as
bench/luanet_bench.lua, on random data; prints RESULT lines.
--bf16 runs under torch.autocast("cpu", dtype=torch.bfloat16)."""
import argparse, contextlib, os, time

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--steps", type=int, default=40,
               help="timed training steps per run for the MLP (the CNN runs a quarter)")
p.add_argument("--warmup", type=int, default=5, help="untimed steps before each measurement")
p.add_argument("--repeats", type=int, default=3, help="timed runs per measurement; the best is kept")
p.add_argument("--budget", type=float, default=6,
               help="seconds per measurement: no further run starts after this")
p.add_argument("--models", default="mlp,cnn")
p.add_argument("--bf16", action="store_true")
a = p.parse_args()
# Debian's torch does its matrix products in the pthreads OpenBLAS
# (libblas.so.3), whose pool torch.set_num_threads does not size: it would
# take every core. Size it before torch loads it (a user's setting wins).
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(a.threads))
os.environ.setdefault("OMP_NUM_THREADS", str(a.threads))
import torch
import torch.nn as nn
torch.set_num_threads(a.threads)
torch.manual_seed(1)
B = a.batch
wall0 = time.perf_counter()


def mlp():
    return nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                         nn.Linear(1024, 10))


def cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 7 * 7, 1024), nn.ReLU(),
                         nn.Linear(1024, 10))


def measure(n, f):
    """seconds per call: warm-up, then up to 'repeats' runs of n calls (none
    started after 'budget' seconds), the best run"""
    for _ in range(a.warmup):
        f()
    best, t_start = float("inf"), time.perf_counter()
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        best = min(best, (time.perf_counter() - t0) / n)
        if time.perf_counter() - t_start > a.budget:
            break
    return best


def result(model, what, v, unit=""):
    print("RESULT %s %s %.4f %s" % (model, what, v, unit), flush=True)


def ctx():
    return torch.autocast("cpu", dtype=torch.bfloat16) if a.bf16 else contextlib.nullcontext()


def bench(name, make, shape, steps):
    m = make()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()
    x = torch.rand(B, *shape)
    y = torch.tensor([(i * 7) % 10 for i in range(1, B + 1)])

    def step():
        opt.zero_grad()
        with ctx():
            loss = lossf(m(x), y)
        loss.backward()
        opt.step()

    m.train()
    t = measure(steps, step)
    result(name, "train", B / t, "img/s")
    result(name, "step_ms", 1000 * t, "ms")
    m.eval()

    def infer(xx):
        with torch.no_grad(), ctx():
            m(xx)

    ti = measure(steps * 2, lambda: infer(x))
    result(name, "infer%d" % B, B / ti, "img/s")
    if name == "mlp":
        xb = torch.rand(1000, *shape)
        tb = measure(max(4, steps // 4), lambda: infer(xb))
        result("mlp", "infer1000", 1000 / tb, "img/s")


print("# torch %s, %d threads%s" % (torch.__version__, torch.get_num_threads(),
                                    ", bf16 autocast" if a.bf16 else ""))
for name in a.models.split(","):
    if name == "mlp":
        bench("mlp", mlp, (784,), a.steps)
    elif name == "cnn":
        bench("cnn", cnn, (1, 28, 28), max(4, a.steps // 4))
result("proc", "wall_s", time.perf_counter() - wall0, "s")
result("proc", "cpu_s", time.process_time(), "s")  # the whole process, all threads
with open("/proc/self/status") as f:
    for line in f:
        if line.startswith("VmHWM:"):
            result("rss", "peak_kb", float(line.split()[1]), "kB")
