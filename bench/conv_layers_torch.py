#!/usr/bin/env python3
"""PyTorch side of bench/conv-layers.ts: reads the layer list (JSON) on stdin,
prints one JSON line per layer with the CPU ms (median of 15 calls, one
thread) of the forward convolution, its input gradient and its filter
gradient, for the same NCHW shapes."""
import json
import sys
import time

import torch
import torch.nn.functional as F

REPS = 15


def cpu_ms(f):
    t = []
    for _ in range(REPS):
        c0 = time.process_time()
        f()
        t.append((time.process_time() - c0) * 1e3)
    return sorted(t)[REPS // 2]


def main():
    torch.set_num_threads(1)
    for name, (n, h, w, ci), k, co, s, p, _count in json.load(sys.stdin):
        x = torch.rand(n, ci, h, w)
        W = torch.randn(co, ci, k, k)
        dy = torch.randn_like(F.conv2d(x, W, stride=s, padding=p))
        print(json.dumps({
            'name': name,
            'fwd': cpu_ms(lambda: F.conv2d(x, W, stride=s, padding=p)),
            'bpi': cpu_ms(lambda: torch.nn.grad.conv2d_input(x.shape, W, dy, stride=s, padding=p)),
            'bpf': cpu_ms(lambda: torch.nn.grad.conv2d_weight(x, W.shape, dy, stride=s, padding=p)),
        }), flush=True)


if __name__ == '__main__':
    main()
