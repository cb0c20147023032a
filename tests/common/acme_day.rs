//! Small synthetic days as data folders, for tests that need real files on
//! disk (`#[path = "common/acme_day.rs"] mod acme_day;`).

#![allow(dead_code)]

use std::path::Path;

use ticklab::market::parquet::{write_events, WriteOptions};
use ticklab::market::sample::{generate, SampleSpec};

/// Writes one ACME day of about `target_events` events, generated with
/// `seed`, into the data folder `data` (created if missing).
pub fn write_acme_day(data: &Path, target_events: u64, seed: u64) {
    let spec = SampleSpec::stock().with_target_events(target_events);
    write_spec_day(data, &spec, seed, &WriteOptions::default());
}

/// Writes the day `spec` describes, generated with `seed`, into the data
/// folder `data`: its instrument's folder (created if missing) with its
/// `instrument.toml` and `<day>.parquet` written with `options`.
pub fn write_spec_day(data: &Path, spec: &SampleSpec, seed: u64, options: &WriteOptions) {
    let dir = data.join(spec.symbol());
    std::fs::create_dir_all(&dir).expect("test setup");
    std::fs::write(
        dir.join("instrument.toml"),
        spec.instrument.to_toml_string("test"),
    )
    .expect("test setup");
    write_events(
        dir.join(format!("{}.parquet", spec.day)),
        &spec.instrument,
        generate(spec, seed),
        options,
    )
    .expect("test setup");
}

/// A new data folder with one ACME day of about 30 000 events (seed 7)
/// in row groups of 4 096 rows, so that reads decode several groups.
pub fn small_folder() -> tempfile::TempDir {
    let root = tempfile::TempDir::new().expect("test setup");
    let spec = SampleSpec::stock().with_target_events(30_000);
    let options = WriteOptions {
        row_group_rows: 4_096,
        ..WriteOptions::default()
    };
    write_spec_day(root.path(), &spec, 7, &options);
    root
}
