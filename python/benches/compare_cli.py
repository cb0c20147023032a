"""How `ticklab.run` compares with `ticklab run`: the same Python strategy
over the same day in both, run one after the other (interleaved, so that a
busy machine slows both alike), as wall time and as the engine's own time
(what `ticklab run` prints as `... events in X s`, and
`RunResult.elapsed_secs`); and the fixed cost of a `ticklab.run` call on a
day of four events.

    python python/benches/compare_cli.py --ticklab target/release/ticklab
"""

import argparse
import os
import re
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
    parser.add_argument("--day", default="2026-03-02")
    parser.add_argument("--strategy", default=str(REPO / "strategies" / "queue_mm.py"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        counter = iter(range(1_000_000))

        def cli(*extra):
            out = scratch / f"cli{next(counter)}"
            started = time.perf_counter()
            done = subprocess.run([args.ticklab, "run", "--data", args.data, "--symbol",
                                   args.symbol, "--day", args.day, "--strategy", args.strategy, "--out", str(out),
                                   *extra], check=True, capture_output=True, text=True)
            wall = time.perf_counter() - started
            engine = float(re.search(r"events in ([0-9.]+) s", done.stdout).group(1))
            return wall, engine

        def package():
            started = time.perf_counter()
            res = ticklab.run(data=args.data, symbol=args.symbol, day=args.day,
                              strategy=args.strategy,
                              progress=False, log=lambda line: None)
            return time.perf_counter() - started, res.elapsed_secs

        package()  # the event cache is written once, before any timing
        runs = {"ticklab run (sandboxed worker)": lambda: cli(),
                "ticklab run --no-sandbox": lambda: cli("--no-sandbox"),
                "ticklab.run": package}
        times = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, f in runs.items():
                times[name].append(f())
        print(f"load average before/after: {load} / {os.getloadavg()}")
        for name, pairs in times.items():
            walls, engines = [w for w, _ in pairs], [e for _, e in pairs]
            print(f"{name:32s} wall best {min(walls):7.3f} s median "
                  f"{statistics.median(walls):7.3f} s   engine best {min(engines):7.3f} s "
                  f"median {statistics.median(engines):7.3f} s")
        base = min(e for _, e in times["ticklab run --no-sandbox"])
        ours = min(e for _, e in times["ticklab.run"])
        print(f"ticklab.run engine speed / ticklab run --no-sandbox: {base / ours * 100:.1f} %")

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
