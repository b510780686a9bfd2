#!/usr/bin/env python3
"""Validate ONNX model files with onnx.checker (full check, including strict shape inference).

Usage: onnx_check.py MODEL.onnx [MODEL.onnx ...]

Prints "OK <path>" for every valid model and "FAIL <path>: <reason>" for every invalid one.
Exit status: 0 when all models are valid, 1 when any is invalid, 2 on bad usage or when the
onnx package is missing (on Debian: apt-get install python3-onnx).
"""

import sys


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2

    try:
        import onnx
    except ImportError as error:
        print(f"onnx is not installed ({error}); on Debian: apt-get install python3-onnx", file=sys.stderr)
        return 2

    failures = 0
    for path in paths:
        try:
            onnx.checker.check_model(onnx.load(path), full_check=True)
        except Exception as error:  # the checker raises several exception types
            failures += 1
            print(f"FAIL {path}: {type(error).__name__}: {error}")
        else:
            print(f"OK {path}")

    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
