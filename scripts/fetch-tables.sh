#!/usr/bin/env bash
# Writes the public tables with real missing cells to out/tables/ (CSV + schema JSON each) and the ODDS
# anomaly-detection versions of five mlbench tables to out/odds/ (CSV with a 0/1 label column each), see
# bench/tables/README.md; does nothing more when both are complete, and otherwise rewrites only the incomplete one.
#   1. installs with apt-get the Debian packages the table scripts use, when missing:
#        python3-rdata python3-pandas python3-numpy  read R's .rda files without R (export_tables.py, export_odds.py)
#        python3-sklearn                             the baseline imputers and anomaly detectors (impute_baselines.py,
#                                                    odds_baselines.py; sklearn 1.2)
#        libopenblas0-openmp                         a fast BLAS for numpy (as setup.sh --benchmark-peer): with the
#                                                    reference BLAS MICE on income takes twice as long
#   2. downloads r-cran-mlbench and r-cran-kernlab with `apt-get download` into a temporary folder and unpacks them
#      with `dpkg -x` (R is not installed; only their data/*.rda files are read);
#   3. unless out/tables is complete, runs bench/tables/export_tables.py, which prints each table's source, rows,
#      columns by kind and missing cells;
#   4. unless out/odds is complete, runs bench/tables/export_odds.py, which prints each ODDS table's rows, features and
#      anomalies next to the counts ODDS publishes.
# Then: /usr/bin/python3 bench/tables/impute_baselines.py
#       OMP_NUM_THREADS=1 /usr/bin/python3 bench/anomaly/odds_baselines.py
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$repo/out/tables"
python=/usr/bin/python3   # Debian's python3, the one that sees the python3-* packages (not a pyenv shim)
odds_out="$repo/out/odds"
tables=(income spam BreastCancer HouseVotes84 Soybean PimaIndiansDiabetes2 Ozone)
odds=(shuttle satellite ionosphere breastw breastw_missing pima)   # the files export_odds.py writes

run_as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "fetch-tables.sh: '$*' needs root; run as root or install the packages yourself." >&2; exit 1
    fi
}

packages=(python3-rdata python3-pandas python3-numpy python3-sklearn libopenblas0-openmp)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
updated=false
if (( ${#missing[@]} > 0 )); then
    echo "fetch-tables.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    run_as_root apt-get update -qq
    updated=true
    run_as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

tables_there=true
for table in "${tables[@]}"; do
    [[ -s "$out/$table.csv" && -s "$out/$table.schema.json" ]] || tables_there=false
done
[[ -s "$out/index.json" ]] || tables_there=false
odds_there=true
for table in "${odds[@]}"; do
    [[ -s "$odds_out/$table.csv" ]] || odds_there=false
done
[[ -s "$odds_out/index.json" ]] || odds_there=false
if $tables_there && $odds_there; then
    echo "fetch-tables.sh: ${tables[*]} are already in ${out#"$repo"/} and ${odds[*]} in ${odds_out#"$repo"/};" \
         "nothing to do (delete a folder to fetch it again)"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# As root, apt-get download drops to the _apt user, who cannot write into a mktemp folder: download as root instead.
download=(apt-get download -q)
[[ $(id -u) -eq 0 ]] && download+=(-o APT::Sandbox::User=root)
if ! "${download[@]}" r-cran-mlbench r-cran-kernlab >/dev/null 2>download.log; then
    if $updated; then cat download.log >&2; exit 1; fi
    echo "fetch-tables.sh: apt-get download failed; updating the package lists and trying again"
    run_as_root apt-get update -qq
    "${download[@]}" r-cran-mlbench r-cran-kernlab >/dev/null
fi

debs=()
for deb in r-cran-mlbench_*.deb r-cran-kernlab_*.deb; do
    [[ -e "$deb" ]] || { echo "fetch-tables.sh: no $deb after apt-get download" >&2; exit 1; }
    echo "fetch-tables.sh: $deb ($(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)) unpacked with dpkg -x"
    dpkg -x "$deb" unpacked
    debs+=(--deb "$deb")
done
for library in unpacked/usr/lib/R/site-library/*/; do
    echo "  ${library#unpacked}data: $(cd "$library/data" && ls -- *.rda | tr '\n' ' ')"
done

if $tables_there; then
    echo "fetch-tables.sh: ${out#"$repo"/} is complete; left as it is"
else
    mkdir -p "$out"
    "$python" "$repo/bench/tables/export_tables.py" --root "$work/unpacked" --out "$out" "${debs[@]}"
    echo "fetch-tables.sh: wrote ${out#"$repo"/}"
fi
if $odds_there; then
    echo "fetch-tables.sh: ${odds_out#"$repo"/} is complete; left as it is"
else
    echo
    mkdir -p "$odds_out"
    "$python" "$repo/bench/tables/export_odds.py" --root "$work/unpacked" --out "$odds_out" "${debs[@]}"
    echo "fetch-tables.sh: wrote ${odds_out#"$repo"/}"
fi
