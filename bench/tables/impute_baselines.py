#!/usr/bin/python3
"""The sklearn baseline imputers on the public tables with real missing cells, by the HI-VAE protocol.

Run scripts/fetch-tables.sh first (it writes out/tables/*.csv and *.schema.json), then, with Debian's python3 and
python3-sklearn 1.2:

    /usr/bin/python3 bench/tables/impute_baselines.py [--tables out/tables] [--results docs/results/imputation-baselines.csv]

Protocol (Nazabal et al. 2020, "Handling incomplete heterogeneous data using VAEs", section 5): per table and seed
1, 2, 3, hide 20 % of the OBSERVED feature cells completely at random (exactly round(0.2 x observed) cells drawn
without replacement with numpy.random.default_rng(seed); the label column is not a feature: it is neither hidden nor
given to the imputers). The real NAs stay missing and are never scored. Each mask is saved as
out/tables/masks/{table}-seed{seed}.csv: the table's header and shape, 1 = hidden by us, 0 otherwise (the label column
and the real NAs are 0), so another program can hide the very same cells. Every imputer sees only the masked table.

Methods (n_jobs=1 throughout):
  mean        mean of the observed cells for a real column, the most frequent level for a categorical one.
  knn         KNNImputer(n_neighbors=5) on the real columns standardized (mean and std of the observed cells) and the
              categorical columns one-hot (all of a cell's indicators NaN when it is missing); a categorical cell
              takes the level with the largest imputed indicator (the most frequent among the 5 neighbours).
  mice        IterativeImputer with its defaults (BayesianRidge, max_iter=10, tol=1e-3, sample_posterior=False,
              initial mean, ascending order), random_state=seed, on the same standardized + one-hot matrix; a
              categorical cell takes the level with the largest imputed indicator. One change: an indicator is not
              regressed on the other indicators of its own column (overriding IterativeImputer._get_neighbor_feat_idx):
              they fix it exactly on the observed rows (1 minus their sum), and with them every categorical cell came
              back as the mode, the mean imputer's answer to the last digit.
  missforest  IterativeImputer(estimator=RandomForestRegressor(n_estimators=100, random_state=seed)), max_iter=10,
              on the real columns as they are and the categorical columns as level codes 0..K-1; for a categorical
              column the estimator is a RandomForestClassifier(same n_estimators, random_state=seed) instead (as
              missForest does), so a categorical cell gets a level, not a rounded mean of codes. This is done by
              overriding IterativeImputer._impute_one_feature (a private method of sklearn 1.2; the script checks
              that it is there). The other columns' codes are the features of each forest.
              100 trees and max_iter=10 only where one seed takes under 15 s with n_jobs=1 (BreastCancer, ~12 s);
              elsewhere fewer trees, to keep the whole run near 10 minutes on 2 cores (MISSFOREST below; seconds
              per seed at 100 trees, measured or extrapolated: HouseVotes84 16-20, PimaIndiansDiabetes2 21, Ozone 19,
              Soybean 36, income ~70, spam ~2900):
                HouseVotes84, PimaIndiansDiabetes2, Ozone, Soybean: 50 trees (on seed 1 the scores moved by at most
                        0.01, except Ozone's categorical error, 0.877 at 50 trees against 0.850 at 100);
                income  (8993 rows, 13 categorical features): 25 trees;
                spam    (4601 rows, 57 real features): 20 trees, max_features="sqrt" (missForest's own default mtry,
                        floor(sqrt(p)); 7x cheaper than all 56 features and better there: NRMSE 0.83 against 0.87 on
                        seed 1 at equal time, 10 trees of all features and max_iter=1) and max_iter=3.

Scores, on the hidden cells only: per real column the RMSE over its hidden cells divided by the column's standard
deviation over all its observed cells of the original table (ddof=0), averaged over the real columns; per categorical
column the error rate over its hidden cells, averaged over the categorical columns. Empty when the table has no column
of that kind. The summary gives mean +- sample std (ddof=1) over the 3 seeds. `seconds` is the wall time of the
imputation alone (fit and transform, encoding included; masks and scoring not).

Writes docs/results/imputation-baselines.csv (table, method, seed, numeric_nrmse, categorical_error, seconds).
"""
import os

# One BLAS thread, like n_jobs=1: Debian's OpenBLAS (libopenblas0-openmp) on 2 threads made MICE on income 6x slower.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sklearn  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor  # noqa: E402
from sklearn.experimental import enable_iterative_imputer  # noqa: F401,E402  (needed in sklearn 1.2)
from sklearn.impute import IterativeImputer, KNNImputer  # noqa: E402

SEEDS = (1, 2, 3)
HIDDEN_FRACTION = 0.2
METHODS = ("mean", "knn", "mice", "missforest")
# missForest settings that differ from 100 trees and max_iter=10, to keep the whole run near 10 minutes on 2 cores.
MISSFOREST = {
    "HouseVotes84": {"n_estimators": 50},
    "PimaIndiansDiabetes2": {"n_estimators": 50},
    "Ozone": {"n_estimators": 50},
    "Soybean": {"n_estimators": 50},
    "income": {"n_estimators": 25},
    "spam": {"n_estimators": 20, "max_features": "sqrt", "max_iter": 3},
}


class MixedForestImputer(IterativeImputer):
    """IterativeImputer whose estimator for a categorical column (index in `categorical_columns_`) is a clone of
    `classifier_` rather than of `estimator`. Set both attributes before fit_transform."""

    def _impute_one_feature(self, X_filled, mask_missing_values, feat_idx, neighbor_feat_idx,
                            estimator=None, fit_mode=True):
        if estimator is None and fit_mode and feat_idx in self.categorical_columns_:
            estimator = clone(self.classifier_)
        return super()._impute_one_feature(X_filled, mask_missing_values, feat_idx, neighbor_feat_idx,
                                           estimator=estimator, fit_mode=fit_mode)


class OneHotImputer(IterativeImputer):
    """IterativeImputer that does not regress a one-hot indicator on the other indicators of the same categorical
    column: over the observed rows they determine it exactly (it is 1 minus their sum), so the regression would learn
    only that, and at a missing cell, where the siblings hold their initial means, it would give back the initial
    mean: every categorical cell would get the mode. Set `groups_` (column index -> indices of its block) before
    fit_transform; everything else is IterativeImputer's."""

    def _get_neighbor_feat_idx(self, n_features, feat_idx, abs_corr_mat):
        neighbors = super()._get_neighbor_feat_idx(n_features, feat_idx, abs_corr_mat)
        siblings = self.groups_.get(int(feat_idx))
        return neighbors if siblings is None else neighbors[~np.isin(neighbors, siblings)]


class Table:
    def __init__(self, folder, name):
        with open(os.path.join(folder, f"{name}.schema.json"), encoding="utf-8") as f:
            self.schema = json.load(f)
        self.name = name
        self.frame = pd.read_csv(os.path.join(folder, f"{name}.csv"), dtype=str, keep_default_na=False,
                                 na_values=[""])
        self.label = self.schema["label"]
        self.columns = [c for c in self.schema["columns"] if c["name"] != self.label]
        self.real = [i for i, c in enumerate(self.columns) if c["kind"] == "real"]
        self.categorical = [i for i, c in enumerate(self.columns) if c["kind"] in ("categorical", "binary")]
        # The feature matrix: real values as they are, categorical cells as level codes 0..K-1, NaN when missing.
        values = np.full((len(self.frame), len(self.columns)), np.nan)
        for j, column in enumerate(self.columns):
            cells = self.frame[column["name"]]
            if column["kind"] == "real":
                values[:, j] = pd.to_numeric(cells).to_numpy(dtype=float)
            else:
                codes = {level: k for k, level in enumerate(column["levels"])}
                unknown = set(cells.dropna()) - set(codes)
                if unknown:
                    raise ValueError(f"{name}.{column['name']}: cells {sorted(unknown)[:5]} are not levels")
                values[:, j] = cells.map(codes).to_numpy(dtype=float)
        self.values = values
        self.observed = ~np.isnan(values)
        self.sd = np.array([np.nanstd(values[:, j]) if j in self.real else np.nan for j in range(values.shape[1])])

    def mask(self, seed):
        rng = np.random.default_rng(seed)
        observed = np.flatnonzero(self.observed)
        hidden = np.zeros(self.values.shape, dtype=bool)
        hidden.flat[rng.choice(observed, size=int(round(HIDDEN_FRACTION * observed.size)), replace=False)] = True
        return hidden

    def save_mask(self, hidden, path):
        full = pd.DataFrame(0, index=self.frame.index, columns=self.frame.columns, dtype=np.int8)
        for j, column in enumerate(self.columns):
            full[column["name"]] = hidden[:, j].astype(np.int8)
        full.to_csv(path, index=False)


def encode(table, x):
    """Standardized real columns and one-hot categorical columns (NaN indicators for a missing cell)."""
    blocks, layout = [], []
    for j, column in enumerate(table.columns):
        col = x[:, j]
        present = ~np.isnan(col)
        if j in table.real:
            mean, sd = col[present].mean(), col[present].std()
            sd = sd if sd > 0 else 1.0
            blocks.append(((col - mean) / sd)[:, None])
            layout.append(("real", mean, sd, 1))
        else:
            k = len(column["levels"])
            onehot = np.full((len(col), k), np.nan)
            onehot[present] = np.eye(k)[col[present].astype(int)]
            blocks.append(onehot)
            layout.append(("categorical", 0.0, 1.0, k))
    return np.hstack(blocks), layout


def decode(z, layout):
    out, at = [], 0
    for kind, mean, sd, width in layout:
        block = z[:, at:at + width]
        out.append(block[:, 0] * sd + mean if kind == "real" else np.argmax(block, axis=1).astype(float))
        at += width
    return np.column_stack(out)


def impute_mean(table, x, seed):
    filled = x.copy()
    for j in range(x.shape[1]):
        col = x[:, j]
        present = col[~np.isnan(col)]
        if j in table.real:
            value = present.mean()
        else:
            counts = np.bincount(present.astype(int), minlength=len(table.columns[j]["levels"]))
            value = float(np.argmax(counts))
        filled[np.isnan(col), j] = value
    return filled


def impute_knn(table, x, seed):
    z, layout = encode(table, x)
    return decode(KNNImputer(n_neighbors=5).fit_transform(z), layout)


def impute_mice(table, x, seed):
    z, layout = encode(table, x)
    imputer = OneHotImputer(random_state=seed)
    imputer.groups_, at = {}, 0
    for kind, _, _, width in layout:
        if kind == "categorical":
            block = np.arange(at, at + width)
            imputer.groups_.update({int(i): block for i in block})
        at += width
    return decode(imputer.fit_transform(z), layout)


def impute_missforest(table, x, seed):
    settings = MISSFOREST.get(table.name, {})
    trees = settings.get("n_estimators", 100)
    regressor = RandomForestRegressor(n_estimators=trees, random_state=seed, n_jobs=1)
    if "max_features" in settings:
        regressor.set_params(max_features=settings["max_features"])
    imputer = MixedForestImputer(estimator=regressor,
                                 max_iter=settings.get("max_iter", 10), random_state=seed)
    imputer.categorical_columns_ = set(table.categorical)
    imputer.classifier_ = RandomForestClassifier(n_estimators=trees, random_state=seed, n_jobs=1)
    filled = imputer.fit_transform(x)
    impute_missforest.iterations = imputer.n_iter_
    return filled


IMPUTERS = {"mean": impute_mean, "knn": impute_knn, "mice": impute_mice, "missforest": impute_missforest}


def score(table, truth, filled, hidden):
    nrmse, errors = [], []
    for j in table.real:
        rows = hidden[:, j]
        if rows.any():
            nrmse.append(np.sqrt(np.mean((filled[rows, j] - truth[rows, j]) ** 2)) / table.sd[j])
    for j in table.categorical:
        rows = hidden[:, j]
        if rows.any():
            errors.append(np.mean(np.rint(filled[rows, j]) != truth[rows, j]))
    return (float(np.mean(nrmse)) if nrmse else None), (float(np.mean(errors)) if errors else None)


def describe(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return f"{np.mean(values):.3f} ± {np.std(values, ddof=1):.3f}" if len(values) > 1 else f"{values[0]:.3f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", default="out/tables", help="folder of export_tables.py's CSVs and schemas")
    parser.add_argument("--results", default="docs/results/imputation-baselines.csv")
    parser.add_argument("--only", nargs="*", help="tables to run (default: all in index.json)")
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=METHODS)
    parser.add_argument("--seeds", nargs="*", type=int, default=list(SEEDS), help="default: 1 2 3 (the protocol)")
    args = parser.parse_args()

    for private in ("_impute_one_feature", "_get_neighbor_feat_idx"):
        if not hasattr(IterativeImputer, private):
            sys.exit(f"impute_baselines.py: sklearn {sklearn.__version__} has no IterativeImputer.{private}, "
                     "which the mice and missforest imputers override (written for Debian's sklearn 1.2)")
    warnings.filterwarnings("ignore", category=sklearn.exceptions.ConvergenceWarning)
    with open(os.path.join(args.tables, "index.json"), encoding="utf-8") as f:
        names = json.load(f)["tables"]
    if args.only:
        names = [n for n in names if n in args.only]
    os.makedirs(os.path.join(args.tables, "masks"), exist_ok=True)
    print(f"sklearn {sklearn.__version__}, numpy {np.__version__}, seeds {tuple(args.seeds)}, hiding {HIDDEN_FRACTION:.0%} of "
          f"the observed feature cells; missForest overrides: {MISSFOREST}")

    rows, started = [], time.perf_counter()
    for name in names:
        table = Table(args.tables, name)
        real_na = int((~table.observed).sum())
        print(f"\n{name}: {table.values.shape[0]} rows, {len(table.real)} real + {len(table.categorical)} categorical "
              f"features, {real_na} real NAs ({real_na / table.values.size:.2%}), label {table.label}")
        for seed in args.seeds:
            hidden = table.mask(seed)
            path = os.path.join(args.tables, "masks", f"{name}-seed{seed}.csv")
            table.save_mask(hidden, path)
            x = table.values.copy()
            x[hidden] = np.nan
            empty = [table.columns[j]["name"] for j in range(x.shape[1]) if np.isnan(x[:, j]).all()]
            if empty:
                sys.exit(f"{name} seed {seed}: columns {empty} have no observed cell left")
            for method in args.methods:
                begin = time.perf_counter()
                filled = IMPUTERS[method](table, x, seed)
                seconds = time.perf_counter() - begin
                assert filled.shape == x.shape and not np.isnan(filled).any(), (name, method)
                nrmse, error = score(table, table.values, filled, hidden)
                rows.append({"table": name, "method": method, "seed": seed, "numeric_nrmse": nrmse,
                             "categorical_error": error, "seconds": seconds})
                extra = f", {impute_missforest.iterations} iterations" if method == "missforest" else ""
                print(f"  seed {seed} {method:10} hidden {int(hidden.sum()):5}  nrmse "
                      f"{'-' if nrmse is None else f'{nrmse:.4f}':>6}  error {'-' if error is None else f'{error:.4f}':>6}"
                      f"  {seconds:7.2f} s{extra}", flush=True)

    os.makedirs(os.path.dirname(args.results) or ".", exist_ok=True)
    with open(args.results, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["table", "method", "seed", "numeric_nrmse", "categorical_error", "seconds"])
        for r in rows:
            writer.writerow([r["table"], r["method"], r["seed"],
                             "" if r["numeric_nrmse"] is None else f"{r['numeric_nrmse']:.6f}",
                             "" if r["categorical_error"] is None else f"{r['categorical_error']:.6f}",
                             f"{r['seconds']:.3f}"])

    print(f"\nMean ± std over seeds {tuple(args.seeds)} (numeric: RMSE / column std on hidden cells; categorical: error rate)")
    print(f"| {'table':20} | {'method':11} | {'numeric NRMSE':15} | {'categorical error':17} | {'seconds':>7} |")
    print(f"|{'-' * 22}|{'-' * 13}|{'-' * 17}|{'-' * 19}|{'-' * 9}|")
    for name in names:
        for method in args.methods:
            mine = [r for r in rows if r["table"] == name and r["method"] == method]
            label = method
            if method == "missforest" and name in MISSFOREST:
                label += "*"
            print(f"| {name:20} | {label:11} | {describe([r['numeric_nrmse'] for r in mine]):15} | "
                  f"{describe([r['categorical_error'] for r in mine]):17} | "
                  f"{np.mean([r['seconds'] for r in mine]):7.2f} |")
    for name, settings in MISSFOREST.items():
        if name in names:
            print(f"* missforest on {name}: {settings} instead of n_estimators=100, max_iter=10 (time budget)")
    print(f"\nwrote {args.results} and {len(names) * len(args.seeds)} masks in {os.path.join(args.tables, 'masks')}; "
          f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
