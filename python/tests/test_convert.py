"""`ticklab.convert` writes what `ticklab convert` writes."""

import pytest

import ticklab
from conftest import read_bytes

TRADES = """ts,px,size,aggressor
1772409600000,100.25,3,buy
1772409600500,100.50,1,sell
1772409601000,100.25,2,buy
1772409602000,100.75,5,sell
"""

MAP = "exch_ts=ts,price=px,qty=size,side=aggressor,kind=const:trade"


def test_csv_gives_the_folder_and_summary_of_ticklab_convert(tmp_path, cli):
    source = tmp_path / "trades.csv"
    source.write_text(TRADES)
    done = cli("convert", "--from", "csv", source, "--map", MAP, "--ts-unit", "ms",
               "--tick-size", "0.25", "--lot-size", "1", "--symbol", "XYZ",
               "--out", tmp_path / "cli")
    converted = ticklab.convert.csv(source, symbol="XYZ", out=tmp_path / "py", column_map=MAP,
                                    ts_unit="ms", tick_size=0.25, lot_size=1)
    for name in ["XYZ/instrument.toml", "XYZ/2026-03-02.parquet"]:
        assert read_bytes(tmp_path / "py", name) == read_bytes(tmp_path / "cli", name), name
    assert converted.events_written == 4
    assert converted.days == [tmp_path / "py" / "XYZ" / "2026-03-02.parquet"]
    # The same summary, but for the folder named and the time it took.
    def normalise(text, out):
        return [line.replace(str(out), "OUT") for line in text.splitlines()
                if " s (" not in line and "elapsed" not in line]
    assert normalise(converted.text, tmp_path / "py") == normalise(done.stdout, tmp_path / "cli")
    events = ticklab.data.open(tmp_path / "py").events()
    assert events.column("price").to_pylist() == [100.25, 100.5, 100.25, 100.75]
    assert events.column("side").to_pylist() == ["buy", "sell", "buy", "sell"]


def test_an_off_grid_row_names_its_line_and_column(tmp_path):
    source = tmp_path / "trades.csv"
    source.write_text(TRADES.replace("100.50", "100.60"))
    with pytest.raises(ValueError) as raised:
        ticklab.convert.csv(source, symbol="XYZ", out=tmp_path / "py", column_map=MAP,
                            ts_unit="ms", tick_size=0.25, lot_size=1)
    assert str(raised.value).startswith(f"converting into {tmp_path / 'py'}: {source}")
    assert "100.6" in str(raised.value)
