//! One small synthetic ACME day as a data folder, for tests that need real
//! files on disk (`#[path = "common/acme_day.rs"] mod acme_day;`).

use std::path::Path;

use ticklab::market::parquet::{write_events, WriteOptions};
use ticklab::market::sample::{generate, SampleSpec};

/// Writes one ACME day of about `target_events` events, generated with
/// `seed`, into the data folder `data` (created if missing).
pub fn write_acme_day(data: &Path, target_events: u64, seed: u64) {
    let spec = SampleSpec::stock().with_target_events(target_events);
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
        generate(&spec, seed),
        &WriteOptions::default(),
    )
    .expect("test setup");
}
