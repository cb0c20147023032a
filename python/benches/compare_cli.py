"""How `ticklab.run` compares with `ticklab run`: the same Python strategy
over the same day in both (best of N wall times), and the fixed cost of a
`ticklab.run` call on a day of four events.

    python python/benches/compare_cli.py --ticklab target/release/ticklab
"""

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import ticklab

REPO = Path(__file__).resolve().parents[2]


def best_of(n, f):
    times = []
    for _ in range(n):
        started = time.perf_counter()
        f()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ticklab", required=True, help="the ticklab binary to compare with")
    parser.add_argument("--data", default=str(REPO / "sample-data"))
    parser.add_argument("--symbol", default="BTC-PERP")
    parser.add_argument("--strategy", default=str(REPO / "strategies" / "queue_mm.py"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        counter = iter(range(1_000_000))

        def cli(*extra):
            out = scratch / f"cli{next(counter)}"
            subprocess.run([args.ticklab, "run", "--data", args.data, "--symbol", args.symbol,
                            "--strategy", args.strategy, "--out", str(out), *extra],
                           check=True, capture_output=True)

        def package():
            ticklab.run(data=args.data, symbol=args.symbol, strategy=args.strategy,
                        progress=False, log=lambda line: None)

        package()  # the event cache is written once, before any timing
        for name, f in [
            ("ticklab run (sandboxed worker)", lambda: cli()),
            ("ticklab run --no-sandbox", lambda: cli("--no-sandbox")),
            ("ticklab.run", package),
        ]:
            best, median = best_of(args.repeat, f)
            print(f"{name:32s} best {best:7.3f} s   median {median:7.3f} s")

        csv = scratch / "trades.csv"
        csv.write_text("ts,px,size,aggressor\n1772409600000,100.25,3,buy\n"
                       "1772409600500,100.50,1,sell\n1772409601000,100.25,2,buy\n"
                       "1772409602000,100.75,5,sell\n")
        ticklab.convert.csv(csv, symbol="XYZ", out=scratch / "tiny", ts_unit="ms",
                            column_map="exch_ts=ts,price=px,qty=size,side=aggressor,kind=const:trade",
                            tick_size=0.25, lot_size=1)
        tiny = lambda: ticklab.run(data=scratch / "tiny", strategy="noop", progress=False)
        tiny()
        best, median = best_of(20, tiny)
        print(f"{'ticklab.run fixed cost (4 events)':32s} best {best * 1e3:7.1f} ms  "
              f"median {median * 1e3:7.1f} ms")


if __name__ == "__main__":
    main()
