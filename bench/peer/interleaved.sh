#!/usr/bin/env bash
# Mae's training step against the direct PyTorch step, measured in interleaved rounds.
#
# Builds bench/Mae.Benchmarks once (Release), then runs R rounds; each round runs Mae's `training` benchmark and
# bench/peer/direct_step.py with the same steps, warm-up and thread count, in an order that rotates from round to round,
# and keeps their CSVs and logs in OUT/round-N/. Last, per benchmark name (the CSVs' `benchmark` column, which pairs
# the sides' rows): the median over the rounds of each side's median time, and Mae's time / PyTorch's (also written to
# OUT/summary.csv). A problem whose decoder draws sequentially (ar-bernoulli-784) has a second row NAME-draw, the
# median time of the step's sequential draw alone (2 x 1024 sequences); a name only one side writes gets empty cells
# for the other. ar-bernoulli-784's step takes seconds, so it dominates a round's length.
#
# Usage: bench/peer/interleaved.sh [--rounds 3] [--steps 200] [--warmup 20] [--threads 1] [--out DIR] [--malloc-tuned] [--only NAME,...]
#   --only          the problems to run on both sides (e.g. ar-bernoulli-784; its -draw row comes with it)
#   --malloc-tuned  also runs the peer with the glibc settings Mae's trainer makes for itself (mmap threshold 32 MiB,
#                   trim threshold 256 MiB), as a third side of each round.
# Needs dotnet and the peer (bash bench/peer/setup.sh). Run it on a quiet machine: nothing else should be running.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rounds=3 steps=200 warmup=20 threads=1 malloc_tuned=0 only=
out="$root/artifacts/interleaved-$(date +%Y%m%d-%H%M%S)"
while (($#)); do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --steps) steps=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --malloc-tuned) malloc_tuned=1; shift ;;
        --only) only=$2; shift 2 ;;
        *) echo "interleaved.sh: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
    esac
done

export OMP_WAIT_POLICY=PASSIVE
PY=/usr/bin/python3
peer="$root/bench/peer/direct_step.py"
dll="$root/bench/Mae.Benchmarks/bin/Release/net10.0/Mae.Benchmarks.dll"
common=(--steps "$steps" --warmup "$warmup" --threads "$threads")
[[ -n "$only" ]] && common+=(--only "$only")

echo "interleaved: building bench/Mae.Benchmarks (Release)"
dotnet build -c Release "$root/bench/Mae.Benchmarks" -nologo -v quiet
mkdir -p "$out"
{
    echo "rounds=$rounds steps=$steps warmup=$warmup threads=$threads malloc_tuned=$malloc_tuned"
    echo "commit $(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
    echo "dotnet $(dotnet --version); $("$PY" -c 'import torch; print("torch", torch.__version__)')"
    uname -a
    grep -m1 'model name' /proc/cpuinfo || true
    uptime
} > "$out/environment.txt"

run_side() { # side round_dir
    local side=$1 dir=$2 start=$SECONDS
    case "$side" in
        mae) dotnet "$dll" training --out "$dir" "${common[@]}" > "$dir/mae.log" 2>&1 ;;
        pytorch) "$PY" "$peer" --out "$dir" "${common[@]}" > "$dir/pytorch.log" 2>&1 ;;
        pytorch-malloc-tuned)
            mkdir -p "$dir/malloc-tuned"
            MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456 \
                "$PY" "$peer" --out "$dir/malloc-tuned" "${common[@]}" > "$dir/pytorch-malloc-tuned.log" 2>&1
            mv "$dir/malloc-tuned/pytorch-direct.csv" "$dir/pytorch-direct-malloc-tuned.csv"
            rmdir "$dir/malloc-tuned" ;;
    esac
    echo "  $side: $((SECONDS - start)) s"
}

sides=(mae pytorch)
if ((malloc_tuned)); then sides+=(pytorch-malloc-tuned); fi
for ((r = 1; r <= rounds; r++)); do
    dir="$out/round-$r"
    mkdir -p "$dir"
    round_start=$SECONDS
    echo "round $r of $rounds"
    for ((i = 0; i < ${#sides[@]}; i++)); do
        run_side "${sides[(i + r - 1) % ${#sides[@]}]}" "$dir"
    done
    echo "  round: $((SECONDS - round_start)) s"
done

"$PY" - "$out" <<'PYEOF'
import csv, glob, os, statistics, sys

out = sys.argv[1]
files = {"Mae": "mae-torchsharp.csv", "PyTorch": "pytorch-direct.csv", "PyTorch, Mae's malloc": "pytorch-direct-malloc-tuned.csv"}
times, arch = {}, {}  # (side, benchmark) -> [median per round]; (side, benchmark) -> (architecture, batch, threads)
for round_dir in sorted(glob.glob(os.path.join(out, "round-*"))):
    for side, name in files.items():
        path = os.path.join(round_dir, name)
        if not os.path.exists(path):
            continue
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                times.setdefault((side, row["benchmark"]), []).append(float(row["median_step_ms"]))
                arch[(side, row["benchmark"])] = (row["architecture"], row["batch"], row["threads"])
sides = [s for s in files if any(k[0] == s for k in times)]
benchmarks = list(dict.fromkeys(b for s in sides for (t, b) in times if t == s))  # Mae's order, then the others'
described = {}  # benchmark -> the first side's description, the one the table shows
for (side, b), a in sorted(arch.items(), key=lambda kv: sides.index(kv[0][0])):
    described.setdefault(b, a)
    if a != described[b]:
        print(f"note: {b}: {side} describes it as {', '.join(a)}, the table shows {', '.join(described[b])}")
for b in benchmarks:
    missing = [s for s in sides if (s, b) not in times]
    if missing:
        print(f"note: {b}: no rows from {', '.join(missing)}")
header = ["benchmark", "architecture", "batch", "threads", "rounds"]
for s in sides:
    header.append(f"{s} ms")
    if s != "Mae":
        header.append(f"Mae / {s}")
rows = []
for b in benchmarks:
    mae = statistics.median(times[("Mae", b)]) if ("Mae", b) in times else None
    row = [b, *described[b], str(max(len(times.get((s, b), [])) for s in sides))]
    for s in sides:
        t = statistics.median(times[(s, b)]) if (s, b) in times else None
        row.append(f"{t:.3f}" if t is not None else "")
        if s != "Mae":
            row.append(f"{mae / t:.3f}" if mae is not None and t else "")
    rows.append(row)
widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
print("\nmedian over rounds of each run's median step time (a -draw row: the sequential draw alone)")
print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
for r in rows:
    print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
with open(os.path.join(out, "summary.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
print(f"\nper-round CSVs and logs in {out}; this table in {os.path.join(out, 'summary.csv')}")
PYEOF
