//! Each vendor format: a small fixture written here, and the exact
//! canonical events it must give; malformed rows name file, line and field.

use std::io::Write;
use std::path::{Path, PathBuf};

use ticklab::book::L2Book;
use ticklab::market::import::lobster::LobsterSource;
use ticklab::market::import::tardis::TardisSource;
use ticklab::market::import::{
    self, collect_events, CsvMap, EventSource, Format, ImportError, ImportOptions, TsUnit,
};
use ticklab::market::parquet::{read_events, ReadOptions};
use ticklab::market::{flags, EventKind, Instrument, MarketEvent, Side};

const LAST: u8 = flags::LAST_IN_BATCH;
const SNAP: u8 = flags::SNAPSHOT;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a fixture");
    path
}

#[allow(clippy::too_many_arguments)]
fn ev(
    kind: EventKind,
    side: Side,
    exch_ts: i64,
    local_ts: i64,
    price: i64,
    qty: i64,
    order_id: u64,
    flags: u8,
) -> MarketEvent {
    MarketEvent {
        exch_ts,
        local_ts,
        price,
        qty,
        order_id,
        kind,
        side,
        flags,
    }
}

fn tardis_events(path: &Path, instrument: &Instrument) -> Vec<MarketEvent> {
    let mut source = TardisSource::open(path, instrument, false).expect("open the fixture");
    collect_events(&mut source).expect("convert the fixture")
}

const TARDIS_L2: &str = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount
x,BTC,1000,1100,true,bid,100.0,1.5
x,BTC,1000,1100,true,ask,100.5,2
x,BTC,2000,2100,false,bid,100.0,0
x,BTC,2000,2100,false,bid,99.5,3
x,BTC,3000,3050,false,ask,100.5,1
";

fn tardis_l2_expected() -> Vec<MarketEvent> {
    use EventKind::{Clear, Depth, Snapshot};
    vec![
        ev(Clear, Side::None, 1_000_000, 1_100_000, 0, 0, 0, SNAP),
        ev(Snapshot, Side::Buy, 1_000_000, 1_100_000, 200, 3, 0, SNAP),
        ev(
            Snapshot,
            Side::Sell,
            1_000_000,
            1_100_000,
            201,
            4,
            0,
            SNAP | LAST,
        ),
        ev(Depth, Side::Buy, 2_000_000, 2_100_000, 200, 0, 0, 0),
        ev(Depth, Side::Buy, 2_000_000, 2_100_000, 199, 6, 0, LAST),
        ev(Depth, Side::Sell, 3_000_000, 3_050_000, 201, 2, 0, LAST),
    ]
}

#[test]
fn tardis_incremental_l2_plain_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let inst = Instrument::new("BTC", 0.5, 0.5);
    let plain = write(dir.path(), "l2.csv", TARDIS_L2);
    assert_eq!(tardis_events(&plain, &inst), tardis_l2_expected());

    let gz_path = dir.path().join("l2.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz_path).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(TARDIS_L2.as_bytes()).unwrap();
    gz.finish().unwrap();
    assert_eq!(tardis_events(&gz_path, &inst), tardis_l2_expected());
}

#[test]
fn tardis_trades_quotes_and_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let inst = Instrument::new("BTC", 0.5, 0.5);
    let trades = write(
        dir.path(),
        "trades.csv",
        "exchange,symbol,timestamp,local_timestamp,id,side,price,amount
x,BTC,10,12,a1,buy,100.5,1
x,BTC,11,12,a2,sell,100.0,2.5
x,BTC,11,13,a3,unknown,100.0,0.5
",
    );
    use EventKind::{Bbo, Clear, Snapshot, Trade};
    assert_eq!(
        tardis_events(&trades, &inst),
        vec![
            ev(Trade, Side::Buy, 10_000, 12_000, 201, 2, 0, LAST),
            ev(Trade, Side::Sell, 11_000, 12_000, 200, 5, 0, LAST),
            ev(Trade, Side::None, 11_000, 13_000, 200, 1, 0, LAST),
        ]
    );

    let quotes = write(
        dir.path(),
        "quotes.csv",
        "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount
x,BTC,10,12,1,100.5,100.0,2
x,BTC,20,22,1.5,101.0,,
",
    );
    assert_eq!(
        tardis_events(&quotes, &inst),
        vec![
            ev(Bbo, Side::Buy, 10_000, 12_000, 200, 4, 0, 0),
            ev(Bbo, Side::Sell, 10_000, 12_000, 201, 2, 0, LAST),
            ev(Clear, Side::Buy, 20_000, 22_000, 0, 0, 0, 0),
            ev(Bbo, Side::Sell, 20_000, 22_000, 202, 3, 0, LAST),
        ]
    );

    let snapshot = write(
        dir.path(),
        "snap.csv",
        "exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount,asks[1].price,asks[1].amount,bids[1].price,bids[1].amount
x,BTC,10,12,100.5,1,100.0,2,101.0,3,,
",
    );
    assert_eq!(
        tardis_events(&snapshot, &inst),
        vec![
            ev(Clear, Side::None, 10_000, 12_000, 0, 0, 0, SNAP),
            ev(Snapshot, Side::Buy, 10_000, 12_000, 200, 4, 0, SNAP),
            ev(Snapshot, Side::Sell, 10_000, 12_000, 201, 2, 0, SNAP),
            ev(Snapshot, Side::Sell, 10_000, 12_000, 202, 6, 0, SNAP | LAST),
        ]
    );
}

#[test]
fn tardis_bad_rows_name_file_line_and_field_or_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let inst = Instrument::new("BTC", 0.5, 0.5);
    let path = write(
        dir.path(),
        "bad.csv",
        "exchange,symbol,timestamp,local_timestamp,id,side,price,amount
x,BTC,10,12,a1,buy,100.5,1
x,BTC,11,12,a2,sell,abc,2
x,BTC,12,12,a3,sell,100.2,2
x,BTC,13,12,a4,sell,100.0,2
",
    );
    let mut source = TardisSource::open(&path, &inst, false).unwrap();
    let err = collect_events(&mut source).unwrap_err().to_string();
    assert!(err.contains("bad.csv:3: field `price`"), "{err}");
    assert!(err.contains("not a number"), "{err}");

    let mut source = TardisSource::open(&path, &inst, true).unwrap();
    let events = collect_events(&mut source).unwrap();
    assert_eq!(events.len(), 2);
    let summary = source.summary();
    assert_eq!((summary.rows_read, summary.rows_converted), (4, 2));
    let reasons: Vec<_> = summary.skipped.keys().cloned().collect();
    assert_eq!(
        reasons,
        vec![
            "field `price`: not a multiple of the tick size 0.5".to_owned(),
            "field `price`: not a number".to_owned(),
        ]
    );
    assert!(
        summary.skipped["field `price`: not a multiple of the tick size 0.5"]
            .first
            .contains("bad.csv:4")
    );

    let other = write(
        dir.path(),
        "ticker.csv",
        "exchange,symbol,timestamp,local_timestamp,funding_rate\n",
    );
    let err = TardisSource::open(&other, &inst, false).err().unwrap();
    assert!(matches!(err, ImportError::Format { .. }), "{err}");
}

// ---------------------------------------------------------------- LOBSTER

const LOBSTER_MESSAGES: &str = "34200.000000001,1,1,100,1000000,1
34200.5,1,2,50,1001000,-1
34201,1,3,30,999900,1
34202,2,1,40,1000000,1
34203,4,2,20,1001000,-1
34204,5,0,10,1000500,1
34205,3,3,30,999900,1
";

/// Level-2 orderbook rows: ask_px1,ask_sz1,bid_px1,bid_sz1,ask_px2,ask_sz2,bid_px2,bid_sz2.
const LOBSTER_BOOK: &str = "9999999999,0,1000000,100,9999999999,0,-9999999999,0
1001000,50,1000000,100,9999999999,0,-9999999999,0
1001000,50,1000000,100,9999999999,0,999900,30
1001000,50,1000000,60,9999999999,0,999900,30
1001000,30,1000000,60,9999999999,0,999900,30
1001000,30,1000000,60,9999999999,0,999900,30
1001000,30,1000000,60,9999999999,0,-9999999999,0
";

const LOBSTER_MESSAGE_FILE: &str = "TEST_2012-06-21_34200000_57600000_message_2.csv";
const LOBSTER_BOOK_FILE: &str = "TEST_2012-06-21_34200000_57600000_orderbook_2.csv";

fn lobster_pair(dir: &Path, messages: &str, book: &str) -> PathBuf {
    write(dir, LOBSTER_BOOK_FILE, book);
    write(dir, LOBSTER_MESSAGE_FILE, messages)
}

/// 2012-06-21 09:30:00 New York (EDT) in ns since the epoch, UTC.
const OPEN_NS: i64 = 1_340_285_400_000_000_000;

#[test]
fn lobster_events_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let path = lobster_pair(dir.path(), LOBSTER_MESSAGES, LOBSTER_BOOK);
    let inst = Instrument::new("TEST", 0.01, 1.0);
    let mut source = LobsterSource::open(&path, &inst, false, true).unwrap();
    let events = collect_events(&mut source).unwrap();
    let s = |secs: f64| OPEN_NS + (secs * 1e9).round() as i64;
    use EventKind::{Add, Cancel, Clear, Depth, Fill, Modify, Snapshot, Trade};
    let at =
        |kind, side, t: i64, price, qty, id, flags| ev(kind, side, t, t, price, qty, id, flags);
    let t1 = OPEN_NS + 1;
    assert_eq!(
        events,
        vec![
            at(Clear, Side::None, t1, 0, 0, 0, SNAP),
            at(Snapshot, Side::Buy, t1, 10_000, 100, 0, SNAP),
            at(Add, Side::Buy, t1, 10_000, 100, 1, LAST),
            at(Add, Side::Sell, s(0.5), 10_010, 50, 2, 0),
            at(Depth, Side::Sell, s(0.5), 10_010, 50, 0, LAST),
            at(Add, Side::Buy, s(1.0), 9_999, 30, 3, 0),
            at(Depth, Side::Buy, s(1.0), 9_999, 30, 0, LAST),
            at(Modify, Side::Buy, s(2.0), 10_000, 60, 1, 0),
            at(Depth, Side::Buy, s(2.0), 10_000, 60, 0, LAST),
            at(Trade, Side::Buy, s(3.0), 10_010, 20, 0, 0),
            at(Fill, Side::Sell, s(3.0), 10_010, 20, 2, 0),
            at(Depth, Side::Sell, s(3.0), 10_010, 30, 0, LAST),
            at(Trade, Side::Sell, s(4.0), 10_005, 10, 0, LAST),
            at(Cancel, Side::Buy, s(5.0), 9_999, 30, 3, 0),
            at(Depth, Side::Buy, s(5.0), 9_999, 0, 0, LAST),
        ]
    );
}

#[test]
fn lobster_book_after_each_message_equals_the_orderbook_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = lobster_pair(dir.path(), LOBSTER_MESSAGES, LOBSTER_BOOK);
    let inst = Instrument::new("TEST", 0.01, 1.0);
    let mut source = LobsterSource::open(&path, &inst, false, true).unwrap();
    let mut book = L2Book::new();
    let mut batch = Vec::new();
    let rows: Vec<Vec<i64>> = LOBSTER_BOOK
        .lines()
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let mut k = 0;
    while source.next_batch(&mut batch).unwrap().is_some() {
        for e in &batch {
            book.apply(e);
        }
        let row = &rows[k];
        for level in 0..2 {
            let ask = book
                .top(Side::Sell, 2)
                .nth(level)
                .map(|l| (l.price * 100, l.qty));
            let bid = book
                .top(Side::Buy, 2)
                .nth(level)
                .map(|l| (l.price * 100, l.qty));
            let file_ask = (row[4 * level + 1] > 0).then(|| (row[4 * level], row[4 * level + 1]));
            let file_bid =
                (row[4 * level + 3] > 0).then(|| (row[4 * level + 2], row[4 * level + 3]));
            assert_eq!(
                (ask, bid),
                (file_ask, file_bid),
                "row {} level {}",
                k + 1,
                level + 1
            );
        }
        k += 1;
    }
    assert_eq!(k, 7);
}

#[test]
fn lobster_verify_reports_a_wrong_row_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let wrong = LOBSTER_BOOK.replacen(
        "1001000,30,1000000,60,9999999999,0,999900,30",
        "1001000,31,1000000,60,9999999999,0,999900,30",
        1,
    );
    let path = lobster_pair(dir.path(), LOBSTER_MESSAGES, &wrong);
    let inst = Instrument::new("TEST", 0.01, 1.0);
    let mut source = LobsterSource::open(&path, &inst, false, true).unwrap();
    let err = collect_events(&mut source).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, ImportError::Mismatch { line: 5, .. }),
        "{text}"
    );
    assert!(text.contains(&format!("{LOBSTER_BOOK_FILE}:5")), "{text}");
    assert!(text.contains("ask level 1"), "{text}");
    assert!(
        text.contains("1001000 × 30") && text.contains("1001000 × 31"),
        "{text}"
    );
    // Without --verify the wrong row is simply the L2 view written.
    let mut source = LobsterSource::open(&path, &inst, false, false).unwrap();
    assert!(collect_events(&mut source).is_ok());
}

#[test]
fn lobster_unknown_message_type_is_an_error_or_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let messages = LOBSTER_MESSAGES.replacen("34204,5,0,10", "34204,9,0,10", 1);
    let path = lobster_pair(dir.path(), &messages, LOBSTER_BOOK);
    let inst = Instrument::new("TEST", 0.01, 1.0);
    let mut source = LobsterSource::open(&path, &inst, false, false).unwrap();
    let err = collect_events(&mut source).unwrap_err().to_string();
    assert!(
        err.contains(&format!("{LOBSTER_MESSAGE_FILE}:6: field `type` = \"9\"")),
        "{err}"
    );

    let mut source = LobsterSource::open(&path, &inst, true, true).unwrap();
    let events = collect_events(&mut source).unwrap();
    assert_eq!(
        events.iter().filter(|e| e.kind == EventKind::Trade).count(),
        1
    );
    let summary = source.summary();
    assert_eq!(summary.rows_skipped(), 1);
    assert!(summary
        .skipped
        .contains_key("field `type`: unknown LOBSTER message type (expected 1 to 7)"));
}

// ---------------------------------------------------------------- DBN

#[test]
fn dbn_mbo_fixture_gives_exact_l3_events() {
    use dbn::encode::{DbnEncoder, EncodeRecord};
    use dbn::{rtype, FlagSet, MboMsg, Metadata, RecordHeader, SType, Schema};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixture.mbo.dbn");
    let metadata = Metadata::builder()
        .dataset("GLBX.MDP3")
        .schema(Some(Schema::Mbo))
        .start(0)
        .stype_in(Some(SType::RawSymbol))
        .stype_out(SType::InstrumentId)
        .build();
    let msg =
        |action: u8, side: u8, order_id: u64, price: i64, size: u32, flags: u8, ts: u64| MboMsg {
            hd: RecordHeader::new::<MboMsg>(rtype::MBO, 1, 7, ts),
            order_id,
            price,
            size,
            flags: FlagSet::new(flags),
            channel_id: 0,
            action: action as std::ffi::c_char,
            side: side as std::ffi::c_char,
            ts_recv: ts + 500,
            ts_in_delta: 0,
            sequence: 0,
        };
    const Q: i64 = 250_000_000; // one tick of 0.25
    let records = [
        msg(b'R', b'N', 0, i64::MAX, 0, 32, 100),
        msg(b'A', b'B', 11, 4000 * Q, 5, 32, 101),
        msg(b'A', b'A', 12, 4001 * Q, 3, 32 | 128, 102),
        msg(b'A', b'B', 13, 4000 * Q, 2, 128, 1_000),
        msg(b'T', b'A', 0, 4000 * Q, 4, 0, 2_000),
        msg(b'F', b'B', 11, 4000 * Q, 4, 0, 2_000),
        msg(b'C', b'B', 11, 4000 * Q, 4, 128, 2_000),
        msg(b'M', b'A', 12, 4002 * Q, 6, 128, 3_000),
        msg(b'C', b'B', 13, 4000 * Q, 2, 128, 4_000),
    ];
    let mut encoder = DbnEncoder::new(std::fs::File::create(&path).unwrap(), &metadata).unwrap();
    for r in &records {
        encoder.encode_record(r).unwrap();
    }
    drop(encoder);

    let mut options = ImportOptions::new("ES");
    options.tick_size = Some(0.25);
    let inst =
        import::resolve_instrument(Format::Dbn, std::slice::from_ref(&path), &options).unwrap();
    let mut sources = import::open_sources(Format::Dbn, &[path], &inst, &options).unwrap();
    let events = collect_events(sources[0].as_mut()).unwrap();
    use EventKind::{Add, Cancel, Clear, Depth, Modify, Trade};
    // Snapshot records take exch_ts = ts_recv.
    assert_eq!(
        events,
        vec![
            ev(Clear, Side::None, 600, 600, 0, 0, 0, SNAP),
            ev(Add, Side::Buy, 601, 601, 4_000, 5, 11, SNAP),
            ev(Depth, Side::Buy, 601, 601, 4_000, 5, 0, SNAP),
            ev(Add, Side::Sell, 602, 602, 4_001, 3, 12, SNAP),
            ev(Depth, Side::Sell, 602, 602, 4_001, 3, 0, SNAP | LAST),
            ev(Add, Side::Buy, 1_000, 1_500, 4_000, 2, 13, 0),
            ev(Depth, Side::Buy, 1_000, 1_500, 4_000, 7, 0, LAST),
            ev(Trade, Side::Sell, 2_000, 2_500, 4_000, 4, 0, 0),
            ev(Modify, Side::Buy, 2_000, 2_500, 4_000, 1, 11, 0),
            ev(Depth, Side::Buy, 2_000, 2_500, 4_000, 3, 0, LAST),
            // A price change empties the old level and fills the new one.
            ev(Modify, Side::Sell, 3_000, 3_500, 4_002, 6, 12, 0),
            ev(Depth, Side::Sell, 3_000, 3_500, 4_001, 0, 0, 0),
            ev(Depth, Side::Sell, 3_000, 3_500, 4_002, 6, 0, LAST),
            ev(Cancel, Side::Buy, 4_000, 4_500, 4_000, 2, 13, 0),
            ev(Depth, Side::Buy, 4_000, 4_500, 4_000, 1, 0, LAST),
        ]
    );
    let summary = sources[0].summary();
    assert_eq!(summary.rows_read, 9);
    assert_eq!(
        summary.notes
            ["F (fill) record: not written, the C or M that follows carries the book change"],
        1
    );
}

// ---------------------------------------------------------------- plain CSV

#[test]
fn csv_with_a_column_map_and_millisecond_times() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "prints.csv",
        "when,recv,px,size,aggr
1700000000000.5,1700000000001,10.25,3,buy
1700000000000.5,1700000000002,10.50,1,s
1700000000002,1700000000003,10.00,2,sell
",
    );
    let mut options = ImportOptions::new("X");
    options.tick_size = Some(0.25);
    options.lot_size = Some(1.0);
    options.ts_unit = TsUnit::Ms;
    options.csv_map = Some(
        "exch_ts=when,local_ts=recv,kind=const:trade,side=aggr,price=px,qty=size"
            .parse::<CsvMap>()
            .unwrap(),
    );
    let inst =
        import::resolve_instrument(Format::Csv, std::slice::from_ref(&path), &options).unwrap();
    let mut sources =
        import::open_sources(Format::Csv, std::slice::from_ref(&path), &inst, &options).unwrap();
    let events = collect_events(sources[0].as_mut()).unwrap();
    use EventKind::Trade;
    let t = 1_700_000_000_000_500_000;
    assert_eq!(
        events,
        vec![
            ev(Trade, Side::Buy, t, 1_700_000_000_001_000_000, 41, 3, 0, 0),
            ev(
                Trade,
                Side::Sell,
                t,
                1_700_000_000_002_000_000,
                42,
                1,
                0,
                LAST
            ),
            ev(
                Trade,
                Side::Sell,
                1_700_000_000_002_000_000,
                1_700_000_000_003_000_000,
                40,
                2,
                0,
                LAST
            ),
        ]
    );

    let bad = write(
        dir.path(),
        "bad.csv",
        "when,recv,px,size,aggr\n17000,17001,10.25,3,up\n",
    );
    let mut sources = import::open_sources(Format::Csv, &[bad], &inst, &options).unwrap();
    let err = collect_events(sources[0].as_mut()).unwrap_err().to_string();
    assert!(err.contains("bad.csv:2: field `side` = \"up\""), "{err}");

    assert!(
        "price=px".parse::<CsvMap>().is_err(),
        "exch_ts and kind are required"
    );
    assert!("exch_ts=a,kind=b,colour=c".parse::<CsvMap>().is_err());
}

// ---------------------------------------------------------------- end to end

#[test]
fn convert_writes_instrument_and_one_file_per_day_with_the_book_carried_over() {
    let dir = tempfile::tempdir().unwrap();
    // 2024-01-01 23:59:59.000 and 2024-01-02 00:00:01.000 UTC, in µs.
    let day1 = 1_704_153_599_000_000_i64;
    let day2 = 1_704_153_601_000_000_i64;
    let path = write(
        dir.path(),
        "l2.csv",
        &format!(
            "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount
x,BTC,{day1},{day1},true,bid,100.0,1
x,BTC,{day1},{day1},true,ask,101.0,1
x,BTC,{day2},{day2},false,ask,101.0,2
"
        ),
    );
    let out = dir.path().join("data");
    let mut options = ImportOptions::new("BTC");
    options.tick_size = Some(0.5);
    options.lot_size = Some(1.0);
    let summary = import::convert(Format::Tardis, &[path], &out, &options).unwrap();
    assert_eq!(summary.rows_read(), 3);
    assert_eq!(summary.days.len(), 2);
    assert_eq!(summary.carried_events, 3);
    let inst = Instrument::from_file(&out.join("BTC/instrument.toml")).unwrap();
    assert_eq!((inst.tick_size, inst.lot_size), (0.5, 1.0));

    let second = read_events(
        out.join("BTC/2024-01-02.parquet"),
        &inst,
        ReadOptions::default(),
    )
    .unwrap()
    .0;
    let t = day2 * 1000;
    use EventKind::{Clear, Depth, Snapshot};
    assert_eq!(
        second,
        vec![
            ev(Clear, Side::None, t, t, 0, 0, 0, SNAP),
            ev(Snapshot, Side::Buy, t, t, 200, 1, 0, SNAP),
            ev(Snapshot, Side::Sell, t, t, 202, 1, 0, SNAP | LAST),
            ev(Depth, Side::Sell, t, t, 202, 2, 0, LAST),
        ]
    );
}

#[test]
fn out_of_order_input_is_an_error_unless_the_reorder_window_covers_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "trades.csv",
        "exchange,symbol,timestamp,local_timestamp,id,side,price,amount
x,BTC,1000,1000,a,buy,100,1
x,BTC,3000,3000,b,buy,100,1
x,BTC,2000,3001,c,buy,100,1
",
    );
    let mut options = ImportOptions::new("BTC");
    options.tick_size = Some(0.5);
    options.lot_size = Some(1.0);
    let out = dir.path().join("data");
    let err = import::convert(Format::Tardis, std::slice::from_ref(&path), &out, &options)
        .unwrap_err()
        .to_string();
    assert!(err.contains("trades.csv:4: exch_ts 2000000 ns"), "{err}");
    options.reorder_window_ns = Some(1_000_000);
    let summary = import::convert(Format::Tardis, &[path], &out, &options).unwrap();
    assert_eq!(summary.reordered_batches, 1);
    let inst = Instrument::from_file(&out.join("BTC/instrument.toml")).unwrap();
    let events = read_events(&summary.days[0].file, &inst, ReadOptions::default())
        .unwrap()
        .0;
    let times: Vec<i64> = events.iter().map(|e| e.exch_ts).collect();
    assert_eq!(times, vec![1_000_000, 2_000_000, 3_000_000]);
}

// ------------------------------------------- LOBSTER hidden executions

const HIDDEN_MESSAGES: &str = "HID_2012-06-21_34200000_57600000_message_1.csv";
const HIDDEN_BOOK: &str = "HID_2012-06-21_34200000_57600000_orderbook_1.csv";

/// A bid at 100.00, an ask at 100.10, then hidden executions at 100.005
/// (half a cent), 100.01 (a whole cent) and 100.995 (half a cent).
fn hidden_pair(dir: &Path, last_hidden_price: &str) -> PathBuf {
    write(
        dir,
        HIDDEN_BOOK,
        "1001000,50,1000000,100\n1001000,50,1000000,100\n1001000,50,1000000,100\n\
         1001000,50,1000000,100\n1001000,50,1000000,100\n",
    );
    write(
        dir,
        HIDDEN_MESSAGES,
        &format!(
            "34200.000000001,1,1,100,1000000,1\n34200.5,1,2,50,1001000,-1\n\
             34201,5,0,30,1000050,1\n34202,5,0,10,1000100,-1\n34203,5,0,20,{last_hidden_price},-1\n"
        ),
    )
}

#[test]
fn lobster_hidden_executions_at_half_a_cent_keep_their_price_on_the_cent_grid() {
    let dir = tempfile::tempdir().unwrap();
    let messages = hidden_pair(dir.path(), "1009950");
    let out = dir.path().join("data");
    let summary = import::convert(
        Format::Lobster,
        &[messages],
        &out,
        &ImportOptions::new("HID"),
    )
    .unwrap();
    assert_eq!(
        summary.instrument.tick_size, 0.01,
        "the book keeps its cent"
    );
    let notes = &summary.inputs[0].notes;
    assert_eq!(
        notes.get("hidden execution: trade only, the visible book is unchanged"),
        Some(&3)
    );
    let half_note =
        "hidden execution half a tick off the grid: trade flagged HALF_TICK at its exact price";
    assert_eq!(notes.get(half_note), Some(&2));
    assert!(summary.to_string().contains(&format!("2 × {half_note}")));

    // Read back: the tick below, flagged; a hidden buy order executed is a
    // seller-initiated trade.
    let inst = Instrument::from_file(&out.join("HID/instrument.toml")).unwrap();
    let day = out.join("HID/2012-06-21.parquet");
    let events = read_events(&day, &inst, ReadOptions::default()).unwrap().0;
    let s = |secs: i64| OPEN_NS + secs * 1_000_000_000;
    let half = flags::HALF_TICK;
    let trades: Vec<MarketEvent> = events
        .into_iter()
        .filter(|e| e.kind == EventKind::Trade)
        .collect();
    use EventKind::Trade;
    assert_eq!(
        trades,
        vec![
            ev(Trade, Side::Sell, s(1), s(1), 10_000, 30, 0, half | LAST),
            ev(Trade, Side::Buy, s(2), s(2), 10_001, 10, 0, LAST),
            ev(Trade, Side::Buy, s(3), s(3), 10_099, 20, 0, half | LAST),
        ]
    );
    assert_eq!(trades[0].exact_price_ticks(), 10_000.5);
    assert_eq!(inst.trade_price(trades[2].price, true), 100.995);

    // The file itself holds the exact prices, as a pandas user reads them.
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let reader = SerializedFileReader::new(std::fs::File::open(&day).unwrap()).unwrap();
    let mut trade_prices = Vec::new();
    for row in reader.get_row_iter(None).unwrap() {
        let row = row.unwrap();
        let mut kind = String::new();
        let mut price = f64::NAN;
        for (name, field) in row.get_column_iter() {
            match (name.as_str(), field) {
                ("kind", Field::Str(k)) => kind = k.clone(),
                ("price", Field::Double(p)) => price = *p,
                _ => {}
            }
        }
        if kind == "trade" {
            trade_prices.push(price);
        }
    }
    assert_eq!(trade_prices, vec![100.005, 100.01, 100.995]);
}

#[test]
fn lobster_hidden_execution_neither_on_the_grid_nor_halfway_names_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let messages = hidden_pair(dir.path(), "1009925");
    let err = import::convert(
        Format::Lobster,
        &[messages],
        &dir.path().join("data"),
        &ImportOptions::new("HID"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(&format!(
            "{HIDDEN_MESSAGES}:5: field `price` = \"1009925\": a hidden execution neither on the \
             tick grid 0.01 nor halfway between two ticks: pass a finer --tick-size"
        )),
        "{err}"
    );
}

#[test]
fn a_half_tick_flag_on_a_book_row_is_an_error_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let inst = Instrument::new("X", 0.01, 1.0);
    let ts = 1_704_153_600_000_000_000;
    // ticklab's writer refuses it...
    let depth = MarketEvent {
        flags: flags::HALF_TICK | LAST,
        ..MarketEvent::depth(ts, Side::Buy, 100, 1)
    };
    let path = dir.path().join("2024-01-02.parquet");
    let mut writer =
        ticklab::market::parquet::EventWriter::create(&path, &inst, &Default::default()).unwrap();
    let err = writer.write(&depth).unwrap_err().to_string();
    assert!(
        err.contains("row 0 (0-based), column `flags`: 5 (bit 4, a half-tick price, on a depth row: trades only)"),
        "{err}"
    );

    // ...and its reader refuses it in a file written elsewhere (a trade at
    // 1.005 flagged, then a depth row flagged too).
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
    use parquet::file::writer::SerializedFileWriter;
    let schema = std::sync::Arc::new(
        parquet::schema::parser::parse_message_type(
            "message events { REQUIRED INT64 exch_ts; REQUIRED INT64 local_ts; \
             REQUIRED BYTE_ARRAY kind (UTF8); REQUIRED BYTE_ARRAY side (UTF8); \
             REQUIRED DOUBLE price; REQUIRED DOUBLE qty; REQUIRED INT32 flags; }",
        )
        .unwrap(),
    );
    let path = dir.path().join("elsewhere.parquet");
    let mut file = SerializedFileWriter::new(
        std::fs::File::create(&path).unwrap(),
        schema,
        Default::default(),
    )
    .unwrap();
    let mut group = file.next_row_group().unwrap();
    let text = |values: [&str; 2]| values.map(ByteArray::from).to_vec();
    macro_rules! column {
        ($type:ty, $values:expr) => {{
            let mut col = group.next_column().unwrap().unwrap();
            col.typed::<$type>()
                .write_batch(&$values, None, None)
                .unwrap();
            col.close().unwrap();
        }};
    }
    column!(Int64Type, [ts, ts + 1]);
    column!(Int64Type, [ts, ts + 1]);
    column!(ByteArrayType, text(["trade", "depth"]));
    column!(ByteArrayType, text(["buy", "bid"]));
    column!(DoubleType, [1.005, 1.005]);
    column!(DoubleType, [1.0, 1.0]);
    column!(Int32Type, [5, 5]);
    group.close().unwrap();
    file.close().unwrap();
    let err = read_events(&path, &inst, ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("elsewhere.parquet: row 1 (0-based), column `flags`: 5 (bit 4, a half-tick price, on a depth row: trades only)"),
        "{err}"
    );
}

// ------------------------------------------------------- hftbacktest npz

const EXCH_EVENT: u64 = 1 << 31;
const LOCAL_EVENT: u64 = 1 << 30;
const BUY_EVENT: u64 = 1 << 29;
const SELL_EVENT: u64 = 1 << 28;

/// One record of hftbacktest's `event_dtype`: ev, exch_ts, local_ts, px,
/// qty, order_id, ival, fval (64 bytes, little-endian).
fn hbt_record(ev: u64, exch_ts: i64, local_ts: i64, px: f64, qty: f64) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(64);
    bytes.extend_from_slice(&ev.to_le_bytes());
    bytes.extend_from_slice(&exch_ts.to_le_bytes());
    bytes.extend_from_slice(&local_ts.to_le_bytes());
    bytes.extend_from_slice(&px.to_le_bytes());
    bytes.extend_from_slice(&qty.to_le_bytes());
    bytes.extend_from_slice(&0u64.to_le_bytes());
    bytes.extend_from_slice(&0i64.to_le_bytes());
    bytes.extend_from_slice(&0f64.to_le_bytes());
    bytes
}

/// An `.npy` of `records`, as `np.save` writes one (version 1.0, the
/// header padded with spaces to a multiple of 64 bytes).
fn npy(records: &[Vec<u8>]) -> Vec<u8> {
    let mut header = format!(
        "{{'descr': [('ev', '<u8'), ('exch_ts', '<i8'), ('local_ts', '<i8'), ('px', '<f8'), \
         ('qty', '<f8'), ('order_id', '<u8'), ('ival', '<i8'), ('fval', '<f8')], \
         'fortran_order': False, 'shape': ({},), }}",
        records.len()
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for record in records {
        bytes.extend_from_slice(record);
    }
    bytes
}

/// A zip holding `name`, deflated, with zip64 sizes as NumPy's `savez`
/// writes them (`force_zip64`).
fn zip64_deflated(name: &str, data: &[u8]) -> Vec<u8> {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("deflate in memory");
    let deflated = encoder.finish().expect("deflate in memory");
    let mut crc = flate2::Crc::new();
    crc.update(data);
    let zip64_extra = || {
        let mut extra = Vec::new();
        extra.extend_from_slice(&1u16.to_le_bytes());
        extra.extend_from_slice(&16u16.to_le_bytes());
        extra.extend_from_slice(&(data.len() as u64).to_le_bytes());
        extra.extend_from_slice(&(deflated.len() as u64).to_le_bytes());
        extra
    };
    let header = |signature: u32, central: bool| {
        let mut h = Vec::new();
        h.extend_from_slice(&signature.to_le_bytes());
        if central {
            h.extend_from_slice(&45u16.to_le_bytes()); // made by
        }
        h.extend_from_slice(&45u16.to_le_bytes()); // needed (zip64)
        h.extend_from_slice(&0u16.to_le_bytes()); // flags
        h.extend_from_slice(&8u16.to_le_bytes()); // deflate
        h.extend_from_slice(&0u32.to_le_bytes()); // time, date
        h.extend_from_slice(&crc.sum().to_le_bytes());
        h.extend_from_slice(&u32::MAX.to_le_bytes()); // sizes in the zip64 extra
        h.extend_from_slice(&u32::MAX.to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&20u16.to_le_bytes()); // extra length
        if central {
            h.extend_from_slice(&0u16.to_le_bytes()); // comment
            h.extend_from_slice(&0u16.to_le_bytes()); // disk
            h.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
            h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            h.extend_from_slice(&0u32.to_le_bytes()); // local header at 0
        }
        h.extend_from_slice(name.as_bytes());
        h.extend_from_slice(&zip64_extra());
        h
    };
    let mut zip = header(0x0403_4b50, false);
    zip.extend_from_slice(&deflated);
    let central_at = zip.len() as u32;
    let central = header(0x0201_4b50, true);
    zip.extend_from_slice(&central);
    zip.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    zip.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    zip.extend_from_slice(&(central.len() as u32).to_le_bytes());
    zip.extend_from_slice(&central_at.to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    zip
}

#[test]
fn hftbacktest_npz_events_map_to_canonical_batches() {
    let t = 1_723_161_600_000_000_000_i64; // 2024-08-09 00:00:00 UTC, ns
    let both = EXCH_EVENT | LOCAL_EVENT;
    let records = vec![
        hbt_record(both | 4 | BUY_EVENT, t, t + 5, 100.0, 1.0),
        hbt_record(both | 4 | BUY_EVENT, t, t + 5, 99.9, 2.0),
        hbt_record(both | 4 | SELL_EVENT, t, t + 5, 100.1, 0.5),
        hbt_record(both | 1 | BUY_EVENT, t + 10, t + 15, 100.0, 1.5),
        // The exchange's row of a trade, then its local-only repeat.
        hbt_record(EXCH_EVENT | 2 | SELL_EVENT, t + 20, t + 30, 100.0, 0.25),
        hbt_record(LOCAL_EVENT | 2 | SELL_EVENT, t + 20, t + 30, 100.0, 0.25),
        // A custom event (best bid of a bookTicker, 103).
        hbt_record(both | 103, t + 25, t + 26, 100.0, 1.0),
        // Clear bids from the best down to 99.9, then a new level.
        hbt_record(both | 3 | BUY_EVENT, t + 40, t + 41, 99.9, 0.0),
        hbt_record(both | 4 | BUY_EVENT, t + 40, t + 41, 99.8, 3.0),
        // Clear everything.
        hbt_record(both | 3, t + 50, t + 51, f64::NAN, 0.0),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("btcusdt_20240809.npz");
    std::fs::write(&path, zip64_deflated("data.npy", &npy(&records))).unwrap();

    let out = dir.path().join("data");
    let mut options = ImportOptions::new("BTCUSDT");
    options.tick_size = Some(0.1);
    options.lot_size = Some(0.001);
    let summary = import::convert(Format::Npz, &[path], &out, &options).unwrap();
    let input = &summary.inputs[0];
    assert_eq!(
        input.detected,
        "hftbacktest npz data.npy (10 events), timestamps in ns"
    );
    assert_eq!((input.rows_read, input.rows_converted), (10, 8));
    assert_eq!(
        input.notes.get(
            "local-only row (LOCAL_EVENT without EXCH_EVENT): repeats an exchange row, left out"
        ),
        Some(&1)
    );
    assert_eq!(
        input
            .notes
            .get("event kind 103 (custom or not a market event): left out"),
        Some(&1)
    );
    let inst = Instrument::from_file(&out.join("BTCUSDT/instrument.toml")).unwrap();
    let events = read_events(&summary.days[0].file, &inst, ReadOptions::default())
        .unwrap()
        .0;
    use EventKind::{Clear, Depth, Snapshot, Trade};
    assert_eq!(
        events,
        vec![
            ev(Snapshot, Side::Buy, t, t + 5, 1000, 1000, 0, SNAP),
            ev(Snapshot, Side::Buy, t, t + 5, 999, 2000, 0, SNAP),
            ev(Snapshot, Side::Sell, t, t + 5, 1001, 500, 0, SNAP | LAST),
            ev(Depth, Side::Buy, t + 10, t + 15, 1000, 1500, 0, LAST),
            ev(Trade, Side::Sell, t + 20, t + 30, 1000, 250, 0, LAST),
            ev(Depth, Side::Buy, t + 40, t + 41, 999, 0, 0, 0),
            ev(Depth, Side::Buy, t + 40, t + 41, 1000, 0, 0, 0),
            ev(
                Snapshot,
                Side::Buy,
                t + 40,
                t + 41,
                998,
                3000,
                0,
                SNAP | LAST
            ),
            ev(Clear, Side::None, t + 50, t + 51, 0, 0, 0, LAST),
        ]
    );
}

#[test]
fn an_npz_that_is_not_hftbacktest_events_says_what_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let mut npy_bytes = b"\x93NUMPY\x01\x00".to_vec();
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n";
    npy_bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    npy_bytes.extend_from_slice(header.as_bytes());
    npy_bytes.extend_from_slice(&[0; 16]);
    let path = dir.path().join("prices.npz");
    std::fs::write(&path, zip64_deflated("prices.npy", &npy_bytes)).unwrap();
    let inst = Instrument::new("X", 0.1, 0.001);
    let err = match ticklab::market::import::npz::NpzSource::open(&path, &inst, false) {
        Ok(_) => panic!("a plain float array is not an event file"),
        Err(err) => err.to_string(),
    };
    assert!(
        err.contains("prices.npz: a plain array of <f8: expected structured records"),
        "{err}"
    );
}

// ------------------------------------------- binary files given as CSV

#[test]
fn a_binary_file_given_as_tardis_csv_is_named_by_its_format() {
    let dir = tempfile::tempdir().unwrap();
    let inst = Instrument::new("X", 0.1, 0.001);
    let open_err = |name: &str, bytes: &[u8]| {
        let path = write_bytes(dir.path(), name, bytes);
        match TardisSource::open(&path, &inst, false) {
            Ok(_) => panic!("{name} is not a Tardis CSV"),
            Err(err) => err.to_string(),
        }
    };
    let mut binary = b"PAR1".to_vec();
    binary.extend(std::iter::repeat_n(0xABu8, 5000));
    let err = open_err("data.csv", &binary);
    assert!(
        err.ends_with("data.csv: not a Tardis CSV: the file looks like a Parquet file (a canonical day file needs no conversion: put it in a data folder)"),
        "{err}"
    );
    assert!(err.len() < 300, "no bytes echoed: {err}");

    let zip = zip64_deflated("data.npy", b"\x93NUMPY");
    let err = open_err("hbt.csv", &zip);
    assert!(
        err.contains("a zip of NumPy arrays (`data.npy`: an hftbacktest .npz; use --from npz)"),
        "{err}"
    );

    let err = open_err("z.csv", &[0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]);
    assert!(err.contains("zstd-compressed data"), "{err}");

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"1723161255030314667 {\"stream\":\"btcusdt@trade\"}\n")
        .unwrap();
    let err = open_err("capture.csv.gz", &gz.finish().unwrap());
    assert!(
        err.contains("looks like gzip-compressed hftbacktest collector capture lines"),
        "{err}"
    );

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&[0u8, 1, 2, 200, 255, 7]).unwrap();
    let err = open_err("blob.gz", &gz.finish().unwrap());
    assert!(
        err.ends_with("the file looks like gzip-compressed binary data"),
        "{err}"
    );
}

fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write a fixture");
    path
}

// ------------------------------------------------ collector captures

/// 2024-08-09 00:00:00 UTC in ms.
const CAPTURE_MS: i64 = 1_723_161_600_000;

/// A capture line received `recv_ms` after [`CAPTURE_MS`].
fn capture_line(recv_ms: i64, json: &str) -> String {
    format!("{} {json}\n", (CAPTURE_MS + recv_ms) * 1_000_000)
}

fn futures_depth(t: i64, first: u64, last: u64, prev: u64, bids: &str, asks: &str) -> String {
    format!(
        r#"{{"stream":"x@depth@0ms","data":{{"e":"depthUpdate","E":{e},"T":{t},"s":"X","U":{first},"u":{last},"pu":{prev},"b":[{bids}],"a":[{asks}]}}}}"#,
        e = CAPTURE_MS + t + 1,
        t = CAPTURE_MS + t,
    )
}

fn binance_futures_capture(with_gap: bool) -> String {
    let mut text = String::new();
    // Before the snapshot: one diff too old for it, one that straddles it.
    text += &capture_line(10, &futures_depth(1, 5, 8, 4, r#"["10.0","1"]"#, ""));
    text += &capture_line(
        11,
        &futures_depth(3, 9, 12, 8, r#"["10.0","2"]"#, r#"["10.2","1"]"#),
    );
    text += &capture_line(
        12,
        &format!(
            r#"{{"stream":"x@aggTrade","data":{{"e":"aggTrade","E":{0},"T":{0},"s":"X","a":1,"p":"10.2","q":"0.5","f":1,"l":1,"m":false}}}}"#,
            CAPTURE_MS + 4
        ),
    );
    text += &capture_line(
        13,
        &format!(
            r#"{{"lastUpdateId":10,"E":{},"T":{},"bids":[["10.0","3"],["9.9","1"]],"asks":[["10.1","4"]]}}"#,
            CAPTURE_MS + 2,
            CAPTURE_MS + 2
        ),
    );
    text += &capture_line(14, &futures_depth(5, 13, 14, 12, "", r#"["10.1","0"]"#));
    text += &capture_line(
        15,
        r#"{"stream":"x@bookTicker","data":{"e":"bookTicker","u":14,"s":"X","b":"10.0","B":"2","a":"10.2","A":"1","T":1,"E":1}}"#,
    );
    if with_gap {
        text += &capture_line(16, &futures_depth(6, 20, 21, 19, r#"["9.9","0"]"#, ""));
    }
    text
}

fn capture_options() -> ImportOptions {
    let mut options = ImportOptions::new("X");
    options.tick_size = Some(0.1);
    options.lot_size = Some(0.5);
    options
}

#[test]
fn binance_capture_diffs_wait_for_the_snapshot_and_follow_binance_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "x.gz", &binance_futures_capture(false));
    let out = dir.path().join("data");
    let summary = import::convert(Format::Collector, &[path], &out, &capture_options()).unwrap();
    let input = &summary.inputs[0];
    assert_eq!(input.detected, "hftbacktest collector capture (binance)");
    assert_eq!(
        input
            .notes
            .get("depth diff older than the snapshot's lastUpdateId: dropped"),
        Some(&1)
    );
    assert_eq!(
        input
            .notes
            .get("Binance bookTicker: not converted (the depth stream carries the book)"),
        Some(&1)
    );
    let inst = Instrument::from_file(&out.join("X/instrument.toml")).unwrap();
    let events = read_events(&summary.days[0].file, &inst, ReadOptions::default())
        .unwrap()
        .0;
    let t = |ms: i64| (CAPTURE_MS + ms) * 1_000_000;
    use EventKind::{Clear, Depth, Snapshot, Trade};
    assert_eq!(
        events,
        vec![
            // The snapshot, at its own T (before the first diff kept).
            ev(Clear, Side::None, t(2), t(13), 0, 0, 0, SNAP),
            ev(Snapshot, Side::Buy, t(2), t(13), 100, 6, 0, SNAP),
            ev(Snapshot, Side::Buy, t(2), t(13), 99, 2, 0, SNAP),
            ev(Snapshot, Side::Sell, t(2), t(13), 101, 8, 0, SNAP | LAST),
            // The diff that straddles lastUpdateId 10, received before it.
            ev(Depth, Side::Buy, t(3), t(11), 100, 4, 0, 0),
            ev(Depth, Side::Sell, t(3), t(11), 102, 2, 0, LAST),
            // The trade, put in exchange-time order.
            ev(Trade, Side::Buy, t(4), t(12), 102, 1, 0, LAST),
            ev(Depth, Side::Sell, t(5), t(14), 101, 0, 0, LAST),
        ]
    );

    // The same capture cut in two files (a day's rotation): one stream, the
    // book carried on from the first file into the second.
    let text = binance_futures_capture(false);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let first = write(dir.path(), "x1.gz", &lines[..4].concat());
    let second = write(dir.path(), "x2.gz", &lines[4..].concat());
    let out2 = dir.path().join("data2");
    let summary = import::convert(
        Format::Collector,
        &[first, second],
        &out2,
        &capture_options(),
    )
    .unwrap();
    assert_eq!(
        summary.inputs[0].detected,
        "hftbacktest collector capture (binance, 2 files)"
    );
    let again = read_events(&summary.days[0].file, &inst, ReadOptions::default())
        .unwrap()
        .0;
    assert_eq!(again, events);
}

#[test]
fn binance_capture_sequence_gap_names_its_line_or_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "x.gz", &binance_futures_capture(true));
    let out = dir.path().join("data");
    let mut options = capture_options();
    let err = import::convert(
        Format::Collector,
        std::slice::from_ref(&path),
        &out,
        &options,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(
            "x.gz:7: field `pu` = \"19\": the depth stream breaks: the previous diff ended at \
             u = 14 (the book is unknown until the next snapshot)"
        ),
        "{err}"
    );
    options.skip_bad = true;
    let summary = import::convert(Format::Collector, &[path], &out, &options).unwrap();
    assert_eq!(
        summary.inputs[0]
            .notes
            .get("depth diff after a sequence gap: applied as it is"),
        Some(&1)
    );
}

#[test]
fn binance_capture_without_a_snapshot_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = capture_line(10, &futures_depth(1, 5, 8, 4, r#"["10.0","1"]"#, ""));
    let path = write(dir.path(), "nosnap.gz", &text);
    let err = import::convert(
        Format::Collector,
        &[path],
        &dir.path().join("data"),
        &capture_options(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(
            "nosnap.gz: 1 depth diffs from line 1 on and no depth snapshot to put them on"
        ),
        "{err}"
    );
}

#[test]
fn bybit_capture_snapshot_trades_and_deltas() {
    let dir = tempfile::tempdir().unwrap();
    let b = CAPTURE_MS;
    let text = capture_line(
        10,
        &format!(
            r#"{{"topic":"orderbook.50.X","type":"snapshot","ts":{b},"data":{{"s":"X","b":[["10.0","3"]],"a":[["10.1","4"]],"u":1,"seq":5}},"cts":{}}}"#,
            b
        ),
    ) + &capture_line(
        11,
        &format!(
            r#"{{"topic":"publicTrade.X","type":"snapshot","ts":{},"data":[{{"T":{},"s":"X","S":"Sell","v":"0.5","p":"10.0","L":"MinusTick","i":"a","BT":false}}]}}"#,
            b + 2,
            b + 1
        ),
    ) + &capture_line(
        12,
        &format!(
            r#"{{"topic":"orderbook.50.X","type":"delta","ts":{},"data":{{"s":"X","b":[["10.0","2.5"]],"a":[],"u":3,"seq":7}},"cts":{}}}"#,
            b + 3,
            b + 2
        ),
    ) + &capture_line(
        13,
        r#"{"topic":"tickers.X","type":"snapshot","ts":1,"data":{}}"#,
    );
    let path = write(dir.path(), "bybit.gz", &text);
    let out = dir.path().join("data");
    let summary = import::convert(Format::Collector, &[path], &out, &capture_options()).unwrap();
    let notes = &summary.inputs[0].notes;
    assert_eq!(
        notes.get("delta whose u is not the previous u + 1: applied as it is"),
        Some(&1)
    );
    assert_eq!(notes.get("Bybit `tickers` topic: not converted"), Some(&1));
    let inst = Instrument::from_file(&out.join("X/instrument.toml")).unwrap();
    let events = read_events(&summary.days[0].file, &inst, ReadOptions::default())
        .unwrap()
        .0;
    let t = |ms: i64| (CAPTURE_MS + ms) * 1_000_000;
    use EventKind::{Clear, Depth, Snapshot, Trade};
    assert_eq!(
        events,
        vec![
            ev(Clear, Side::None, t(0), t(10), 0, 0, 0, SNAP),
            ev(Snapshot, Side::Buy, t(0), t(10), 100, 6, 0, SNAP),
            ev(Snapshot, Side::Sell, t(0), t(10), 101, 8, 0, SNAP | LAST),
            ev(Trade, Side::Sell, t(1), t(11), 100, 1, 0, LAST),
            ev(Depth, Side::Buy, t(2), t(12), 100, 5, 0, LAST),
        ]
    );
}
