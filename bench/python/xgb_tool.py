#!/usr/bin/python3
"""XGBoost side of corriente's cross-checks and speed benchmark.

Data comes as raw little-endian float32 files (row-major matrices, NaN = missing) so values
reach XGBoost bit for bit. Results are written the same way, or printed as JSON on stdout.

  xgb_tool.py train   --x X --y Y --rows N --features F --params JSON --rounds R --out model.json
                      [--valid-x VX --valid-y VY --valid-rows M --early-stopping K]
  xgb_tool.py predict --model model.json --x X --rows N --features F --out P [--margin|--contribs]
  xgb_tool.py bench   [--x X --y Y --rows N --params JSON --rounds R] --features F --runs K
                      [--models a.json,b.json --predict-x PX --predict-rows M]
                      times xgb.train and Booster.predict (nthread=1); prints wall/CPU seconds
"""
import argparse
import json
import sys
import time

import numpy as np
import xgboost as xgb


def load_matrix(path, rows, features):
    return np.fromfile(path, dtype="<f4").reshape(rows, features)


def dmatrix(x, y=None, names=None):
    return xgb.DMatrix(x, label=y, missing=np.nan, feature_names=names, nthread=1)


def model_feature_names(path):
    with open(path, encoding="utf-8") as f:
        names = json.load(f)["learner"].get("feature_names") or None
    return names


def cmd_train(a):
    x = load_matrix(a.x, a.rows, a.features)
    y = np.fromfile(a.y, dtype="<f4")
    params = json.loads(a.params)
    evals = []
    dtrain = dmatrix(x, y)
    evals.append((dtrain, "train"))
    if a.valid_x:
        vx = load_matrix(a.valid_x, a.valid_rows, a.features)
        vy = np.fromfile(a.valid_y, dtype="<f4")
        evals.append((dmatrix(vx, vy), "valid"))
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=a.rounds,
        evals=evals,
        early_stopping_rounds=a.early_stopping,
        verbose_eval=False,
    )
    booster.save_model(a.out)
    best = getattr(booster, "best_iteration", None)
    print(json.dumps({"best_iteration": best}))


def cmd_predict(a):
    booster = xgb.Booster(model_file=a.model)
    booster.set_param({"nthread": 1})
    x = load_matrix(a.x, a.rows, a.features)
    d = dmatrix(x, names=model_feature_names(a.model))
    if a.contribs:
        p = booster.predict(d, pred_contribs=True, approx_contribs=True)
    else:
        p = booster.predict(d, output_margin=a.margin)
    np.ascontiguousarray(p, dtype="<f4").tofile(a.out)
    print(json.dumps({"shape": list(p.shape)}))


def timed(fn):
    """Wall and CPU seconds of fn() (CPU time is fairer when other processes share the cores)."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}


def cmd_bench(a):
    out = {"version": xgb.__version__, "train": [], "predict": {}}
    if a.y:
        x = load_matrix(a.x, a.rows, a.features)
        y = np.fromfile(a.y, dtype="<f4")
        params = dict(json.loads(a.params), nthread=1)
        for _ in range(a.runs):
            d = dmatrix(x, y)  # built beforehand: only training is timed
            out["train"].append(timed(lambda: xgb.train(params, d, num_boost_round=a.rounds)))
    if a.models:
        px = load_matrix(a.predict_x, a.predict_rows, a.features)
        for path in a.models.split(","):
            booster = xgb.Booster(model_file=path)
            booster.set_param({"nthread": 1})
            names = model_feature_names(path)
            # One DMatrix per run, built beforehand: XGBoost caches predictions per DMatrix.
            mats = [dmatrix(px, names=names) for _ in range(a.runs + 1)]
            booster.predict(mats[-1])  # warm-up
            out["predict"][path] = [timed(lambda: booster.predict(m)) for m in mats[:-1]]
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["train", "predict", "bench"])
    p.add_argument("--x")
    p.add_argument("--y")
    p.add_argument("--rows", type=int)
    p.add_argument("--features", type=int)
    p.add_argument("--params", default="{}")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--out")
    p.add_argument("--model")
    p.add_argument("--valid-x")
    p.add_argument("--valid-y")
    p.add_argument("--valid-rows", type=int)
    p.add_argument("--early-stopping", type=int)
    p.add_argument("--margin", action="store_true")
    p.add_argument("--contribs", action="store_true")
    p.add_argument("--models")
    p.add_argument("--predict-x")
    p.add_argument("--predict-rows", type=int)
    a = p.parse_args()
    {"train": cmd_train, "predict": cmd_predict, "bench": cmd_bench}[a.command](a)


if __name__ == "__main__":
    sys.exit(main())
