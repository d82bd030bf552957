#!/usr/bin/env python3
"""Reference TV-L1 flow with OpenCV for bench/flow.ts.

Usage: flow_opencv.py MANIFEST.json OUTDIR

MANIFEST: {"params": {tau, lambda, theta, nscales, warps, epsilon,
innerIterations, outerIterations, scaleStep, gamma, medianFiltering},
"repeats": R, "pairs": [{"name", "a", "b", "width", "height"}]} where a and b
are raw little-endian float32 gray images in [0, 1] (OpenCV scales float input
by 255, exactly as merkit does). Writes OUTDIR/<name>.flo (Middlebury) and
prints one JSON line per pair: {"name", "ms"} (best of R runs, single thread,
process CPU time — robust to other jobs sharing the machine).

Uses cv2.optflow.DualTVL1OpticalFlow_create (opencv_contrib; Debian's
python3-opencv 4.6 ships it) and falls back to cv2.DualTVL1OpticalFlow_create
(OpenCV 3.x main module) when contrib is absent.
"""
import json
import os
import sys
import time

import cv2
import numpy as np


def create(p):
    args = dict(tau=p["tau"], lambda_=p["lambda"], theta=p["theta"], nscales=p["nscales"],
                warps=p["warps"], epsilon=p["epsilon"], innnerIterations=p["innerIterations"],
                outerIterations=p["outerIterations"], scaleStep=p["scaleStep"], gamma=p["gamma"],
                medianFiltering=p["medianFiltering"], useInitialFlow=False)
    if hasattr(cv2, "optflow") and hasattr(cv2.optflow, "DualTVL1OpticalFlow_create"):
        fn = cv2.optflow.DualTVL1OpticalFlow_create
    elif hasattr(cv2, "DualTVL1OpticalFlow_create"):
        fn = cv2.DualTVL1OpticalFlow_create
    else:
        raise SystemExit("this OpenCV build has no DualTVL1OpticalFlow (needs opencv_contrib optflow)")
    try:
        return fn(**args)
    except TypeError:
        # the keyword is spelled innnerIterations (sic) in OpenCV's binding; set by setters instead
        algo = fn()
        algo.setTau(p["tau"]); algo.setLambda(p["lambda"]); algo.setTheta(p["theta"])
        algo.setScalesNumber(p["nscales"]); algo.setWarpingsNumber(p["warps"]); algo.setEpsilon(p["epsilon"])
        algo.setInnerIterations(p["innerIterations"]); algo.setOuterIterations(p["outerIterations"])
        algo.setScaleStep(p["scaleStep"]); algo.setGamma(p["gamma"]); algo.setMedianFiltering(p["medianFiltering"])
        algo.setUseInitialFlow(False)
        return algo


def write_flo(path, flow):
    h, w = flow.shape[:2]
    with open(path, "wb") as f:
        np.array([202021.25], np.float32).tofile(f)
        np.array([w, h], np.int32).tofile(f)
        flow.astype(np.float32).tofile(f)


def main():
    manifest_path, outdir = sys.argv[1], sys.argv[2]
    with open(manifest_path) as f:
        m = json.load(f)
    cv2.setNumThreads(1)
    cv2.ocl.setUseOpenCL(False)
    base = os.path.dirname(os.path.abspath(manifest_path))
    repeats = int(m.get("repeats", 1))
    for pair in m["pairs"]:
        w, h = pair["width"], pair["height"]
        a = np.fromfile(os.path.join(base, pair["a"]), np.float32).reshape(h, w)
        b = np.fromfile(os.path.join(base, pair["b"]), np.float32).reshape(h, w)
        best = float("inf")
        flow = None
        for _ in range(repeats):
            algo = create(m["params"])
            t = time.process_time()
            flow = algo.calc(a, b, None)
            best = min(best, (time.process_time() - t) * 1000)
        write_flo(os.path.join(outdir, pair["name"] + ".flo"), flow)
        print(json.dumps({"name": pair["name"], "ms": best}), flush=True)


if __name__ == "__main__":
    main()
