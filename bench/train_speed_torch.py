#!/usr/bin/env python3
"""PyTorch reference timing for bench/train-speed.ts (merkit's own small script).

STSTNet exactly as in the authors' main.py (christy1206/STSTNet): three
parallel 3x3 convs (3/5/8 filters, padding 2) -> ReLU -> BatchNorm ->
max-pool 3/3 pad 1 -> dropout 0.5, concat, avg-pool 2, linear 400 -> 3;
Adam lr 5e-5, batch 256, cross-entropy; one CPU thread.

Input: the flow images prepared by the TypeScript bench (so both read the
same pixels): --data X.f32 (N x 28 x 28 x 3 float32, BGR 0-255, NHWC),
--meta meta.json {"y": [...], "subjects": [...]}. LOSO over the subjects
(or the first --folds of them); prints one JSON line with the timings.
"""
import argparse, json, time
import numpy as np
import torch
import torch.nn as nn


class STSTNet(nn.Module):
    def __init__(self, in_channels=3, out_channels=3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 3, kernel_size=3, padding=2)
        self.conv2 = nn.Conv2d(in_channels, 5, kernel_size=3, padding=2)
        self.conv3 = nn.Conv2d(in_channels, 8, kernel_size=3, padding=2)
        self.relu = nn.ReLU()
        self.bn1 = nn.BatchNorm2d(3)
        self.bn2 = nn.BatchNorm2d(5)
        self.bn3 = nn.BatchNorm2d(8)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=3, padding=1)
        self.avgpool = nn.AvgPool2d(kernel_size=2, stride=2, padding=0)
        self.dropout = nn.Dropout(p=0.5)
        self.fc = nn.Linear(in_features=5 * 5 * 16, out_features=out_channels)

    def forward(self, x):
        x1 = self.dropout(self.maxpool(self.bn1(self.relu(self.conv1(x)))))
        x2 = self.dropout(self.maxpool(self.bn2(self.relu(self.conv2(x)))))
        x3 = self.dropout(self.maxpool(self.bn3(self.relu(self.conv3(x)))))
        x = self.avgpool(torch.cat((x1, x2, x3), 1))
        return self.fc(x.view(x.size(0), -1))


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
