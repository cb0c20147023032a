#!/usr/bin/env bash
# Builds the `ticklab` Python wheels for PyPI, both abi3 and manylinux2014
# (glibc 2.17, so they install on any Linux of the last ten years), linked
# with zig so that no old-glibc build machine is needed:
#
#   cp310-abi3  CPython 3.10 and later: the stable ABI with vectorcall, so
#               a strategy's method calls into `ctx` cost what they cost in
#               the desktop binary;
#   cp39-abi3   CPython 3.9 (feature `abi3-py39`).
#
# pip takes the cp310 wheel on 3.10 and later and the cp39 one on 3.9.
# Then checks both tags, the newest glibc symbol each needs, and that pip
# picks the right one into a fresh venv, which imports and runs it.
#
#   scripts/build-wheel.sh [OUT_DIR]        # default: target/wheels
#
# Needs a Python with pip; maturin and ziglang are installed into a venv of
# their own (TICKLAB_WHEEL_VENV, default target/wheel-venv).
set -euo pipefail
# A failure inside $(...) stops the script too.
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
# Absolute: the builds run in python/.
out=$(realpath -m "${1:-${CARGO_TARGET_DIR:-target}/wheels}")
venv=$(realpath -m "${TICKLAB_WHEEL_VENV:-${CARGO_TARGET_DIR:-target}/wheel-venv}")
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "maturin>=1.9.4,<2" "ziglang>=0.13"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# build_wheel TAG [MATURIN ARGS...]: builds one wheel, checks its tag and
# glibc symbols; prints its path last.
build_wheel() {
    local tag=$1
    shift
    local started=$SECONDS
    (
        cd python
        PATH="$venv/bin:$PATH" maturin build --release --zig \
            --compatibility manylinux2014 -i "$venv/bin/python" --out "$out" "$@" >&2
    )
    local wheel
    wheel=$(ls -t "$out"/ticklab-*-"$tag"-abi3-manylinux*.whl | head -n 1)
    echo "built $wheel in $((SECONDS - started)) s" >&2
    # The tag says what the wheel promises: CPython at least the tag's
    # version by the stable ABI, glibc >= 2.17 on x86-64.
    case "$(basename "$wheel")" in
        *-"$tag"-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl) ;;
        *) echo "error: unexpected wheel tag: $wheel" >&2; exit 1 ;;
    esac
    # No symbol from a glibc newer than 2.17 (maturin checks too; this says
    # which, if any).
    rm -rf "$tmp/unpacked"
    "$venv/bin/python" -m zipfile -e "$wheel" "$tmp/unpacked"
    local newest
    newest=$(objdump -T "$tmp"/unpacked/ticklab/_ticklab*.so | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -n 1)
    echo "newest glibc symbol version in the $tag wheel: $newest" >&2
    case "$newest" in
        GLIBC_2.1[0-7]|GLIBC_2.[0-9]|GLIBC_2.[0-9].*|GLIBC_2.1[0-7].*) ;;
        *) echo "error: the extension needs $newest, newer than manylinux2014's 2.17" >&2; exit 1 ;;
    esac
    echo "$wheel"
}

cp310=$(build_wheel cp310)
cp39=$(build_wheel cp39 --features abi3-py39)

# pip picks the wheel of the newest stable ABI the interpreter has (this
# machine's python3 is 3.10 or later: the cp310 one); it installs and
# imports in a fresh venv (its dependencies are imported only when used).
python3 -m venv "$tmp/check"
"$tmp/check/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --no-index --find-links "$(dirname "$cp310")" ticklab
installed=$("$tmp/check/bin/python" -c '
import importlib.metadata as m
print(next(l for l in m.distribution("ticklab").read_text("WHEEL").splitlines() if l.startswith("Tag:")))')
echo "pip installed: $installed"
case "$installed" in
    *cp310-abi3-*) ;;
    *) echo "error: pip picked $installed, not the cp310-abi3 wheel" >&2; exit 1 ;;
esac
"$tmp/check/bin/python" -c 'import ticklab; print("ticklab", ticklab.__version__, "imports:", ticklab.indicators.SMA(window="5s").kind)'
# On CPython 3.9, where one is installed, pip picks the cp39 wheel.
py39=
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9*/bin/python3.9 "$(command -v python3.9 || true)"; do
    # A pyenv shim may exist without a 3.9 behind it: ask the interpreter.
    if [ -x "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 9)' 2>/dev/null; then
        py39=$candidate
        break
    fi
done
if [ -n "$py39" ]; then
    "$py39" -m venv "$tmp/check39"
    "$tmp/check39/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
        --no-index --find-links "$(dirname "$cp39")" ticklab
    "$tmp/check39/bin/python" -c '
import importlib.metadata as m, ticklab
tag = next(l for l in m.distribution("ticklab").read_text("WHEEL").splitlines() if l.startswith("Tag:"))
assert "cp39-abi3-" in tag, tag
print("CPython 3.9 installed:", tag, "imports:", ticklab.indicators.SMA(window="5s").kind)'
else
    echo "note: no CPython 3.9 on this machine: the cp39 wheel was checked for its tag and symbols only"
fi
echo "wheels: $cp310 $cp39"
