#!/usr/bin/env bash
# Installs the Debian packages Mae's examples, tests and benchmarks use; does nothing when they are all present.
#   fonts-dejavu-core      text in the example figures (Skia draws no text without a font)
#   python3-onnx           the reference onnx.checker that the export tests run
#   dataset-fashion-mnist  Fashion-MNIST's IDX files (/usr/share/datasets/fashion-mnist) for examples/FashionMnist
# Pass --benchmark-peer to also install Debian's PyTorch with OpenBLAS for bench/peer.
set -euo pipefail

packages=(fonts-dejavu-core python3-onnx dataset-fashion-mnist)
if [[ "${1:-}" == "--benchmark-peer" ]]; then
    packages+=(python3-torch python3-numpy libopenblas0-openmp)
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if (( ${#missing[@]} == 0 )); then
    exit 0
fi

run_as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "setup.sh: installing ${missing[*]} needs root; run as root or install them yourself." >&2; exit 1
    fi
}
echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
run_as_root apt-get update -qq
run_as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
