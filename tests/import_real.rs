//! Every importer on the real samples in `TICKLAB_REAL_DATA` (by default
//! `../shared/data/real`; without it each test says so and returns), checked
//! against the facts its README gives (including the traps: LOBSTER's
//! level-10 gaps, the ES pre-open crossed book, snapshot times, and a
//! capture clock behind the exchange's).

mod common;

use std::path::{Path, PathBuf};

use ticklab::book::{L2Book, L3Book, L3Outcome, Level};
use ticklab::market::import::lobster_book::{verify_files, VerifyMode};
use ticklab::market::import::{self, collect_events, EventSource, Format, ImportOptions, RowRef};
use ticklab::market::parquet::{read_events, ReadOptions};
use ticklab::market::{EventKind, Instrument, MarketEvent, Side};

use common::real_data::{real_data_dir, VAR};

/// A file of the real samples; a test calls it after
/// `let Some(_) = real_data_dir() else { return };`.
fn real(path: &str) -> PathBuf {
    let Some(root) = real_data_dir() else {
        panic!("the real data samples are missing: set {VAR} to their folder");
    };
    let file = root.join(path);
    assert!(file.is_file(), "missing real sample {}", file.display());
    file
}

fn options(symbol: &str, tick: Option<f64>, lot: Option<f64>) -> ImportOptions {
    let mut options = ImportOptions::new(symbol);
    options.tick_size = tick;
    options.lot_size = lot;
    options
}

/// Opens the sources of `inputs` (with the instrument they resolve to).
fn sources(
    format: Format,
    inputs: &[PathBuf],
    options: &ImportOptions,
) -> (Instrument, Vec<Box<dyn EventSource>>) {
    let inst = import::resolve_instrument(format, inputs, options).expect("resolve the instrument");
    let sources = import::open_sources(format, inputs, &inst, options).expect("open the inputs");
    (inst, sources)
}

fn level(price: i64, qty: i64) -> Option<Level> {
    Some(Level { price, qty })
}

// ---------------------------------------------------------------- LOBSTER

const AAPL_MESSAGES: &str = "lobster/AAPL_2012-06-21_34200000_57600000_message_10.csv";
const AAPL_BOOK: &str = "lobster/AAPL_2012-06-21_34200000_57600000_orderbook_10.csv";

#[test]
fn lobster_single_step_is_exact_and_a_message_only_rebuild_drifts_from_row_441() {
    let Some(_) = real_data_dir() else { return };
    let step = verify_files(
        &real(AAPL_MESSAGES),
        &real(AAPL_BOOK),
        10,
        VerifyMode::SingleStep,
    )
    .unwrap();
    assert_eq!(step.rows, 999);
    assert_eq!(step.mismatched_lines, Vec::<u64>::new());

    let drift = verify_files(
        &real(AAPL_MESSAGES),
        &real(AAPL_BOOK),
        10,
        VerifyMode::Continuous,
    )
    .unwrap();
    assert_eq!(drift.mismatched_lines.len(), 44, "{drift:?}");
    assert_eq!(drift.mismatched_lines[0], 441);
}

#[test]
fn lobster_aapl_converts_with_the_orderbook_as_ground_truth() {
    let Some(_) = real_data_dir() else { return };
    let mut opts = options("AAPL", None, None);
    opts.verify = true;
    let (inst, mut sources) = sources(
        Format::Lobster,
        &[real(AAPL_MESSAGES), real(AAPL_BOOK)],
        &opts,
    );
    assert_eq!(sources.len(), 1, "a pair is one source");
    assert_eq!((inst.tick_size, inst.lot_size), (0.01, 1.0));
    let rows: Vec<Vec<i64>> = std::fs::read_to_string(real(AAPL_BOOK))
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let mut book = L2Book::new();
    let mut batch = Vec::new();
    let mut all = Vec::new();
    let mut k = 0;
    while let Some(at) = sources[0].next_batch(&mut batch).unwrap() {
        k += 1;
        assert_eq!(at, RowRef::Line(k as u64));
        for e in &batch {
            book.apply(e);
            assert_eq!(e.local_ts, e.exch_ts, "LOBSTER has one clock");
        }
        assert!(batch.last().unwrap().is_last_in_batch());
        // The whole top 10 equals the orderbook row, levels newly exposed
        // from beyond depth 10 included (row 441 shows 5854000 × 50).
        let row = &rows[k - 1];
        for lvl in 0..10 {
            let ask = book
                .top(Side::Sell, 10)
                .nth(lvl)
                .map(|l| (l.price * 100, l.qty));
            let bid = book
                .top(Side::Buy, 10)
                .nth(lvl)
                .map(|l| (l.price * 100, l.qty));
            assert_eq!(
                ask,
                Some((row[4 * lvl], row[4 * lvl + 1])),
                "row {k} ask {lvl}"
            );
            assert_eq!(
                bid,
                Some((row[4 * lvl + 2], row[4 * lvl + 3])),
                "row {k} bid {lvl}"
            );
        }
        let top = (book.best_ask(), book.best_bid());
        match k {
            1 => assert_eq!(top, (level(58_594, 200), level(58_533, 18))),
            100 => assert_eq!(top, (level(58_587, 100), level(58_571, 18))),
            441 => assert_eq!(top, (level(58_561, 334), level(58_540, 50))),
            500 => {
                assert_eq!(top, (level(58_542, 320), level(58_536, 100)));
                assert_eq!(
                    batch.len(),
                    1,
                    "hidden execution: one trade, no book change"
                );
                assert_eq!(batch[0].kind, EventKind::Trade);
            }
            999 => assert_eq!(top, (level(58_571, 100), level(58_535, 18))),
            _ => {}
        }
        all.extend_from_slice(&batch);
    }
    assert_eq!(k, 999);
    // 2012-06-21 09:30:00.004241176 New York (EDT, UTC−4) = 13:30 UTC.
    assert_eq!(all[0].exch_ts, 1_340_285_400_004_241_176);
    let count = |kind| all.iter().filter(|e| e.kind == kind).count();
    assert_eq!(count(EventKind::Add), 471);
    assert_eq!(count(EventKind::Cancel), 369);
    assert_eq!(count(EventKind::Fill), 98);
    assert_eq!(count(EventKind::Trade), 98 + 61);
    assert_eq!(count(EventKind::Modify), 0, "no type 2 rows in the sample");
    let first = all.iter().find(|e| e.kind == EventKind::Add).unwrap();
    assert_eq!(
        (first.order_id, first.side, first.price, first.qty),
        (16_113_575, Side::Buy, 58_533, 18)
    );
    // An execution of a sell (−1) order is a buyer-initiated trade.
    let exec = all.iter().position(|e| e.kind == EventKind::Fill).unwrap();
    assert_eq!(all[exec - 1].kind, EventKind::Trade);
    assert_eq!(all[exec - 1].side, all[exec].side.opposite());
}

// ---------------------------------------------------------------- DBN (DBN repo samples)

fn dbn_events(file: &str) -> Vec<(RowRef, Vec<MarketEvent>)> {
    let (_, mut sources) = sources(
        Format::Dbn,
        &[real(file)],
        &options("ESH1", Some(0.25), None),
    );
    let mut out = Vec::new();
    let mut batch = Vec::new();
    while let Some(at) = sources[0].next_batch(&mut batch).expect("convert") {
        out.push((at, batch.clone()));
    }
    out
}

#[test]
fn dbn_test_data_every_version_decodes_to_the_same_events() {
    let Some(_) = real_data_dir() else { return };
    for (schema, versions) in [
        (
            "mbo",
            &["dbn", "v1.dbn.zst", "v2.dbn.zst", "v3.dbn.zst", "v3.dbn"][..],
        ),
        (
            "mbp-10",
            &["dbn", "v1.dbn.zst", "v2.dbn.zst", "v3.dbn.zst"][..],
        ),
        (
            "trades",
            &["dbn", "v1.dbn.zst", "v2.dbn.zst", "v3.dbn.zst"][..],
        ),
        ("mbp-1", &["dbn", "v3.dbn.zst"][..]),
        ("tbbo", &["dbn", "v3.dbn.zst"][..]),
    ] {
        let reference = dbn_events(&format!("databento/test_data.{schema}.{}", versions[0]));
        assert!(!reference.is_empty(), "{schema}");
        for version in &versions[1..] {
            let other = dbn_events(&format!("databento/test_data.{schema}.{version}"));
            assert_eq!(other, reference, "{schema} {version}");
        }
    }
}

#[test]
fn dbn_test_data_matches_the_readme() {
    let Some(_) = real_data_dir() else { return };
    const T: i64 = 4; // ticks per point at 0.25
                      // mbp-10 record 1 and 2.
    let mbp10 = dbn_events("databento/test_data.mbp-10.dbn");
    let mut book = L2Book::new();
    for e in &mbp10[0].1 {
        book.apply(e);
    }
    assert_eq!(book.best_bid(), level(372_025 * T / 100, 24));
    assert_eq!(book.best_ask(), level(372_050 * T / 100, 10));
    assert_eq!(book.top(Side::Buy, 2).nth(1), level(3720 * T, 31));
    assert_eq!(book.top(Side::Buy, 10).nth(9), level(3718 * T, 67));
    assert_eq!(
        book.top(Side::Sell, 10).nth(9),
        level(372_275 * T / 100, 44)
    );
    for e in &mbp10[1].1 {
        book.apply(e);
    }
    assert_eq!(book.top(Side::Buy, 2).nth(1), level(3720 * T, 30));
    assert_eq!(book.best_bid(), level(372_025 * T / 100, 24));

    // mbo record 1 is the same event as mbp-10 record 1: a cancel of an
    // order placed before the file (so an L3 book cannot apply it).
    let mbo = dbn_events("databento/test_data.mbo.dbn");
    let first = mbo[0].1[0];
    assert_eq!(mbo[0].0, RowRef::Record(1));
    assert_eq!(
        (
            first.kind,
            first.side,
            first.order_id,
            first.price,
            first.qty,
            first.exch_ts
        ),
        (
            EventKind::Cancel,
            Side::Sell,
            647_784_973_705,
            372_275 * T / 100,
            1,
            1_609_160_400_000_429_831
        )
    );
    let mut l3 = L3Book::new();
    assert_eq!(l3.apply(&first), L3Outcome::UnknownOrder);

    // trades: sell-aggressor prints of 5 then 21 at 3720.25.
    let trades: Vec<(Side, i64, i64)> = dbn_events("databento/test_data.trades.dbn")
        .iter()
        .flat_map(|(_, b)| b.iter().map(|e| (e.side, e.price, e.qty)))
        .collect();
    let px = 372_025 * T / 100;
    assert_eq!(trades, vec![(Side::Sell, px, 5), (Side::Sell, px, 21)]);

    // tbbo: the BBO *before* each trade, then the trade.
    let tbbo = dbn_events("databento/test_data.tbbo.dbn");
    let mut book = L2Book::new();
    let mut before = Vec::new();
    for (_, batch) in &tbbo {
        for e in batch {
            if e.kind == EventKind::Trade {
                before.push((book.best_bid(), book.best_ask(), e.qty));
            }
            book.apply(e);
        }
    }
    assert_eq!(
        before,
        vec![
            (level(px, 26), level(px + 1, 7), 5),
            (level(px, 21), level(px + 1, 22), 21),
        ]
    );

    // mbp-1 record 1: BBO after it.
    let mbp1 = dbn_events("databento/test_data.mbp-1.dbn");
    let mut book = L2Book::new();
    for e in &mbp1[0].1 {
        book.apply(e);
    }
    assert_eq!(
        (book.best_bid(), book.best_ask()),
        (level(px, 24), level(px + 1, 11))
    );
}

// ---------------------------------------------------------------- DBN (real days)

const ESH4_24: &str = "nautilus_databento/esh4-glbx-mdp3-20231224.mbo.dbn.zst";
const ESH4_25: &str = "nautilus_databento/esh4-glbx-mdp3-20231225.mbo.dbn.zst";

/// Applies every batch of `sources` (in order) to an L3 book; calls
/// `check(record, book)` before the first batch of each source past a
/// checkpoint.
fn replay_l3(
    sources: &mut [Box<dyn EventSource>],
    mut on_batch: impl FnMut(usize, RowRef, &[MarketEvent], &mut L3Book),
) -> L3Book {
    let mut book = L3Book::new();
    let mut batch = Vec::new();
    for (index, source) in sources.iter_mut().enumerate() {
        while let Some(at) = source.next_batch(&mut batch).expect("convert") {
            on_batch(index, at, &batch, &mut book);
        }
    }
    book
}

#[test]
fn dbn_esh4_mbo_rebuilds_the_final_book_and_keeps_the_crossed_pre_open() {
    let Some(_) = real_data_dir() else { return };
    const T: i64 = 4;
    for inputs in [vec![real(ESH4_24), real(ESH4_25)], vec![real(ESH4_25)]] {
        let (_, mut srcs) = sources(Format::Dbn, &inputs, &options("ESH4", Some(0.25), None));
        let last_source = srcs.len() - 1;
        let checkpoints = [
            (8_725, (4799 * T, 16), (47_995 * T / 10, 23)),
            (10_000, (4800 * T, 11), (4801 * T, 1)),
            (20_000, (480_675 * T / 100, 11), (4807 * T, 7)),
            (40_000, (48_095 * T / 10, 10), (480_975 * T / 100, 104)),
            (60_000, (480_975 * T / 100, 25), (4810 * T, 36)),
        ];
        let mut next_checkpoint = 0;
        let mut crossed = Vec::new();
        let mut last_local_ts = 0;
        let book = replay_l3(&mut srcs, |index, at, batch, book| {
            if index == last_source {
                while next_checkpoint < checkpoints.len()
                    && at.number() > checkpoints[next_checkpoint].0
                {
                    let (k, bid, ask) = checkpoints[next_checkpoint];
                    let top = |l: Option<Level>| l.map(|l| (l.price, l.qty));
                    assert_eq!(
                        (top(book.best_bid()), top(book.best_ask())),
                        (Some(bid), Some(ask)),
                        "record {k}"
                    );
                    next_checkpoint += 1;
                }
            }
            for e in batch {
                book.apply(e);
                last_local_ts = e.local_ts;
            }
            // Each batch ends with the L2 view of its change; the L3 book
            // is checked once the whole batch is in.
            if let Some(last) = batch.last() {
                if last.is_last_in_batch() && book.is_crossed() {
                    crossed.push(last.exch_ts);
                }
            }
        });
        assert_eq!(next_checkpoint, checkpoints.len());
        assert_eq!(book.level_count(Side::Buy), 922);
        assert_eq!(book.level_count(Side::Sell), 565);
        assert_eq!(book.order_count(), 11_217);
        assert_eq!(book.best_bid(), level(4810 * T, 22));
        assert_eq!(book.best_ask(), level(481_025 * T / 100, 28));
        assert_eq!(last_local_ts, 1_703_548_799_446_821_072);
        // CME pre-open before the 17:00 CT reopen: really crossed, kept.
        assert_eq!(crossed.len(), 891);
        let from = 1_703_543_995_000_000_000; // 2023-12-25 22:39:55 UTC
        let to = 1_703_545_200_000_069_000; // 23:00:00.000069 UTC
        assert!(
            crossed.iter().all(|&ts| (from..to + 1_000).contains(&ts)),
            "{:?}",
            (crossed.first(), crossed.last())
        );
    }
}

#[test]
fn dbn_esh4_converts_to_two_days_with_each_snapshot_on_its_own_day() {
    let Some(_) = real_data_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let opts = options("ESH4", Some(0.25), None);
    let summary = import::convert(
        Format::Dbn,
        &[real(ESH4_24), real(ESH4_25)],
        dir.path(),
        &opts,
    )
    .unwrap();
    let names: Vec<String> = summary
        .days
        .iter()
        .map(|d| d.file.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["2023-12-24.parquet", "2023-12-25.parquet"]);
    assert_eq!(summary.rows_read(), 77_517);
    assert_eq!(summary.crossed_batches, 891);
    assert_eq!(summary.rows_skipped(), 0);
    // The 25th replays on its own to the README's final book.
    let inst = Instrument::from_file(&dir.path().join("ESH4/instrument.toml")).unwrap();
    let (events, _) = read_events(&summary.days[1].file, &inst, ReadOptions::default()).unwrap();
    let mut book = L3Book::new();
    let mut l2 = L2Book::new();
    for e in &events {
        book.apply(e);
        l2.apply(e);
    }
    assert_eq!(
        (book.level_count(Side::Buy), book.level_count(Side::Sell)),
        (922, 565)
    );
    assert_eq!(book.order_count(), 11_217);
    // The depth events written beside the order events give the same
    // levels to an L2 reader, every one of them.
    for side in [Side::Buy, Side::Sell] {
        let l3_levels: Vec<Level> = book.levels(side).collect();
        let l2_levels: Vec<Level> = l2.levels(side).collect();
        assert_eq!(l2_levels, l3_levels, "{side:?}");
    }
}

#[test]
fn dbn_esm4_snapshot_then_live_records_with_the_definition_file() {
    let Some(_) = real_data_dir() else { return };
    const T: i64 = 4;
    let inputs = [
        real("nautilus_databento/orderbooks_mbo_2024-05-08T00-00-00_2024-05-08T00-00-02.dbn.zst"),
        real("nautilus_databento/orderbooks_definition.dbn.zst"),
    ];
    let (inst, mut srcs) = sources(Format::Dbn, &inputs, &options("ESM4", None, None));
    assert_eq!(inst.tick_size, 0.25, "from min_price_increment");
    assert_eq!(inst.contract_multiplier, 50.0);
    assert_eq!(srcs.len(), 1, "the definition file is not a data source");
    let mut at_10_000 = None;
    let mut crossed = 0;
    let book = replay_l3(&mut srcs, |_, at, batch, book| {
        if at_10_000.is_none() && at.number() > 10_000 {
            at_10_000 = Some((book.best_bid(), book.best_ask()));
        }
        for e in batch {
            assert!(
                e.exch_ts >= 1_715_126_400_000_000_000,
                "snapshot stays on 2024-05-08"
            );
            book.apply(e);
        }
        if batch.last().is_some_and(|e| e.is_last_in_batch()) && book.is_crossed() {
            crossed += 1;
        }
    });
    assert_eq!(
        at_10_000,
        Some((level(5208 * T, 16), level(521_625 * T / 100, 5)))
    );
    assert_eq!(crossed, 0);
    assert_eq!(book.best_bid(), level(5214 * T, 28));
    assert_eq!(book.best_ask(), level(521_425 * T / 100, 17));
    assert_eq!(
        (book.level_count(Side::Buy), book.level_count(Side::Sell)),
        (976, 571)
    );
    assert_eq!(book.order_count(), 13_598);
}

#[test]
fn dbn_esu4_mbp1_trades_equal_the_trades_file() {
    let Some(_) = real_data_dir() else { return };
    const T: i64 = 4;
    let inputs = [
        real("nautilus_databento/futures_mbp-1_2024-07-01T23-58_2024-07-02T00-02.dbn.zst"),
        real("nautilus_databento/futures_trades_2024-07-01T23-58_2024-07-02T00-02.dbn.zst"),
        real("nautilus_databento/futures_definition.dbn.zst"),
    ];
    let (inst, mut srcs) = sources(Format::Dbn, &inputs, &options("ESU4", None, None));
    assert_eq!((inst.tick_size, inst.currency.as_str()), (0.25, "USD"));
    let mut book = L2Book::new();
    let mut batch = Vec::new();
    let mut mbp_trades = Vec::new();
    let mut seen = Vec::new();
    while let Some(at) = srcs[0].next_batch(&mut batch).unwrap() {
        for e in &batch {
            book.apply(e);
            if e.kind == EventKind::Trade {
                mbp_trades.push((e.exch_ts, e.price, e.qty, e.side));
            }
        }
        let top = (book.best_bid(), book.best_ask());
        match at.number() {
            1 => {
                assert_eq!(batch[0].kind, EventKind::Trade);
                assert_eq!(
                    (batch[0].side, batch[0].price, batch[0].qty),
                    (Side::Buy, 552_875 * T / 100, 2)
                );
                assert_eq!(
                    top,
                    (level(55_285 * T / 10, 29), level(552_875 * T / 100, 6))
                );
            }
            1_000 => assert_eq!(top, (level(552_875 * T / 100, 19), level(5529 * T, 10))),
            _ => {}
        }
        seen.push(at.number());
    }
    assert_eq!(
        (book.best_bid(), book.best_ask()),
        (level(5529 * T, 24), level(552_925 * T / 100, 6))
    );
    assert_eq!(*seen.last().unwrap(), 2_288);
    let trades: Vec<_> = collect_events(srcs[1].as_mut())
        .unwrap()
        .iter()
        .map(|e| (e.exch_ts, e.price, e.qty, e.side))
        .collect();
    assert_eq!(trades.len(), 120);
    assert_eq!(mbp_trades, trades);
    let volume: i64 = trades.iter().map(|t| t.2).sum();
    let vwap = trades
        .iter()
        .map(|t| inst.price_from_ticks(t.1) * t.2 as f64)
        .sum::<f64>()
        / volume as f64;
    assert_eq!(volume, 253);
    assert!((vwap - 5529.0336).abs() < 1e-4, "{vwap}");
}

// ---------------------------------------------------------------- Tardis

const DERIVED_L2: &str =
    "tardis/derived_binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz";
const DERIVED_TRADES: &str = "tardis/derived_binance-futures_trades_2024-08-08_BTCUSDT.csv.gz";

#[test]
fn tardis_derived_binance_l2_rebuilds_the_readme_book_with_negative_feed_latency() {
    let Some(_) = real_data_dir() else { return };
    let (inst, mut srcs) = sources(
        Format::Tardis,
        &[real(DERIVED_L2)],
        &options("BTCUSDT", Some(0.1), Some(0.001)),
    );
    let mut book = L2Book::new();
    let mut batch = Vec::new();
    let mut after_snapshot = None;
    let mut crossed = 0;
    let mut events = 0u64;
    while let Some(at) = srcs[0].next_batch(&mut batch).unwrap() {
        for e in &batch {
            assert!(
                e.local_ts < e.exch_ts,
                "the capture clock runs behind the exchange's"
            );
            if matches!(book.apply(e), ticklab::book::ApplyOutcome::Crossed { .. }) {
                crossed += 1;
            }
            events += 1;
        }
        if at == RowRef::Line(2_001) {
            // The 2,000 snapshot rows are data lines 2..=2001; one batch.
            assert!(batch.last().unwrap().is_last_in_batch());
            after_snapshot = Some((book.best_bid(), book.best_ask()));
        }
    }
    let p = |x: f64| inst.ticks_from_price(x).unwrap();
    let q = |x: f64| inst.lots_from_qty(x).unwrap();
    assert_eq!(
        after_snapshot,
        Some((level(p(61800.2), q(2.909)), level(p(61800.3), q(1.072))))
    );
    assert_eq!(book.best_bid(), level(p(61659.7), q(1.486)));
    assert_eq!(book.best_ask(), level(p(61659.8), q(0.981)));
    assert_eq!(
        (book.level_count(Side::Buy), book.level_count(Side::Sell)),
        (5_018, 4_578)
    );
    assert_eq!(crossed, 0);
    assert_eq!(srcs[0].summary().rows_read, 445_262);
    assert_eq!(events, 445_262 + 1, "one clear opens the snapshot");
}

#[test]
fn tardis_derived_binance_converts_across_midnight_and_each_day_replays_alone() {
    let Some(_) = real_data_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let opts = options("BTCUSDT", Some(0.1), Some(0.001));
    let summary = import::convert(
        Format::Tardis,
        &[real(DERIVED_TRADES), real(DERIVED_L2)],
        dir.path(),
        &opts,
    )
    .unwrap();
    assert_eq!(summary.rows_read(), 445_262 + 21_313);
    assert_eq!(
        summary.days.len(),
        2,
        "the capture spans 2024-08-09 00:00 UTC"
    );
    assert_eq!(summary.local_before_exch, summary.events_written);
    assert!(summary.min_feed_latency_ns.unwrap() < -1_000_000_000);
    let inst = Instrument::from_file(&dir.path().join("BTCUSDT/instrument.toml")).unwrap();
    // The canonical reader rejects local_ts < exch_ts unless told to warn.
    assert!(read_events(&summary.days[1].file, &inst, ReadOptions::default()).is_err());
    let (second_day, _) = read_events(
        &summary.days[1].file,
        &inst,
        ReadOptions::default().warn_on_local_ts(),
    )
    .unwrap();
    let mut book = L2Book::new();
    for e in &second_day {
        book.apply(e);
    }
    let p = |x: f64| inst.ticks_from_price(x).unwrap();
    assert_eq!(book.best_bid().map(|l| l.price), Some(p(61659.7)));
    assert_eq!(book.best_ask().map(|l| l.price), Some(p(61659.8)));
    assert_eq!(
        (book.level_count(Side::Buy), book.level_count(Side::Sell)),
        (5_018, 4_578)
    );
    assert_eq!(
        second_day[0].kind,
        EventKind::Clear,
        "the day opens with the carried book"
    );
}

#[test]
fn tardis_heads_of_real_files_match_the_readme() {
    let Some(_) = real_data_dir() else { return };
    let first_batches = |file: &str, tick: f64, lot: f64| {
        let (inst, mut srcs) = sources(
            Format::Tardis,
            &[real(file)],
            &options("X", Some(tick), Some(lot)),
        );
        let mut batches = Vec::new();
        let mut batch = Vec::new();
        while srcs[0].next_batch(&mut batch).unwrap().is_some() {
            batches.push(batch.clone());
        }
        (inst, batches)
    };
    // Deribit: 15 snapshot asks, no bids, best ask 6421.5.
    let (inst, batches) = first_batches(
        "tardis/nautilus_deribit_incremental_book_L2_BTC-PERPETUAL.csv",
        0.5,
        10.0,
    );
    let mut book = L2Book::new();
    batches.iter().flatten().for_each(|e| {
        book.apply(e);
    });
    assert_eq!(book.level_count(Side::Sell), 15);
    assert_eq!(book.level_count(Side::Buy), 0);
    assert_eq!(
        book.best_ask(),
        level(inst.ticks_from_price(6421.5).unwrap(), 1864)
    );

    // BitMEX trades: row 1 sell 8531.5 × 2152.
    let (inst, batches) = first_batches("tardis/nautilus_bitmex_trades_XBTUSD.csv", 0.5, 1.0);
    let first = batches[0][0];
    assert_eq!(
        (first.kind, first.side, first.price, first.qty),
        (
            EventKind::Trade,
            Side::Sell,
            inst.ticks_from_price(8531.5).unwrap(),
            2152
        )
    );
    assert_eq!(first.exch_ts, 1_583_020_803_145_000_000);

    // Binance snapshot_5 and snapshot_25.
    let (inst, snap5) = first_batches(
        "tardis/nautilus_binance-futures_book_snapshot_5_BTCUSDT.csv",
        0.01,
        0.001,
    );
    let book_of = |batch: &[MarketEvent]| {
        let mut book = L2Book::new();
        batch.iter().for_each(|e| {
            book.apply(e);
        });
        book
    };
    let p = |x: f64| inst.ticks_from_price(x).unwrap();
    let q = |x: f64| inst.lots_from_qty(x).unwrap();
    let row1 = book_of(&snap5[0]);
    assert_eq!(
        (row1.best_ask(), row1.best_bid()),
        (level(p(11657.08), q(1.714)), level(p(11657.07), q(10.896)))
    );
    let last = book_of(snap5.last().unwrap());
    assert_eq!(
        (last.best_ask(), last.best_bid()),
        (level(p(11657.08), q(1.393)), level(p(11657.07), q(10.881)))
    );
    assert_eq!(snap5.len(), 10);
    let (_, snap25) = first_batches(
        "tardis/nautilus_binance-futures_book_snapshot_25_BTCUSDT.csv",
        0.01,
        0.001,
    );
    let row1_25 = book_of(&snap25[0]);
    assert_eq!(row1_25.level_count(Side::Buy), 25);
    for side in [Side::Buy, Side::Sell] {
        let top5: Vec<_> = row1_25.top(side, 5).collect();
        assert_eq!(top5, row1.top(side, 5).collect::<Vec<_>>());
    }

    // Huobi quotes: row 1 ask 8629.3 × 5494, bid 8629.2 × 806.
    let (inst, quotes) =
        first_batches("tardis/nautilus_huobi-dm-swap_quotes_BTC-USD.csv", 0.1, 1.0);
    let book = book_of(&quotes[0]);
    let p = |x: f64| inst.ticks_from_price(x).unwrap();
    assert_eq!(
        (book.best_ask(), book.best_bid()),
        (level(p(8629.3), 5494), level(p(8629.2), 806))
    );
}

// ---------------------------------------------------------------- plain CSV

#[test]
fn csv_map_reads_binance_historical_order_book_files() {
    let Some(_) = real_data_dir() else { return };
    let map = "exch_ts=timestamp,kind=const:snapshot,side=side,price=price,qty=qty";
    let mut opts = options("BTCUSDT", Some(0.1), Some(0.001));
    opts.csv_map = Some(map.parse().unwrap());
    opts.ts_unit = import::TsUnit::Ms;
    let (inst, mut srcs) = sources(
        Format::Csv,
        &[real("binance/nautilus_btcusdt-depth-snap.csv")],
        &opts,
    );
    let events = collect_events(srcs[0].as_mut()).unwrap();
    assert_eq!(events.len(), 100);
    assert!(events
        .iter()
        .all(|e| e.exch_ts == 1_667_346_579_146_000_000));
    assert!(events[99].is_last_in_batch() && !events[98].is_last_in_batch());
    let mut book = L2Book::new();
    events.iter().for_each(|e| {
        book.apply(e);
    });
    let p = |x: f64| inst.ticks_from_price(x).unwrap();
    assert_eq!(book.best_bid(), level(p(20377.0), 1_770));
    assert_eq!(
        book.levels(Side::Buy).last().map(|l| l.price),
        Some(p(20365.9))
    );

    let mut opts = opts.clone();
    opts.csv_map = Some(
        "exch_ts=timestamp,kind=const:depth,side=side,price=price,qty=qty"
            .parse()
            .unwrap(),
    );
    let (_, mut srcs) = sources(
        Format::Csv,
        &[real("binance/nautilus_btcusdt-depth-update.csv")],
        &opts,
    );
    let events = collect_events(srcs[0].as_mut()).unwrap();
    let asks = events.iter().filter(|e| e.side == Side::Sell).count();
    assert_eq!((asks, events.len() - asks), (77, 23));
}

// ------------------------------------------ captures, npz, Bybit, errors

/// A real sample under `TICKLAB_REAL_DATA` (default `../shared/data/real`);
/// `None`, with a message naming the variable, when the folder is absent.
fn real_sample(path: &str) -> Option<PathBuf> {
    let root = real_data_dir()?;
    let file = root.join(path);
    assert!(file.is_file(), "missing real sample {}", file.display());
    Some(file)
}

/// Every event of a conversion's day files, in order.
fn converted_events(summary: &import::ConvertSummary) -> Vec<MarketEvent> {
    summary
        .days
        .iter()
        .flat_map(|day| {
            // The capture clock runs behind the exchange's: local before exch.
            let options = ReadOptions {
                local_ts_policy: ticklab::market::parquet::LocalTsPolicy::Warn,
                ..ReadOptions::default()
            };
            read_events(&day.file, &summary.instrument, options)
                .expect("read a converted day")
                .0
        })
        .collect()
}

fn convert_to_temp(
    format: Format,
    inputs: &[PathBuf],
    symbol: &str,
    tick: f64,
    lot: f64,
) -> (tempfile::TempDir, import::ConvertSummary) {
    let dir = tempfile::tempdir().expect("a real sample as its README describes");
    let summary = import::convert(
        format,
        inputs,
        &dir.path().join("data"),
        &options(symbol, Some(tick), Some(lot)),
    )
    .expect("convert");
    (dir, summary)
}

fn steps(text: &str, step: f64) -> i64 {
    (text
        .parse::<f64>()
        .expect("a real sample as its README describes")
        / step)
        .round() as i64
}

/// The top of a book kept as price → qty maps.
type Top = (Option<(i64, i64)>, Option<(i64, i64)>);

fn top_of(
    bids: &std::collections::BTreeMap<i64, i64>,
    asks: &std::collections::BTreeMap<i64, i64>,
) -> Top {
    (
        bids.iter().next_back().map(|(&p, &q)| (p, q)),
        asks.iter().next().map(|(&p, &q)| (p, q)),
    )
}

fn top_of_book(book: &L2Book) -> Top {
    (
        book.best_bid().map(|l| (l.price, l.qty)),
        book.best_ask().map(|l| (l.price, l.qty)),
    )
}

/// What a Binance capture shows when rebuilt here from its JSON, by
/// Binance's rules, without the converter.
struct BinanceFacts {
    /// Book top after each diff applied, with the diff's exchange time.
    tops: Vec<(i64, Top)>,
    bid_levels: usize,
    ask_levels: usize,
    chain_breaks: usize,
    market_trades: usize,
    /// bookTickers whose `u` is the last applied diff's, and how many of
    /// them equal the rebuilt top.
    ticker_checks: usize,
    ticker_matches: usize,
    /// `u` of each diff applied, in order.
    applied_ids: Vec<u64>,
}

fn binance_facts(path: &Path, tick: f64, lot: f64) -> BinanceFacts {
    use std::collections::BTreeMap;
    use std::io::BufRead;
    let text = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(
        std::fs::File::open(path).expect("a real sample as its README describes"),
    ));
    let mut bids = BTreeMap::new();
    let mut asks = BTreeMap::new();
    let mut waiting: Vec<serde_json::Value> = Vec::new();
    let mut snapshot_id: Option<u64> = None;
    let mut last_u: Option<u64> = None;
    let mut tickers: Vec<(u64, Top)> = Vec::new();
    let mut facts = BinanceFacts {
        tops: Vec::new(),
        bid_levels: 0,
        ask_levels: 0,
        chain_breaks: 0,
        market_trades: 0,
        ticker_checks: 0,
        ticker_matches: 0,
        applied_ids: Vec::new(),
    };
    let apply = |diff: &serde_json::Value,
                 bids: &mut BTreeMap<i64, i64>,
                 asks: &mut BTreeMap<i64, i64>,
                 last_u: &mut Option<u64>,
                 facts: &mut BinanceFacts| {
        let u = diff["u"]
            .as_u64()
            .expect("a real sample as its README describes");
        let first = diff["U"]
            .as_u64()
            .expect("a real sample as its README describes");
        if let Some(prev) = *last_u {
            let continues = match diff["pu"].as_u64() {
                Some(pu) => pu == prev,
                None => first == prev + 1,
            };
            facts.chain_breaks += usize::from(!continues);
        }
        for (side, book) in [("b", &mut *bids), ("a", &mut *asks)] {
            for level in diff[side]
                .as_array()
                .expect("a real sample as its README describes")
            {
                let price = steps(
                    level[0]
                        .as_str()
                        .expect("a real sample as its README describes"),
                    tick,
                );
                let qty = steps(
                    level[1]
                        .as_str()
                        .expect("a real sample as its README describes"),
                    lot,
                );
                if qty == 0 {
                    book.remove(&price);
                } else {
                    book.insert(price, qty);
                }
            }
        }
        *last_u = Some(u);
        let ms = diff
            .get("T")
            .unwrap_or(&diff["E"])
            .as_i64()
            .expect("a real sample as its README describes");
        facts.tops.push((ms * 1_000_000, top_of(bids, asks)));
        facts.applied_ids.push(u);
    };
    for line in text.lines() {
        let line = line.expect("a real sample as its README describes");
        let (_, json) = line
            .split_once(' ')
            .expect("a real sample as its README describes");
        let message: serde_json::Value =
            serde_json::from_str(json).expect("a real sample as its README describes");
        if let Some(id) = message["lastUpdateId"].as_u64() {
            snapshot_id = Some(id);
            for (side, book) in [("bids", &mut bids), ("asks", &mut asks)] {
                book.clear();
                for level in message[side]
                    .as_array()
                    .expect("a real sample as its README describes")
                {
                    book.insert(
                        steps(
                            level[0]
                                .as_str()
                                .expect("a real sample as its README describes"),
                            tick,
                        ),
                        steps(
                            level[1]
                                .as_str()
                                .expect("a real sample as its README describes"),
                            lot,
                        ),
                    );
                }
            }
            for diff in std::mem::take(&mut waiting) {
                if diff["u"]
                    .as_u64()
                    .expect("a real sample as its README describes")
                    >= id
                {
                    apply(&diff, &mut bids, &mut asks, &mut last_u, &mut facts);
                }
            }
            continue;
        }
        let stream = message["stream"].as_str().unwrap_or("");
        let data = &message["data"];
        if stream.contains("@depth") {
            match snapshot_id {
                None => waiting.push(data.clone()),
                Some(id)
                    if data["u"]
                        .as_u64()
                        .expect("a real sample as its README describes")
                        < id => {}
                Some(_) => apply(data, &mut bids, &mut asks, &mut last_u, &mut facts),
            }
        } else if stream.ends_with("@trade") {
            facts.market_trades += usize::from(data["X"].as_str().is_none_or(|x| x == "MARKET"));
        } else if stream.ends_with("@bookTicker") {
            let ticker = (
                Some((
                    steps(
                        data["b"]
                            .as_str()
                            .expect("a real sample as its README describes"),
                        tick,
                    ),
                    steps(
                        data["B"]
                            .as_str()
                            .expect("a real sample as its README describes"),
                        lot,
                    ),
                )),
                Some((
                    steps(
                        data["a"]
                            .as_str()
                            .expect("a real sample as its README describes"),
                        tick,
                    ),
                    steps(
                        data["A"]
                            .as_str()
                            .expect("a real sample as its README describes"),
                        lot,
                    ),
                )),
            );
            tickers.push((
                data["u"]
                    .as_u64()
                    .expect("a real sample as its README describes"),
                ticker,
            ));
        }
    }
    // A ticker and the diff with the same `u` describe the same book,
    // whichever arrived first.
    let top_by_u: std::collections::HashMap<u64, Top> = facts
        .applied_ids
        .iter()
        .zip(&facts.tops)
        .map(|(&u, &(_, top))| (u, top))
        .collect();
    for (u, ticker) in tickers {
        if let Some(top) = top_by_u.get(&u) {
            facts.ticker_checks += 1;
            facts.ticker_matches += usize::from(ticker == *top);
        }
    }
    facts.bid_levels = bids.len();
    facts.ask_levels = asks.len();
    facts
}

/// Replays converted events: the top after each depth batch (snapshots
/// left out), the final book, and the trades.
fn replay_tops(events: &[MarketEvent]) -> (Vec<(i64, Top)>, L2Book, usize) {
    let mut book = L2Book::new();
    let mut tops = Vec::new();
    let mut trades = 0;
    for ev in events {
        book.apply(ev);
        match ev.kind {
            EventKind::Trade => trades += 1,
            EventKind::Depth if ev.is_last_in_batch() => {
                tops.push((ev.exch_ts, top_of_book(&book)))
            }
            _ => {}
        }
    }
    (tops, book, trades)
}

fn check_binance_capture(
    file: &str,
    symbol: &str,
    tick: f64,
    lot: f64,
) -> Option<(L2Book, BinanceFacts)> {
    let path = real_sample(file)?;
    let facts = binance_facts(&path, tick, lot);
    assert_eq!(facts.chain_breaks, 0);
    let (_dir, summary) = convert_to_temp(Format::Collector, &[path], symbol, tick, lot);
    // Every line is converted or counted under a reason.
    let input = &summary.inputs[0];
    assert_eq!(
        input.rows_read,
        input.rows_converted + input.notes.values().sum::<u64>(),
        "{summary}"
    );
    let events = converted_events(&summary);
    let (tops, book, trades) = replay_tops(&events);
    assert_eq!(
        tops.len(),
        facts.tops.len(),
        "one depth batch per diff applied"
    );
    for (k, (converted, independent)) in tops.iter().zip(&facts.tops).enumerate() {
        assert_eq!(converted, independent, "top after applied diff {}", k + 1);
    }
    assert_eq!(book.level_count(Side::Buy), facts.bid_levels);
    assert_eq!(book.level_count(Side::Sell), facts.ask_levels);
    assert_eq!(trades, facts.market_trades);
    assert!(
        summary.local_before_exch > 0
            && summary
                .min_feed_latency_ns
                .expect("a real sample as its README describes")
                < -1_000_000_000,
        "the capture clock runs behind the exchange's: {summary}"
    );
    Some((book, facts))
}

#[test]
fn collector_binance_usdm_capture_rebuilds_the_readme_book() {
    let Some((book, facts)) = check_binance_capture(
        "hftbacktest/usdm_btcusdt_20240808.gz",
        "BTCUSDT",
        0.1,
        0.001,
    ) else {
        return;
    };
    assert_eq!(facts.tops.len(), 6_547);
    // Every bookTicker with a diff's `u` equals the rebuilt top: the
    // README's 126 that arrive after their diff, and those that come first.
    assert!(facts.ticker_checks >= 126, "{}", facts.ticker_checks);
    assert_eq!(facts.ticker_matches, facts.ticker_checks);
    assert_eq!(facts.market_trades, 21_313);
    assert_eq!(
        top_of_book(&book),
        (Some((616_597, 1_486)), Some((616_598, 981)))
    );
    assert_eq!(
        (book.level_count(Side::Buy), book.level_count(Side::Sell)),
        (5_018, 4_578)
    );
}

#[test]
fn collector_binance_spot_capture_rebuilds_the_readme_book() {
    let Some((book, facts)) = check_binance_capture(
        "hftbacktest/spot_btcusdt_20240808.gz",
        "BTCUSDT",
        0.01,
        0.000001,
    ) else {
        return;
    };
    assert_eq!(facts.tops.len(), 3_449);
    assert_eq!(facts.market_trades, 9_757);
    assert_eq!(
        top_of_book(&book),
        (Some((6_168_599, 1_008_700)), Some((6_168_600, 2_293_270)))
    );
}

#[test]
fn collector_binance_coin_m_capture_matches_its_own_rebuild_and_tickers() {
    let Some((_, facts)) = check_binance_capture(
        "binance_capture/cm_btcusd_perp_20240808.gz",
        "BTCUSD_PERP",
        0.1,
        1.0,
    ) else {
        return;
    };
    // 1,124 checkpoints, as the derived checkpoint file lists.
    assert_eq!((facts.ticker_checks, facts.ticker_matches), (1_124, 1_124));
    assert_eq!(facts.market_trades, 2_286);
}

#[test]
fn collector_hyperliquid_capture_keeps_every_book_and_leaves_out_replayed_trades() {
    let Some(path) = real_sample("hftbacktest/hyperliquid_btcusd_20250126.gz") else {
        return;
    };
    use std::io::BufRead;
    let lines: Vec<serde_json::Value> = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(
        std::fs::File::open(&path).expect("a real sample as its README describes"),
    ))
    .lines()
    .map(|l| {
        serde_json::from_str(
            l.expect("a real sample as its README describes")
                .split_once(' ')
                .expect("a real sample as its README describes")
                .1,
        )
        .expect("a real sample as its README describes")
    })
    .collect();
    let books: Vec<&serde_json::Value> =
        lines.iter().filter(|m| m["channel"] == "l2Book").collect();
    let first_book_ms = books[0]["data"]["time"]
        .as_i64()
        .expect("a real sample as its README describes");
    let trades: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|m| m["channel"] == "trades")
        .flat_map(|m| {
            m["data"]
                .as_array()
                .expect("a real sample as its README describes")
        })
        .collect();
    // The first trades message replays the last minute's trades.
    let replayed = trades
        .iter()
        .filter(|t| {
            t["time"]
                .as_i64()
                .expect("a real sample as its README describes")
                < first_book_ms - 2_000
        })
        .count();
    assert_eq!((books.len(), trades.len(), replayed), (46, 64, 30));

    let (_dir, summary) = convert_to_temp(Format::Collector, &[path], "BTC", 1.0, 0.00001);
    assert_eq!(
        summary.inputs[0].detected,
        "hftbacktest collector capture (hyperliquid)"
    );
    let events = converted_events(&summary);
    let (_, book, converted_trades) = replay_tops(&events);
    assert_eq!(converted_trades, trades.len() - replayed);
    let snapshots = events.iter().filter(|e| e.kind == EventKind::Clear).count();
    assert_eq!(snapshots, books.len());
    let last = &books[books.len() - 1]["data"]["levels"];
    for (side, levels) in [(Side::Buy, &last[0]), (Side::Sell, &last[1])] {
        let expected: Vec<(i64, i64)> = levels
            .as_array()
            .expect("a real sample as its README describes")
            .iter()
            .map(|l| {
                (
                    steps(
                        l["px"]
                            .as_str()
                            .expect("a real sample as its README describes"),
                        1.0,
                    ),
                    steps(
                        l["sz"]
                            .as_str()
                            .expect("a real sample as its README describes"),
                        0.00001,
                    ),
                )
            })
            .collect();
        let found: Vec<(i64, i64)> = book.top(side, 20).map(|l| (l.price, l.qty)).collect();
        assert_eq!(found, expected, "{side:?}");
    }
}

/// The lines of the one stored entry of a zip, read here from its local
/// header.
fn stored_zip_lines(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).expect("a real sample as its README describes");
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), 0, "stored");
    let size = u32::from_le_bytes(
        bytes[18..22]
            .try_into()
            .expect("a real sample as its README describes"),
    ) as usize;
    let name_len = u16::from_le_bytes([bytes[26], bytes[27]]) as usize;
    let extra_len = u16::from_le_bytes([bytes[28], bytes[29]]) as usize;
    let start = 30 + name_len + extra_len;
    String::from_utf8(bytes[start..start + size].to_vec())
        .expect("a real sample as its README describes")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bybit_ob500_zip_rebuilds_the_readme_book_after_every_line() {
    let Some(path) = real_sample("bybit/nautilus_xrpusdt-ob500.data.zip") else {
        return;
    };
    use std::collections::BTreeMap;
    let (tick, lot) = (0.0001, 1.0);
    let mut bids = BTreeMap::new();
    let mut asks = BTreeMap::new();
    let mut expected = Vec::new();
    for line in stored_zip_lines(&path) {
        let m: serde_json::Value =
            serde_json::from_str(&line).expect("a real sample as its README describes");
        if m["type"] == "snapshot" {
            bids.clear();
            asks.clear();
        }
        for (side, book) in [("b", &mut bids), ("a", &mut asks)] {
            for level in m["data"][side]
                .as_array()
                .expect("a real sample as its README describes")
            {
                let (price, qty) = (
                    steps(
                        level[0]
                            .as_str()
                            .expect("a real sample as its README describes"),
                        tick,
                    ),
                    steps(
                        level[1]
                            .as_str()
                            .expect("a real sample as its README describes"),
                        lot,
                    ),
                );
                if qty == 0 {
                    book.remove(&price);
                } else {
                    book.insert(price, qty);
                }
            }
        }
        expected.push((
            m["cts"]
                .as_i64()
                .expect("a real sample as its README describes")
                * 1_000_000,
            top_of(&bids, &asks),
        ));
    }
    assert_eq!(expected.len(), 50);
    assert_eq!(
        expected[0].1,
        (Some((19_531, 6_203)), Some((19_532, 10_480)))
    );
    assert_eq!(
        expected[49].1,
        (Some((19_537, 10_605)), Some((19_538, 6_702)))
    );

    let (_dir, summary) = convert_to_temp(Format::Bybit, &[path], "XRPUSDT", tick, lot);
    assert_eq!(
        summary.inputs[0].detected,
        "bybit order book (2024-12-01_XRPUSDT_ob500.data in the zip)"
    );
    assert_eq!(summary.inputs[0].notes.len(), 0, "u runs without a gap");
    let events = converted_events(&summary);
    let mut book = L2Book::new();
    let mut tops = Vec::new();
    for ev in &events {
        book.apply(ev);
        if ev.is_last_in_batch() {
            tops.push((ev.exch_ts, top_of_book(&book)));
            assert!(!book.is_crossed());
        }
    }
    assert_eq!(tops, expected);
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == EventKind::Snapshot)
            .count(),
        1_000
    );
    assert!(events.iter().all(|e| e.local_ts == e.exch_ts));
}

#[test]
fn dbn_definition_without_a_tick_asks_for_tick_size() {
    let (Some(data), Some(definition)) = (
        real_sample("nautilus_databento/options_mbp-1_2024-05-09T10h00_2024-05-09T10h05.dbn.zst"),
        real_sample("nautilus_databento/options_definition.dbn.zst"),
    ) else {
        return;
    };
    let inputs = [data, definition];
    let err = import::resolve_instrument(Format::Dbn, &inputs, &options("P5230", None, None))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "options_definition.dbn.zst: the definition of instrument_id 42449452 (ESM4 P5230) \
             has no tick size (min_price_increment is undefined): pass --tick-size"
        ),
        "{err}"
    );
    let inst =
        import::resolve_instrument(Format::Dbn, &inputs, &options("P5230", Some(0.05), None))
            .expect("a real sample as its README describes");
    assert_eq!(inst.tick_size, 0.05);
}

#[test]
fn real_files_of_other_formats_given_to_tardis_are_named() {
    let Some(root) = real_sample("bybit/nautilus_xrpusdt-ob500.data.zip") else {
        return;
    };
    let root = root
        .parent()
        .expect("a real sample as its README describes")
        .parent()
        .expect("a real sample as its README describes")
        .to_owned();
    let inst = Instrument::new("X", 0.1, 0.001);
    for (file, what) in [
        (
            "bybit/nautilus_xrpusdt-ob500.data.zip",
            "a zip holding `2024-12-01_XRPUSDT_ob500.data` (a Bybit order-book file; use --from bybit)",
        ),
        ("binance/nautilus_btcusdt-trades.parquet", "a Parquet file"),
        ("nautilus_databento/futures_definition.dbn.zst", "zstd-compressed data"),
        ("databento/test_data.mbo.dbn", "a Databento DBN file (use --from dbn)"),
        (
            "hftbacktest/usdm_btcusdt_20240808.gz",
            "gzip-compressed hftbacktest collector capture lines",
        ),
    ] {
        let err = match ticklab::market::import::tardis::TardisSource::open(&root.join(file), &inst, false) {
            Ok(_) => panic!("{file} is not a Tardis CSV"),
            Err(err) => err.to_string(),
        };
        assert!(err.contains(&format!("not a Tardis CSV: the file looks like {what}")), "{file}: {err}");
        assert!(err.len() < 400, "{file}: {err}");
    }
}

#[test]
fn lobster_aapl_hidden_executions_are_all_on_the_cent() {
    let (Some(messages), Some(_)) = (real_sample(AAPL_MESSAGES), real_sample(AAPL_BOOK)) else {
        return;
    };
    // Counted here from the file: type-5 rows, and those off the cent.
    let text = std::fs::read_to_string(&messages).expect("read the message file");
    let hidden: Vec<i64> = text
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[1] == "5")
        .map(|f| f[4].parse().expect("a price"))
        .collect();
    let off_cent = hidden.iter().filter(|&&p| p % 100 != 0).count();
    assert_eq!((hidden.len(), off_cent), (61, 0));
    let (_dir, summary) = convert_to_temp(Format::Lobster, &[messages], "AAPL", 0.01, 1.0);
    let notes = &summary.inputs[0].notes;
    assert_eq!(
        notes.get("hidden execution: trade only, the visible book is unchanged"),
        Some(&61)
    );
    assert!(notes.keys().all(|note| !note.contains("half a tick")));
    assert!(converted_events(&summary).iter().all(|e| !e.is_half_tick()));
}
