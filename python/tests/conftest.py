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


@pytest.fixture(scope="session")
def three_days_two_symbols(tmp_path_factory, cli) -> Path:
    """A data folder with BTC-PERP and ETH-PERP over 2026-03-02 to
    2026-03-04: BTC-PERP is `ticklab sample --seed 11 --events 12000`,
    ETH-PERP the same with seed 12 under its own name; each later day holds
    its first day's events a day (two days) later."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    root = tmp_path_factory.mktemp("data")
    folder = root / "three"
    for seed, symbol in [(11, "BTC-PERP"), (12, "ETH-PERP")]:
        made = root / f"seed{seed}"
        cli("sample", "--out", made, "--seed", seed, "--events", 12000, "--symbol", "BTC-PERP")
        (folder / symbol).mkdir(parents=True)
        toml = (made / "BTC-PERP" / "instrument.toml").read_text()
        (folder / symbol / "instrument.toml").write_text(
            toml.replace('symbol = "BTC-PERP"', f'symbol = "{symbol}"')
        )
        first = pq.read_table(made / "BTC-PERP" / "2026-03-02.parquet")
        metadata = dict(first.schema.metadata)
        metadata[b"ticklab.symbol"] = symbol.encode()
        for later in range(3):
            day = first
            for column in ["exch_ts", "local_ts"]:
                index = day.schema.get_field_index(column)
                shifted = pc.add(day.column(column), later * 86_400 * 10**9)
                day = day.set_column(index, day.schema.field(column), shifted)
            day = day.replace_schema_metadata(metadata)
            pq.write_table(day, folder / symbol / f"2026-03-0{2 + later}.parquet")
    return folder
