"""`ticklab.data`: a data folder's instruments and days, and a day's events
read through the engine's checks."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ticklab
from conftest import SAMPLE_DATA


def test_the_sample_folder_lists_its_instruments_and_days():
    folder = ticklab.data.open(SAMPLE_DATA)
    assert folder.instruments == ["ACME", "BTC-PERP", "ETH-PERP"]
    assert folder.days("BTC-PERP") == ["2026-03-02", "2026-03-03"]
    assert folder.days("ETH-PERP") == ["2026-03-02", "2026-03-03"]
    acme = folder.instrument("ACME")
    assert (acme["tick_size"], acme["lot_size"], acme["currency"]) == (0.01, 1.0, "USD")
    assert acme["days"][0]["rows"] == 496_469
    assert acme["days"][0]["first_exch_ts"] == 1_772_461_800_000_000_000
    with pytest.raises(ValueError) as raised:
        folder.days("ES")
    assert str(raised.value) == f"{SAMPLE_DATA}: no instrument 'ES'; instruments: ACME, BTC-PERP, ETH-PERP"


def test_a_days_events_are_the_canonical_table(generated_day):
    events = ticklab.data.open(generated_day).events("BTC-PERP", "2026-03-02")
    assert events.schema.names == [
        "exch_ts", "local_ts", "kind", "side", "price", "qty", "order_id", "flags",
    ]
    assert events.num_rows == 40_053
    # The file was written by ticklab's own writer: reading it back through
    # the engine gives the very same values.
    original = pq.read_table(generated_day / "BTC-PERP" / "2026-03-02.parquet")
    assert events.equals(original)
    assert events.slice(0, 2).to_pylist() == [
        {"exch_ts": 1772409600000000000, "local_ts": 1772409600001068475, "kind": "clear",
         "side": "none", "price": 0.0, "qty": 0.0, "order_id": 0, "flags": 2},
        {"exch_ts": 1772409600000000000, "local_ts": 1772409600001068475, "kind": "snapshot",
         "side": "bid", "price": 65007.4, "qty": 0.108, "order_id": 0, "flags": 2},
    ]
    kinds = events.column("kind").value_counts().to_pylist()
    assert {k["values"]: k["counts"] for k in kinds} == {
        "clear": 1, "snapshot": 42, "depth": 28_862, "trade": 11_148,
    }


def test_an_off_grid_price_is_an_error_naming_file_row_and_column(tmp_path):
    folder = tmp_path / "bad" / "XYZ"
    folder.mkdir(parents=True)
    (folder / "instrument.toml").write_text(
        'symbol = "XYZ"\ntick_size = 0.01\nlot_size = 1\ncurrency = "USD"\n'
    )
    day = folder / "2026-03-02.parquet"
    ts = pa.array([1_772_409_600_000_000_000 + i for i in range(4)], pa.int64())
    pq.write_table(pa.table({
        "exch_ts": ts, "local_ts": ts,
        "kind": ["depth", "depth", "trade", "depth"],
        "side": ["bid", "ask", "buy", "bid"],
        "price": [10.0, 10.02, 10.015, 10.0],
        "qty": [5.0, 5.0, 1.0, 4.0],
    }), day)
    message = f"{day}: row 2 (0-based), column `price`: 10.015 is not a multiple of the tick " \
        "size 0.01"
    with pytest.raises(ValueError) as raised:
        ticklab.data.open(tmp_path / "bad").events()
    assert str(raised.value) == message
    # A run meets it on the way: the error is the run's, with its result.
    with pytest.raises(ticklab.RunError) as raised:
        ticklab.run(data=tmp_path / "bad", strategy="noop", progress=False)
    assert raised.value.message == f"market data: {message}"
    assert raised.value.result.summary["status"] == "failed"


def test_open_refuses_what_is_not_a_path():
    with pytest.raises(TypeError) as raised:
        ticklab.data.open(42)
    assert str(raised.value) == "path: expected a folder path, got int"
