#!/usr/bin/env bash
# Installs the PyTorch eager peer for bench/peer/direct_step.py (and bench/peer/interleaved.sh):
# Debian's python3-torch (1.13) linked against OpenBLAS (OpenMP flavour).
#
# Debian's torch links libblas.so.3 / liblapack.so.3, which by default resolve
# to the reference (netlib) implementations -- roughly 5x slower for the GEMMs
# in this benchmark. Installing libopenblas0-openmp registers OpenBLAS with
# the alternatives system at a higher priority; we additionally pin it
# explicitly so a manual selection left on the machine cannot bypass it.
#
# Idempotent: apt-get update runs only if a package is missing and apt does not
# know it yet; install is skipped when everything is already present.
# Run as root (or via sudo).
set -euo pipefail

PY=/usr/bin/python3   # not `python3`: a pyenv shim on PATH has no torch
PKGS=(python3-torch python3-numpy libopenblas0-openmp)
ARCH_TRIPLET=x86_64-linux-gnu
OPENBLAS_DIR=/usr/lib/${ARCH_TRIPLET}/openblas-openmp

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    # Refresh the package lists once, only if apt does not know a package yet.
    need_update=0
    for p in "${missing[@]}"; do
        if ! apt-cache show "$p" >/dev/null 2>&1; then need_update=1; fi
    done
    if ((need_update)); then
        $SUDO apt-get update
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${PKGS[@]}"
else
    echo "setup: ${PKGS[*]} already installed"
fi

# Make sure libblas.so.3 / liblapack.so.3 resolve to OpenBLAS.
for lib in libblas.so.3 liblapack.so.3; do
    name="${lib}-${ARCH_TRIPLET}"
    target="${OPENBLAS_DIR}/${lib}"
    if [[ ! -e "$target" ]]; then
        echo "setup: ERROR: $target not found (libopenblas0-openmp broken?)" >&2
        exit 1
    fi
    current=$(update-alternatives --query "$name" 2>/dev/null | awk '/^Value:/{print $2}')
    if [[ "$current" != "$target" ]]; then
        echo "setup: selecting $target for $name (was: ${current:-none})"
        $SUDO update-alternatives --set "$name" "$target"
    fi
    echo "setup: $name -> $(readlink -f "/usr/lib/${ARCH_TRIPLET}/${lib}")"
done

# Report what torch actually loads at run time.
"$PY" - <<'PYEOF'
import re
import torch
print(f"setup: torch {torch.__version__} from {torch.__file__}")
cfg = torch.__config__.show()
for line in cfg.splitlines():
    line = line.strip()
    if line.startswith("- Build settings:"):
        # Only the BLAS/LAPACK-relevant keys; the full line is mostly CXX_FLAGS.
        for key in ("BLAS_INFO", "LAPACK_INFO", "USE_OPENMP", "USE_MKLDNN"):
            m = re.search(key + r"=([^,]*)", line)
            if m:
                print(f"setup:   config: {key}={m.group(1)}")
    elif re.search(r"BLAS|LAPACK|OpenMP|MKL", line, re.I):
        print("setup:   config:", line)
# The build-time config says "BLAS_INFO=generic"-ish for Debian; the library
# that is really mapped is what matters, so read it from /proc/self/maps.
libs = set()
with open("/proc/self/maps") as f:
    for line in f:
        path = line.split()[-1]
        if re.search(r"(blas|lapack)", path, re.I):
            libs.add(path)
for p in sorted(libs):
    print("setup:   mapped:", p)
if not any("openblas" in p for p in libs):
    raise SystemExit("setup: ERROR: torch did not load OpenBLAS")
PYEOF
