#!/usr/bin/python3
"""Writes the ODDS anomaly-detection versions of five mlbench tables (shuttle, satellite, ionosphere, breastw, pima).

ODDS is Rayana's Outlier Detection DataSets library (2016, http://odds.cs.stonybrook.edu): UCI classification tables
turned into anomaly-detection ones by calling some classes normal and the others anomalies. The five below are
rebuilt here from the same UCI data as R's mlbench 2.1-3 ships it, read from the Debian package r-cran-mlbench
unpacked with `dpkg -x` (no R needed) with python3-rdata, as bench/tables/export_tables.py does (its readers are
reused). scripts/fetch-tables.sh runs it after export_tables.py:

    /usr/bin/python3 bench/tables/export_odds.py --root DIR --out out/odds [--deb FILE.deb ...]

DIR is the folder the .deb was unpacked into (DIR/usr/lib/R/site-library/mlbench/data/<Object>.rda).

Per table it writes OUT/<name>.csv: a header row (mlbench's column names, then `label`), then one row per kept R row
in R's order; every feature cell is a number written with Python's repr of the float (full precision: 50.0, 0.99539),
a missing cell is empty (only in breastw_missing.csv), and the last column `label` is 1 for an anomaly, 0 for a normal
row. Factors that hold numbers are converted by their level's label, never by the level's code (mlbench's Mitoses has
no level "9", so its codes and its labels part from "10" on).

    name             mlbench object       rule
    shuttle          Shuttle              Class Rad.Flow (1) normal; Fpv.Close, Fpv.Open, Bypass, Bpv.Close, Bpv.Open
                                          (2, 3, 5, 6, 7) anomalies; High (4) dropped
    satellite        Satellite            the three smallest classes (cotton crop, damp grey soil, vegetation stubble:
                                          UCI 2, 4, 5) anomalies, the other three normal
    ionosphere       Ionosphere           V2 (constant 0) dropped, V1 (a factor 0/1) as a number; Class bad anomaly
    breastw          BreastCancer         Id dropped, the nine "1".."10" factors as numbers, the 16 rows with a
                                          missing Bare.nuclei dropped (as ODDS); Class malignant anomaly
    breastw_missing  BreastCancer         the same with those 16 rows kept, their Bare.nuclei cell empty (not in ODDS:
                                          for a model that handles missing cells)
    pima             PimaIndiansDiabetes  the original table, zeros and all (not PimaIndiansDiabetes2); diabetes pos
                                          anomaly

OUT/index.json records, per table: name, file, rows, features, feature_names, anomalies, anomaly_fraction, source
(package, version, deb, rda, object), rule, the ODDS counts (rows, features, anomalies; null for breastw_missing) and
matches_odds. Each table's counts are printed next to ODDS's; a difference is reported on stderr, not fatal (it is
recorded in the index), so that a later mlbench with other data still exports.
"""
import argparse
import csv
import json
import math
import os
import re
import sys

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_tables import package_version, read_rda, site_library  # noqa: E402  (same folder)

PACKAGE = "mlbench"

# ODDS's published counts: rows, features, anomalies.
ODDS = {
    "shuttle": (49097, 9, 3511),
    "satellite": (6435, 36, 2036),
    "ionosphere": (351, 33, 126),
    "breastw": (683, 9, 239),
    "pima": (768, 8, 268),
}

SATELLITE_UCI = {"red soil": 1, "cotton crop": 2, "grey soil": 3, "damp grey soil": 4, "vegetation stubble": 5,
                 "very damp grey soil": 7}  # UCI's class numbers (6, "mixture", has no row)
SHUTTLE_LEVELS = ["Rad.Flow", "Fpv.Close", "Fpv.Open", "High", "Bypass", "Bpv.Close", "Bpv.Open"]  # UCI classes 1..7


def numbers_from_labels(series):
    """A factor whose level labels are numbers ("0", "1", "10") as floats; NA stays NaN."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.astype(object).map(lambda v: float(v) if isinstance(v, str) else math.nan).astype(float)
    return series.astype(float)


def shuttle(frame):
    levels = [str(level) for level in frame["Class"].cat.categories]
    if levels != SHUTTLE_LEVELS:
        raise ValueError(f"Shuttle's Class levels are {levels}, expected {SHUTTLE_LEVELS}")
    counts = frame["Class"].value_counts()
    note = (f"mlbench's Shuttle has {len(frame)} rows (UCI's 43,500 training + 14,500 test rows = 58,000)"
            if len(frame) == 58000 else
            f"mlbench's Shuttle has {len(frame)} rows, not UCI's 58,000 (training + test); kept as it is")
    kept = frame[frame["Class"] != "High"]
    features = kept.drop(columns="Class")
    label = (kept["Class"] != "Rad.Flow").astype(int)
    rule = ("Class 1 Rad.Flow normal; classes 2 Fpv.Close, 3 Fpv.Open, 5 Bypass, 6 Bpv.Close, 7 Bpv.Open anomalies; "
            f"class 4 High dropped ({counts['High']} rows). Class counts: "
            + ", ".join(f"{level} {counts[level]}" for level in SHUTTLE_LEVELS) + ". " + note)
    return features, label, rule


def satellite(frame):
    counts = frame["classes"].value_counts()
    smallest = set(counts.sort_values(kind="stable").index[:3])
    features = frame.drop(columns="classes")
    label = frame["classes"].isin(smallest).astype(int)

    def listed(anomalous):
        chosen = sorted((c for c in counts.index if (c in smallest) == anomalous), key=lambda c: SATELLITE_UCI[c])
        return ", ".join(f"{SATELLITE_UCI[c]} {c} ({counts[c]})" for c in chosen)
    rule = f"the three smallest classes anomalies: {listed(True)}; normal: {listed(False)} (UCI class numbers)"
    return features, label, rule


def ionosphere(frame):
    v2 = frame["V2"].astype(object)
    if v2.nunique(dropna=False) != 1:
        raise ValueError("Ionosphere's V2 is not constant")
    features = frame.drop(columns=["V2", "Class"]).copy()
    features["V1"] = numbers_from_labels(features["V1"])
    label = (frame["Class"] == "bad").astype(int)
    rule = (f"V2 dropped (constant {v2.iloc[0]}), V1 (a factor with levels 0/1) as a number by its label; "
            "Class bad anomaly, good normal")
    return features, label, rule


def breastcancer(frame, keep_missing):
    features = frame.drop(columns=["Id", "Class"]).apply(numbers_from_labels)
    label = (frame["Class"] == "malignant").astype(int)
    incomplete = features.isna().any(axis=1)
    missing_by = {c: int(n) for c, n in features.isna().sum().items() if n}
    rule = ("Id dropped; the nine factors (levels \"1\"..\"10\") as numbers by their labels; Class malignant anomaly, "
            "benign normal; ")
    if keep_missing:
        rule += (f"the {int(incomplete.sum())} rows with a missing cell ({missing_by}) kept, the cell empty "
                 "(not an ODDS table)")
        return features, label, rule
    rule += f"the {int(incomplete.sum())} rows with a missing cell ({missing_by}) dropped, as ODDS"
    return features[~incomplete], label[~incomplete], rule


def pima(frame):
    features = frame.drop(columns="diabetes")
    label = (frame["diabetes"] == "pos").astype(int)
    zeros = {c: int((features[c] == 0).sum()) for c in ("glucose", "pressure", "triceps", "insulin", "mass")}
    rule = ("the original PimaIndiansDiabetes, impossible zeros kept as zeros (not PimaIndiansDiabetes2's NAs; zeros: "
            f"{zeros}); diabetes pos anomaly, neg normal")
    return features, label, rule


# name -> (mlbench object, builder)
TABLES = {
    "shuttle": ("Shuttle", shuttle),
    "satellite": ("Satellite", satellite),
    "ionosphere": ("Ionosphere", ionosphere),
    "breastw": ("BreastCancer", lambda frame: breastcancer(frame, keep_missing=False)),
    "breastw_missing": ("BreastCancer", lambda frame: breastcancer(frame, keep_missing=True)),
    "pima": ("PimaIndiansDiabetes", pima),
}


def write_csv(path, features, label):
    columns = list(features.columns)
    values = features.to_numpy(dtype=float)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns + ["label"])
        for row, y in zip(values, label.to_numpy()):
            writer.writerow(["" if math.isnan(v) else repr(float(v)) for v in row] + [str(int(y))])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", required=True, help="folder r-cran-mlbench's .deb was unpacked into (dpkg -x)")
    parser.add_argument("--out", default="out/odds")
    parser.add_argument("--deb", action="append", default=[], help="a .deb file the tables came from (for the record)")
    args = parser.parse_args()

    deb = next((os.path.basename(d) for d in args.deb if re.match(r"r-cran-mlbench_", os.path.basename(d))), None)
    version = package_version(args.root, PACKAGE)
    data = os.path.join(site_library(args.root), PACKAGE, "data")
    if not os.path.isdir(data):
        sys.exit(f"export_odds.py: no {data}")

    os.makedirs(args.out, exist_ok=True)
    frames = {}
    index = []
    differ = []
    print(f"ODDS tables from {PACKAGE} {version} ({deb or 'deb ?'}); counts here vs ODDS's published ones:")
    for name, (obj, build) in TABLES.items():
        rda = os.path.join(data, f"{obj}.rda")
        if obj not in frames:
            frames[obj] = read_rda(rda)[obj]
        frame = frames[obj]
        features, label, rule = build(frame)
        features = features.reset_index(drop=True)
        label = label.reset_index(drop=True)
        if not all(pd.api.types.is_float_dtype(features[c]) for c in features.columns):
            raise ValueError(f"{name}: a feature column is not numeric: {features.dtypes.to_dict()}")
        write_csv(os.path.join(args.out, f"{name}.csv"), features, label)

        rows, nfeatures, anomalies = len(features), features.shape[1], int(label.sum())
        odds = ODDS.get(name)
        matches = None if odds is None else (rows, nfeatures, anomalies) == odds
        missing = int(features.isna().sum().sum())
        index.append({
            "name": name,
            "file": f"{name}.csv",
            "rows": rows,
            "features": nfeatures,
            "feature_names": list(features.columns),
            "anomalies": anomalies,
            "anomaly_fraction": anomalies / rows,
            "missing_cells": missing,
            "source": {"package": PACKAGE, "version": version, "deb": deb,
                       "rda": "/" + os.path.relpath(rda, args.root), "object": obj, "object_rows": int(len(frame))},
            "rule": rule,
            "odds": None if odds is None else {"rows": odds[0], "features": odds[1], "anomalies": odds[2],
                                               "anomaly_fraction": odds[2] / odds[0]},
            "matches_odds": matches,
        })

        here = f"{rows} rows, {nfeatures} features, {anomalies} anomalies ({anomalies / rows:.1%})"
        if odds is None:
            versus = "no ODDS counterpart"
        else:
            versus = (f"ODDS {odds[0]} rows, {odds[1]} features, {odds[2]} anomalies ({odds[2] / odds[0]:.1%}): "
                      + ("same" if matches else "DIFFERENT"))
            if not matches:
                differ.append(name)
        print(f"{name}: {PACKAGE} {obj} ({len(frame)} rows) -> {here}"
              + (f", {missing} missing cells" if missing else "") + f"; {versus}")
        print(f"  {rule}")

    with open(os.path.join(args.out, "index.json"), "w", encoding="utf-8") as f:
        json.dump({"source": "ODDS (Rayana 2016, http://odds.cs.stonybrook.edu) constructions, rebuilt from R's "
                             f"{PACKAGE} {version} ({deb or 'deb ?'}); label 1 = anomaly, 0 = normal",
                   "tables": index}, f, indent=1)
        f.write("\n")
    if differ:
        print(f"export_odds.py: counts differ from ODDS for {', '.join(differ)} (see above)", file=sys.stderr)


if __name__ == "__main__":
    main()
