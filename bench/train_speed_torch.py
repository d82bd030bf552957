#!/usr/bin/env python3
"""PyTorch reference timing for bench/train-speed.ts (merkit's own small script).

STSTNet as in the authors' main.py (christy1206/STSTNet; the model is in
bench/ststnet_torch.py): Adam lr 5e-5, batch 256, cross-entropy; one CPU
thread.

Input: the flow images prepared by the TypeScript bench (so both read the
same pixels): --data X.f32 (N x 28 x 28 x 3 float32, BGR 0-255, NHWC),
--meta meta.json {"y": [...], "subjects": [...]}. LOSO over the subjects
(or the first --folds of them); prints one JSON line with the timings.
"""
import argparse, json, time
import numpy as np
import torch
import torch.nn as nn

from ststnet_torch import STSTNet  # beside this script


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--meta', required=True)
    ap.add_argument('--epochs', type=int, default=50)
    ap.add_argument('--folds', type=int, default=0, help='0 = every subject')
    ap.add_argument('--batch', type=int, default=256)
    ap.add_argument('--lr', type=float, default=5e-5)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    meta = json.load(open(a.meta))
    y = np.array(meta['y'], dtype=np.int64)
    subjects = meta['subjects']
    x = np.fromfile(a.data, dtype=np.float32).reshape(len(y), 28, 28, 3).transpose(0, 3, 1, 2).copy()
    order = sorted(set(subjects))
    if a.folds > 0:
        order = order[: a.folds]
    X = torch.from_numpy(x)
    Y = torch.from_numpy(y)
    fold_epoch_seconds = []
    t_all = time.perf_counter()
    train_cpu = 0.0
    for s in order:
        train = torch.tensor([i for i, t in enumerate(subjects) if t != s])
        model = STSTNet()
        opt = torch.optim.Adam(model.parameters(), lr=a.lr)
        loss_fn = nn.CrossEntropyLoss()
        model.train()
        t0 = time.perf_counter()
        c0 = time.process_time()
        for _ in range(a.epochs):
            perm = train[torch.randperm(len(train))]
            for b in range(0, len(perm), a.batch):
                idx = perm[b : b + a.batch]
                opt.zero_grad()
                loss = loss_fn(model(X[idx]), Y[idx])
                loss.backward()
                opt.step()
        fold_epoch_seconds.append((time.perf_counter() - t0) / a.epochs)
        train_cpu += time.process_time() - c0
        model.eval()
        with torch.no_grad():
            model(X[[i for i, t in enumerate(subjects) if t == s]])
    print(json.dumps({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'folds': len(order),
        'epochs': a.epochs,
        'secondsPerFoldEpoch': float(np.mean(fold_epoch_seconds)),
        'cpuSecondsPerFoldEpoch': train_cpu / (len(order) * a.epochs),
        'totalSeconds': time.perf_counter() - t_all,
    }))


if __name__ == '__main__':
    main()
