#!/usr/bin/env bash
# Builds the `ticklab` Python wheel for PyPI: abi3 (one wheel for CPython
# 3.9 and later), manylinux2014 (glibc 2.17, so it installs on any Linux of
# the last ten years), linked with zig so that no old-glibc build machine is
# needed; then checks the wheel's tag and that it installs and runs.
#
#   scripts/build-wheel.sh [OUT_DIR]        # default: target/wheels
#
# Needs a Python with pip; maturin and ziglang are installed into a venv of
# their own (TICKLAB_WHEEL_VENV, default target/wheel-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${CARGO_TARGET_DIR:-target}/wheels}"
venv="${TICKLAB_WHEEL_VENV:-${CARGO_TARGET_DIR:-target}/wheel-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "maturin>=1.9.4,<2" "ziglang>=0.13"
started=$SECONDS
(
    cd python
    PATH="$venv/bin:$PATH" maturin build --release --zig \
        --compatibility manylinux2014 -i "$venv/bin/python" --out "$out"
)
wheel=$(ls -t "$out"/ticklab-*-cp39-abi3-manylinux*.whl | head -n 1)
echo "built $wheel in $((SECONDS - started)) s"
# The tag says what the wheel promises: CPython >= 3.9 by the stable ABI,
# glibc >= 2.17 on x86-64.
case "$(basename "$wheel")" in
    *-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl) ;;
    *) echo "error: unexpected wheel tag: $wheel" >&2; exit 1 ;;
esac
# No symbol from a glibc newer than 2.17 (maturin checks too; this says
# which, if any).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$venv/bin/python" -m zipfile -e "$wheel" "$tmp/unpacked"
newest=$(objdump -T "$tmp"/unpacked/ticklab/_ticklab*.so | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -n 1)
echo "newest glibc symbol version: $newest"
case "$newest" in
    GLIBC_2.1[0-7]|GLIBC_2.[0-9]|GLIBC_2.[0-9].*|GLIBC_2.1[0-7].*) ;;
    *) echo "error: the extension needs $newest, newer than manylinux2014's 2.17" >&2; exit 1 ;;
esac
# It installs and imports in a fresh venv (its dependencies are imported
# only when used).
python3 -m venv "$tmp/check"
"$tmp/check/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$wheel"
"$tmp/check/bin/python" -c 'import ticklab; print("ticklab", ticklab.__version__, "imports:", ticklab.indicators.SMA(window="5s").kind)'
