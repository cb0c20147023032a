//! A small data folder over two symbols and two days, for the tests of
//! runs over several (`#[path = "common/two_symbols.rs"] mod two_symbols;`):
//! BTC-PERP (tick 0.1, lot 0.001, traded round the clock, so its days meet
//! at midnight) and ACME (tick 0.01, lot 1, 14:30–21:00 UTC), on
//! 2026-03-02 and 2026-03-03.

use std::path::Path;

use ticklab::market::parquet::{write_events, WriteOptions};
use ticklab::market::sample::{generate, CivilDate, SampleSpec};

/// The two days, oldest first.
pub const DAYS: [&str; 2] = ["2026-03-02", "2026-03-03"];

/// Writes BTC-PERP (about `crypto_events` a day) and ACME (about
/// `stock_events` a day) on both [`DAYS`] into `data` (created if
/// missing); the same arguments give the same bytes.
pub fn write_two_symbols(data: &Path, crypto_events: u64, stock_events: u64) {
    let days = [CivilDate::new(2026, 3, 2), CivilDate::new(2026, 3, 3)];
    let specs = [
        SampleSpec::crypto_perp().with_target_events(crypto_events),
        SampleSpec::stock().with_target_events(stock_events),
    ];
    for (n, spec) in specs.into_iter().enumerate() {
        let dir = data.join(spec.symbol());
        std::fs::create_dir_all(&dir).expect("test setup");
        std::fs::write(
            dir.join("instrument.toml"),
            spec.instrument.to_toml_string("test"),
        )
        .expect("test setup");
        for (d, day) in days.into_iter().enumerate() {
            let mut spec = spec.clone();
            spec.day = day;
            write_events(
                dir.join(format!("{}.parquet", DAYS[d])),
                &spec.instrument,
                generate(&spec, 31 + 10 * n as u64 + d as u64),
                &WriteOptions::default(),
            )
            .expect("test setup");
        }
    }
}
