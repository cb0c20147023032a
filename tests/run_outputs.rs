//! The files a run writes, read back as a pandas user would see them:
//! column names, Parquet logical types, nulls where a value is missing, the
//! first equity row marked at the first mid.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::rc::Rc;

use parquet::basic::{LogicalType, TimeUnit};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use ticklab::market::{Instrument, MarketEvent, Side};
use ticklab::report::{OutputFormats, RecordWriter};
use ticklab::sim::order::OrderRequest;
use ticklab::sim::{Engine, LatencyConfig, RiskLimits, RunConfig};
use ticklab::strategy::{run_to_end, Ctx, Strategy, StrategyError};

/// 2024-03-01 09:30:00 UTC, ns.
const T0: i64 = 1_709_285_400_000_000_000;

/// Tick 0.5, lot 0.1: natural units differ from grid units.
fn instrument() -> Instrument {
    Instrument::new("OUT", 0.5, 0.1)
}

/// Sends, once the book has a touch: a market buy of 2 lots, a limit buy
/// of 1 at 98, a stop-market sell of 1 stopped at 95, and a limit buy of 6
/// that pre-trade risk refuses (at most 5 lots an order).
#[derive(Default)]
struct Probe {
    sent: bool,
}

impl Strategy for Probe {
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, _ev: &MarketEvent) -> Result<(), StrategyError> {
        if self.sent || ctx.best_bid().is_none() || ctx.best_ask().is_none() {
            return Ok(());
        }
        self.sent = true;
        ctx.buy_market(2)?;
        ctx.buy(98, 1)?;
        ctx.submit(OrderRequest::stop_market(Side::Sell, 95, 1))?;
        ctx.buy(98, 6)?;
        Ok(())
    }
}

fn events() -> Vec<MarketEvent> {
    vec![
        MarketEvent::depth(T0, Side::Buy, 99, 10),
        MarketEvent::depth(T0, Side::Sell, 101, 10),
        MarketEvent::depth(T0 + 1_000, Side::Buy, 99, 11),
        MarketEvent::depth(T0 + 2_000_000, Side::Buy, 99, 12),
        MarketEvent::depth(T0 + 3_000_000, Side::Buy, 99, 13),
    ]
}

fn config() -> RunConfig {
    RunConfig {
        latency: LatencyConfig::Constant {
            entry_ns: 100,
            response_ns: 100,
        },
        risk: RiskLimits {
            max_order_lots: Some(5),
            ..RiskLimits::default()
        },
        ..RunConfig::default()
    }
}

/// A file's columns: name → (physical type, logical type, optional).
struct Columns(Vec<(String, String, Option<LogicalType>, bool)>);

impl Columns {
    fn names(&self) -> Vec<&str> {
        self.0.iter().map(|(name, ..)| name.as_str()).collect()
    }

    fn logical(&self, name: &str) -> Option<LogicalType> {
        self.0
            .iter()
            .find(|(n, ..)| n == name)
            .unwrap_or_else(|| panic!("no column {name}"))
            .2
            .clone()
    }
}

/// The schema and rows of a Parquet file, each row as name → field.
fn read(path: &Path) -> (Columns, Vec<BTreeMap<String, Field>>) {
    let reader =
        SerializedFileReader::new(File::open(path).expect("the file")).expect("a Parquet file");
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let columns = Columns(
        schema
            .columns()
            .iter()
            .map(|c| {
                (
                    c.name().to_owned(),
                    c.physical_type().to_string(),
                    c.logical_type_ref().cloned(),
                    c.self_type().is_optional(),
                )
            })
            .collect(),
    );
    let rows = reader
        .get_row_iter(None)
        .expect("rows")
        .map(|row| {
            row.expect("a row")
                .get_column_iter()
                .map(|(name, field)| (name.clone(), field.clone()))
                .collect()
        })
        .collect();
    (columns, rows)
}

fn run(dir: &Path) {
    let inst = instrument();
    let config = config();
    let events = events();
    let writer = Rc::new(RefCell::new(
        RecordWriter::create(dir, &inst, config.initial_cash, OutputFormats::default())
            .expect("the writer starts"),
    ));
    let mut engine = Engine::from_slice(inst.clone(), &config, &events).expect("a valid run");
    engine.set_record_sink(Box::new(Rc::clone(&writer)));
    run_to_end(engine, Probe::default()).expect("the run goes on");
    let writer = Rc::try_unwrap(writer)
        .ok()
        .expect("the run is over")
        .into_inner();
    writer.finish().expect("the tables are written");
}

fn utc_ns() -> Option<LogicalType> {
    Some(LogicalType::timestamp(true, TimeUnit::NANOS))
}

#[test]
fn the_orders_table_has_nulls_for_missing_prices_and_plain_reasons() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path());
    let (columns, rows) = read(&dir.path().join("orders.parquet"));
    assert_eq!(
        columns.names(),
        [
            "exch_ts",
            "local_ts",
            "order_id",
            "event",
            "state",
            "side",
            "order_type",
            "time_in_force",
            "price",
            "stop_price",
            "qty",
            "filled",
            "fill_price",
            "fill_qty",
            "reason",
            "reason_detail",
        ]
    );
    assert_eq!(columns.logical("exch_ts"), utc_ns());
    assert_eq!(columns.logical("local_ts"), utc_ns());
    for name in ["event", "state", "side", "reason", "reason_detail"] {
        assert_eq!(columns.logical(name), Some(LogicalType::String), "{name}");
    }
    assert_eq!(columns.logical("price"), None);

    let text = |f: &Field| match f {
        Field::Str(s) => s.clone(),
        Field::Null => "null".to_owned(),
        Field::Double(x) => format!("{x}"),
        Field::Long(x) => format!("{x}"),
        other => panic!("unexpected {other:?}"),
    };
    let table: Vec<String> = rows
        .iter()
        .map(|row| {
            [
                "order_id",
                "event",
                "state",
                "order_type",
                "price",
                "stop_price",
                "qty",
                "fill_price",
                "fill_qty",
                "reason",
                "reason_detail",
            ]
            .iter()
            .map(|name| text(&row[*name]))
            .collect::<Vec<_>>()
            .join(" ")
        })
        .collect();
    // The refusal comes from pre-trade risk at once; the others after the
    // 100 ns entry latency, in the order sent. The market buy is accepted,
    // then takes 2 lots (0.2) at the ask of 101 ticks (50.5).
    assert_eq!(
        table,
        [
            "4 rejected rejected limit 49 null 0.6 null null max_order_size order size 6 lots exceeds the maximum 5",
            "1 accepted accepted market null null 0.2 null null null null",
            "1 fill filled market null null 0.2 50.5 0.2 null null",
            "2 accepted accepted limit 49 null 0.1 null null null null",
            "3 accepted accepted stop_market null 47.5 0.1 null null null null",
        ]
    );
    let first = &rows[1];
    assert_eq!(first["exch_ts"], Field::Long(T0 + 100));
    assert_eq!(first["local_ts"], Field::Long(T0 + 200));
}

#[test]
fn fills_and_equity_read_back_with_their_types() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path());
    let (columns, rows) = read(&dir.path().join("fills.parquet"));
    assert_eq!(
        columns.names(),
        [
            "exch_ts",
            "local_ts",
            "order_id",
            "side",
            "price",
            "qty",
            "price_ticks",
            "qty_lots",
            "liquidity",
            "fee",
            "time_in_queue_ns",
            "slippage_ticks",
            "position_lots",
        ]
    );
    assert_eq!(columns.logical("exch_ts"), utc_ns());
    assert_eq!(columns.logical("liquidity"), Some(LogicalType::String));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["side"], Field::Str("buy".into()));
    assert_eq!(rows[0]["liquidity"], Field::Str("taker".into()));
    assert_eq!(rows[0]["price"], Field::Double(50.5));
    assert_eq!(rows[0]["price_ticks"], Field::Long(101));
    // Sent when the mid was 100: one tick worse.
    assert_eq!(rows[0]["slippage_ticks"], Field::Double(1.0));

    let (columns, rows) = read(&dir.path().join("equity.parquet"));
    assert_eq!(
        columns.names(),
        [
            "ts",
            "cause",
            "position_lots",
            "avg_entry_price",
            "cash",
            "realized_pnl",
            "unrealized_pnl",
            "fees",
            "funding_paid",
            "equity",
            "mark_price",
        ]
    );
    assert_eq!(columns.logical("ts"), utc_ns());
    assert!(!columns.names().contains(&"update"));
    // The first row: at the first event, marked at the first mid (100
    // ticks = 50.0), flat, so no entry price.
    let first = &rows[0];
    assert_eq!(first["ts"], Field::Long(T0));
    assert_eq!(first["cause"], Field::Str("step".into()));
    assert_eq!(first["mark_price"], Field::Double(50.0));
    assert_eq!(first["avg_entry_price"], Field::Null);
    assert_eq!(first["equity"], Field::Double(100_000.0));
    // After the fill: 2 lots long from 50.5.
    let fill = &rows[1];
    assert_eq!(fill["cause"], Field::Str("fill".into()));
    assert_eq!(fill["position_lots"], Field::Long(2));
    assert_eq!(fill["avg_entry_price"], Field::Double(50.5));
    let last = rows.last().unwrap();
    assert_eq!(last["cause"], Field::Str("final".into()));
}

#[test]
fn the_same_run_writes_the_same_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    run(a.path());
    run(b.path());
    for name in ["fills.parquet", "equity.parquet", "orders.parquet"] {
        assert_eq!(
            std::fs::read(a.path().join(name)).unwrap(),
            std::fs::read(b.path().join(name)).unwrap(),
            "{name}"
        );
    }
}
