#!/usr/bin/env python3
"""PyTorch side of bench/net-steps.ts (merkit's own reference script).

The six networks merkit trains, rebuilt in PyTorch with the same layers and
the same trainable parameter count (the TypeScript bench refuses a model
whose count differs), trained one step at a time on random inputs of the
recipe's shape with the recipe's optimiser, on one CPU thread:

  ststnet         3 parallel 3x3 convs (3/5/8, pad 2) -> ReLU -> BN -> max-pool
                  3/3 pad 1 -> dropout 0.5; concat -> avg-pool 2 -> FC 400 -> K
  off-apexnet     u, v streams: conv 5x5 x6 'same' ReLU -> pool 2 -> conv 5x5 x16
                  -> pool 2; FC 1568 -> 1024 -> 1024 (ReLU, dropout 0.5) -> K
  dual-inception  u, v streams: Inception(4x6) -> pool 2 -> Inception(4x16) ->
                  pool 2; FC 6272 -> 1024 ReLU -> K
  fr              the Dual-Inception backbone -> z (FC 1024 ReLU); K attention
                  branches softmax(FC(z)) * z, detectors FC 128 ReLU -> FC 1
                  (BCE); sum -> FC 216 ReLU -> dropout 0.5 -> FC K; 0.85 L_prop + L_cls
  emr             (x - 0.5)/0.5, 28 -> 64 bilinear, ResNet-18 (width w; conv 7x7/2,
                  BN, ReLU, max-pool 3/2, 4 x 2 BasicBlocks), top/bottom parts
                  pooled -> FC 64 tanh dropout 0.1 -> FC K each; concat -> FC K;
                  gradient reversal -> discriminator 64-32-1 (ReLU, dropout 0.5);
                  half the batch tagged macro-domain; Adam with the encoder at
                  --lr-backbone and the heads at --lr, weight decay, and
                  clip_grad_norm_ on the encoder and the five classifier FCs
  tlcnn           frame CNN on 48x48x1: conv 5x5 16, pool, 5x5 32, pool, 3x3 48,
                  48, 32, pool; FC 1152 -> 256 -> 256 (ReLU, dropout) -> K

Protocol (so that the TypeScript bench can interleave both sides in one run):
prints one JSON line {"params": P, "torch": version, "threads": 1}, then for
each line "step" on stdin runs one training step and prints
{"wall": ms, "cpu": ms}; "quit" (or end of input) exits.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('MKL_NUM_THREADS', '1')

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def conv_same(cin, cout, k, bias=True):
    return nn.Conv2d(cin, cout, k, padding=k // 2, bias=bias)


class Ststnet(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(3, f, 3, padding=2) for f in (3, 5, 8)])
        self.bns = nn.ModuleList([nn.BatchNorm2d(f) for f in (3, 5, 8)])
        self.fc = nn.Linear(400, classes)

    def forward(self, x):
        ys = [F.dropout(F.max_pool2d(bn(F.relu(c(x))), 3, 3, 1), 0.5, self.training) for c, bn in zip(self.convs, self.bns)]
        y = F.avg_pool2d(torch.cat(ys, 1), 2)
        return self.fc(y.flatten(1))


class LeNetStream(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = conv_same(1, 6, 5)
        self.c2 = conv_same(6, 16, 5)

    def forward(self, x):
        return F.max_pool2d(F.relu(self.c2(F.max_pool2d(F.relu(self.c1(x)), 2))), 2).flatten(1)


class OffApexNet(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.streams = nn.ModuleList([LeNetStream(), LeNetStream()])
        self.fc1 = nn.Linear(1568, 1024)
        self.fc2 = nn.Linear(1024, 1024)
        self.out = nn.Linear(1024, classes)

    def forward(self, x):
        z = torch.cat([s(x[:, i : i + 1]) for i, s in enumerate(self.streams)], 1)
        h = F.dropout(F.relu(self.fc1(z)), 0.5, self.training)
        h = F.dropout(F.relu(self.fc2(h)), 0.5, self.training)
        return self.out(h)


class Inception(nn.Module):
    """four branches of f filters: 1x1; 1x1 -> 3x3; 1x1 -> 5x5; max-pool 3/1 -> 1x1; ReLU each"""

    def __init__(self, cin, f):
        super().__init__()
        self.b1 = conv_same(cin, f, 1)
        self.b3r = conv_same(cin, f, 1)
        self.b3 = conv_same(f, f, 3)
        self.b5r = conv_same(cin, f, 1)
        self.b5 = conv_same(f, f, 5)
        self.bp = conv_same(cin, f, 1)

    def forward(self, x):
        r = F.relu
        return torch.cat([r(self.b1(x)), r(self.b3(r(self.b3r(x)))), r(self.b5(r(self.b5r(x)))), r(self.bp(F.max_pool2d(x, 3, 1, 1)))], 1)


class InceptionStream(nn.Module):
    def __init__(self):
        super().__init__()
        self.i1 = Inception(1, 6)
        self.i2 = Inception(24, 16)

    def forward(self, x):
        return F.max_pool2d(self.i2(F.max_pool2d(self.i1(x), 2)), 2).flatten(1)


class DualInception(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.streams = nn.ModuleList([InceptionStream(), InceptionStream()])
        self.fc1 = nn.Linear(6272, 1024)
        self.out = nn.Linear(1024, classes)

    def features(self, x):
        return torch.cat([s(x[:, i : i + 1]) for i, s in enumerate(self.streams)], 1)

    def forward(self, x):
        return self.out(F.relu(self.fc1(self.features(x))))


class Fr(nn.Module):
    def __init__(self, classes, detector=128, classifier=216):
        super().__init__()
        self.backbone = DualInception(classes)
        del self.backbone.out  # FR keeps the streams and the FC 1024 only
        self.att = nn.ModuleList([nn.Linear(1024, 1024) for _ in range(classes)])
        self.det1 = nn.ModuleList([nn.Linear(1024, detector) for _ in range(classes)])
        self.det2 = nn.ModuleList([nn.Linear(detector, 1) for _ in range(classes)])
        self.cls1 = nn.Linear(1024, classifier)
        self.cls2 = nn.Linear(classifier, classes)

    def forward(self, x):
        z = F.relu(self.backbone.fc1(self.backbone.features(x)))
        spec = [F.softmax(a(z), 1) * z for a in self.att]
        det = torch.cat([d2(F.relu(d1(s))) for s, d1, d2 in zip(spec, self.det1, self.det2)], 1)
        logits = self.cls2(F.dropout(F.relu(self.cls1(sum(spec))), 0.5, self.training))
        return logits, det

    def loss(self, x, y):
        logits, det = self(x)
        onehot = F.one_hot(y, logits.shape[1]).float()
        return 0.85 * F.binary_cross_entropy_with_logits(det, onehot) + F.cross_entropy(logits, y)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(y + (self.down(x) if self.down is not None else x))


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lam):
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return -ctx.lam * g, None


class Emr(nn.Module):
    """ResNet-18 (width w) on the normalised flow resized to 64; top/bottom parts
    (round(3h/7) rows) pooled -> FC 64 tanh dropout 0.1 -> FC K each; concat 128
    -> FC K; GRL -> discriminator FC 64 ReLU dropout 0.5 -> FC 32 ReLU dropout 0.5
    -> FC 1 (src/nets/emr.ts)."""

    def __init__(self, classes, width=64, size=64, hidden=64):
        super().__init__()
        self.size = size
        self.stem = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn = nn.BatchNorm2d(width)
        blocks, c = [], width
        for s in range(4):
            cout = width * 2**s
            for b in range(2):
                blocks.append(BasicBlock(c, cout, 2 if b == 0 and s > 0 else 1))
                c = cout
        self.blocks = nn.Sequential(*blocks)
        self.top1, self.top2 = nn.Linear(c, hidden), nn.Linear(hidden, classes)
        self.bot1, self.bot2 = nn.Linear(c, hidden), nn.Linear(hidden, classes)
        self.joint = nn.Linear(2 * hidden, classes)
        self.disc = nn.ModuleList([nn.Linear(2 * hidden, 64), nn.Linear(64, 32), nn.Linear(32, 1)])

    def encoder(self):
        return [self.stem, self.bn, self.blocks]

    def heads(self, x):
        x = F.interpolate((x - 0.5) / 0.5, size=(self.size, self.size), mode='bilinear', align_corners=False)
        fm = self.blocks(F.max_pool2d(F.relu(self.bn(self.stem(x))), 3, 2, 1))
        h = fm.shape[2]
        t = min(h - 1, max(1, round(3 * h / 7)))
        ft = F.dropout(torch.tanh(self.top1(fm[:, :, :t].mean((2, 3)))), 0.1, self.training)
        fb = F.dropout(torch.tanh(self.bot1(fm[:, :, t:].mean((2, 3)))), 0.1, self.training)
        feat = torch.cat([ft, fb], 1)
        return self.top2(ft), self.bot2(fb), self.joint(feat), feat

    def forward(self, x):
        return self.heads(x)[2]

    def loss(self, x, y, macro):
        top, bot, joint, feat = self.heads(x)
        l = F.cross_entropy(top, y) + F.cross_entropy(bot, y) + F.cross_entropy(joint, y)
        d1, d2, d3 = self.disc
        z = GradReverse.apply(feat, 1.0)
        z = F.dropout(F.relu(d1(z)), 0.5, self.training)
        z = F.dropout(F.relu(d2(z)), 0.5, self.training)
        return l + F.binary_cross_entropy_with_logits(d3(z), (~macro).float().unsqueeze(1))


class TlcnnFrame(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.convs = nn.ModuleList([conv_same(1, 16, 5), conv_same(16, 32, 5), conv_same(32, 48, 3), conv_same(48, 48, 3), conv_same(48, 32, 3)])
        self.fc6 = nn.Linear(6 * 6 * 32, 256)
        self.fc7 = nn.Linear(256, 256)
        self.fc8 = nn.Linear(256, classes)

    def forward(self, x):
        c = [lambda t, i=i: F.relu(self.convs[i](t)) for i in range(5)]
        m = F.max_pool2d(c[4](c[3](c[2](F.max_pool2d(c[1](F.max_pool2d(c[0](x), 2)), 2)))), 2)
        h = F.dropout(F.relu(self.fc6(m.flatten(1))), 0.5, self.training)
        h = F.dropout(F.relu(self.fc7(h)), 0.5, self.training)
        return self.fc8(h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--net', required=True, choices=['ststnet', 'off-apexnet', 'dual-inception', 'fr', 'emr', 'tlcnn'])
    ap.add_argument('--batch', type=int, required=True, help='samples per step')
    ap.add_argument('--classes', type=int, default=3)
    ap.add_argument('--width', type=int, default=64, help='EMR ResNet width')
    ap.add_argument('--optimizer', choices=['adam', 'sgd'], default='adam')
    ap.add_argument('--lr', type=float, default=1e-4)
    ap.add_argument('--momentum', type=float, default=0.0)
    ap.add_argument('--lr-backbone', type=float, default=None, help='EMR: learning rate of the encoder (--lr: the heads)')
    ap.add_argument('--weight-decay', type=float, default=0.0)
    ap.add_argument('--clip', type=float, default=0.0, help='EMR: clip_grad_norm_ of each module group to this norm (0: none)')
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    k = a.classes
    side, ch = (48, 1) if a.net == 'tlcnn' else (28, 3)
    n = a.batch
    model = {
        'ststnet': lambda: Ststnet(k),
        'off-apexnet': lambda: OffApexNet(k),
        'dual-inception': lambda: DualInception(k),
        'fr': lambda: Fr(k),
        'emr': lambda: Emr(k, a.width),
        'tlcnn': lambda: TlcnnFrame(k),
    }[a.net]()
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{'params': params}]
    clip_groups = []
    if a.net == 'emr':
        enc = [p for m in model.encoder() for p in m.parameters()]
        ids = {id(p) for p in enc}
        groups = [{'params': enc, 'lr': a.lr_backbone if a.lr_backbone is not None else a.lr}, {'params': [p for p in params if id(p) not in ids]}]
        clip_groups = [enc] + [list(m.parameters()) for m in (model.top1, model.bot1, model.joint, model.top2, model.bot2)]
    if a.optimizer == 'adam':
        opt = torch.optim.Adam(groups, lr=a.lr, weight_decay=a.weight_decay)
    else:
        opt = torch.optim.SGD(groups, lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay)
    x = torch.rand(n, ch, side, side)
    y = torch.arange(n) % k
    macro = (torch.arange(n) % 2) == 1
    if a.net == 'fr':
        loss_of = lambda: model.loss(x, y)  # noqa: E731
    elif a.net == 'emr':
        loss_of = lambda: model.loss(x, y, macro)  # noqa: E731
    else:
        loss_of = lambda: F.cross_entropy(model(x), y)  # noqa: E731

    def step():
        opt.zero_grad()
        loss = loss_of()
        loss.backward()
        for g in clip_groups:
            if a.clip > 0:
                torch.nn.utils.clip_grad_norm_(g, a.clip)
        opt.step()
        return loss.item()

    print(json.dumps({'params': sum(p.numel() for p in params), 'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == 'quit':
            break
        if cmd != 'step':
            print(json.dumps({'error': f'unknown command {cmd!r}'}), flush=True)
            continue
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        print(json.dumps({'wall': (time.perf_counter() - t0) * 1e3, 'cpu': (time.process_time() - c0) * 1e3}), flush=True)


if __name__ == '__main__':
    main()
