//! `ticklab sweep` end to end: the exact grid, rows equal to single runs,
//! determinism whatever `--jobs`, resume, failed runs, genetic search,
//! walk-forward and Monte Carlo, and the errors before any run.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;
use ticklab::market::parquet::{write_events, WriteOptions};
use ticklab::market::sample::{generate, CivilDate, SampleSpec};

/// A data folder with small ACME days, one per `(day of March 2026, seed)`.
fn folder(days: &[(u32, u64)]) -> TempDir {
    let root = TempDir::new().expect("test setup");
    for &(day, seed) in days {
        let mut spec = SampleSpec::stock().with_target_events(12_000);
        spec.day = CivilDate::new(2026, 3, day);
        let dir = root.path().join(spec.symbol());
        std::fs::create_dir_all(&dir).expect("test setup");
        std::fs::write(
            dir.join("instrument.toml"),
            spec.instrument.to_toml_string("test"),
        )
        .expect("test setup");
        write_events(
            dir.join(format!("{}.parquet", spec.day)),
            &spec.instrument,
            generate(&spec, seed),
            &WriteOptions::default(),
        )
        .expect("test setup");
    }
    root
}

fn ticklab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ticklab"))
        .args(args)
        .output()
        .expect("ticklab runs")
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The rows of a CSV file as maps from column to cell.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("a CSV file");
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("a row");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

fn p(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("summary.json"))
        .expect("JSON")
}

/// The cell as the float the table wrote, `None` when empty.
fn cell(row: &std::collections::HashMap<String, String>, column: &str) -> Option<f64> {
    let text = &row[column];
    (!text.is_empty()).then(|| text.parse().expect("a number"))
}

#[test]
fn a_grid_runs_every_point_once_and_each_row_is_that_points_single_run() {
    let data = folder(&[(2, 7)]);
    let work = TempDir::new().unwrap();
    let out = work.path().join("sweep");
    let stdout = ok(&ticklab(&[
        "sweep",
        "--data",
        p(data.path()),
        "--strategy",
        "mm",
        "--grid",
        "qty_lots=1,2",
        "--range",
        "max_position_lots=2..6:4",
        "--grid",
        "queue.model=risk_averse,prob_log",
        "--objective",
        "pnl",
        "--jobs",
        "2",
        "--out",
        p(&out),
    ]));
    assert!(
        stdout.contains("8 runs (8 run, 0 already done, 0 failed)"),
        "{stdout}"
    );
    let rows = csv_rows(&out.join("results.csv"));
    let points: BTreeSet<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["qty_lots"].clone(),
                r["max_position_lots"].clone(),
                r["queue.model"].clone(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = [
        ("1", "2", "risk_averse"),
        ("1", "2", "prob_log"),
        ("1", "6", "risk_averse"),
        ("1", "6", "prob_log"),
        ("2", "2", "risk_averse"),
        ("2", "2", "prob_log"),
        ("2", "6", "risk_averse"),
        ("2", "6", "prob_log"),
    ]
    .iter()
    .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
    .collect();
    assert_eq!(points, expected);
    assert_eq!(rows.len(), 8);
    // Best first by pnl, ranks 1..8.
    let pnls: Vec<f64> = rows.iter().map(|r| cell(r, "pnl").unwrap()).collect();
    assert!(pnls.windows(2).all(|w| w[0] >= w[1]), "{pnls:?}");
    let ranks: Vec<&str> = rows.iter().map(|r| r["rank"].as_str()).collect();
    assert_eq!(ranks, ["1", "2", "3", "4", "5", "6", "7", "8"]);

    // Each row holds exactly what `ticklab run` gives for its point.
    for row in rows
        .iter()
        .filter(|r| r["qty_lots"] == "2" && r["max_position_lots"] == "6")
    {
        let config = work.path().join(format!("{}.toml", row["queue.model"]));
        std::fs::write(
            &config,
            format!(
                "[queue]\nmodel = \"{}\"\n[params]\nqty_lots = 2\nmax_position_lots = 6\n",
                row["queue.model"]
            ),
        )
        .unwrap();
        let single = work.path().join(format!("single-{}", row["queue.model"]));
        ok(&ticklab(&[
            "run",
            "--data",
            p(data.path()),
            "--strategy",
            "mm",
            "--config",
            p(&config),
            "--out",
            p(&single),
        ]));
        let stats = &summary(&single)["stats"];
        for name in [
            "pnl",
            "fees",
            "fills",
            "maker_fills",
            "orders",
            "max_drawdown",
            "turnover",
            "final_position_lots",
        ] {
            let expected = stats[name].as_f64().unwrap();
            assert_eq!(
                cell(row, name),
                Some(expected),
                "{name} of run {}",
                row["run_id"]
            );
        }
        assert_eq!(cell(row, "sharpe"), stats["sharpe"].as_f64());
        assert_eq!(row["status"], "ok");
        assert_eq!(row["error"], "");
        assert_eq!(row["folder"], format!("runs/{}", row["run_id"]));
        // The run's own folder has the usual files.
        assert_eq!(summary(&out.join(&row["folder"]))["stats"], *stats);
    }
    // Every summary statistic is a column.
    let single = work.path().join("single-risk_averse");
    for (name, value) in summary(&single)["stats"].as_object().unwrap() {
        if value.is_number() && name != "initial_cash" {
            assert!(rows[0].contains_key(name), "no column {name}");
        }
    }
}

#[test]
fn jobs_do_not_change_the_table_and_a_resume_reruns_only_what_is_missing() {
    let data = folder(&[(2, 9)]);
    let work = TempDir::new().unwrap();
    let sweep = |out: &Path, jobs: &str| {
        ok(&ticklab(&[
            "sweep",
            "--data",
            p(data.path()),
            "--strategy",
            "mm",
            "--grid",
            "qty_lots=1,3",
            "--grid",
            "seed=1,2",
            "--grid",
            "latency.entry_ns=1000000,3000000",
            "--objective",
            "max_drawdown",
            "--jobs",
            jobs,
            "--out",
            p(out),
        ]))
    };
    let (one, two) = (work.path().join("one"), work.path().join("two"));
    sweep(&one, "1");
    sweep(&two, "2");
    for name in ["results.csv", "results.parquet"] {
        assert_eq!(
            std::fs::read(one.join(name)).unwrap(),
            std::fs::read(two.join(name)).unwrap(),
            "{name}"
        );
    }
    let rows = csv_rows(&one.join("results.csv"));
    assert_eq!(rows.len(), 8);
    let dds: Vec<f64> = rows
        .iter()
        .map(|r| cell(r, "max_drawdown").unwrap())
        .collect();
    assert!(
        dds.windows(2).all(|w| w[0] <= w[1]),
        "min:max_drawdown sorts smallest first: {dds:?}"
    );

    // A sweep killed before run 0003 finished: its folder is missing.
    let before = std::fs::read(one.join("results.csv")).unwrap();
    let kept = one.join("runs/0001/summary.json");
    let kept_mtime = std::fs::metadata(&kept).unwrap().modified().unwrap();
    std::fs::remove_dir_all(one.join("runs/0003")).unwrap();
    let stdout = sweep(&one, "2");
    assert!(
        stdout.contains("8 runs (1 run, 7 already done, 0 failed)"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::metadata(&kept).unwrap().modified().unwrap(),
        kept_mtime
    );
    assert_eq!(std::fs::read(one.join("results.csv")).unwrap(), before);
    let stdout = sweep(&one, "2");
    assert!(
        stdout.contains("8 runs (0 run, 8 already done, 0 failed)"),
        "{stdout}"
    );
}

#[test]
fn a_run_that_raises_or_dies_is_a_failed_row_and_the_sweep_goes_on() {
    let data = folder(&[(2, 7)]);
    let work = TempDir::new().unwrap();
    let strategy = work.path().join("boom.py");
    std::fs::write(
        &strategy,
        "import os\nfrom ticklab import Strategy\n\nclass Boom(Strategy):\n    def __init__(self, boom=1):\n        self.boom = boom\n\n    def on_start(self, ctx):\n        if self.boom == 2:\n            raise ValueError(\"boom at 2\")\n        if self.boom == 3:\n            os._exit(3)\n",
    )
    .unwrap();
    let out = work.path().join("sweep");
    let stdout = ok(&ticklab(&[
        "sweep",
        "--data",
        p(data.path()),
        "--strategy",
        p(&strategy),
        "--grid",
        "boom=1,2,3",
        "--objective",
        "pnl",
        "--jobs",
        "2",
        "--out",
        p(&out),
    ]));
    assert!(
        stdout.contains("3 runs (3 run, 0 already done, 2 failed)"),
        "{stdout}"
    );
    let rows = csv_rows(&out.join("results.csv"));
    let by_boom = |b: &str| rows.iter().find(|r| r["boom"] == b).unwrap();
    assert_eq!(by_boom("1")["status"], "ok");
    assert_eq!(by_boom("1")["rank"], "1");
    assert_eq!(by_boom("2")["status"], "failed");
    assert!(
        by_boom("2")["error"].contains("ValueError: boom at 2"),
        "{}",
        by_boom("2")["error"]
    );
    assert_eq!(by_boom("2")["pnl"], "");
    assert_eq!(by_boom("3")["status"], "failed");
    let died = &by_boom("3")["error"];
    assert!(
        died.starts_with("the strategy process died at event 0 ("),
        "{died}"
    );
    assert!(
        died.contains("): it exited with code 3 before the run finished"),
        "{died}"
    );
}

#[test]
fn a_genetic_search_gives_the_same_generations_for_a_seed() {
    let data = folder(&[(2, 7)]);
    let work = TempDir::new().unwrap();
    let sweep = |out: &Path, seed: &str| {
        ok(&ticklab(&[
            "sweep",
            "--data",
            p(data.path()),
            "--strategy",
            "mm",
            "--range",
            "qty_lots=1..4:1",
            "--range",
            "max_position_lots=1..4:1",
            "--search",
            "genetic",
            "--population",
            "4",
            "--generations",
            "3",
            "--seed",
            seed,
            "--objective",
            "pnl",
            "--jobs",
            "2",
            "--out",
            p(out),
        ]));
        std::fs::read_to_string(out.join("results.csv")).unwrap()
    };
    let (a, b) = (work.path().join("a"), work.path().join("b"));
    let first = sweep(&a, "5");
    assert_eq!(first, sweep(&b, "5"));
    let rows = csv_rows(&a.join("results.csv"));
    let generations: BTreeSet<&str> = rows.iter().map(|r| r["generation"].as_str()).collect();
    assert!(generations.contains("1"));
    assert_eq!(rows.iter().filter(|r| r["generation"] == "1").count(), 4);
    assert!(rows.len() <= 12);
    // No point ran twice.
    let points: BTreeSet<(&str, &str)> = rows
        .iter()
        .map(|r| (r["qty_lots"].as_str(), r["max_position_lots"].as_str()))
        .collect();
    assert_eq!(points.len(), rows.len());
}

#[test]
fn walk_forward_picks_each_folds_best_train_day_and_tests_it_on_the_next() {
    let data = folder(&[(2, 7), (3, 8), (4, 9)]);
    let work = TempDir::new().unwrap();
    let out = work.path().join("wf");
    let stdout = ok(&ticklab(&[
        "sweep",
        "--data",
        p(data.path()),
        "--strategy",
        "mm",
        "--day",
        "all",
        "--grid",
        "qty_lots=1,2,3",
        "--walk-forward",
        "train=1d,test=1d",
        "--objective",
        "pnl",
        "--jobs",
        "2",
        "--out",
        p(&out),
    ]));
    let rows = csv_rows(&out.join("results.csv"));
    assert_eq!(rows.len(), 9);
    let pnl = |qty: &str, day: &str| {
        cell(
            rows.iter()
                .find(|r| r["qty_lots"] == qty && r["day"] == day)
                .unwrap(),
            "pnl",
        )
        .unwrap()
    };
    let folds = csv_rows(&out.join("walk_forward.csv"));
    assert_eq!(folds.len(), 2);
    let mut is_sum = 0.0;
    let mut oos_sum = 0.0;
    for (fold, (train, test)) in folds
        .iter()
        .zip([("2026-03-02", "2026-03-03"), ("2026-03-03", "2026-03-04")])
    {
        // By hand: the best qty_lots on the train day (the first on a tie).
        let mut best = "1";
        for qty in ["2", "3"] {
            if pnl(qty, train) > pnl(best, train) {
                best = qty;
            }
        }
        assert_eq!(fold["winner"], format!("qty_lots={best}"));
        assert_eq!(
            (fold["train_from"].as_str(), fold["test_from"].as_str()),
            (train, test)
        );
        assert_eq!(cell(fold, "in_sample"), Some(pnl(best, train)));
        assert_eq!(cell(fold, "out_of_sample"), Some(pnl(best, test)));
        is_sum += pnl(best, train);
        oos_sum += pnl(best, test);
    }
    let efficiency = format!("{:.6}", oos_sum / is_sum);
    assert!(
        stdout.contains(&format!(
            "walk-forward efficiency (mean out-of-sample / mean in-sample): {efficiency}"
        )),
        "{stdout}"
    );
    let equity = csv_rows(&out.join("oos_equity.csv"));
    let folds_seen: BTreeSet<&str> = equity.iter().map(|r| r["fold"].as_str()).collect();
    assert_eq!(folds_seen, BTreeSet::from(["1", "2"]));
}

#[test]
fn monte_carlo_of_a_run_is_the_same_for_a_seed() {
    let data = folder(&[(2, 7)]);
    let work = TempDir::new().unwrap();
    let run = work.path().join("run");
    ok(&ticklab(&[
        "run",
        "--data",
        p(data.path()),
        "--strategy",
        "mm",
        "--out",
        p(&run),
    ]));
    let mc = |out: &Path| {
        let stdout = ok(&ticklab(&[
            "sweep",
            "--monte-carlo",
            "300",
            "--run",
            p(&run),
            "--seed",
            "4",
            "--slippage-ticks",
            "1",
            "--data",
            p(data.path()),
            "--out",
            p(out),
        ]));
        (
            stdout,
            std::fs::read_to_string(out.join("monte_carlo.csv")).unwrap(),
        )
    };
    let (stdout, table) = mc(&work.path().join("mc1"));
    assert_eq!(table, mc(&work.path().join("mc2")).1);
    assert!(
        stdout.contains("resampled 300 times (seed 4, slippage 1 ticks)"),
        "{stdout}"
    );
    let rows = csv_rows(&work.path().join("mc1/monte_carlo.csv"));
    let metrics: Vec<&str> = rows.iter().map(|r| r["metric"].as_str()).collect();
    assert_eq!(metrics, ["final_pnl", "max_drawdown", "max_drawdown_pct"]);
    for row in &rows {
        let values: Vec<f64> = ["p5", "p25", "p50", "p75", "p95"]
            .iter()
            .map(|c| cell(row, c).unwrap())
            .collect();
        assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
    }
    let bands = csv_rows(&work.path().join("mc1/monte_carlo_equity.csv"));
    assert_eq!(cell(&bands[0], "p5"), Some(100_000.0));
    assert_eq!(cell(&bands[0], "p95"), Some(100_000.0));
}

#[test]
fn mistakes_are_named_before_any_run() {
    let data = folder(&[(2, 7)]);
    let work = TempDir::new().unwrap();
    let out = work.path().join("never");
    let err = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            "--data",
            p(data.path()),
            "--strategy",
            "mm",
            "--out",
            p(&out),
        ];
        args.extend_from_slice(extra);
        let output = ticklab(&args);
        assert!(!output.status.success());
        assert!(!out.exists(), "nothing is written");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(err(&["--grid", "spread=1,2"]).contains(
        "--grid spread=1,2: unknown parameter `spread` of strategy mm; its parameters: max_position_lots, qty_lots"
    ));
    assert!(err(&["--grid", "qty_lots=1,x"]).contains("--grid qty_lots=1,x: qty_lots=x:"));
    assert!(err(&["--grid", "qty_lots="]).contains("--grid qty_lots=: an empty value"));
    assert!(err(&["--range", "qty_lots=1..5:0"])
        .contains("--range qty_lots=1..5:0: the step must be above 0, got 0"));
    assert!(err(&["--grid", "qty_lots=1", "--objective", "sharp"])
        .contains("--objective sharp: `sharp` is not a summary statistic"));
    assert!(err(&[]).contains("nothing to sweep"));
    assert!(
        err(&["--grid", "queue.model=fast"]).contains("--grid queue.model=fast: queue.model=fast:")
    );
}

#[test]
fn a_constraint_no_run_meets_is_said_and_rule_params_are_swept() {
    let data = folder(&[(2, 7)]);
    let work = TempDir::new().unwrap();
    let rules = work.path().join("lean.rules.toml");
    std::fs::write(
        &rules,
        "[params]\nlean = 0.5\n\n[indicators]\nbook = { imbalance = { levels = 1 } }\n\n[[rules]]\nname = \"buy the lean\"\nwhen = { all = [ { lhs = \"book\", op = \">\", rhs = \"$lean\" }, { lhs = \"position\", op = \"==\", rhs = 0 } ] }\nthen = [ { buy = { lots = 1, price = \"market\" } }, { take_profit = { ticks = 2 } }, { stop_loss = { ticks = 2 } } ]\ncooldown = \"5s\"\n",
    )
    .unwrap();
    let out = work.path().join("r");
    let stdout = ok(&ticklab(&[
        "sweep",
        "--data",
        p(data.path()),
        "--strategy",
        p(&rules),
        "--grid",
        "lean=0.2,0.9",
        "--require",
        "fills<0",
        "--out",
        p(&out),
        "--jobs",
        "2",
    ]));
    assert!(
        stdout.contains("no run meets the constraints fills<0"),
        "{stdout}"
    );
    let rows = csv_rows(&out.join("results.csv"));
    assert!(rows
        .iter()
        .all(|r| r["meets_constraints"] == "no" && r["status"] == "ok"));
    let fills =
        |lean: &str| cell(rows.iter().find(|r| r["lean"] == lean).unwrap(), "fills").unwrap();
    // A lower bar trades more.
    assert!(
        fills("0.2") > fills("0.9"),
        "{} {}",
        fills("0.2"),
        fills("0.9")
    );
    let config = std::fs::read_to_string(out.join("configs/0001.toml")).unwrap();
    assert!(config.contains("[params]\nlean = 0.2\n"), "{config}");
}

/// A hand-made day of instrument HAND (tick 1, lot 1, no fees): the book
/// is 100 / 102 at 10:00:00, 100 / 104 from 10:00:01 and 100 / 102 again
/// from 10:00:02 to 10:00:10.
fn hand_folder() -> TempDir {
    use ticklab::market::{Instrument, MarketEvent, Side};
    let root = TempDir::new().expect("test setup");
    let dir = root.path().join("HAND");
    std::fs::create_dir_all(&dir).expect("test setup");
    let instrument = Instrument::new("HAND", 1.0, 1.0);
    std::fs::write(
        dir.join("instrument.toml"),
        instrument.to_toml_string("hand-made"),
    )
    .expect("test setup");
    let t0: i64 = 1_772_445_600_000_000_000; // 2026-03-02 10:00:00 UTC
    let s = 1_000_000_000;
    let in_batch = |mut event: MarketEvent| {
        event.flags = 0;
        event
    };
    let events = vec![
        in_batch(MarketEvent::depth(t0, Side::Buy, 100, 10)),
        MarketEvent::depth(t0, Side::Sell, 102, 10),
        in_batch(MarketEvent::depth(t0 + s, Side::Sell, 102, 0)),
        MarketEvent::depth(t0 + s, Side::Sell, 104, 10),
        MarketEvent::depth(t0 + 2 * s, Side::Sell, 102, 10),
        MarketEvent::trade(t0 + 10 * s, Side::Sell, 100, 1),
    ];
    write_events(
        dir.join("2026-03-02.parquet"),
        &instrument,
        events,
        &WriteOptions::default(),
    )
    .expect("test setup");
    root
}

/// Run id, point, pnl, final equity, fills, final position, max drawdown.
type HandRow = (
    String,
    String,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
);

#[test]
fn rows_on_a_hand_made_day_are_the_fills_worked_by_hand() {
    let data = hand_folder();
    let work = TempDir::new().unwrap();
    // Buys one lot at market, once, when the spread reaches $wide ticks.
    let rules = work.path().join("wide.rules.toml");
    std::fs::write(
        &rules,
        "[params]\nwide = 9\n\n[[rules]]\nname = \"wide\"\nwhen = { lhs = \"spread\", op = \">=\", rhs = \"$wide\" }\nthen = [ { buy = { lots = 1, price = \"market\" } } ]\nmax_fires = 1\n",
    )
    .unwrap();
    let config = work.path().join("run.toml");
    std::fs::write(&config, "[sweep]\ninitial_cash = [1000.0, 2000.0]\n").unwrap();
    let out = work.path().join("hand");
    let sweep = || {
        ok(&ticklab(&[
            "sweep",
            "--data",
            p(data.path()),
            "--strategy",
            p(&rules),
            "--config",
            p(&config),
            "--grid",
            "wide=2,3,5",
            "--objective",
            "pnl",
            "--keep",
            "none",
            "--jobs",
            "2",
            "--out",
            p(&out),
        ]))
    };
    let stdout = sweep();
    assert!(
        stdout.contains("6 runs (6 run, 0 already done, 0 failed)"),
        "{stdout}"
    );
    // wide=2 fires at 10:00:00 (spread 2): the buy reaches the venue 1 ms
    // later and pays the ask, 102; the day ends at mid 101: PnL -1, and
    // equity went 1000 → 999 → 1000 (mid 102) → 999: drawdown 1.
    // wide=3 fires at 10:00:01 (spread 4) and pays 104; equity went
    // 1000 → 998 (mid 102) → 997: PnL -3, drawdown 3.
    // wide=5 never fires. The [sweep] table's axis comes first, so the
    // runs are numbered cash-major.
    let rows = csv_rows(&out.join("results.csv"));
    let got: Vec<HandRow> = rows
        .iter()
        .map(|r| {
            (
                r["run_id"].clone(),
                format!("wide={} cash={}", r["wide"], r["initial_cash"]),
                cell(r, "pnl"),
                cell(r, "final_equity"),
                cell(r, "fills"),
                cell(r, "final_position_lots"),
                cell(r, "max_drawdown"),
            )
        })
        .collect();
    let row = |id: &str, point: &str, pnl: f64, equity: f64, fills: f64, position: f64, dd: f64| {
        (
            id.to_owned(),
            point.to_owned(),
            Some(pnl),
            Some(equity),
            Some(fills),
            Some(position),
            Some(dd),
        )
    };
    assert_eq!(
        got,
        [
            row("0003", "wide=5 cash=1000.0", 0.0, 1000.0, 0.0, 0.0, 0.0),
            row("0006", "wide=5 cash=2000.0", 0.0, 2000.0, 0.0, 0.0, 0.0),
            row("0001", "wide=2 cash=1000.0", -1.0, 999.0, 1.0, 1.0, 1.0),
            row("0004", "wide=2 cash=2000.0", -1.0, 1999.0, 1.0, 1.0, 1.0),
            row("0002", "wide=3 cash=1000.0", -3.0, 997.0, 1.0, 1.0, 3.0),
            row("0005", "wide=3 cash=2000.0", -3.0, 1997.0, 1.0, 1.0, 3.0),
        ]
    );
    assert_eq!(cell(&rows[4], "return_pct"), Some(-0.3));
    assert_eq!(cell(&rows[4], "round_trips"), Some(0.0));
    assert_eq!(cell(&rows[4], "profit_factor"), None);
    // --keep none: only the summary and the round trips stay; a resume
    // reads them back.
    let mut names: Vec<String> = std::fs::read_dir(out.join("runs/0002"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "log.txt",
            "signals.jsonl",
            "summary.json",
            "timing.json",
            "trips.json"
        ]
    );
    let before = std::fs::read(out.join("results.csv")).unwrap();
    let stdout = sweep();
    assert!(
        stdout.contains("6 runs (0 run, 6 already done, 0 failed)"),
        "{stdout}"
    );
    assert_eq!(std::fs::read(out.join("results.csv")).unwrap(), before);
    // A single run ignores the [sweep] table.
    let single = work.path().join("single");
    ok(&ticklab(&[
        "run",
        "--data",
        p(data.path()),
        "--strategy",
        p(&rules),
        "--config",
        p(&config),
        "--out",
        p(&single),
    ]));
    assert_eq!(summary(&single)["stats"]["pnl"], 0.0);
    // The sweep's manifest replays any row: run 0002 is wide=3 at 1000.
    let manifest = ticklab::analyzer::SweepManifest::read(&out).unwrap();
    let spec = manifest.run(&out, "0002").unwrap();
    assert_eq!(spec.day, "2026-03-02");
    assert_eq!(spec.config, out.join("configs/0002.toml"));
    let mut args = vec!["run".to_owned()];
    args.extend(spec.run_args());
    args.extend([
        "--out".to_owned(),
        p(&single).to_owned(),
        "--force".to_owned(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&ticklab(&args));
    assert_eq!(summary(&single)["stats"]["final_equity"], 997.0);
    assert_eq!(summary(&single)["stats"]["pnl"], -3.0);
}

#[test]
fn a_killed_sweep_keeps_its_finished_rows_and_a_resume_runs_only_the_rest() {
    let data = folder(&[(2, 7)]);
    let work = TempDir::new().unwrap();
    let strategy = work.path().join("slow.py");
    std::fs::write(
        &strategy,
        "import time\nfrom ticklab import Strategy\n\nclass Slow(Strategy):\n    def __init__(self, k=1):\n        self.k = k\n\n    def on_start(self, ctx):\n        time.sleep(0.4)\n",
    )
    .unwrap();
    let out = work.path().join("sweep");
    let args = [
        "sweep",
        "--data",
        p(data.path()),
        "--strategy",
        p(&strategy),
        "--range",
        "k=1..8:1",
        "--objective",
        "pnl",
        "--jobs",
        "1",
        "--out",
        p(&out),
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_ticklab"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once the table holds some finished runs.
    let results = out.join("results.csv");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !results.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let finished = csv_rows(&results);
    assert!(
        !finished.is_empty() && finished.len() < 8,
        "{} rows",
        finished.len()
    );
    let mtimes: Vec<(String, std::time::SystemTime)> = finished
        .iter()
        .map(|r| {
            let path = out.join(&r["folder"]).join("summary.json");
            (
                r["run_id"].clone(),
                std::fs::metadata(path).unwrap().modified().unwrap(),
            )
        })
        .collect();

    let stdout = ok(&ticklab(&args));
    let done = stdout
        .split(" already done")
        .next()
        .and_then(|head| head.rsplit(", ").next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap();
    assert!(done >= finished.len(), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "8 runs ({} run, {done} already done, 0 failed)",
            8 - done
        )),
        "{stdout}"
    );
    for (id, mtime) in mtimes {
        let path = out.join("runs").join(&id).join("summary.json");
        assert_eq!(
            std::fs::metadata(path).unwrap().modified().unwrap(),
            mtime,
            "run {id} ran again"
        );
    }
    let rows = csv_rows(&results);
    assert_eq!(rows.len(), 8);
    assert!(rows.iter().all(|r| r["status"] == "ok"));
    // Nothing half-written is left.
    let hidden: Vec<String> = std::fs::read_dir(out.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}
