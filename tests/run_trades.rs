//! Trade-level statistics end to end: `ticklab run`'s round trips and their
//! statistics in `summary.json` are those the test works out from the
//! run's own `fills.parquet` and `equity.parquet` by another method (cash
//! flows of each flat-to-flat stretch instead of FIFO lots), per symbol in
//! a run over two instruments; Monte Carlo resamples the round trips of
//! both.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use tempfile::TempDir;
use ticklab::market::parquet::WriteOptions;
use ticklab::market::sample::SampleSpec;

#[path = "common/acme_day.rs"]
mod acme_day;
#[path = "common/cli.rs"]
mod cli;
use acme_day::write_spec_day;
use cli::{ok, ticklab};

/// Writes a small ACME-like day of `symbol` generated with `seed`.
fn write_day(data: &Path, symbol: &str, seed: u64) {
    write_day_in(data, symbol, seed, "USD");
}

/// [`write_day`] of an instrument in `currency`.
fn write_day_in(data: &Path, symbol: &str, seed: u64, currency: &str) {
    let mut spec = SampleSpec::stock().with_target_events(20_000);
    spec.instrument.symbol = symbol.to_owned();
    spec.instrument.currency = currency.to_owned();
    write_spec_day(data, &spec, seed, &WriteOptions::default());
}

fn p(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

fn summary(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("JSON")
}

/// The rows of a Parquet file, each column by name.
fn rows(path: &Path) -> Vec<BTreeMap<String, Field>> {
    let reader =
        SerializedFileReader::new(File::open(path).expect("the file")).expect("a Parquet file");
    reader
        .get_row_iter(None)
        .expect("rows")
        .map(|row| {
            row.expect("a row")
                .get_column_iter()
                .map(|(name, field)| (name.clone(), field.clone()))
                .collect()
        })
        .collect()
}

fn num(row: &BTreeMap<String, Field>, name: &str) -> f64 {
    match &row[name] {
        Field::Double(x) => *x,
        Field::Long(x) => *x as f64,
        other => panic!("{name}: {other:?}"),
    }
}

fn int(row: &BTreeMap<String, Field>, name: &str) -> i64 {
    match &row[name] {
        Field::Long(x) => *x,
        other => panic!("{name}: {other:?}"),
    }
}

fn text<'a>(row: &'a BTreeMap<String, Field>, name: &str) -> &'a str {
    match &row[name] {
        Field::Str(s) => s,
        other => panic!("{name}: {other:?}"),
    }
}

/// A round trip as the test works it out.
#[derive(Debug, Clone, Copy)]
struct Trip {
    open_ts: i64,
    close_ts: i64,
    pnl: f64,
    mae: f64,
    mfe: f64,
}

/// The round trips of one instrument's fills and equity rows: each
/// stretch from flat to flat (a reversing fill split by quantity, its fee
/// too), its PnL the cash it moved less its fees, its excursions the cash
/// plus the position at the mark price at each equity row while open.
fn trips_of(fills: &[&BTreeMap<String, Field>], equity: &[&BTreeMap<String, Field>]) -> Vec<Trip> {
    struct Open {
        open_ts: i64,
        cash: f64,
        fees: f64,
        low: f64,
        high: f64,
    }
    let mut trips = Vec::new();
    let mut position = 0.0f64;
    let mut open: Option<Open> = None;
    let mut next_fill = fills.iter();
    let mut book = |fill: &BTreeMap<String, Field>, position: &mut f64, open: &mut Option<Open>| {
        let ts = int(fill, "exch_ts");
        let sign = if text(fill, "side") == "buy" {
            1.0
        } else {
            -1.0
        };
        let (price, mut qty, mut fee) = (num(fill, "price"), num(fill, "qty"), num(fill, "fee"));
        if *position != 0.0 && position.signum() != sign && qty > position.abs() {
            let closing = position.abs();
            let share = fee * closing / qty;
            let trip = open.as_mut().expect("a trip is open");
            trip.cash -= sign * closing * price;
            trip.fees += share;
            let trip = open.take().expect("a trip is open");
            trips.push(Trip {
                open_ts: trip.open_ts,
                close_ts: ts,
                pnl: trip.cash - trip.fees,
                mae: -trip.low,
                mfe: trip.high,
            });
            *position = 0.0;
            qty -= closing;
            fee -= share;
        }
        let trip = open.get_or_insert(Open {
            open_ts: ts,
            cash: 0.0,
            fees: 0.0,
            low: 0.0,
            high: 0.0,
        });
        trip.cash -= sign * qty * price;
        trip.fees += fee;
        *position += sign * qty;
        if position.abs() < 1e-9 {
            *position = 0.0;
            let trip = open.take().expect("a trip is open");
            trips.push(Trip {
                open_ts: trip.open_ts,
                close_ts: ts,
                pnl: trip.cash - trip.fees,
                mae: -trip.low,
                mfe: trip.high,
            });
        }
    };
    for row in equity {
        if text(row, "cause") == "fill" {
            let fill = next_fill.next().expect("a fill before its equity row");
            book(fill, &mut position, &mut open);
        }
        if let Some(trip) = &mut open {
            let running = trip.cash + position * num(row, "mark_price");
            trip.low = trip.low.min(running);
            trip.high = trip.high.max(running);
        }
    }
    for fill in next_fill {
        book(fill, &mut position, &mut open);
    }
    trips
}

/// The rows of `symbol`.
fn of<'a>(rows: &'a [BTreeMap<String, Field>], symbol: &str) -> Vec<&'a BTreeMap<String, Field>> {
    rows.iter()
        .filter(|r| text(r, "symbol") == symbol)
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()))
}

/// Checks `stats` (a summary's `stats`) against `trips`.
fn assert_stats(stats: &serde_json::Value, trips: &[Trip], what: &str) {
    let stats = &stats["trades"];
    let wins: Vec<f64> = trips.iter().map(|t| t.pnl).filter(|p| *p > 0.0).collect();
    let losses: Vec<f64> = trips.iter().map(|t| t.pnl).filter(|p| *p < 0.0).collect();
    let n = trips.len() as f64;
    assert!(trips.len() >= 5, "{what}: only {} round trips", trips.len());
    assert!(!losses.is_empty() && !wins.is_empty(), "{what}: {trips:?}");
    assert_eq!(stats["round_trips"], trips.len(), "{what}");
    assert_eq!(stats["wins"], wins.len(), "{what}");
    assert_eq!(stats["losses"], losses.len(), "{what}");
    let profit: f64 = wins.iter().sum();
    let loss: f64 = losses.iter().sum();
    let max = |v: &[f64]| v.iter().copied().fold(f64::MIN, f64::max);
    let min = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
    let mae: Vec<f64> = trips.iter().map(|t| t.mae).collect();
    let mfe: Vec<f64> = trips.iter().map(|t| t.mfe).collect();
    let holding: f64 = trips.iter().map(|t| (t.close_ts - t.open_ts) as f64).sum();
    for (name, want) in [
        ("win_rate", wins.len() as f64 / n),
        ("avg_win", profit / wins.len() as f64),
        ("avg_loss", loss / losses.len() as f64),
        ("profit_factor", profit / -loss),
        ("largest_win", max(&wins)),
        ("largest_loss", min(&losses)),
        ("avg_holding_ns", holding / n),
        ("avg_mae", mae.iter().sum::<f64>() / n),
        ("worst_mae", max(&mae)),
        ("avg_mfe", mfe.iter().sum::<f64>() / n),
        ("best_mfe", max(&mfe)),
    ] {
        let got = stats[name].as_f64().unwrap_or(f64::NAN);
        assert!(close(got, want), "{what}: {name} {got} vs {want}");
    }
}

/// `trips` with their money converted at `rate`.
fn converted(trips: &[Trip], rate: f64) -> Vec<Trip> {
    trips
        .iter()
        .map(|t| Trip {
            pnl: t.pnl * rate,
            mae: t.mae * rate,
            mfe: t.mfe * rate,
            ..*t
        })
        .collect()
}

/// Checks the rows of `trades.parquet` of one instrument against `trips`.
fn assert_rows(table: &[&BTreeMap<String, Field>], trips: &[Trip], what: &str) {
    assert_eq!(table.len(), trips.len(), "{what}");
    for (row, trip) in table.iter().zip(trips) {
        assert_eq!(int(row, "open_ts"), trip.open_ts, "{what}: {row:?}");
        assert_eq!(int(row, "close_ts"), trip.close_ts, "{what}: {row:?}");
        assert_eq!(
            int(row, "holding_ns"),
            trip.close_ts - trip.open_ts,
            "{what}"
        );
        for (name, want) in [("pnl", trip.pnl), ("mae", trip.mae), ("mfe", trip.mfe)] {
            assert!(
                close(num(row, name), want),
                "{what}: {name} of {row:?} vs {trip:?}"
            );
        }
        let net = num(row, "gross_pnl") - num(row, "fees") - num(row, "funding");
        assert!(close(net, num(row, "pnl")), "{what}: {row:?}");
    }
}

#[test]
fn a_runs_trade_statistics_are_those_of_its_fills() {
    let data = TempDir::new().expect("test setup");
    write_day(data.path(), "ACME", 7);
    let work = TempDir::new().expect("test setup");
    let out = work.path().join("run");
    ok(&ticklab(&[
        "run",
        "--data",
        p(data.path()),
        "--strategy",
        "mm",
        "--out",
        p(&out),
    ]));
    let fills = rows(&out.join("fills.parquet"));
    let equity = rows(&out.join("equity.parquet"));
    let trips = trips_of(
        &fills.iter().collect::<Vec<_>>(),
        &equity.iter().collect::<Vec<_>>(),
    );
    let summary = summary(&out);
    assert_stats(&summary["stats"], &trips, "ACME");
    let table = rows(&out.join("trades.parquet"));
    assert_rows(&table.iter().collect::<Vec<_>>(), &trips, "ACME");
}

#[test]
fn a_run_over_two_instruments_has_trade_statistics_per_symbol_and_monte_carlo_resamples_both() {
    let data = TempDir::new().expect("test setup");
    write_day(data.path(), "ACME", 7);
    write_day(data.path(), "ACMF", 11);
    let work = TempDir::new().expect("test setup");
    let out = work.path().join("run");
    ok(&ticklab(&[
        "run",
        "--data",
        p(data.path()),
        "--symbol",
        "ACME,ACMF",
        "--strategy",
        "mm",
        "--out",
        p(&out),
    ]));
    let summary = summary(&out);
    let fills = rows(&out.join("fills.parquet"));
    let equity = rows(&out.join("equity.parquet"));
    let table = rows(&out.join("trades.parquet"));
    let mut all = Vec::new();
    for (i, symbol) in ["ACME", "ACMF"].into_iter().enumerate() {
        let trips = trips_of(&of(&fills, symbol), &of(&equity, symbol));
        let by_symbol = &summary["by_symbol"][i];
        assert_eq!(by_symbol["symbol"], symbol);
        assert_stats(&by_symbol["stats"], &trips, symbol);
        assert_rows(&of(&table, symbol), &trips, symbol);
        all.extend(trips);
    }
    // The account's are both instruments' together.
    all.sort_by_key(|t| (t.close_ts, t.open_ts));
    assert_stats(&summary["stats"], &all, "the account");

    // Monte Carlo resamples every round trip of the run.
    let mc = |name: &str| {
        let dir = work.path().join(name);
        let stdout = ok(&ticklab(&[
            "sweep",
            "--monte-carlo",
            "200",
            "--run",
            p(&out),
            "--seed",
            "3",
            "--slippage-ticks",
            "1",
            "--data",
            p(data.path()),
            "--out",
            p(&dir),
        ]));
        let bands = std::fs::read_to_string(dir.join("monte_carlo_equity.csv")).expect("bands");
        (
            stdout,
            bands,
            std::fs::read_to_string(dir.join("monte_carlo.csv")).expect("table"),
        )
    };
    let (stdout, bands, table) = mc("mc1");
    assert!(
        stdout.contains(&format!("{} round trips resampled 200 times", all.len())),
        "{stdout}"
    );
    // A header, the start, one row per trip.
    assert_eq!(bands.lines().count(), all.len() + 2);
    assert!(
        bands
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("0,100000.0,")),
        "{bands}"
    );
    let (_, bands_again, table_again) = mc("mc2");
    assert_eq!((bands, table), (bands_again, table_again));
}

#[test]
fn the_windows_session_gives_the_trade_statistics_of_ticklab_run() {
    use std::time::Duration;
    use ticklab::session::replay::Goal;
    use ticklab::session::{Replay, SessionOptions};

    let data = TempDir::new().expect("test setup");
    write_day(data.path(), "ACME", 7);
    let work = TempDir::new().expect("test setup");
    let out = work.path().join("run");
    ok(&ticklab(&[
        "run",
        "--data",
        p(data.path()),
        "--strategy",
        "mm",
        "--out",
        p(&out),
    ]));
    let expected = summary(&out)["stats"].clone();

    let mut replay = Replay::new(SessionOptions::default());
    assert!(replay.load(data.path().join("ACME"), None, None));
    assert!(replay.set_strategy("mm".to_owned()));
    replay.advance(Goal::End, Duration::from_secs(600));
    let stats = replay.stats().expect("statistics");
    let got = serde_json::to_value(&stats).expect("JSON");
    assert!(
        expected["trades"]["round_trips"]
            .as_u64()
            .is_some_and(|n| n >= 5),
        "{expected}"
    );
    assert_eq!(got["fills"], expected["fills"]);
    assert_eq!(got["pnl"], expected["pnl"]);
    // Every figure of the round trips, to the bit.
    assert_eq!(got["trades"], expected["trades"]);
}

#[test]
fn an_instrument_in_another_currency_counts_at_its_rate_in_the_accounts_round_trips() {
    let data = TempDir::new().expect("test setup");
    write_day(data.path(), "ACME", 7);
    write_day_in(data.path(), "ACMF", 11, "EUR");
    std::fs::write(data.path().join("run.toml"), "[fx]\nEUR = 2.0\n").expect("test setup");
    let work = TempDir::new().expect("test setup");
    let out = work.path().join("run");
    ok(&ticklab(&[
        "run",
        "--data",
        p(data.path()),
        "--symbol",
        "ACME,ACMF",
        "--strategy",
        "mm",
        "--config",
        p(&data.path().join("run.toml")),
        "--out",
        p(&out),
    ]));
    let summary = summary(&out);
    let fills = rows(&out.join("fills.parquet"));
    let equity = rows(&out.join("equity.parquet"));
    let table = rows(&out.join("trades.parquet"));
    let mut all = Vec::new();
    for (i, (symbol, rate)) in [("ACME", 1.0), ("ACMF", 2.0)].into_iter().enumerate() {
        let trips = trips_of(&of(&fills, symbol), &of(&equity, symbol));
        // An instrument's own figures in its currency, the table in the
        // account's.
        assert_stats(&summary["by_symbol"][i]["stats"], &trips, symbol);
        let trips = converted(&trips, rate);
        assert_rows(&of(&table, symbol), &trips, symbol);
        all.extend(trips);
    }
    assert_stats(&summary["stats"], &all, "the account");
}

#[test]
fn a_sweep_ranks_by_profit_factor_under_a_win_rate_constraint_read_from_each_summary() {
    let data = TempDir::new().expect("test setup");
    write_day(data.path(), "ACME", 7);
    let work = TempDir::new().expect("test setup");
    let out = work.path().join("sweep");
    ok(&ticklab(&[
        "sweep",
        "--data",
        p(data.path()),
        "--strategy",
        "mm",
        "--grid",
        "max_position_lots=1,3,10",
        "--objective",
        "max:profit_factor",
        "--require",
        "win_rate>0.5",
        "--jobs",
        "1",
        "--out",
        p(&out),
    ]));
    let mut reader = csv::Reader::from_path(out.join("results.csv")).expect("results.csv");
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    for name in ticklab::analyzer::STATS {
        assert!(
            header.iter().any(|h| h == name),
            "no column {name}: {header:?}"
        );
    }
    let column = |name: &str| header.iter().position(|h| h == name).expect("a column");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), 3);
    let mut ranked = Vec::new();
    for row in &rows {
        let run = summary(&out.join("runs").join(&row[column("run_id")]));
        for name in [
            "round_trips",
            "win_rate",
            "profit_factor",
            "avg_mae",
            "best_mfe",
        ] {
            let cell: f64 = row[column(name)].parse().expect("a number");
            assert_eq!(Some(cell), run["stats"]["trades"][name].as_f64(), "{name}");
        }
        let win_rate: f64 = row[column("win_rate")].parse().expect("a number");
        let factor: f64 = row[column("profit_factor")].parse().expect("a number");
        assert_eq!(
            &row[column("meets_constraints")],
            if win_rate > 0.5 { "yes" } else { "no" }
        );
        ranked.push((win_rate <= 0.5, factor));
    }
    // Runs meeting the constraint first, each group by profit factor,
    // largest first.
    let mut sorted = ranked.clone();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    assert_eq!(ranked, sorted);
    // Here the run with the lowest profit factor is the one that meets it.
    assert_eq!(
        ranked.iter().map(|r| r.0).collect::<Vec<_>>(),
        [false, true, true],
        "{ranked:?}"
    );
}
