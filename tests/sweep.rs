//! `ticklab sweep` end to end: the exact grid, rows equal to single runs,
//! determinism whatever `--jobs`, resume, failed runs, genetic search,
//! walk-forward and Monte Carlo, and the errors before any run.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use tempfile::TempDir;
use ticklab::market::parquet::{write_events, WriteOptions};
use ticklab::market::sample::{CivilDate, SampleSpec};

#[path = "common/acme_day.rs"]
mod acme_day;
#[path = "common/cli.rs"]
mod cli;
use acme_day::write_spec_day;
use cli::{ok, ticklab};

/// A data folder with small ACME days, one per `(day of March 2026, seed)`.
fn folder(days: &[(u32, u64)]) -> TempDir {
    let root = TempDir::new().expect("test setup");
    for &(day, seed) in days {
        let mut spec = SampleSpec::stock().with_target_events(12_000);
        spec.day = CivilDate::new(2026, 3, day);
        write_spec_day(root.path(), &spec, seed, &WriteOptions::default());
    }
    root
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
    // The Parquet table has the same rows and columns.
    {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let file = std::fs::File::open(out.join("results.parquet")).unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        let meta = reader.metadata().file_metadata();
        assert_eq!(meta.num_rows(), 8);
        let names: Vec<&str> = meta
            .schema_descr()
            .columns()
            .iter()
            .map(|c| c.name())
            .collect();
        let mut csv_names: Vec<&str> = rows[0].keys().map(String::as_str).collect();
        let mut parquet_names = names.clone();
        csv_names.sort_unstable();
        parquet_names.sort_unstable();
        assert_eq!(parquet_names, csv_names);
        // Axes: every --grid, then every --range.
        assert_eq!(
            &names[..5],
            [
                "rank",
                "run_id",
                "qty_lots",
                "queue.model",
                "max_position_lots"
            ]
        );
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
    // A change of the data (here: its path) reruns everything.
    let moved = work.path().join("moved");
    std::fs::rename(data.path(), &moved).unwrap();
    let stdout = ok(&ticklab(&[
        "sweep",
        "--data",
        p(&moved),
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
        "2",
        "--out",
        p(&one),
    ]));
    assert!(
        stdout.contains("8 runs (8 run, 0 already done, 0 failed)"),
        "{stdout}"
    );
    let without_hash = |rows: Vec<std::collections::HashMap<String, String>>| {
        rows.into_iter()
            .map(|mut r| {
                r.remove("config_hash");
                let mut cells: Vec<(String, String)> = r.into_iter().collect();
                cells.sort();
                cells
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        without_hash(csv_rows(&one.join("results.csv"))),
        without_hash(rows)
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
fn walk_forward_picks_each_folds_best_train_run_and_tests_it_on_the_next_days() {
    let data = folder(&[(2, 7), (3, 8), (4, 9), (5, 10)]);
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
        "train=2d,test=1d",
        "--objective",
        "pnl",
        "--jobs",
        "2",
        "--out",
        p(&out),
    ]));
    // Two folds of three two-day train runs, then each winner's test day.
    let rows = csv_rows(&out.join("results.csv"));
    assert_eq!(rows.len(), 8);
    let pnl = |qty: &str, days: &str| {
        let row = rows
            .iter()
            .find(|r| r["qty_lots"] == qty && r["day"] == days);
        cell(
            row.unwrap_or_else(|| panic!("no run of {qty} over {days}")),
            "pnl",
        )
        .unwrap()
    };
    // A two-day train run is one run over both days, on one clock.
    let train_run = rows
        .iter()
        .find(|r| r["day"] == "2026-03-02..2026-03-03")
        .unwrap();
    let summary = summary(&out.join(&train_run["folder"]));
    assert_eq!(
        summary["days"],
        serde_json::json!(["2026-03-02", "2026-03-03"])
    );

    let folds = csv_rows(&out.join("walk_forward.csv"));
    assert_eq!(folds.len(), 2);
    let (mut is_sum, mut oos_sum) = (0.0, 0.0);
    let windows = [
        ("2026-03-02..2026-03-03", "2026-03-02", "2026-03-04"),
        ("2026-03-03..2026-03-04", "2026-03-03", "2026-03-05"),
    ];
    for (fold, (train, train_from, test)) in folds.iter().zip(windows) {
        // By hand: the best qty_lots over the train days (the first on a tie).
        let mut best = "1";
        for qty in ["2", "3"] {
            if pnl(qty, train) > pnl(best, train) {
                best = qty;
            }
        }
        assert_eq!(fold["winner"], format!("qty_lots={best}"));
        assert_eq!(
            (
                fold["train_from"].as_str(),
                fold["test_from"].as_str(),
                fold["test_to"].as_str()
            ),
            (train_from, test, test)
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
    // The stitched equity starts where the first test run did and each
    // fold's run goes on from where the one before ended.
    let equity = csv_rows(&out.join("oos_equity.csv"));
    let days: BTreeSet<&str> = equity.iter().map(|r| r["day"].as_str()).collect();
    assert_eq!(days, BTreeSet::from(["2026-03-04", "2026-03-05"]));
    let last = cell(equity.last().unwrap(), "equity").unwrap();
    assert!(
        (last - (100_000.0 + oos_sum)).abs() < 1e-6,
        "{last} vs {oos_sum}"
    );

    // A plain sweep runs each point over the days asked for, one run each:
    // the same figures as the walk-forward's train run of that point.
    let plain = work.path().join("plain");
    ok(&ticklab(&[
        "sweep",
        "--data",
        p(data.path()),
        "--strategy",
        "mm",
        "--day",
        "2026-03-02..2026-03-03",
        "--grid",
        "qty_lots=2",
        "--out",
        p(&plain),
    ]));
    let rows_plain = csv_rows(&plain.join("results.csv"));
    assert_eq!(rows_plain.len(), 1);
    assert_eq!(rows_plain[0]["day"], "2026-03-02..2026-03-03");
    assert_eq!(
        cell(&rows_plain[0], "pnl"),
        Some(pnl("2", "2026-03-02..2026-03-03"))
    );
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

    // The window's fan reads the same bands.
    let fan = ticklab::ui::sweep_fan::Fan::read(&work.path().join("mc1")).unwrap();
    assert_eq!(fan.bands[2].len(), bands.len());
    assert_eq!(fan.bands[2][0], 100_000.0);
    assert_eq!(
        Some(fan.bands[4][bands.len() - 1]),
        cell(&bands[bands.len() - 1], "p95")
    );
    let mut harness = egui_kittest::Harness::builder()
        .with_size([600.0, 300.0])
        .build_ui(|ui| ticklab::ui::sweep_fan::fan_ui(ui, &fan));
    harness.run_steps(2);
    {
        use egui_kittest::kittest::Queryable;
        for band in ticklab::ui::sweep_fan::BANDS {
            harness.get_by_label(band);
        }
    }
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
    assert!(err(&["--grid", "queue.n=2"]).contains(
        "--grid queue.n=2: queue.n=2: queue.n applies to queue.model prob_power, prob_power3, and the model here is risk_averse"
    ));
    assert!(err(&["--grid", "queue.model=prob_power"])
        .contains("--grid queue.model=prob_power: queue.model=prob_power: missing field `n`"));
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
    // --keep none: only the summary stays (the round trips' statistics in
    // it); a resume reads it back.
    let mut names: Vec<String> = std::fs::read_dir(out.join("runs/0002"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["log.txt", "signals.jsonl", "summary.json", "timing.json",]
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

#[test]
fn the_window_lists_a_sweeps_runs_and_opens_one_with_a_click() {
    use egui_kittest::kittest::Queryable;
    use ticklab::analyzer::RunSpec;
    use ticklab::ui::sweep_table::SweepTable;

    let data = hand_folder();
    let work = TempDir::new().unwrap();
    let rules = work.path().join("wide.rules.toml");
    std::fs::write(
        &rules,
        "[params]\nwide = 9\n\n[[rules]]\nname = \"wide\"\nwhen = { lhs = \"spread\", op = \">=\", rhs = \"$wide\" }\nthen = [ { buy = { lots = 1, price = \"market\" } } ]\nmax_fires = 1\n",
    )
    .unwrap();
    let out = work.path().join("ui");
    ok(&ticklab(&[
        "sweep",
        "--data",
        p(data.path()),
        "--strategy",
        p(&rules),
        "--grid",
        "wide=2,3,5,7",
        "--objective",
        "pnl",
        "--out",
        p(&out),
    ]));
    let table = SweepTable::open(&out);
    assert_eq!(table.runs(), 4);
    let mut harness = egui_kittest::Harness::builder()
        .with_size([1000.0, 400.0])
        .build_ui_state(
            |ui, (table, opened): &mut (SweepTable, Option<RunSpec>)| {
                if let Some(spec) = table.table_ui(ui) {
                    *opened = Some(spec);
                }
            },
            (table, None),
        );
    harness.run_steps(2);
    for id in ["0001", "0002", "0003", "0004"] {
        harness.get_by_label(&format!("Open {id}"));
    }
    // The sweep ranks by pnl: wide=5 and 7 (0, by run id), 2 (-1), 3 (-3).
    assert_eq!(
        harness.state().0.run_ids(),
        ["0003", "0004", "0001", "0002"]
    );
    // A click on a column sorts by it, highest first; a second, lowest first.
    harness.get_by_label("wide").click_accesskit();
    harness.run_steps(2);
    assert_eq!(
        harness.state().0.run_ids(),
        ["0004", "0003", "0002", "0001"]
    );
    harness.get_by_label("pnl").click_accesskit();
    harness.run_steps(2);
    harness.get_by_label("pnl (desc)").click_accesskit();
    harness.run_steps(2);
    harness.get_by_label("pnl (asc)");
    assert_eq!(
        harness.state().0.run_ids(),
        ["0002", "0001", "0004", "0003"]
    );
    harness.get_by_label("Open 0002").click_accesskit();
    harness.run_steps(2);
    let spec = harness.state().1.clone().expect("run 0002 opened");
    assert_eq!(spec.config, out.join("configs/0002.toml"));
    assert_eq!(spec.day, "2026-03-02");
    assert_eq!(
        spec.strategy,
        std::path::absolute(&rules).unwrap().display().to_string()
    );
    assert!(std::fs::read_to_string(&spec.config)
        .unwrap()
        .contains("wide = 3.0"));
}

#[test]
fn the_objective_over_two_parameters_is_the_mean_of_their_runs() {
    use egui_kittest::kittest::Queryable;
    use ticklab::analyzer::{profile, read_results, surface, Direction, Objective};

    let data = hand_folder();
    let work = TempDir::new().unwrap();
    let rules = work.path().join("wide.rules.toml");
    std::fs::write(
        &rules,
        "[params]\nwide = 9\n\n[[rules]]\nname = \"wide\"\nwhen = { lhs = \"spread\", op = \">=\", rhs = \"$wide\" }\nthen = [ { buy = { lots = 1, price = \"market\" } } ]\nmax_fires = 1\n",
    )
    .unwrap();
    let out = work.path().join("s");
    ok(&ticklab(&[
        "sweep",
        "--data",
        p(data.path()),
        "--strategy",
        p(&rules),
        "--grid",
        "wide=5,2,3",
        "--grid",
        "seed=1,2",
        "--grid",
        "initial_cash=1000,4000",
        "--objective",
        "pnl",
        "--out",
        p(&out),
    ]));
    let results = read_results(&out).unwrap();
    assert_eq!(results.keys, ["wide", "seed", "initial_cash"]);
    assert_eq!(results.rows.len(), 12);
    let objective = Objective::parse("pnl").unwrap();
    // By hand (see the hand-made day): wide=2 loses 1, wide=3 loses 3,
    // wide=5 never trades; the seed changes nothing (constant latency).
    let s = surface(&results, &objective, &[], 0, 2);
    assert_eq!(
        (s.x_key.as_str(), s.y_key.as_str()),
        ("wide", "initial_cash")
    );
    assert_eq!(s.x_values, ["2", "3", "5"]);
    assert_eq!(s.y_values, ["1000", "4000"]);
    assert_eq!(
        s.cells,
        [
            [Some(-1.0), Some(-3.0), Some(0.0)],
            [Some(-1.0), Some(-3.0), Some(0.0)]
        ]
    );
    let mut along = profile(&results, &objective, &[], 0);
    along.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let expected: Vec<(String, f64)> = [("2", -1.0), ("3", -3.0), ("5", 0.0)]
        .iter()
        .flat_map(|&(w, v)| std::iter::repeat_n((w.to_owned(), v), 4))
        .collect();
    assert_eq!(along, expected);
    // A constraint leaves out the runs that miss it.
    let fills = ticklab::analyzer::Constraint::parse("fills>0").unwrap();
    let s = surface(&results, &objective, &[fills], 0, 1);
    assert_eq!(
        s.cells,
        [
            [Some(-1.0), Some(-3.0), None],
            [Some(-1.0), Some(-3.0), None]
        ]
    );

    let mut harness = egui_kittest::Harness::builder()
        .with_size([600.0, 300.0])
        .build_ui(|ui| ticklab::ui::sweep_heatmap::heatmap_ui(ui, &s, Direction::Max));
    harness.run_steps(2);
    harness.get_by_label("seed \\ wide");
    assert_eq!(harness.query_all_by_label("-3.0000").count(), 2);
    assert_eq!(harness.query_all_by_label("n/a").count(), 2);
}
