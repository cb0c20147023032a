//! Market states in files: `status` rows in the canonical Parquet schema,
//! LOBSTER type-7 (trading halt) messages and DBN status records, each from
//! a file written here.

use std::path::{Path, PathBuf};

use dbn::encode::{DbnEncoder, EncodeRecord};
use dbn::{Metadata, SType, Schema, StatusAction, StatusMsg};
use ticklab::market::import::dbn::DbnSource;
use ticklab::market::import::lobster::LobsterSource;
use ticklab::market::import::{collect_events, ImportError};
use ticklab::market::parquet::{read_events, write_events, DataError, ReadOptions, WriteOptions};
use ticklab::market::{flags, EventKind, Instrument, MarketEvent, MarketState, Side};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a fixture");
    path
}

// ------------------------------------------------------------------ Parquet

#[test]
fn status_rows_round_trip_with_the_state_in_side() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("2024-03-01.parquet");
    let inst = Instrument::new("TEST", 0.5, 1.0);
    let events = vec![
        MarketEvent::depth(10, Side::Buy, 200, 3),
        MarketEvent::status(20, MarketState::PreOpen).seen_at(25),
        MarketEvent::status(30, MarketState::Halted),
        MarketEvent::status(40, MarketState::Closed),
        MarketEvent::status(50, MarketState::Trading),
        MarketEvent::trade(60, Side::Sell, 201, 1),
    ];
    write_events(
        &path,
        &inst,
        events.iter().copied(),
        &WriteOptions::default(),
    )
    .unwrap();
    let (back, _) = read_events(&path, &inst, ReadOptions::default()).unwrap();
    assert_eq!(back, events);
    assert_eq!(back[1].market_state(), Some(MarketState::PreOpen));
    assert_eq!(back[1].side_file_name(), "pre_open");
    assert_eq!(back[0].market_state(), None);
}

#[test]
fn a_status_row_without_a_state_names_file_row_and_value() {
    // A status event with an unknown state code is written with side
    // `none`; reading it back is an error on that row.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("2024-03-01.parquet");
    let inst = Instrument::new("TEST", 1.0, 1.0);
    let unknown = MarketEvent {
        order_id: 9,
        ..MarketEvent::status(10, MarketState::Halted)
    };
    let events = [MarketEvent::depth(5, Side::Buy, 1, 1), unknown];
    write_events(&path, &inst, events, &WriteOptions::default()).unwrap();
    let err = read_events(&path, &inst, ReadOptions::default()).unwrap_err();
    assert!(
        matches!(err, DataError::MisplacedState { row: 1, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}: row 1 (0-based), column `side`: \"none\" on a `status` row (a status row takes trading, pre_open, halted or closed)",
            path.display()
        )
    );
}

// ------------------------------------------------------------------ LOBSTER

/// A halt, quotes resuming, trading resuming, between two book messages.
const MESSAGES: &str = "34200.000000001,1,1,100,1000000,1
34201,7,0,0,-1,-1
34202,7,0,0,0,-1
34203,7,0,0,1,-1
34204,1,2,50,1001000,-1
";

const BOOK: &str = "9999999999,0,1000000,100
9999999999,0,1000000,100
9999999999,0,1000000,100
9999999999,0,1000000,100
1001000,50,1000000,100
";

/// 2012-06-21 09:30:00 New York (EDT) in ns since the epoch, UTC.
const OPEN_NS: i64 = 1_340_285_400_000_000_000;
const S: i64 = 1_000_000_000;

#[test]
fn lobster_type_7_messages_are_status_events() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "TEST_2012-06-21_34200000_57600000_orderbook_1.csv",
        BOOK,
    );
    let path = write(
        dir.path(),
        "TEST_2012-06-21_34200000_57600000_message_1.csv",
        MESSAGES,
    );
    let inst = Instrument::new("TEST", 0.01, 1.0);
    let mut source = LobsterSource::open(&path, &inst, false, true).unwrap();
    let events = collect_events(&mut source).unwrap();
    let statuses: Vec<(i64, MarketState, u8)> = events
        .iter()
        .filter_map(|e| e.market_state().map(|s| (e.exch_ts, s, e.flags)))
        .collect();
    let last = flags::LAST_IN_BATCH;
    assert_eq!(
        statuses,
        vec![
            (OPEN_NS + S, MarketState::Halted, last),
            (OPEN_NS + 2 * S, MarketState::PreOpen, last),
            (OPEN_NS + 3 * S, MarketState::Trading, last),
        ]
    );
    // Each halt message is its own batch of one status event.
    let at = |ts: i64| events.iter().filter(|e| e.exch_ts == ts).count();
    assert_eq!((at(OPEN_NS + S), at(OPEN_NS + 2 * S)), (1, 1));
    assert_eq!(events.len(), 3 + 3 + 2);
    let statused: Vec<&MarketEvent> = events
        .iter()
        .filter(|e| e.kind == EventKind::Status)
        .collect();
    assert!(statused
        .iter()
        .all(|e| e.side == Side::None && e.price == 0 && e.qty == 0 && e.local_ts == e.exch_ts));
}

#[test]
fn lobster_type_7_with_another_price_names_the_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "TEST_2012-06-21_34200000_57600000_orderbook_1.csv",
        BOOK,
    );
    let messages = MESSAGES.replace("34202,7,0,0,0,-1", "34202,7,0,0,5,-1");
    let path = write(
        dir.path(),
        "TEST_2012-06-21_34200000_57600000_message_1.csv",
        &messages,
    );
    let inst = Instrument::new("TEST", 0.01, 1.0);
    let mut source = LobsterSource::open(&path, &inst, false, false).unwrap();
    let err = collect_events(&mut source).unwrap_err();
    assert!(matches!(err, ImportError::Row { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "{}:3: field `price` = \"5\": a trading halt message (type 7) has price -1 (halt), 0 (quotes resume) or 1 (trading resumes)",
            path.display()
        )
    );
}

// ---------------------------------------------------------------------- DBN

fn status_record(ts: u64, action: StatusAction, is_trading: u8) -> StatusMsg {
    let mut msg = StatusMsg::default();
    msg.hd.instrument_id = 17_077;
    msg.hd.ts_event = ts;
    msg.ts_recv = ts + 500;
    msg.action = action as u16;
    msg.is_trading = is_trading as std::ffi::c_char;
    msg
}

#[test]
fn dbn_status_records_are_status_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("glbx-mdp3-20231225.status.dbn");
    let metadata = Metadata::builder()
        .dataset("GLBX.MDP3")
        .schema(Some(Schema::Status))
        .start(0)
        .stype_in(Some(SType::RawSymbol))
        .stype_out(SType::InstrumentId)
        .build();
    let records = [
        status_record(1_000, StatusAction::PreOpen, b'N'),
        status_record(2_000, StatusAction::SsrChange, b'~'),
        status_record(3_000, StatusAction::Trading, b'Y'),
        status_record(4_000, StatusAction::Halt, b'N'),
        status_record(5_000, StatusAction::Close, b'N'),
    ];
    let file = std::fs::File::create(&path).unwrap();
    let mut encoder = DbnEncoder::new(file, &metadata).unwrap();
    for record in &records {
        encoder.encode_record(record).unwrap();
    }
    drop(encoder);

    let inst = Instrument::new("ESH4", 0.25, 1.0);
    let mut source = DbnSource::open(&path, &inst, None, false).unwrap();
    let events = collect_events(&mut source).unwrap();
    let status = |ts: i64, state| MarketEvent {
        exch_ts: ts,
        ..MarketEvent::status(ts + 500, state)
    };
    assert_eq!(
        events,
        vec![
            status(1_000, MarketState::PreOpen),
            status(3_000, MarketState::Trading),
            status(4_000, MarketState::Halted),
            status(5_000, MarketState::Closed),
        ]
    );
}
