#!/usr/bin/env python3
"""PyTorch from-scratch LOSO reference for STSTNet (bench/train-fidelity.ts).

Written for merkit after reading the authors' main.py (christy1206/STSTNet):
the same network, PyTorch's default initialisation (every layer's
reset_parameters(): kaiming_uniform a = sqrt(5) weights, biases uniform
+-1/sqrt(fan_in)), Adam lr 5e-5 with PyTorch's defaults, batch 256,
CrossEntropyLoss (mean), 800 epochs, a DataLoader WITHOUT shuffling over the
training images in the order main.py reads them (grouped by expression
folder), the last epoch's weights, eval mode (BatchNorm running statistics)
for the test subject. Images are read with cv2.imread: BGR, raw 0-255.

Each fold is one task (seed, test subject); tasks run in --jobs processes,
one torch thread each. Output: one JSON line per task on stdout
{"seed", "subject", "ids", "pred", "loss"} (clip ids of the test subject, the
predicted class indices, the final epoch's mean training loss), then
{"done": ...}. The caller (bench/train-fidelity.ts) scores them.

Options that change one thing at a time (for the ablations; defaults = main.py):
  --order class|csv|shuffle  class: main.py's folder order (labels 0, 1, 2 in
                             turn, the row order within a label); csv: the
                             row order (labels.csv's, or --ids');
                             shuffle: DataLoader(shuffle=True)
  --init torch|glorot        glorot: Keras/tfjs defaults (Glorot-uniform
                             weights, zero biases) instead of PyTorch's
"""
import argparse, csv, json, os, sys, zlib
from multiprocessing import Pool

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

CLASSES = ['negative', 'positive', 'surprise']


def load(data_dir, order_file=''):
    import cv2
    import numpy as np
    rows = []
    with open(os.path.join(data_dir, 'labels.csv'), newline='') as f:
        for r in csv.DictReader(f):
            if r['label'] in CLASSES:
                rows.append(r)
    if order_file:
        # the caller's clip order (merkit's dataset order), one clip id per line
        key = {f"{r['dataset']}/{r['subject']}/{r['clip']}": r for r in rows}
        want = [l.strip() for l in open(order_file) if l.strip()]
        if sorted(want) != sorted(key):
            sys.exit(f'{order_file}: the clip ids differ from labels.csv\'s')
        rows = [key[k] for k in want]
    x = np.stack([cv2.imread(os.path.join(data_dir, r['flow'])) for r in rows]).astype(np.float32)  # N,28,28,3 BGR 0-255
    y = np.array([CLASSES.index(r['label']) for r in rows], dtype=np.int64)
    subjects = [f"{r['dataset']}/{r['subject']}" for r in rows]
    ids = [f"{r['dataset']}/{r['subject']}/{r['clip']}" for r in rows]
    return x.transpose(0, 3, 1, 2).copy(), y, subjects, ids


def task_seed(seed, subject):
    return zlib.crc32(f'{seed}/{subject}'.encode())


def run_task(args):
    seed, subject, a = args
    import numpy as np
    import torch
    import torch.nn as nn
    from torch.utils.data import TensorDataset, DataLoader
    from ststnet_torch import STSTNet, glorot_
    torch.set_num_threads(1)
    x, y, subjects, ids = DATA
    train = [i for i, s in enumerate(subjects) if s != subject]
    test = [i for i, s in enumerate(subjects) if s == subject]
    if a.order == 'class':
        # main.py: for each expression folder, every image in it
        train = sorted(train, key=lambda i: (y[i], i))
    torch.manual_seed(task_seed(seed, subject))
    model = STSTNet()
    # main.py: model.apply(reset_weights) -> every child's reset_parameters()
    # again (PyTorch's default init, drawn a second time)
    for layer in model.children():
        if hasattr(layer, 'reset_parameters'):
            layer.reset_parameters()
    if a.init == 'glorot':
        glorot_(model)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    loss_fn = nn.CrossEntropyLoss()
    dl = DataLoader(TensorDataset(torch.from_numpy(x[train]), torch.from_numpy(y[train])), batch_size=a.batch, shuffle=a.order == 'shuffle')
    last = 0.0
    for _ in range(a.epochs):
        model.train()
        total = 0.0
        for xb, yb in dl:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * xb.size(0)
        last = total / len(train)
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(x[test])).argmax(1).tolist()
    return {'seed': seed, 'subject': subject, 'ids': [ids[i] for i in test], 'pred': pred, 'loss': last}


DATA = None


def init_worker(data_dir, order_file):
    global DATA
    DATA = load(data_dir, order_file)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True, help='megc2019-cde-dev folder (labels.csv + flow/*.png)')
    ap.add_argument('--ids', default='', help='file of clip ids (dataset/subject/clip), one per line: the row order (default labels.csv order)')
    ap.add_argument('--subjects', default='', help='comma-separated subject keys (dataset/subject); default every subject')
    ap.add_argument('--seeds', default='1', help='comma-separated seeds')
    ap.add_argument('--epochs', type=int, default=800)
    ap.add_argument('--batch', type=int, default=256)
    ap.add_argument('--lr', type=float, default=5e-5)
    ap.add_argument('--jobs', type=int, default=1, help='parallel processes (one torch thread each)')
    ap.add_argument('--order', choices=['class', 'csv', 'shuffle'], default='class')
    ap.add_argument('--init', choices=['torch', 'glorot'], default='torch')
    a = ap.parse_args()
    init_worker(a.data, a.ids)
    import torch
    subjects = sorted(set(DATA[2]))
    if a.subjects:
        want = a.subjects.split(',')
        missing = [s for s in want if s not in subjects]
        if missing:
            sys.exit(f'unknown subject(s) {missing}; expected keys like {subjects[0]}')
        subjects = want
    tasks = [(int(s), subj, a) for s in a.seeds.split(',') for subj in subjects]
    print(json.dumps({'torch': torch.__version__, 'tasks': len(tasks), 'order': a.order, 'init': a.init, 'epochs': a.epochs}), flush=True)
    if a.jobs <= 1:
        results = map(run_task, tasks)
    else:
        pool = Pool(a.jobs, initializer=init_worker, initargs=(a.data, a.ids))
        results = pool.imap_unordered(run_task, tasks)
    for r in results:
        print(json.dumps(r), flush=True)
    print(json.dumps({'done': len(tasks)}), flush=True)


if __name__ == '__main__':
    main()
