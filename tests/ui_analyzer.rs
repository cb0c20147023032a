//! The window's Analyzer view, driven through egui_kittest: a sweep started
//! from the window runs in `ticklab sweep` worker processes, its table fills
//! with the runs' own statistics, and opening a run replays exactly that
//! run (the fills stepped to are its `fills.parquet`).

#[path = "common/window.rs"]
mod window;

use std::fs::File;
use std::path::Path;

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use ticklab::analyzer::read_results;
use ticklab::market::Side;
use ticklab::session::{Command, RunState, StepTarget};
use ticklab::ui::analyzer::form::{AxisField, AxisKind};
use ticklab::ui::analyzer::{CANCEL_LABEL, START_LABEL};
use ticklab::ui::{Action, AppOptions, TicklabApp};
use window::{events_seen, harness_with, run_until, small_folder, strategy_of};

/// The window on `folder` with `mm` loaded, sweeping with the ticklab
/// binary built beside this test.
fn analyzer_at(folder: &Path) -> Harness<'static, TicklabApp> {
    let options = AppOptions {
        strategy: Some("mm".to_owned()),
        sweep_exe: Some(env!("CARGO_BIN_EXE_ticklab").into()),
        ..AppOptions::default()
    };
    let mut harness = harness_with(folder, [1600.0, 1000.0], options);
    run_until(&mut harness, "mm loaded", |app| {
        app.is_idle() && strategy_of(app).as_deref() == Some("mm")
    });
    harness.get_by_label("Analyzer").click();
    harness.run_steps(2);
    assert!(harness.state().is_analyzer_shown());
    harness
}

/// Fills the form with two keys of two values: four runs.
fn four_runs(app: &mut TicklabApp) {
    let form = app.analyzer_mut().form_mut();
    form.axes = vec![
        AxisField {
            key: "qty_lots".to_owned(),
            kind: AxisKind::Grid,
            values: "1,3".to_owned(),
        },
        AxisField {
            key: "risk.max_position_lots".to_owned(),
            kind: AxisKind::Range,
            values: "4..8:4".to_owned(),
        },
    ];
    form.objective = "max:pnl".to_owned();
    form.jobs = 2;
}

/// A statistic of the run's own `summary.json`.
fn summary_stat(out: &Path, run_id: &str, name: &str) -> f64 {
    let path = out.join("runs").join(run_id).join("summary.json");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the summary")).expect("JSON");
    summary["stats"][name].as_f64().expect("the statistic")
}

/// A fill as compared: exchange time, order, side, price, quantity, fee,
/// position after.
type Fill = (i64, u64, &'static str, i64, i64, f64, i64);

fn parquet_fills(path: &Path) -> Vec<Fill> {
    let reader =
        SerializedFileReader::new(File::open(path).expect("the fills")).expect("a Parquet file");
    reader
        .get_row_iter(None)
        .expect("rows")
        .map(|row| {
            let row = row.expect("a row");
            let mut fill: Fill = (0, 0, "", 0, 0, 0.0, 0);
            for (name, field) in row.get_column_iter() {
                match (name.as_str(), field) {
                    ("exch_ts", Field::Long(ns)) => fill.0 = *ns,
                    ("exch_ts", Field::TimestampMicros(us)) => fill.0 = *us * 1000,
                    ("order_id", Field::Long(id)) => fill.1 = *id as u64,
                    ("order_id", Field::ULong(id)) => fill.1 = *id,
                    ("side", Field::Str(side)) => {
                        fill.2 = if side == "buy" { "buy" } else { "sell" }
                    }
                    ("price_ticks", Field::Long(p)) => fill.3 = *p,
                    ("qty_lots", Field::Long(q)) => fill.4 = *q,
                    ("fee", Field::Double(f)) => fill.5 = *f,
                    ("position_lots", Field::Long(p)) => fill.6 = *p,
                    _ => {}
                }
            }
            fill
        })
        .collect()
}

fn window_fills(app: &TicklabApp) -> Vec<Fill> {
    assert_eq!(app.view().fills_skipped, 0, "the window kept every fill");
    app.view()
        .fills
        .iter()
        .map(|f| {
            (
                f.exch_ts_ns,
                f.order_id.0,
                if f.side == Side::Buy { "buy" } else { "sell" },
                f.price_ticks,
                f.qty_lots,
                f.fee,
                f.position_after_lots,
            )
        })
        .collect()
}

#[test]
fn a_four_run_sweep_fills_the_table_and_opening_a_run_replays_its_fills() {
    let folder = small_folder();
    let mut harness = analyzer_at(folder.path());
    four_runs(harness.state_mut());
    harness.run_steps(2);
    assert_eq!(harness.state().analyzer().errors(), []);
    harness.get_by_label(START_LABEL).click();
    harness.run_steps(1);
    assert!(harness.state().analyzer().is_sweeping());
    // The window keeps drawing while the workers run.
    run_until(&mut harness, "the sweep", |app| {
        !app.analyzer().is_sweeping() && app.analyzer().table().is_some_and(|t| t.runs() == 4)
    });
    let analyzer = harness.state().analyzer();
    let message = analyzer.message().cloned().unwrap();
    assert!(!message.0, "the sweep failed: {}", message.1);
    assert!(
        message
            .1
            .starts_with("done: 4 runs (4 run, 0 already done, 0 failed)"),
        "{}",
        message.1
    );
    // By default the sweep goes under the data folder's .ticklab-sweeps/.
    let out = analyzer.sweep_out().unwrap().to_owned();
    assert_eq!(out.parent().unwrap(), folder.path().join(".ticklab-sweeps"));
    let table = analyzer.table().unwrap();
    let mut ids = table.run_ids();
    ids.sort_unstable();
    assert_eq!(ids, ["0001", "0002", "0003", "0004"]);
    // Every statistic shown is the run's own, as the results table has it.
    let results = read_results(&out).unwrap();
    assert_eq!(results.keys, ["qty_lots", "risk.max_position_lots"]);
    for row in &results.rows {
        for stat in ["pnl", "sharpe", "max_drawdown", "fills"] {
            let shown: f64 = table.cell(&row.run_id, stat).unwrap().parse().unwrap();
            assert_eq!(Some(shown), row.stat(stat), "run {} {stat}", row.run_id);
            let own = summary_stat(&out, &row.run_id, stat);
            assert_eq!(shown, own, "run {} {stat} against its summary", row.run_id);
        }
    }
    let fills_of = |id: &str| table.cell(id, "fills").unwrap().parse::<f64>().unwrap();
    assert_ne!(
        fills_of("0001"),
        fills_of("0003"),
        "the quantity changed no fill: the test would not tell runs apart"
    );
    // Ranked best first by the objective, as the results table is.
    assert_eq!(table.run_ids()[0], results.rows[0].run_id);

    // The Monte Carlo fan of the best run, resampled by `ticklab sweep`.
    harness.get_by_label("Monte Carlo").click();
    harness.run_steps(2);
    harness.get_by_label("Run Monte Carlo").click();
    let deadline = std::time::Instant::now() + window::WAIT;
    while harness
        .query_by_label_contains("equity after each resampled round trip")
        .is_none()
    {
        assert!(std::time::Instant::now() < deadline, "no Monte Carlo fan");
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let best = harness.state().analyzer().table().unwrap().run_ids()[0].to_owned();
    harness.get_by_label_contains(&format!("run {best}: equity after"));
    assert!(out
        .join("monte-carlo")
        .join(&best)
        .join("monte_carlo_equity.csv")
        .is_file());

    // Open run 0003 (qty_lots 3, max_position_lots 4): the replay loads it.
    harness.get_by_label("Open 0003").click();
    harness.run_steps(1);
    assert!(!harness.state().is_analyzer_shown());
    let config = out.join("configs").join("0003.toml");
    run_until(&mut harness, "the run loaded", |app| {
        app.is_idle() && app.view().settings.path.as_deref() == Some(config.as_path())
    });
    harness
        .state_mut()
        .push_action(Action::Session(Command::Step(StepTarget::End)));
    run_until(&mut harness, "the end of the day", |app| {
        app.is_idle() && app.view().state() == RunState::Finished && events_seen(app) > 0
    });
    let app = harness.state();
    let settings = &app.view().settings.config;
    assert_eq!(
        settings.params.get("qty_lots"),
        Some(&toml::Value::Integer(3))
    );
    assert_eq!(settings.risk.max_position_lots, Some(4));
    let own = parquet_fills(&out.join("runs").join("0003").join("fills.parquet"));
    assert!(!own.is_empty());
    assert_eq!(window_fills(app), own);
    assert_ne!(
        own,
        parquet_fills(&out.join("runs").join("0001").join("fills.parquet"))
    );
}

#[test]
fn a_bad_key_shows_beside_its_field_and_nothing_starts() {
    let folder = small_folder();
    let mut harness = analyzer_at(folder.path());
    {
        let form = harness.state_mut().analyzer_mut().form_mut();
        form.axes = vec![AxisField {
            key: "qty".to_owned(),
            kind: AxisKind::Grid,
            values: "1,2".to_owned(),
        }];
    }
    harness.run_steps(2);
    let message = "--grid qty=1,2: unknown parameter `qty` of strategy mm; its parameters: max_position_lots, qty_lots";
    harness.get_by_label(message);
    assert!(harness
        .get_by_label(START_LABEL)
        .accesskit_node()
        .is_disabled());
    assert!(!harness.state().analyzer().is_sweeping());
}

#[test]
fn a_cancelled_sweep_keeps_its_rows_and_starting_it_again_resumes() {
    let folder = small_folder();
    let mut harness = analyzer_at(folder.path());
    four_runs(harness.state_mut());
    {
        // Sixteen runs one at a time: the cancel comes well before the end.
        let form = harness.state_mut().analyzer_mut().form_mut();
        form.axes[0].values = "1,2,3,4".to_owned();
        form.axes[1].values = "4..16:4".to_owned();
        form.jobs = 1;
    }
    harness.run_steps(2);
    harness.get_by_label(START_LABEL).click();
    run_until(&mut harness, "a first run", |app| {
        app.analyzer().table().is_some_and(|t| t.runs() >= 1)
    });
    harness.get_by_label(CANCEL_LABEL).click();
    run_until(&mut harness, "the cancel", |app| {
        !app.analyzer().is_sweeping()
    });
    let analyzer = harness.state().analyzer();
    let kept = analyzer.table().unwrap().runs();
    assert!((1..16).contains(&kept), "{kept} rows after the cancel");
    let message = analyzer.message().cloned().unwrap();
    assert!(message.1.starts_with("cancelled with "), "{}", message.1);
    harness.get_by_label(START_LABEL).click();
    run_until(&mut harness, "the resumed sweep", |app| {
        !app.analyzer().is_sweeping() && app.analyzer().message().is_some()
    });
    let message = harness.state().analyzer().message().cloned().unwrap();
    let expected = format!(
        "done: 16 runs ({} run, {kept} already done, 0 failed)",
        16 - kept
    );
    assert!(
        message.1.starts_with(&expected),
        "{} (expected {expected})",
        message.1
    );
    assert_eq!(harness.state().analyzer().table().unwrap().runs(), 16);
}

#[test]
fn a_switches_views_and_the_help_lists_it() {
    let folder = small_folder();
    let mut harness = analyzer_at(folder.path());
    harness.key_press(egui::Key::A);
    harness.run_steps(2);
    assert!(!harness.state().is_analyzer_shown());
    harness.key_press(egui::Key::Questionmark);
    harness.run_steps(2);
    for (keys, what) in ticklab::ui::analyzer::SHORTCUTS {
        harness.get_by_label(keys);
        harness.get_by_label(what);
    }
    harness.key_press(egui::Key::Escape);
    harness.key_press(egui::Key::A);
    harness.run_steps(2);
    assert!(harness.state().is_analyzer_shown());
}

/// A data folder with three small ACME days.
fn three_days() -> tempfile::TempDir {
    use ticklab::market::parquet::WriteOptions;
    use ticklab::market::sample::{CivilDate, SampleSpec};
    let root = tempfile::TempDir::new().expect("test setup");
    for (i, day) in [2, 3, 4].into_iter().enumerate() {
        let mut spec = SampleSpec::stock().with_target_events(8_000);
        spec.day = CivilDate::new(2026, 3, day);
        window::acme_day::write_spec_day(
            root.path(),
            &spec,
            20 + i as u64,
            &WriteOptions::default(),
        );
    }
    root
}

#[test]
fn a_walk_forward_shows_its_folds() {
    let folder = three_days();
    let mut harness = analyzer_at(folder.path());
    {
        let form = harness.state_mut().analyzer_mut().form_mut();
        form.axes = vec![AxisField {
            key: "qty_lots".to_owned(),
            kind: AxisKind::Grid,
            values: "1,2".to_owned(),
        }];
        form.walk_forward = "train=1d,test=1d".to_owned();
        form.objective = "max:pnl".to_owned();
    }
    harness.run_steps(2);
    assert_eq!(harness.state().analyzer().errors(), []);
    harness.get_by_label(START_LABEL).click();
    harness.run_steps(1);
    run_until(&mut harness, "the walk-forward", |app| {
        !app.analyzer().is_sweeping()
    });
    let message = harness.state().analyzer().message().cloned().unwrap();
    assert!(!message.0, "the walk-forward failed: {}", message.1);
    let out = harness.state().analyzer().sweep_out().unwrap().to_owned();
    let mut reader = csv::Reader::from_path(out.join("walk_forward.csv")).unwrap();
    let folds: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // Train on the 2nd, test on the 3rd; train on the 3rd, test on the 4th.
    assert_eq!(folds.len(), 2);
    harness.get_by_label("Walk-forward folds").click();
    harness.run_steps(2);
    harness.get_by_label("out_of_sample");
    for fold in &folds {
        for cell in fold.iter().filter(|c| c.starts_with("2026-")) {
            assert!(harness.query_all_by_label(cell).count() >= 1, "{cell}");
        }
    }
    assert!(harness
        .query_by_label_contains("No walk-forward in this sweep")
        .is_none());
}

#[test]
fn a_run_over_several_days_opens_over_those_days_with_its_fills() {
    let folder = three_days();
    let mut harness = analyzer_at(folder.path());
    {
        let form = harness.state_mut().analyzer_mut().form_mut();
        form.axes = vec![AxisField {
            key: "qty_lots".to_owned(),
            kind: AxisKind::Grid,
            values: "1,2".to_owned(),
        }];
        form.day = "2026-03-02..2026-03-04".to_owned();
    }
    harness.run_steps(2);
    harness.get_by_label(START_LABEL).click();
    harness.run_steps(1);
    run_until(&mut harness, "the sweep", |app| {
        !app.analyzer().is_sweeping() && app.analyzer().table().is_some_and(|t| t.runs() == 2)
    });
    let out = harness.state().analyzer().sweep_out().unwrap().to_owned();
    assert_eq!(
        harness
            .state()
            .analyzer()
            .table()
            .unwrap()
            .cell("0002", "day"),
        Some("2026-03-02..2026-03-04")
    );
    harness.get_by_label("Open 0002").click();
    harness.run_steps(1);
    assert!(!harness.state().is_analyzer_shown());
    let config = out.join("configs").join("0002.toml");
    run_until(&mut harness, "the run loaded", |app| {
        app.is_idle() && app.view().settings.path.as_deref() == Some(config.as_path())
    });
    harness
        .state_mut()
        .push_action(Action::Session(Command::Step(StepTarget::End)));
    run_until(&mut harness, "the end of the run", |app| {
        app.is_idle() && app.view().state() == RunState::Finished
    });
    let app = harness.state();
    let days: Vec<String> = app
        .view()
        .run
        .as_ref()
        .unwrap()
        .days
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(days, ["2026-03-02", "2026-03-03", "2026-03-04"]);
    let own = parquet_fills(&out.join("runs").join("0002").join("fills.parquet"));
    assert!(!own.is_empty());
    assert_eq!(window_fills(app), own);
}
