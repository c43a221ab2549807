#!/usr/bin/python3
"""PyTorch's side of `make bench`: the same MLP and CNN, batch, Adam and
thread count as bench/luanet_bench.lua, on random data. Prints RESULT lines.
--bf16 runs under torch.autocast("cpu", dtype=torch.bfloat16)."""
import argparse, contextlib, time
import torch
import torch.nn as nn

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--steps", type=int, default=40)
p.add_argument("--repeats", type=int, default=3)
p.add_argument("--bf16", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)

def mlp():
    return nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))

def cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(3136, 1024), nn.ReLU(), nn.Linear(1024, 10))

def best(n, f):
    b = float("inf")
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        b = min(b, (time.perf_counter() - t0) / n)
    return b

def ctx():
    return torch.autocast("cpu", dtype=torch.bfloat16) if a.bf16 else contextlib.nullcontext()

def bench(name, make, shape, steps):
    m = make()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()
    x = torch.rand(128, *shape)
    y = torch.tensor([(i * 7) % 10 for i in range(1, 129)])
    def step():
        opt.zero_grad()
        with ctx():
            loss = lossf(m(x), y)
        loss.backward()
        opt.step()
    for _ in range(3):
        step()
    t = best(steps, step)
    print("RESULT %s train %.1f img/s" % (name, 128 / t))
    m.eval()
    def infer(xx):
        with torch.no_grad(), ctx():
            m(xx)
    infer(x)
    ti = best(steps * 2, lambda: infer(x))
    print("RESULT %s infer128 %.1f img/s" % (name, 128 / ti))
    if name == "mlp":
        xb = torch.rand(1000, *shape)
        infer(xb)
        tb = best(max(4, steps // 4), lambda: infer(xb))
        print("RESULT mlp infer1000 %.1f img/s" % (1000 / tb))

print("# torch %s, %d threads%s" % (torch.__version__, a.threads, ", bf16 autocast" if a.bf16 else ""))
bench("mlp", mlp, (784,), a.steps)
bench("cnn", cnn, (1, 28, 28), max(4, a.steps // 4))
with open("/proc/self/status") as f:
    for line in f:
        if line.startswith("VmHWM:"):
            print("RESULT rss peak_kb %s" % line.split()[1])
