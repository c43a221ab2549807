"""PyTorch reference for examples/train.lua: the same models and recipe
(Adam, batch 128, PyTorch default init, pixels / 255, reshuffled each epoch,
last partial batch kept), trained on the full Fashion-MNIST; prints test
accuracy after each epoch. Used to compare accuracies seed for seed.

  /usr/bin/python3 bench/torch_train.py --model cnn --epochs 3 --seed 0
"""
import argparse, gzip, time
import numpy as np
import torch
import torch.nn as nn

p = argparse.ArgumentParser(description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--model", default="mlp", choices=["mlp", "cnn"])
p.add_argument("--epochs", type=int, default=0, help="0: 5 for mlp, 3 for cnn")
p.add_argument("--batch", type=int, default=128)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--schedule", default="auto", choices=["auto", "const", "cosine"],
               help="cosine: decay to 0 over the run, per step; auto: cosine for cnn")
p.add_argument("--seed", type=int, default=0)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--bf16", action="store_true", help="bf16 autocast")
p.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
a = p.parse_args()
torch.manual_seed(a.seed)
torch.set_num_threads(a.threads)
epochs = a.epochs or (5 if a.model == "mlp" else 3)


def idx(name):
    with gzip.open(f"{a.dir}/{name}.gz") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(split):
    x = torch.tensor(idx(f"{split}-images-idx3-ubyte"), dtype=torch.float32) / 255
    y = torch.tensor(idx(f"{split}-labels-idx1-ubyte"), dtype=torch.int64)
    return (x.reshape(-1, 784) if a.model == "mlp" else x.reshape(-1, 1, 28, 28)), y


xtr, ytr = load("train")
xte, yte = load("t10k")
if a.model == "mlp":
    net = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                        nn.Linear(1024, 10))
else:
    net = nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(64 * 49, 1024), nn.ReLU(), nn.Linear(1024, 10))
opt = torch.optim.Adam(net.parameters(), lr=a.lr)
lossf = nn.CrossEntropyLoss()
steps = epochs * ((len(xtr) + a.batch - 1) // a.batch)
cosine = a.schedule == "cosine" or (a.schedule == "auto" and a.model == "cnn")
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps) if cosine else None
ac = torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16)
for ep in range(1, epochs + 1):
    t0 = time.time()
    perm = torch.randperm(len(xtr))
    for i in range(0, len(xtr), a.batch):
        j = perm[i:i + a.batch]
        with ac:
            loss = lossf(net(xtr[j]), ytr[j])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched:
            sched.step()
    with torch.no_grad(), ac:
        pred = torch.cat([net(xte[i:i + 1000]).argmax(1) for i in range(0, len(xte), 1000)])
    acc = (pred == yte).float().mean().item()
    print(f"epoch {ep}: test accuracy {100 * acc:.2f}% ({time.time() - t0:.1f} s)", flush=True)
