#!/usr/bin/python3
"""Reference values from PyTorch (Debian's python3-torch) for
spec/torch_ref_spec.lua: a small CNN with the default CNN's layer kinds
(conv5x5 pad 2, relu, maxpool 2, conv5x5 pad 2, relu, maxpool 2, flatten,
linear, relu, linear), its initial weights, 3 Adam steps (lr 1e-3) on fixed
batches, the losses, and the logits after training.
Run from the repository root: /usr/bin/python3 spec/support/make_torch_ref.py"""
import numpy as np
import torch
import torch.nn as nn

out = "spec/fixtures/torch_cnn/"
torch.manual_seed(7)
m = nn.Sequential(nn.Conv2d(1, 4, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Conv2d(4, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                  nn.Linear(392, 32), nn.ReLU(), nn.Linear(32, 10))
names = {"0.weight": "conv1.weight", "0.bias": "conv1.bias", "3.weight": "conv2.weight",
         "3.bias": "conv2.bias", "7.weight": "linear1.weight", "7.bias": "linear1.bias",
         "9.weight": "linear2.weight", "9.bias": "linear2.bias"}
for k, v in m.state_dict().items():
    np.save(out + names[k] + ".npy", v.numpy().astype("<f4"))
x = torch.rand(16, 1, 28, 28)
y = torch.randint(0, 10, (16,))
np.save(out + "x.npy", x.numpy().astype("<f4"))
np.save(out + "y.npy", y.numpy().astype("<i4"))
opt = torch.optim.Adam(m.parameters(), lr=1e-3)
lossf = nn.CrossEntropyLoss()
losses = []
for step in range(3):
    xb, yb = x[8 * (step % 2):8 * (step % 2) + 8], y[8 * (step % 2):8 * (step % 2) + 8]
    opt.zero_grad()
    loss = lossf(m(xb), yb)
    loss.backward()
    opt.step()
    losses.append(loss.item())
np.save(out + "losses.npy", np.array(losses, dtype="<f4"))
with torch.no_grad():
    np.save(out + "logits.npy", m(x).numpy().astype("<f4"))
print("losses", losses)
