#!/usr/bin/python3
"""Writes the public tables with real missing cells (R packages mlbench and kernlab) as CSV plus a schema each.

Reads the .rda files of the Debian packages r-cran-mlbench and r-cran-kernlab unpacked with `dpkg -x` (no R needed),
with Debian's python3-rdata (`rdata.parser.parse_file` + `rdata.conversion.convert`). scripts/fetch-tables.sh runs it:

    /usr/bin/python3 bench/tables/export_tables.py --root DIR --out out/tables [--deb FILE.deb ...]

DIR is the folder the .deb files were unpacked into (DIR/usr/lib/R/site-library/<package>/data/<Table>.rda).

Per table it writes OUT/<table>.csv (a header row with R's column names, then one row per R row; a missing cell is
empty; a factor cell holds the level's label, quoted when the label has a comma) and OUT/<table>.schema.json:

    {"table", "source": {"package", "version", "deb", "rda", "object"}, "rows", "label", "dropped",
     "missing_cells", "missing_fraction", "missing_fraction_features", "binary_policy",
     "columns": [{"name", "kind", "ordered", "levels", "missing"}]}

kind is `real` (an R double or integer column), `categorical` (an R factor, ordered or not: `levels` lists R's levels
in R's order, `ordered` says whether R declares it ordered) or `binary` (an R logical column; levels ["FALSE", "TRUE"]).
A factor with exactly two levels stays `categorical` with its two levels: its cells hold labels such as n/y or
neg/pos rather than 0/1, R declares it a factor, and the error rate scores it the same either way; so `binary` is kept
for R's logical columns, of which no exported table has one. `label` names the table's natural target (null if none);
the imputation benchmark leaves it out of the features. OUT/index.json lists the tables written.

It also scans every .rda in the two packages and prints each data frame's missing cells, so a table with real NAs
that is not in TABLES below shows up (marked "not exported").
"""
import argparse
import glob
import json
import os
import re
import sys
import warnings

import pandas as pd
import rdata

# table -> (package, label column, columns dropped). Every data frame of mlbench 2.1-3 and kernlab 0.9-32 that has an
# NA is here (the scan below checks it), plus spam as a complete table with a label.
TABLES = {
    "income": ("kernlab", "INCOME", []),
    "spam": ("kernlab", "type", []),
    "BreastCancer": ("mlbench", "Class", ["Id"]),
    "HouseVotes84": ("mlbench", "Class", []),
    "Soybean": ("mlbench", "Class", []),
    "PimaIndiansDiabetes2": ("mlbench", "diabetes", []),
    "Ozone": ("mlbench", "V4", []),  # V4: daily maximum one-hour-average ozone, the regression target
}

BINARY_POLICY = ("A factor with exactly two levels stays 'categorical' with its two levels (R declares it a factor, "
                 "its cells are labels such as n/y, and the error rate scores it the same); 'binary' is only for R "
                 "logical columns.")


def site_library(root):
    return os.path.join(root, "usr", "lib", "R", "site-library")


def read_rda(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rdata warns "Unknown encoding. Assumed ASCII." for every string
        parsed = rdata.parser.parse_file(path)
        return rdata.conversion.convert(parsed)


def package_version(root, package):
    try:
        with open(os.path.join(site_library(root), package, "DESCRIPTION"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def column_kind(series):
    if isinstance(series.dtype, pd.CategoricalDtype):
        levels = [str(level) for level in series.cat.categories]
        return {"kind": "categorical", "ordered": bool(series.cat.ordered), "levels": levels}
    if series.dtype == bool or (series.dtype == object and series.dropna().map(type).eq(bool).all()
                                and series.notna().any()):
        return {"kind": "binary", "ordered": False, "levels": ["FALSE", "TRUE"]}
    if pd.api.types.is_numeric_dtype(series.dtype):
        return {"kind": "real", "ordered": False, "levels": None}
    raise ValueError(f"column {series.name!r} has dtype {series.dtype}, neither numeric, factor nor logical")


def scan(root):
    """Every data frame in the two packages' data/*.rda, with its NA count."""
    found = []
    for rda in sorted(glob.glob(os.path.join(site_library(root), "*", "data", "*.rda"))):
        package = os.path.basename(os.path.dirname(os.path.dirname(rda)))
        for name, value in read_rda(rda).items():
            if isinstance(value, pd.DataFrame):
                found.append((package, os.path.basename(rda), name, value.shape, int(value.isna().sum().sum())))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", required=True, help="folder the r-cran-*.deb files were unpacked into (dpkg -x)")
    parser.add_argument("--out", default="out/tables")
    parser.add_argument("--deb", action="append", default=[], help="a .deb file the tables came from (for the record)")
    args = parser.parse_args()

    debs = {}
    for deb in args.deb:
        match = re.match(r"r-cran-([a-z0-9.]+)_", os.path.basename(deb))
        if match:
            debs[match.group(1)] = os.path.basename(deb)

    print("Data frames in the unpacked packages (NA = missing cells):")
    found = scan(args.root)
    if not found:
        sys.exit(f"export_tables.py: no .rda under {site_library(args.root)}/*/data")
    for package, rda, name, shape, na in found:
        note = "" if name in TABLES or na == 0 else "  <- has NAs, not exported"
        print(f"  {package:8} {rda:26} {name:22} {shape[0]:6} x {shape[1]:<4} NA {na}{note}")

    os.makedirs(args.out, exist_ok=True)
    index = []
    print()
    for table, (package, label, dropped) in TABLES.items():
        rda = os.path.join(site_library(args.root), package, "data", f"{table}.rda")
        if not os.path.exists(rda):
            # The object may live in a file of another name: find it among the scanned ones.
            hits = [r for p, r, n, _, _ in found if p == package and n == table]
            if not hits:
                print(f"{table}: not found in {package} (no such data frame in data/*.rda); skipped", file=sys.stderr)
                continue
            rda = os.path.join(site_library(args.root), package, "data", hits[0])
        frame = read_rda(rda)[table]
        frame = frame.drop(columns=dropped).reset_index(drop=True)

        columns = []
        for name in frame.columns:
            kind = column_kind(frame[name])
            columns.append({"name": name, **kind, "missing": int(frame[name].isna().sum())})
            if kind["kind"] == "binary":
                frame[name] = frame[name].map({True: "TRUE", False: "FALSE"})
        features = [c for c in frame.columns if c != label]
        missing = int(frame.isna().sum().sum())
        missing_features = int(frame[features].isna().sum().sum())

        frame.to_csv(os.path.join(args.out, f"{table}.csv"), index=False, na_rep="", float_format="%.15g")
        rda_relative = os.path.relpath(rda, args.root)
        schema = {
            "table": table,
            "source": {"package": package, "version": package_version(args.root, package),
                       "deb": debs.get(package), "rda": "/" + rda_relative, "object": table},
            "rows": int(frame.shape[0]),
            "label": label,
            "dropped": dropped,
            "missing_cells": missing,
            "missing_fraction": missing / frame.size,
            "missing_fraction_features": missing_features / (frame.shape[0] * len(features)),
            "binary_policy": BINARY_POLICY,
            "columns": columns,
        }
        with open(os.path.join(args.out, f"{table}.schema.json"), "w", encoding="utf-8") as f:
            json.dump(schema, f, indent=1)
            f.write("\n")
        index.append(table)

        counts = {k: sum(1 for c in columns if c["kind"] == k and c["name"] != label)
                  for k in ("real", "categorical", "binary")}
        ordered = sum(1 for c in columns if c["ordered"] and c["name"] != label)
        label_kind = next(c["kind"] for c in columns if c["name"] == label) if label else None
        print(f"{table}: {package} {schema['source']['version']} ({debs.get(package, 'deb ?')}) /{rda_relative}")
        print(f"  {frame.shape[0]} rows, {frame.shape[1]} columns: {counts['real']} real, "
              f"{counts['categorical']} categorical ({ordered} ordered), {counts['binary']} binary features"
              + (f" + label {label} ({label_kind})" if label else "")
              + (f"; dropped {', '.join(dropped)}" if dropped else ""))
        print(f"  missing cells: {missing} of {frame.size} = {missing / frame.size:.2%} "
              f"({missing_features / (frame.shape[0] * len(features)):.2%} of the feature cells)")

    with open(os.path.join(args.out, "index.json"), "w", encoding="utf-8") as f:
        json.dump({"tables": index}, f, indent=1)
        f.write("\n")
    if len(index) != len(TABLES):
        sys.exit(f"export_tables.py: wrote {len(index)} of {len(TABLES)} tables")


if __name__ == "__main__":
    main()
