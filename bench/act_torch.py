#!/usr/bin/python3
"""PyTorch's side of the elementwise / activation table of `make bench`: the
same ops, tensor (rows x cols float32), graphs and thread count as
bench/act_bench.lua, in eager mode. Per op:
  fwd:    y = op(x) under torch.no_grad()
  fwdbwd: h = x * p (p of shape [cols], ones, requires_grad), y = op(h),
          loss = y.sum(), loss.backward() (p.grad set to None first)
and the same 7-op chain, log(1 + tanh(h sigmoid(1.702 h))^2), eager (one
kernel per op); "base" is the training graph without an op (loss =
(x * p).sum()), what every fwdbwd figure includes. Prints RESULT lines,
RESULT <op> <what> <value> [unit], with the checksums of y and of dloss/dp
(--input: the .npy that act_bench.lua --save wrote: both sides see one x)."""
import argparse, os, time

p = argparse.ArgumentParser(description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
p.add_argument("--rows", type=int, default=128, help="rows of the tensor")
p.add_argument("--cols", type=int, default=4096,
               help="columns (softmax and log_softmax run along them)")
p.add_argument("--ops", default="all",
               help="ops to time, comma-separated (all: every op, chain and base)")
p.add_argument("--calls", type=int, default=50, help="calls per timed run")
p.add_argument("--warmup", type=int, default=5, help="untimed calls before each measurement")
p.add_argument("--repeats", type=int, default=10, help="timed runs per measurement; the best is kept")
p.add_argument("--budget", type=float, default=1,
               help="seconds per measurement: no further run starts after this")
p.add_argument("--input", default="", help="x from this .npy file (else uniform in [-4, 4))")
a = p.parse_args()
# as bench/torch_bench.py: size OpenBLAS's and OpenMP's pools before torch
# loads (a user's setting wins)
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(a.threads))
os.environ.setdefault("OMP_NUM_THREADS", str(a.threads))
import torch
import torch.nn.functional as F
torch.set_num_threads(a.threads)
torch.manual_seed(1)
wall0 = time.perf_counter()


def chain(h):
    """7 elementwise kernels, as the 7 nodes of act_bench.lua's chain"""
    s = torch.sigmoid(h * 1.702)
    return torch.log(torch.square(torch.tanh(h * s)) + 1)


OPS = [
    ("relu", torch.relu),
    ("sigmoid", torch.sigmoid),
    ("tanh", torch.tanh),
    ("exp", torch.exp),
    ("gelu", lambda h: F.gelu(h, approximate="none")),
    ("gelu_tanh", lambda h: F.gelu(h, approximate="tanh")),
    ("silu", F.silu),
    ("mish", F.mish),
    ("elu", lambda h: F.elu(h, alpha=1.0)),
    ("selu", F.selu),
    ("softplus", lambda h: F.softplus(h, beta=1, threshold=20)),
    ("leaky_relu", lambda h: F.leaky_relu(h, 0.01)),
    ("log_softmax", lambda h: F.log_softmax(h, dim=-1)),
    ("softmax", lambda h: F.softmax(h, dim=-1)),
    ("chain", chain),
]
wanted = set(a.ops.split(","))
unknown = wanted - {"all", "base"} - {name for name, _ in OPS}
if unknown:
    p.error("--ops: unknown op(s) %s" % ", ".join(sorted(unknown)))


def measure(f):
    """seconds per call: warm-up, then up to 'repeats' runs of 'calls' calls
    (none started after 'budget' seconds), the best run"""
    for _ in range(a.warmup):
        f()
    best, t_start = float("inf"), time.perf_counter()
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        for _ in range(a.calls):
            f()
        best = min(best, (time.perf_counter() - t0) / a.calls)
        if time.perf_counter() - t_start > a.budget:
            break
    return best


def result(op, what, v, unit=""):
    print("RESULT %s %s %.6g %s" % (op, what, v, unit), flush=True)


if a.input:
    import numpy as np
    x = torch.from_numpy(np.load(a.input)).float().contiguous()
    if tuple(x.shape) != (a.rows, a.cols):
        p.error("--input: %s is %s, not %d x %d" % (a.input, tuple(x.shape), a.rows, a.cols))
else:
    x = torch.rand(a.rows, a.cols) * 8 - 4


def bench(name, f, inference=True):
    if inference:
        bench_fwd(name, f)
    prm = torch.ones(a.cols, requires_grad=True)

    def fwdbwd():
        prm.grad = None
        f(x * prm).sum().backward()

    result(name, "fwdbwd_ms", 1000 * measure(fwdbwd), "ms")
    result(name, "check_grad", prm.grad.double().sum().item())


def bench_fwd(name, f):
    def fwd():
        with torch.no_grad():
            return f(x)

    result(name, "fwd_ms", 1000 * measure(fwd), "ms")
    result(name, "check_fwd", fwd().double().sum().item())


print("# torch %s, %d threads, %d x %d float32, %d calls per run, best of %d runs"
      % (torch.__version__, torch.get_num_threads(), a.rows, a.cols, a.calls, a.repeats))
if "all" in wanted or "base" in wanted:
    bench("base", lambda h: h, inference=False)
for name, f in OPS:
    if "all" in wanted or name in wanted:
        bench(name, f)
result("proc", "wall_s", time.perf_counter() - wall0, "s")
result("proc", "cpu_s", time.process_time(), "s")  # the whole process, all threads
