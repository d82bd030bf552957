#!/usr/bin/env python3
"""PyTorch side of test/nets/ststnet-torch-steps.test.ts: a few training
steps of STSTNet (bench/ststnet_torch.py, the authors' model) as main.py
takes them, from a fixed seed, on the test's synthetic data.

  --x X.f32 (N x 28 x 28 x 3 float32, NHWC, BGR 0-255)  --y Y.i32 (N int32)
  --out DIR  --epochs E  --batch B  --lr LR

Writes DIR/init.pth (the initial state dict, zip format) and DIR/final.pth
(after E epochs), and prints {"losses": [...]} (one per step). Dropout is 0
on both sides (no framework can draw the other's masks). The batches are
main.py's: a DataLoader without shuffling over the rows grouped by class.
"""
import argparse, json, os, sys
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'bench'))
from ststnet_torch import STSTNet  # noqa: E402

ap = argparse.ArgumentParser()
for k in ('--x', '--y', '--out'):
    ap.add_argument(k, required=True)
ap.add_argument('--epochs', type=int, default=3)
ap.add_argument('--batch', type=int, default=256)
ap.add_argument('--lr', type=float, default=5e-5)
a = ap.parse_args()
torch.set_num_threads(1)
torch.manual_seed(0)
y = np.fromfile(a.y, dtype=np.int32).astype(np.int64)
x = np.fromfile(a.x, dtype=np.float32).reshape(len(y), 28, 28, 3).transpose(0, 3, 1, 2).copy()
order = sorted(range(len(y)), key=lambda i: (y[i], i))
model = STSTNet(dropout=0.0)
torch.save(model.state_dict(), os.path.join(a.out, 'init.pth'))
opt = torch.optim.Adam(model.parameters(), lr=a.lr)
loss_fn = nn.CrossEntropyLoss()
dl = DataLoader(TensorDataset(torch.from_numpy(x[order]), torch.from_numpy(y[order])), batch_size=a.batch)
losses = []
model.train()
for _ in range(a.epochs):
    for xb, yb in dl:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
torch.save(model.state_dict(), os.path.join(a.out, 'final.pth'))
print(json.dumps({'losses': losses, 'sizes': [len(b[1]) for b in dl]}))
