//! The synthetic sample data: determinism, book invariants and the stylised
//! facts of microstructure it is meant to show, and the shipped folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use ticklab::market::parquet::{EventReader, ReadOptions};
use ticklab::market::sample::{
    generate, write_sample_folder, Leader, SampleFolderOptions, SampleSpec, Session, DEFAULT_SEED,
    SAMPLE_DAY,
};
use ticklab::market::{EventKind, MarketEvent, Side};

/// Nanoseconds in a minute.
const NS_PER_MIN: i64 = 60_000_000_000;

/// A smaller stock day: the full session at 200k events.
fn small_stock() -> SampleSpec {
    SampleSpec::stock().with_target_events(200_000)
}

/// A smaller crypto day: two busy hours (14:00–16:00 UTC) at the full
/// day's message rate.
fn small_crypto() -> SampleSpec {
    let mut spec = SampleSpec::crypto_perp().with_target_events(200_000);
    spec.session = Session {
        open_utc_secs: 14 * 3600,
        close_utc_secs: 16 * 3600,
    };
    spec
}

/// Everything the tests check about a day, gathered in one pass.
#[derive(Debug, Default)]
struct DayStats {
    events: usize,
    messages: usize,
    snapshot_levels: (usize, usize),
    /// Events not opening with a clear and a snapshot.
    bad_opening: bool,
    time_backwards: usize,
    local_before_exch: usize,
    /// Events of one message with different exchange times.
    split_messages: usize,
    /// Events with a price ≤ 0 (but the clear), a negative quantity or a
    /// trade of ≤ 0.
    bad_values: usize,
    crossed: usize,
    /// Batch ends where a side has fewer than 20 levels.
    thin: usize,
    trades: usize,
    /// Trades priced away from the opposite touch, or larger than the level.
    trades_off_book: usize,
    /// Trades whose level is not updated in the same message.
    trades_without_depth: usize,
    trade_messages: usize,
    sweeps: usize,
    one_tick_spread: usize,
    wide_spread: usize,
    wide_episodes: usize,
    /// Wide-spread episodes still wide after 100 messages.
    long_wide_episodes: usize,
    /// Cancels within 2 ticks of the own touch, and 10–29 ticks away.
    cancels_near_touch: usize,
    cancels_deep: usize,
    /// Exchange time of each message.
    message_ts: Vec<i64>,
    /// Feed latency of each message, ns.
    latencies_ns: Vec<i64>,
    generate_secs: f64,
}

type Book = BTreeMap<i64, i64>;

fn best_bid(bids: &Book) -> Option<i64> {
    bids.keys().next_back().copied()
}

fn best_ask(asks: &Book) -> Option<i64> {
    asks.keys().next().copied()
}

fn day_stats(spec: &SampleSpec) -> DayStats {
    let started = Instant::now();
    let mut stats = DayStats::default();
    let mut bids = Book::new();
    let mut asks = Book::new();
    let mut last_exch_ts = i64::MIN;
    // The current message: its exchange time, the touch before it, its
    // trades (price, lots, level lots before) and the levels it updated.
    let mut message_ts = None;
    let mut touch = (None, None);
    let mut trades: Vec<(Side, i64, i64, i64)> = Vec::new();
    let mut updated: Vec<(Side, i64, i64)> = Vec::new();
    let mut wide_run = 0usize;

    for (index, event) in generate(spec, 7).enumerate() {
        stats.events += 1;
        if index == 0 && event.kind != EventKind::Clear {
            stats.bad_opening = true;
        }
        if event.exch_ts < last_exch_ts {
            stats.time_backwards += 1;
        }
        last_exch_ts = event.exch_ts;
        if event.local_ts < event.exch_ts {
            stats.local_before_exch += 1;
        }
        match message_ts {
            None => {
                message_ts = Some(event.exch_ts);
                touch = (best_bid(&bids), best_ask(&asks));
            }
            Some(ts) if ts != event.exch_ts => stats.split_messages += 1,
            Some(_) => {}
        }
        if (event.kind != EventKind::Clear && event.price <= 0) || event.qty < 0 {
            stats.bad_values += 1;
        }
        match event.kind {
            EventKind::Clear => {
                bids.clear();
                asks.clear();
            }
            EventKind::Snapshot | EventKind::Depth => {
                if index > 0 && event.kind == EventKind::Snapshot && stats.messages > 0 {
                    stats.bad_opening = true;
                }
                let book = if event.side == Side::Buy {
                    &mut bids
                } else {
                    &mut asks
                };
                let old_lots = book.get(&event.price).copied().unwrap_or(0);
                if event.kind == EventKind::Depth && trades.is_empty() && event.qty < old_lots {
                    let own_touch = if event.side == Side::Buy {
                        touch.0
                    } else {
                        touch.1
                    };
                    if let Some(best) = own_touch {
                        match (best - event.price).abs() {
                            0..=1 => stats.cancels_near_touch += 1,
                            10..=29 => stats.cancels_deep += 1,
                            _ => {}
                        }
                    }
                }
                if event.qty == 0 {
                    book.remove(&event.price);
                } else {
                    book.insert(event.price, event.qty);
                }
                updated.push((event.side, event.price, event.qty));
            }
            EventKind::Trade => {
                stats.trades += 1;
                if event.qty <= 0 {
                    stats.bad_values += 1;
                }
                let (passive, at_or_through) = match event.side {
                    Side::Buy => (&asks, touch.1.is_some_and(|ask| event.price >= ask)),
                    _ => (&bids, touch.0.is_some_and(|bid| event.price <= bid)),
                };
                let level_lots = passive.get(&event.price).copied().unwrap_or(0);
                if !at_or_through || level_lots < event.qty {
                    stats.trades_off_book += 1;
                }
                trades.push((event.side, event.price, event.qty, level_lots));
            }
            _ => {}
        }
        if event.is_last_in_batch() {
            end_message(&mut stats, &bids, &asks, &trades, &updated, &mut wide_run);
            if stats.messages == 0 {
                stats.snapshot_levels = (bids.len(), asks.len());
            }
            stats.messages += 1;
            stats.message_ts.push(event.exch_ts);
            stats.latencies_ns.push(event.feed_latency_ns());
            message_ts = None;
            trades.clear();
            updated.clear();
        }
    }
    stats.generate_secs = started.elapsed().as_secs_f64();
    let per_message = |count: usize| 100.0 * count as f64 / stats.messages as f64;
    eprintln!(
        "{}: {} events, {} messages, {} trades in {:.1} s; sweeps {:.1}% of trade \
         messages, spread > 1 tick {:.1}%, a side < 20 levels {:.2}%, {} wide episodes \
         ({} long), cancels near/deep {}/{}",
        spec.symbol(),
        stats.events,
        stats.messages,
        stats.trades,
        stats.generate_secs,
        100.0 * stats.sweeps as f64 / stats.trade_messages as f64,
        per_message(stats.wide_spread),
        per_message(stats.thin),
        stats.wide_episodes,
        stats.long_wide_episodes,
        stats.cancels_near_touch,
        stats.cancels_deep,
    );
    stats
}

/// Checks the book after a message and tallies the message's trades.
fn end_message(
    stats: &mut DayStats,
    bids: &Book,
    asks: &Book,
    trades: &[(Side, i64, i64, i64)],
    updated: &[(Side, i64, i64)],
    wide_run: &mut usize,
) {
    let (Some(bid), Some(ask)) = (best_bid(bids), best_ask(asks)) else {
        stats.crossed += 1;
        return;
    };
    if bid >= ask {
        stats.crossed += 1;
    }
    if bids.len() < 20 || asks.len() < 20 {
        stats.thin += 1;
    }
    if ask - bid == 1 {
        stats.one_tick_spread += 1;
        *wide_run = 0;
    } else {
        stats.wide_spread += 1;
        *wide_run += 1;
        if *wide_run == 1 {
            stats.wide_episodes += 1;
        }
        if *wide_run == 100 {
            stats.long_wide_episodes += 1;
        }
    }
    if !trades.is_empty() {
        stats.trade_messages += 1;
        let first_price = trades[0].1;
        if trades.iter().any(|trade| trade.1 != first_price) {
            stats.sweeps += 1;
        }
    }
    for &(aggressor, price, lots, level_lots) in trades {
        let updated_to = updated
            .iter()
            .find(|(side, p, _)| *side == aggressor.opposite() && *p == price);
        if updated_to.is_none_or(|&(_, _, new_lots)| new_lots != level_lots - lots) {
            stats.trades_without_depth += 1;
        }
    }
}

fn stock_stats() -> &'static DayStats {
    static STATS: OnceLock<DayStats> = OnceLock::new();
    STATS.get_or_init(|| day_stats(&small_stock()))
}

fn crypto_stats() -> &'static DayStats {
    static STATS: OnceLock<DayStats> = OnceLock::new();
    STATS.get_or_init(|| day_stats(&small_crypto()))
}

fn both() -> [(&'static str, &'static DayStats); 2] {
    [("ACME", stock_stats()), ("BTC-PERP", crypto_stats())]
}

#[test]
fn same_seed_same_events_other_seed_other_events() {
    let spec = SampleSpec::stock().with_target_events(30_000);
    let first: Vec<MarketEvent> = generate(&spec, 1).collect();
    let again: Vec<MarketEvent> = generate(&spec, 1).collect();
    let other: Vec<MarketEvent> = generate(&spec, 2).collect();
    assert!(first.len() > 20_000);
    assert_eq!(first, again);
    assert_ne!(first, other);

    // Instruments draw from their own streams even with the same seed.
    let crypto: Vec<MarketEvent> = generate(&small_crypto(), 1).take(1000).collect();
    assert_ne!(crypto[..1000], first[..1000]);
}

#[test]
fn day_has_about_the_target_size_and_opens_with_a_snapshot() {
    for (symbol, stats) in both() {
        let events = stats.events as f64;
        assert!(
            (160_000.0..240_000.0).contains(&events),
            "{symbol}: {events}"
        );
        assert!(!stats.bad_opening, "{symbol}");
        let (bid_levels, ask_levels) = stats.snapshot_levels;
        assert!(
            (20..=60).contains(&bid_levels) && (20..=60).contains(&ask_levels),
            "{symbol}: {bid_levels} / {ask_levels} snapshot levels"
        );
    }
}

#[test]
fn time_and_values_are_valid() {
    for (symbol, stats) in both() {
        assert_eq!(stats.time_backwards, 0, "{symbol}");
        assert_eq!(stats.local_before_exch, 0, "{symbol}");
        assert_eq!(stats.split_messages, 0, "{symbol}");
        assert_eq!(stats.bad_values, 0, "{symbol}");
    }
}

#[test]
fn book_is_never_crossed_and_keeps_its_depth() {
    for (symbol, stats) in both() {
        assert_eq!(stats.crossed, 0, "{symbol}");
        let thin_share = stats.thin as f64 / stats.messages as f64;
        assert!(thin_share < 0.05, "{symbol}: thin {thin_share}");
    }
}

#[test]
fn trades_take_the_touch_and_update_their_levels() {
    for (symbol, stats) in both() {
        assert!(stats.trades > 1_000, "{symbol}");
        assert_eq!(stats.trades_off_book, 0, "{symbol}");
        assert_eq!(stats.trades_without_depth, 0, "{symbol}");
        let sweep_share = stats.sweeps as f64 / stats.trade_messages as f64;
        assert!(
            (0.02..0.5).contains(&sweep_share),
            "{symbol}: sweeps {sweep_share}"
        );
    }
}

#[test]
fn spread_widens_in_bursts_and_refills() {
    for (symbol, stats) in both() {
        let wide_share = stats.wide_spread as f64 / stats.messages as f64;
        assert!(
            (0.01..0.4).contains(&wide_share),
            "{symbol}: wide {wide_share}"
        );
        assert!(stats.one_tick_spread > stats.wide_spread, "{symbol}");
        assert!(stats.wide_episodes > 500, "{symbol}");
        let long_share = stats.long_wide_episodes as f64 / stats.wide_episodes as f64;
        assert!(long_share < 0.05, "{symbol}: long episodes {long_share}");
    }
}

#[test]
fn cancels_concentrate_near_the_touch() {
    for (symbol, stats) in both() {
        // Per tick of distance: 2 ticks near the touch, 20 ticks deep.
        let near_per_tick = stats.cancels_near_touch as f64 / 2.0;
        let deep_per_tick = stats.cancels_deep as f64 / 20.0;
        assert!(
            near_per_tick > 3.0 * deep_per_tick,
            "{symbol}: {near_per_tick} vs {deep_per_tick}"
        );
    }
}

#[test]
fn stock_activity_is_u_shaped() {
    let spec = small_stock();
    let stats = stock_stats();
    let (open, close) = (spec.open_ns(), spec.close_ns());
    let count = |from: i64, to: i64| {
        stats
            .message_ts
            .iter()
            .filter(|&&ts| (from..to).contains(&ts))
            .count() as f64
    };
    let first = count(open, open + 30 * NS_PER_MIN);
    let last = count(close - 30 * NS_PER_MIN, close);
    // Midday: 11:45–13:45, four half hours.
    let midday = count(open + 135 * NS_PER_MIN, open + 255 * NS_PER_MIN) / 4.0;
    assert!(first > 1.5 * midday, "{first} vs {midday}");
    assert!(last > 1.5 * midday, "{last} vs {midday}");
}

#[test]
fn arrivals_cluster() {
    for (symbol, stats) in both() {
        // An hour in the middle of the session, where the profile is flat-ish.
        let n = stats.message_ts.len();
        let gaps: Vec<f64> = stats.message_ts[n * 2 / 5..n * 3 / 5]
            .windows(2)
            .map(|pair| (pair[1] - pair[0]) as f64)
            .collect();
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let variance = gaps.iter().map(|gap| (gap - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
        let coefficient_of_variation = variance.sqrt() / mean;
        eprintln!("{symbol}: inter-arrival CV {coefficient_of_variation:.2}");
        assert!(
            coefficient_of_variation > 1.15,
            "{symbol}: CV {coefficient_of_variation}"
        );
    }
}

#[test]
fn feed_latency_jitters_around_a_millisecond_with_spikes() {
    for (symbol, stats) in both() {
        let mut latencies = stats.latencies_ns.clone();
        latencies.sort_unstable();
        let median = latencies[latencies.len() / 2];
        let p99 = latencies[latencies.len() * 99 / 100];
        assert!((300_000..3_000_000).contains(&median), "{symbol}: {median}");
        assert!(p99 > median + median / 4, "{symbol}: jitter {median} {p99}");
        assert!(p99 < 10 * median, "{symbol}: {median} {p99}");
    }
}

fn shipped_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

#[test]
fn shipped_sample_data_regenerates_byte_for_byte() {
    let shipped = shipped_folder();
    if !shipped.is_dir() {
        eprintln!(
            "note: {} is absent; skipping the regeneration check",
            shipped.display()
        );
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("sample-data");
    let started = Instant::now();
    let written = write_sample_folder(&out, &SampleFolderOptions::default()).unwrap();
    eprintln!(
        "regenerated the sample data in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // BTC-PERP and ETH-PERP on two days each, ACME on one.
    assert_eq!(written.len(), 5);
    let mut files = vec![PathBuf::from("README.md")];
    for sample in &written {
        for file in [&sample.data.file, &sample.instrument_file] {
            files.push(file.strip_prefix(&out).unwrap().to_owned());
        }
    }
    for file in files {
        let fresh = std::fs::read(out.join(&file)).unwrap();
        let kept = std::fs::read(shipped.join(&file))
            .unwrap_or_else(|err| panic!("{}: {err}", shipped.join(&file).display()));
        assert!(
            fresh == kept,
            "{} differs from a regeneration with the default seed ({} vs {} bytes); \
             regenerate with `cargo run --release -- sample --out sample-data`",
            file.display(),
            fresh.len(),
            kept.len()
        );
    }
}

#[test]
fn shipped_instruments_say_they_are_synthetic() {
    let shipped = shipped_folder();
    if !shipped.is_dir() {
        eprintln!("note: {} is absent; skipping", shipped.display());
        return;
    }
    for symbol in ["BTC-PERP", "ETH-PERP", "ACME"] {
        let path = shipped.join(symbol).join("instrument.toml");
        let instrument = ticklab::Instrument::from_file(&path).unwrap();
        assert_eq!(instrument.symbol, symbol);
        assert!(instrument.description.contains("Synthetic"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# ") && text.contains("synthetic"),
            "{text}"
        );
    }
    let readme = std::fs::read_to_string(shipped.join("README.md")).unwrap();
    assert!(readme.contains("synthetic") && readme.contains("--out sample-data"));
}

#[test]
fn shipped_stock_day_reads_back_as_generated() {
    let shipped = shipped_folder();
    if !shipped.is_dir() {
        eprintln!("note: {} is absent; skipping", shipped.display());
        return;
    }
    let spec = SampleSpec::stock();
    let dir = shipped.join(spec.symbol());
    let instrument = ticklab::Instrument::from_file(&dir.join("instrument.toml")).unwrap();
    assert_eq!(instrument, spec.instrument);
    let file = dir.join(format!("{}.parquet", spec.day));
    let mut read = EventReader::open(&file, &instrument, ReadOptions::default())
        .unwrap()
        .into_events();
    let mut rows = 0usize;
    for (row, expected) in generate(&spec, DEFAULT_SEED).enumerate() {
        let event = read
            .next()
            .unwrap_or_else(|| panic!("file ends at row {row}"))
            .unwrap();
        assert_eq!(event, expected, "row {row}");
        rows += 1;
    }
    assert!(read.next().is_none(), "file has more than {rows} rows");
}

/// The mid at the end of each `step_ns` of `events` (the last consistent
/// book in it), from `from_ns` on; NaN while a side is empty.
fn mids_on_a_grid(
    events: impl Iterator<Item = MarketEvent>,
    from_ns: i64,
    step_ns: i64,
) -> Vec<f64> {
    let (mut bids, mut asks) = (Book::new(), Book::new());
    let mut mids = Vec::new();
    let mut mid = f64::NAN;
    for event in events {
        while event.exch_ts >= from_ns + (mids.len() as i64 + 1) * step_ns {
            mids.push(mid);
        }
        let book = if event.side == Side::Buy {
            &mut bids
        } else {
            &mut asks
        };
        match event.kind {
            EventKind::Clear => {
                bids.clear();
                asks.clear();
            }
            EventKind::Snapshot | EventKind::Depth if event.qty == 0 => {
                book.remove(&event.price);
            }
            EventKind::Snapshot | EventKind::Depth => {
                book.insert(event.price, event.qty);
            }
            _ => {}
        }
        if event.is_last_in_batch() {
            mid = match (best_bid(&bids), best_ask(&asks)) {
                (Some(b), Some(a)) => (b + a) as f64 / 2.0,
                _ => f64::NAN,
            };
        }
    }
    mids
}

fn log_returns(mids: &[f64]) -> Vec<f64> {
    mids.windows(2).map(|w| (w[1] / w[0]).ln()).collect()
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len()) as f64;
    let mean = |x: &[f64]| x.iter().sum::<f64>() / n;
    let (ma, mb) = (mean(a), mean(b));
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        ab += (x - ma) * (y - mb);
        aa += (x - ma) * (x - ma);
        bb += (y - mb) * (y - mb);
    }
    ab / (aa * bb).sqrt()
}

#[test]
fn eth_perps_mid_moves_with_btc_perps_a_moment_later() {
    // Two busy hours of BTC-PERP and the ETH-PERP that follows it.
    let leader = small_crypto();
    let mut follower = SampleSpec::eth_perp_on(SAMPLE_DAY).with_target_events(60_000);
    follower.session = leader.session;
    follower.leader = Some(Leader {
        spec: Box::new(leader.clone()),
        lag_ns: 400_000_000,
    });
    let step_ns = 10_000_000_000;
    let btc = mids_on_a_grid(generate(&leader, 7), leader.open_ns(), step_ns);
    let eth = mids_on_a_grid(generate(&follower, 7), follower.open_ns(), step_ns);
    assert!(
        btc.len() >= 700 && eth.len() >= 700,
        "{} {}",
        btc.len(),
        eth.len()
    );
    assert!(btc.iter().chain(&eth).skip(1).all(|m| m.is_finite()));
    let n = btc.len().min(eth.len());
    let (r_btc, r_eth) = (log_returns(&btc[..n]), log_returns(&eth[..n]));
    let rho = correlation(&r_btc, &r_eth);
    eprintln!("10 s mid returns of BTC-PERP and ETH-PERP correlate {rho:.3}");
    assert!(rho > 0.6, "10 s returns correlate {rho:.2}");
    // Own tick and lot.
    assert_eq!(
        (follower.instrument.tick_size, follower.instrument.lot_size),
        (0.01, 0.01)
    );
}
