#!/usr/bin/python3
"""Three sklearn anomaly detectors on the ODDS tables, unsupervised: ROC-AUC and average precision per table and seed.

Run scripts/fetch-tables.sh first (it writes out/odds/*.csv with bench/tables/export_odds.py), then, with Debian's
python3 and python3-sklearn 1.2, one BLAS thread:

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/anomaly/odds_baselines.py

(options, with their defaults: --odds out/odds --results docs/results/odds-baselines.csv --seeds 1 2 3 --tables ...;
about 11 s on a 2-core VM, 5 of them kNN on shuttle.)

Tables: shuttle, satellite, ionosphere, breastw (the ODDS one, 683 complete rows), pima. breastw_missing.csv (699 rows,
16 empty cells) is not run: none of the three detectors takes a missing cell.

Protocol: per table, each detector is fitted on ALL rows with the labels unseen (features only, as they are in the
CSV), then scores every row, higher = more anomalous; the label (1 = anomaly) is used only to score the scores with
sklearn.metrics.roc_auc_score and average_precision_score. No train/test split, no tuning. `seconds` is the wall time
of fit and score together (standardisation included; reading the CSV and the metrics not).

Detectors, each the most direct sklearn use with its defaults (n_jobs left at its default, 1):
  iforest  IsolationForest(random_state=seed) (100 trees, max_samples=min(256, rows), contamination and max_features
           at their defaults) on the raw features; score = -score_samples(X). Run for seeds 1, 2, 3.
  pca      StandardScaler, then PCA(n_components=0.9, svd_solver="full"): with a fraction and the full solver, sklearn
           keeps the smallest number of components whose cumulative explained variance ratio exceeds 0.9 (90 % of the
           standardised variance; the count per table is printed). Score = squared reconstruction error of the
           standardised row, sum over columns of (z - inverse_transform(transform(z)))^2. On shuttle 5 components
           hold 89.8 % and 6 hold 99.98 %: its features are nearly linear combinations of 6 directions (up to integer
           rounding), so the residual left is mostly rounding noise and the ROC-AUC is near 0.5. That is what this
           direct use gives, and is kept as it is.
  knn      StandardScaler, then NearestNeighbors(n_neighbors=6) (Euclidean, algorithm "auto") fitted on all rows and
           queried with the same rows, so each row's first neighbour is itself (distance 0); score = the 6th distance
           returned, the distance to the 5th neighbour other than the row itself. This holds with repeated rows too
           (234 of breastw's 683 rows repeat an earlier one, 1 of ionosphere's): whichever of the tied zero distances
           is the row itself, the 6th smallest distance is the 5th smallest to the other rows.
pca and knn have no randomness: they are run once per table and written once, with seed "-" (not repeated per seed).

Writes docs/results/odds-baselines.csv (table, detector, seed, rows, features, anomalies, roc_auc, average_precision,
seconds) and prints a summary: per table and detector the mean over seeds (iforest: mean +- sample std over 3 seeds),
then per detector the mean ROC-AUC and AP over the five tables. For reference it prints ADBench's published IForest
ROC-AUC on the same tables (Han et al. 2022, "ADBench: Anomaly Detection Benchmark"; PyOD's IForest under ADBench's
own protocol and copies of the data, so an anchor rather than the same measurement).
"""
import os

# One BLAS thread: the machine is shared, and the figures are meant to be single-thread ones.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sklearn  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import IsolationForest  # noqa: E402
from sklearn.metrics import average_precision_score, roc_auc_score  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

TABLES = ("shuttle", "satellite", "ionosphere", "breastw", "pima")
SEEDS = (1, 2, 3)
DETECTORS = ("iforest", "pca", "knn")
# ADBench's published IForest ROC-AUC (%), for reference only.
ADBENCH_IFOREST = {"shuttle": 99.6, "satellite": 70.4, "ionosphere": 84.5, "breastw": 98.3, "pima": 72.9}


def iforest(x, seed):
    model = IsolationForest(random_state=seed).fit(x)
    return -model.score_samples(x), {}


def pca(x, seed):
    z = StandardScaler().fit_transform(x)
    model = PCA(n_components=0.9, svd_solver="full").fit(z)
    residual = z - model.inverse_transform(model.transform(z))
    return (residual ** 2).sum(axis=1), {"components": int(model.n_components_),
                                         "variance": float(model.explained_variance_ratio_.sum())}


def knn(x, seed):
    z = StandardScaler().fit_transform(x)
    distances, _ = NearestNeighbors(n_neighbors=6).fit(z).kneighbors(z)
    return distances[:, 5], {}


RUN = {"iforest": iforest, "pca": pca, "knn": knn}
RANDOM = {"iforest": True, "pca": False, "knn": False}


def load(path):
    frame = pd.read_csv(path)
    if frame.columns[-1] != "label":
        raise ValueError(f"{path}: the last column is {frame.columns[-1]!r}, not 'label'")
    x = frame.drop(columns="label").to_numpy(dtype=float)
    y = frame["label"].to_numpy(dtype=int)
    if np.isnan(x).any():
        raise ValueError(f"{path}: has missing cells")
    if set(np.unique(y)) != {0, 1}:
        raise ValueError(f"{path}: label is not 0/1")
    return x, y


def mean_std(values, digits=3):
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--odds", default="out/odds", help="folder of export_odds.py's CSVs")
    parser.add_argument("--results", default="docs/results/odds-baselines.csv")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=TABLES)
    args = parser.parse_args()

    missing = [t for t in args.tables if not os.path.exists(os.path.join(args.odds, f"{t}.csv"))]
    if missing:
        sys.exit(f"odds_baselines.py: no {', '.join(missing)} in {args.odds}; run scripts/fetch-tables.sh first")

    print(f"sklearn {sklearn.__version__}, numpy {np.__version__}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
          f"seeds {tuple(args.seeds)}; fit on all rows, labels unseen")
    results = []
    notes = {}
    for table in args.tables:
        x, y = load(os.path.join(args.odds, f"{table}.csv"))
        rows, features, anomalies = x.shape[0], x.shape[1], int(y.sum())
        print(f"\n{table}: {rows} rows, {features} features, {anomalies} anomalies ({anomalies / rows:.1%})")
        for detector in DETECTORS:
            for seed in (args.seeds if RANDOM[detector] else [None]):
                begin = time.perf_counter()
                score, extra = RUN[detector](x, seed)
                seconds = time.perf_counter() - begin
                auc, ap = roc_auc_score(y, score), average_precision_score(y, score)
                results.append({"table": table, "detector": detector, "seed": "-" if seed is None else seed,
                                "rows": rows, "features": features, "anomalies": anomalies,
                                "roc_auc": auc, "average_precision": ap, "seconds": seconds})
                if extra:
                    notes[table] = extra
                detail = f"  ({extra['components']} components, {extra['variance']:.1%} of the variance)" \
                    if "components" in extra else ""
                print(f"  {detector:8} seed {'-' if seed is None else seed}  ROC-AUC {auc:.4f}  AP {ap:.4f}  "
                      f"{seconds:7.2f} s{detail}", flush=True)

    os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
    with open(args.results, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        columns = ["table", "detector", "seed", "rows", "features", "anomalies", "roc_auc", "average_precision",
                   "seconds"]
        writer.writerow(columns)
        for r in results:
            writer.writerow([r["table"], r["detector"], r["seed"], r["rows"], r["features"], r["anomalies"],
                             f"{r['roc_auc']:.6f}", f"{r['average_precision']:.6f}", f"{r['seconds']:.3f}"])
    print(f"\nwrote {args.results} ({len(results)} rows)")

    print(f"\nMean over seeds {tuple(args.seeds)} for iforest (± sample std), one deterministic run for pca and knn")
    header = f"{'table':11} {'detector':8} {'ROC-AUC':>15} {'AP':>15} {'seconds':>8}  ADBench IForest ROC-AUC"
    print(header)
    print("-" * len(header))
    per_table = {}
    features_of = {r["table"]: r["features"] for r in results}
    for table in args.tables:
        for detector in DETECTORS:
            chosen = [r for r in results if r["table"] == table and r["detector"] == detector]
            auc = [r["roc_auc"] for r in chosen]
            ap = [r["average_precision"] for r in chosen]
            per_table[table, detector] = (statistics.mean(auc), statistics.mean(ap))
            anchor = f"{ADBENCH_IFOREST[table] / 100:.3f}" if detector == "iforest" else ""
            print(f"{table:11} {detector:8} {mean_std(auc):>15} {mean_std(ap):>15} "
                  f"{statistics.mean(r['seconds'] for r in chosen):8.2f}  {anchor}".rstrip())
    print(f"\nMean over the {len(args.tables)} tables ({', '.join(args.tables)})")
    print(f"{'detector':8} {'ROC-AUC':>8} {'AP':>8}")
    for detector in DETECTORS:
        auc = statistics.mean(per_table[t, detector][0] for t in args.tables)
        ap = statistics.mean(per_table[t, detector][1] for t in args.tables)
        print(f"{detector:8} {auc:8.3f} {ap:8.3f}")
    if all(t in ADBENCH_IFOREST for t in args.tables):
        print(f"ADBench iforest ROC-AUC, same tables: "
              f"{statistics.mean(ADBENCH_IFOREST[t] for t in args.tables) / 100:.3f}")
    print("\npca components kept (> 90 % of the standardised variance): "
          + ", ".join(f"{t} {notes[t]['components']} of {features_of[t]} ({notes[t]['variance']:.2%})"
                      for t in args.tables if t in notes))


if __name__ == "__main__":
    main()
