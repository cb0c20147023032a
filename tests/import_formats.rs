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
    options.reorder_window_ns = 1_000_000;
    let summary = import::convert(Format::Tardis, &[path], &out, &options).unwrap();
    assert_eq!(summary.reordered_batches, 1);
    let inst = Instrument::from_file(&out.join("BTC/instrument.toml")).unwrap();
    let events = read_events(&summary.days[0].file, &inst, ReadOptions::default())
        .unwrap()
        .0;
    let times: Vec<i64> = events.iter().map(|e| e.exch_ts).collect();
    assert_eq!(times, vec![1_000_000, 2_000_000, 3_000_000]);
}
