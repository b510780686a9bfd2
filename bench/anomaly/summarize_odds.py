#!/usr/bin/python3
"""Summarises docs/results/anomaly-odds.csv (Mae.Benchmarks anomaly-odds) with docs/results/odds-baselines.csv
(bench/anomaly/odds_baselines.py) as the README's tables: ROC-AUC and average precision per table, mean ± standard deviation
over the seeds run, and the mean over the five ODDS tables; then the three score estimators and their scoring time.

    /usr/bin/python3 bench/anomaly/summarize_odds.py
"""
import collections
import csv
import statistics

TABLES = ["shuttle", "satellite", "ionosphere", "breastw", "pima"]


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def cell(values):
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def main():
    mae = read("docs/results/anomaly-odds.csv")
    base = read("docs/results/odds-baselines.csv")
    by = collections.defaultdict(lambda: collections.defaultdict(list))   # detector -> table -> [(auc, ap)]
    for r in mae:
        if r["detector"] == "RandomizedPca":
            name = "ML.NET RandomizedPca"
        elif r["estimator"] != "step":
            continue
        else:
            name = "Mae VAE" if r["detector"] == "Mae VAE" else f"Mae MAE, M = {r['target']}"
        by[name][r["table"]].append((float(r["roc_auc"]), float(r["average_precision"])))
    names = {"iforest": "sklearn Isolation Forest", "pca": "sklearn PCA reconstruction", "knn": "sklearn kNN distance"}
    for r in base:
        by[names[r["detector"]]][r["table"]].append((float(r["roc_auc"]), float(r["average_precision"])))
    tables = TABLES + ["breastw_missing"]
    for metric, index in (("ROC-AUC", 0), ("average precision", 1)):
        print(f"\n{metric} (mean ± sd over seeds; one figure: one seed or a deterministic detector)\n")
        print("| detector | " + " | ".join(tables) + " | mean of the five ODDS tables |")
        print("|---" * (len(tables) + 2) + "|")
        for name in sorted(by, key=lambda n: (not n.startswith("Mae"), n)):
            cells = [cell([v[index] for v in by[name].get(t, [])]) for t in tables]
            five = [statistics.mean(v[index] for v in by[name][t]) for t in TABLES if by[name].get(t)]
            mean = f"{statistics.mean(five):.3f}" if len(five) == len(TABLES) else "–"
            print(f"| {name} | " + " | ".join(cells) + f" | {mean} |")

    print("\nScore estimators on the same models: mean ROC-AUC over the five tables and the seeds, and scoring seconds on shuttle\n")
    est = collections.defaultdict(lambda: collections.defaultdict(list))
    seconds = collections.defaultdict(list)
    for r in mae:
        if r["detector"] == "RandomizedPca" or r["estimator"] == "step":
            continue
        config = "VAE" if r["detector"] == "Mae VAE" else f"M = {r['target']}"
        est[(config, r["estimator"])][r["table"]].append(float(r["roc_auc"]))
        if r["table"] == "shuttle":
            seconds[r["estimator"]].append(float(r["score_seconds"]))
    print("| model | PosteriorMean | PosteriorDraws (K = 16) | ImportanceSampled (K = 16) |\n|---|---|---|---|")
    for config in sorted({c for c, _ in est}, key=lambda c: (c != "VAE", c)):
        row = []
        for e in ("PosteriorMean", "PosteriorDraws", "ImportanceSampled"):
            per = est[(config, e)]
            row.append(f"{statistics.mean(statistics.mean(per[t]) for t in TABLES):.3f}" if all(per.get(t) for t in TABLES) else "–")
        print(f"| {config} | " + " | ".join(row) + " |")
    print("| scoring 49,097 shuttle rows (s, libtorch, mean) | " + " | ".join(
        f"{statistics.mean(seconds[e]):.2f}" for e in ("PosteriorMean", "PosteriorDraws", "ImportanceSampled")) + " |")


if __name__ == "__main__":
    main()
