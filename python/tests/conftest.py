"""Shared fixtures: the `ticklab` command the package is compared with, and
a small generated day of data."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DATA = REPO / "sample-data"
STRATEGIES = REPO / "strategies"


def _ticklab_bin() -> Path:
    """The `ticklab` binary: `TICKLAB_BIN`, else the debug build in
    `CARGO_TARGET_DIR` (or the repository's `target/`)."""
    named = os.environ.get("TICKLAB_BIN")
    if named:
        return Path(named)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target / "debug" / "ticklab"


@pytest.fixture(scope="session")
def ticklab_bin() -> Path:
    path = _ticklab_bin()
    if not path.is_file():
        pytest.fail(
            f"the ticklab command is missing: {path} (build it with `cargo build`, "
            "or name it with TICKLAB_BIN)"
        )
    return path


@pytest.fixture(scope="session")
def cli(ticklab_bin):
    """Runs `ticklab ARGS...`; returns the completed process (checked
    unless `check=False`)."""

    def run(*args, check=True, cwd=None):
        done = subprocess.run(
            [str(ticklab_bin), *map(str, args)],
            capture_output=True,
            text=True,
            cwd=cwd,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"ticklab {' '.join(map(str, args))} failed ({done.returncode}):\n{done.stderr}"
            )
        return done

    return run


@pytest.fixture(scope="session")
def generated_day(tmp_path_factory, cli) -> Path:
    """A data folder with a generated BTC-PERP day of about 40,000 events
    (`ticklab sample --seed 7 --events 40000 --symbol BTC-PERP --day 2026-03-02`)."""
    folder = tmp_path_factory.mktemp("data") / "gen"
    cli("sample", "--out", folder, "--seed", 7, "--events", 40000, "--symbol", "BTC-PERP",
        "--day", "2026-03-02")
    return folder


def read_bytes(folder: Path, name: str) -> bytes:
    return (folder / name).read_bytes()
