//! `ticklab run` end to end: the output folder never mixes two runs, and a
//! failed run still leaves every row up to the failure and a summary saying
//! where and why.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Output};

use parquet::file::reader::{FileReader, SerializedFileReader};
use tempfile::TempDir;
use ticklab::market::sample::SampleSpec;

#[path = "common/acme_day.rs"]
mod acme_day;

/// A data folder with one small ACME day.
fn small_folder() -> TempDir {
    let root = TempDir::new().expect("test setup");
    acme_day::write_acme_day(root.path(), 20_000, 7);
    root
}

fn ticklab_run(data: &Path, strategy: &str, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ticklab"))
        .arg("run")
        .arg("--data")
        .arg(data)
        .args(["--strategy", strategy, "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("ticklab runs")
}

fn summary(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("JSON")
}

fn parquet_rows(path: &Path) -> i64 {
    let reader = SerializedFileReader::new(File::open(path).expect("the file")).expect("whole");
    reader.metadata().file_metadata().num_rows()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("a folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn a_run_replaces_a_folder_only_with_force() {
    let data = small_folder();
    let root = TempDir::new().unwrap();
    let out = root.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("old.txt"), "an earlier run").unwrap();

    let refused = ticklab_run(data.path(), "noop", &out, &[]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: the output folder is not empty; choose another --out or pass --force to replace it",
            out.display()
        )),
        "{stderr}"
    );
    assert_eq!(names_in(&out), ["old.txt"]);

    let done = ticklab_run(data.path(), "mm", &out, &["--force", "--csv"]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(
        names_in(&out),
        [
            "equity.csv",
            "equity.parquet",
            "fills.csv",
            "fills.parquet",
            "log.txt",
            "orders.csv",
            "orders.parquet",
            "summary.json",
            "timing.json",
            "trades.csv",
            "trades.parquet",
        ]
    );
    assert_eq!(summary(&out)["status"], "ok");
    assert!(summary(&out).get("error").is_none());
    // Nothing is left beside it.
    assert_eq!(names_in(root.path()), ["out"]);
}

#[test]
fn a_failed_run_keeps_its_rows_and_says_where_it_stopped() {
    let data = small_folder();
    let root = TempDir::new().unwrap();
    let strategy = root.path().join("boom.py");
    std::fs::write(
        &strategy,
        "import ticklab\n\
         \n\
         class Boom(ticklab.Strategy):\n\
         \x20   def __init__(self):\n\
         \x20       self.seen = 0\n\
         \n\
         \x20   def on_market(self, ctx, ev):\n\
         \x20       self.seen += 1\n\
         \x20       if self.seen == 5000:\n\
         \x20           raise RuntimeError('boom at 5000')\n",
    )
    .unwrap();
    let out = root.path().join("out");
    // A run into an empty folder is fine; the earlier mm run below is
    // replaced whole by the failed one.
    let first = ticklab_run(data.path(), "mm", &out, &[]);
    assert!(first.status.success());
    let failed = ticklab_run(
        data.path(),
        strategy.to_str().unwrap(),
        &out,
        &["--force", "--config"],
    );
    // `--config` without a value is a usage error: nothing ran, nothing
    // changed.
    assert!(!failed.status.success());
    assert_eq!(summary(&out)["status"], "ok");

    let failed = ticklab_run(data.path(), strategy.to_str().unwrap(), &out, &["--force"]);
    assert!(!failed.status.success(), "a failed run exits non-zero");
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("boom at 5000"), "{stderr}");
    assert!(
        stderr.contains(&format!("the rows up to it are in {}", out.display())),
        "{stderr}"
    );

    let summary = summary(&out);
    assert_eq!(summary["status"], "failed");
    let error = &summary["error"];
    assert!(
        error["message"].as_str().unwrap().contains("boom at 5000"),
        "{error}"
    );
    assert!(
        error["detail"].as_str().unwrap().contains("Traceback"),
        "{error}"
    );
    // The strategy raised while seeing its 5000th market event.
    assert_eq!(error["event_index"], 5000);
    let ts_ns = error["ts_ns"].as_i64().unwrap();
    assert!(error["data_time"]
        .as_str()
        .unwrap()
        .starts_with(&SampleSpec::stock().day.to_string()));
    // The tables are whole Parquet files (footer written) with the rows up
    // to the failure: the equity samples stop at its time.
    assert_eq!(parquet_rows(&out.join("fills.parquet")), 0);
    let equity = parquet_rows(&out.join("equity.parquet"));
    assert!(equity > 0);
    assert!(summary["stats"]["data_events"].as_u64().unwrap() >= 5000);
    assert!(summary["stats"]["span_ns"][1].as_i64().unwrap() <= ts_ns);
    // The earlier run's files are gone: one run per folder.
    assert_eq!(
        names_in(&out),
        [
            "equity.parquet",
            "fills.parquet",
            "log.txt",
            "orders.parquet",
            "summary.json",
            "timing.json",
            "trades.parquet",
        ]
    );
}
