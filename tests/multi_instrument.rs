//! Runs over several instruments: one engine each, one clock, one account,
//! worked by hand.
//!
//! AAA (tick 0.01, lot 1) and BBB (tick 1, lot 1), no fees; the defaults
//! apply: 1 ms entry and 1 ms response latency, the feed latency from the
//! data (`local_ts` = `exch_ts` here).

use ticklab::market::{Instrument, MarketEvent, Side};
use ticklab::sim::{Engine, OrderRequest, OrderUpdate, RunConfig};
use ticklab::strategy::native::MarketMaker;
use ticklab::strategy::{Ctx, Runner, Strategy, StrategyError};

const SEC: i64 = 1_000_000_000;
const MS: i64 = 1_000_000;

fn aaa() -> Vec<MarketEvent> {
    vec![
        MarketEvent::depth(SEC, Side::Buy, 100, 5),
        MarketEvent::depth(SEC, Side::Sell, 102, 5),
        MarketEvent::trade(3 * SEC, Side::Sell, 100, 1),
    ]
}

fn bbb() -> Vec<MarketEvent> {
    vec![
        MarketEvent::depth(SEC, Side::Buy, 50, 1),
        MarketEvent::depth(SEC, Side::Sell, 52, 1),
        MarketEvent::depth(2 * SEC, Side::Buy, 50, 3),
    ]
}

fn engine<'a>(symbol: &str, tick: f64, events: &'a [MarketEvent]) -> Engine<'a> {
    Engine::from_slice(
        Instrument::new(symbol, tick, 1.0),
        &RunConfig::default(),
        events,
    )
    .expect("the engine starts")
}

/// What the strategy saw: the symbol, local time and a note.
type Seen = (String, i64, String);

#[derive(Default)]
struct Watch {
    seen: Vec<Seen>,
    /// Buy 1 BBB at market on AAA's first whole book, and 1 AAA at 1.00 on
    /// BBB's event at 2 s.
    trade: bool,
}

impl Watch {
    fn note(&mut self, ctx: &Ctx<'_, '_>, text: String) {
        self.seen
            .push((ctx.symbol().to_owned(), ctx.now_ns(), text));
    }
}

impl Strategy for Watch {
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        let text = format!(
            "{:?} {} pos AAA {:?} BBB {:?} equity {}",
            ev.kind,
            ev.price,
            ctx.position_of("AAA"),
            ctx.position_of("BBB"),
            ctx.account_equity()
        );
        self.note(ctx, text);
        if !self.trade {
            return Ok(());
        }
        if ctx.symbol() == "AAA" && ev.side == Side::Sell && ev.exch_ts == SEC {
            let id = ctx.submit_to("BBB", OrderRequest::market(Side::Buy, 1))?;
            let err = ctx
                .submit_to("ZZZ", OrderRequest::market(Side::Buy, 1))
                .expect_err("no such symbol");
            self.note(ctx, format!("sent #{} to BBB; {err}", id.0));
        }
        if ctx.symbol() == "BBB" && ev.exch_ts == 2 * SEC {
            let id = ctx.submit_to("AAA", OrderRequest::limit(Side::Buy, 100, 1))?;
            self.note(ctx, format!("sent #{} to AAA", id.0));
        }
        Ok(())
    }

    fn on_order(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        update: &OrderUpdate,
    ) -> Result<(), StrategyError> {
        let text = format!(
            "order #{} {:?} fill {:?}",
            update.order_id.0,
            update.kind,
            update.fill.map(|f| (f.price_ticks, f.qty_lots))
        );
        self.note(ctx, text);
        Ok(())
    }
}

fn seen(symbol: &str, ts: i64, text: &str) -> Seen {
    (symbol.to_owned(), ts, text.to_owned())
}

#[test]
fn equal_times_go_in_the_order_the_symbols_were_named() {
    let (a, b) = (aaa(), bbb());
    let order = |engines: Vec<Engine<'_>>| -> Vec<(String, i64)> {
        let mut runner = Runner::with_instruments(engines, Watch::default()).expect("two engines");
        runner.run().expect("the run ends");
        let (_, watch) = runner.into_engines();
        watch.seen.into_iter().map(|(s, ts, _)| (s, ts)).collect()
    };
    let ab = order(vec![engine("AAA", 0.01, &a), engine("BBB", 1.0, &b)]);
    let pairs = |list: &[(&str, i64)]| -> Vec<(String, i64)> {
        list.iter().map(|&(s, ts)| (s.to_owned(), ts)).collect()
    };
    assert_eq!(
        ab,
        pairs(&[
            ("AAA", SEC),
            ("AAA", SEC),
            ("BBB", SEC),
            ("BBB", SEC),
            ("BBB", 2 * SEC),
            ("AAA", 3 * SEC),
        ])
    );
    let ba = order(vec![engine("BBB", 1.0, &b), engine("AAA", 0.01, &a)]);
    assert_eq!(
        ba,
        pairs(&[
            ("BBB", SEC),
            ("BBB", SEC),
            ("AAA", SEC),
            ("AAA", SEC),
            ("BBB", 2 * SEC),
            ("AAA", 3 * SEC),
        ])
    );
}

#[test]
fn an_order_on_one_instrument_fills_and_moves_the_account_on_the_others_events() {
    let (a, b) = (aaa(), bbb());
    let engines = vec![engine("AAA", 0.01, &a), engine("BBB", 1.0, &b)];
    let strategy = Watch {
        trade: true,
        ..Watch::default()
    };
    let mut runner = Runner::with_instruments(engines, strategy).expect("two engines");
    runner.run().expect("the run ends");
    let (engines, watch) = runner.into_engines();
    let cash = 100_000.0;
    let eq = |value: f64| format!("{value}");
    assert_eq!(
        watch.seen,
        vec![
            seen(
                "AAA",
                SEC,
                &format!("Depth 100 pos AAA Some(0) BBB Some(0) equity {}", eq(cash))
            ),
            seen(
                "AAA",
                SEC,
                &format!("Depth 102 pos AAA Some(0) BBB Some(0) equity {}", eq(cash))
            ),
            seen(
                "AAA",
                SEC,
                "sent #1 to BBB; no instrument \"ZZZ\" in this run; it has: AAA, BBB"
            ),
            seen(
                "BBB",
                SEC,
                &format!("Depth 50 pos AAA Some(0) BBB Some(0) equity {}", eq(cash))
            ),
            seen(
                "BBB",
                SEC,
                &format!("Depth 52 pos AAA Some(0) BBB Some(0) equity {}", eq(cash))
            ),
            // At BBB's exchange at 1.001 s after BBB's book of 1 s: 1 lot
            // at 52, taker; the answers 1 ms later, handled as BBB's.
            seen("BBB", SEC + 2 * MS, "order #1 Accepted fill None"),
            seen("BBB", SEC + 2 * MS, "order #1 Fill fill Some((52, 1))"),
            // Cash 100000 − 52, the lot marked at BBB's mid 51.
            seen(
                "BBB",
                2 * SEC,
                &format!(
                    "Depth 50 pos AAA Some(0) BBB Some(1) equity {}",
                    eq(cash - 1.0)
                )
            ),
            // Ids are the run's: the next is 2, on AAA.
            seen("BBB", 2 * SEC, "sent #2 to AAA"),
            seen("AAA", 2 * SEC + 2 * MS, "order #2 Accepted fill None"),
            // AAA's trade of 1 lot at 1.00 moves the buy at 1.00 up its
            // queue (5 lots ahead, then 4): no fill.
            seen(
                "AAA",
                3 * SEC,
                &format!(
                    "Trade 100 pos AAA Some(0) BBB Some(1) equity {}",
                    eq(cash - 1.0)
                )
            ),
        ]
    );
    let fills: Vec<(String, i64, i64)> = engines
        .into_iter()
        .flat_map(|engine| {
            let symbol = engine.instrument().symbol.clone();
            let record = engine.into_record();
            record
                .fills
                .into_iter()
                .map(move |f| (symbol.clone(), f.order_id.0 as i64, f.position_after_lots))
        })
        .collect();
    assert_eq!(fills, vec![("BBB".to_owned(), 1, 1)]);
}

/// AAA's data ends at 1 s, BBB's goes on to 3 s: the order sent to AAA at
/// 2 s still reaches AAA's exchange at 2.001 s and is answered at 2.002 s
/// (an instrument whose data is over takes what is due before the run's
/// end); what is due after the run's last event is dropped, as in a run
/// over one instrument.
#[test]
fn an_instrument_whose_data_is_over_still_takes_orders_until_the_run_ends() {
    let a = aaa()[..2].to_vec();
    let mut b = bbb();
    b.push(MarketEvent::depth(3 * SEC, Side::Buy, 50, 2));
    let engines = vec![engine("AAA", 0.01, &a), engine("BBB", 1.0, &b)];
    let strategy = Watch {
        trade: true,
        ..Watch::default()
    };
    let mut runner = Runner::with_instruments(engines, strategy).expect("two engines");
    runner.run().expect("the run ends");
    let (_, watch) = runner.into_engines();
    let tail: Vec<Seen> = watch.seen[watch.seen.len() - 3..].to_vec();
    assert_eq!(
        tail,
        vec![
            seen("BBB", 2 * SEC, "sent #2 to AAA"),
            seen("AAA", 2 * SEC + 2 * MS, "order #2 Accepted fill None"),
            seen(
                "BBB",
                3 * SEC,
                &format!(
                    "Depth 50 pos AAA Some(0) BBB Some(1) equity {}",
                    100_000.0 - 1.0
                )
            ),
        ]
    );
}

#[test]
fn the_market_maker_quotes_every_instrument() {
    let (a, b) = (aaa(), bbb());
    let engines = vec![engine("AAA", 0.01, &a), engine("BBB", 1.0, &b)];
    let mut runner =
        Runner::with_instruments(engines, MarketMaker::default()).expect("two engines");
    runner.run().expect("the run ends");
    let (engines, _) = runner.into_engines();
    let quotes: Vec<(String, Vec<(i64, i64)>)> = engines
        .into_iter()
        .map(|engine| {
            let symbol = engine.instrument().symbol.clone();
            let record = engine.into_record();
            let accepted = record
                .orders
                .iter()
                .filter(|u| u.kind == ticklab::sim::UpdateKind::Accepted)
                .map(|u| (u.order_id.0 as i64, u.price_ticks))
                .collect();
            (symbol, accepted)
        })
        .collect();
    // AAA's whole book at 1 s gives ids 1 and 2 (bid 100, ask 102); BBB's
    // at 1 s ids 3 and 4 (bid 50, ask 52).
    assert_eq!(
        quotes,
        vec![
            ("AAA".to_owned(), vec![(1, 100), (2, 102)]),
            ("BBB".to_owned(), vec![(3, 50), (4, 52)]),
        ]
    );
}

/// A data folder with AAA and BBB on 2026-03-06 (BBB in `bbb_currency`):
/// the events above, shifted onto that day, and a sell trade of 5 lots at
/// 50 on BBB at 2.5 s.
fn folder(bbb_currency: &str) -> tempfile::TempDir {
    use ticklab::market::parquet::{write_events, WriteOptions};
    let day: ticklab::market::catalog::Day = "2026-03-06".parse().expect("a date");
    let start = day.start_ns();
    let shift = |events: Vec<MarketEvent>| -> Vec<MarketEvent> {
        events
            .into_iter()
            .map(|ev| MarketEvent {
                exch_ts: ev.exch_ts + start,
                local_ts: ev.local_ts + start,
                ..ev
            })
            .collect()
    };
    let mut b = bbb();
    b.push(MarketEvent::trade(2 * SEC + SEC / 2, Side::Sell, 50, 5));
    let root = tempfile::TempDir::new().expect("test setup");
    let mut bbb_instrument = Instrument::new("BBB", 1.0, 1.0);
    bbb_instrument.currency = bbb_currency.to_owned();
    for (instrument, events) in [
        (Instrument::new("AAA", 0.01, 1.0), shift(aaa())),
        (bbb_instrument, shift(b)),
    ] {
        let dir = root.path().join(&instrument.symbol);
        std::fs::create_dir(&dir).expect("test setup");
        std::fs::write(
            dir.join("instrument.toml"),
            instrument.to_toml_string("test"),
        )
        .expect("test setup");
        write_events(
            dir.join("2026-03-06.parquet"),
            &instrument,
            events,
            &WriteOptions::default(),
        )
        .expect("test setup");
    }
    root
}

fn ticklab_run(
    data: &std::path::Path,
    out: &std::path::Path,
    symbols: &str,
) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ticklab"))
        .arg("run")
        .arg("--data")
        .arg(data)
        .args(["--symbol", symbols, "--strategy", "mm", "--csv", "--out"])
        .arg(out)
        .env_remove("TICKLAB_CACHE_DIR")
        .env("XDG_CACHE_HOME", data.join("user-cache"))
        .output()
        .expect("ticklab runs")
}

#[test]
fn ticklab_run_over_two_symbols_writes_one_account_with_a_symbol_column() {
    let root = folder("USD");
    let out = tempfile::TempDir::new().expect("test setup");
    let first = out.path().join("first");
    let run = ticklab_run(root.path(), &first, "BBB,AAA");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(first.join("summary.json")).expect("summary.json"),
    )
    .expect("JSON");
    assert_eq!(summary["symbols"], serde_json::json!(["BBB", "AAA"]));
    assert_eq!(summary["by_symbol"][0]["symbol"], "BBB");
    assert_eq!(summary["by_symbol"][1]["symbol"], "AAA");
    // BBB's trade of 5 at 50 at 2.5 s fills the bid quoted at 50 (1 lot
    // ahead of it); AAA trades nothing.
    assert_eq!(summary["by_symbol"][0]["stats"]["fills"], 1);
    assert_eq!(summary["by_symbol"][1]["stats"]["fills"], 0);
    assert_eq!(summary["stats"]["fills"], 1);
    assert_eq!(summary["stats"]["data_events"], 7);
    let fills = std::fs::read_to_string(first.join("fills.csv")).expect("fills.csv");
    let mut lines = fills.lines();
    assert!(
        lines
            .next()
            .is_some_and(|header| header.ends_with(",symbol")),
        "{fills}"
    );
    let symbols: Vec<&str> = lines.map(|l| l.rsplit(',').next().unwrap_or("")).collect();
    assert_eq!(symbols, ["BBB"]);
    let orders = std::fs::read_to_string(first.join("orders.csv")).expect("orders.csv");
    // mm quotes both: BBB's book comes first at 1 s (named first).
    let order_symbols: Vec<(&str, &str)> = orders
        .lines()
        .skip(1)
        .filter(|l| l.contains(",accepted,"))
        .map(|l| {
            let id = l.split(',').nth(2).unwrap_or("");
            (id, l.rsplit(',').next().unwrap_or(""))
        })
        .collect();
    assert_eq!(
        order_symbols,
        [("1", "BBB"), ("2", "BBB"), ("3", "AAA"), ("4", "AAA")]
    );

    let second = out.path().join("second");
    let rerun = ticklab_run(root.path(), &second, "BBB,AAA");
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    for name in [
        "summary.json",
        "fills.parquet",
        "equity.parquet",
        "orders.parquet",
    ] {
        let a = std::fs::read(first.join(name)).expect("written");
        let b = std::fs::read(second.join(name)).expect("written");
        assert!(a == b, "{name} differs between two runs");
    }
}

#[test]
fn symbols_in_two_currencies_or_unknown_are_an_error() {
    let root = folder("EUR");
    let out = tempfile::TempDir::new().expect("test setup");
    let run = ticklab_run(root.path(), &out.path().join("a"), "AAA,BBB");
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(
            "AAA is in USD and BBB in EUR: give a fixed rate in the run configuration, e.g. [fx] EUR = 1.0 (units of USD per EUR; ticklab simulates no FX)"
        ),
        "{stderr}"
    );
    let run = ticklab_run(root.path(), &out.path().join("b"), "AAA,CCC");
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("no symbol \"CCC\"; the folder has: AAA, BBB"),
        "{stderr}"
    );
}

/// A lead-lag taker in Python: on AAA's ask at 1 s it buys 1 BBB at market
/// with `symbol=`; it logs what it sees in natural units.
const LEAD_LAG_PY: &str = r#"
import ticklab

class LeadLag(ticklab.Strategy):
    def on_market(self, ctx, ev):
        bbb = ctx.book_of("BBB")
        ctx.log(ev.symbol, ctx.symbol, ev.price, ctx.book.best_bid, ctx.book.best_ask,
                bbb.best_bid, bbb.best_ask, ctx.position_of("BBB"), ctx.account_equity)
        if ev.symbol == "AAA" and ev.side == ticklab.Side.SELL and ev.price == 1.02:
            ctx.buy(1, symbol="BBB")
            try:
                ctx.buy(1, symbol="ZZZ")
            except ticklab.OrderError as err:
                ctx.log("refused:", err)

    def on_order(self, ctx, update):
        ctx.log("order", update.symbol, ctx.symbol, update.order_id, update.kind.name,
                update.fill_price, ctx.position)
"#;

#[test]
fn a_python_strategy_sees_each_symbol_and_trades_one_on_the_others_move() {
    use ticklab::strategy::python::{PythonOptions, PythonSpec, PythonStrategy};
    let dir = tempfile::TempDir::new().expect("test setup");
    let path = dir.path().join("lead_lag.py");
    std::fs::write(&path, LEAD_LAG_PY).expect("test setup");
    let strategy = PythonStrategy::new(
        PythonSpec {
            path,
            class: None,
            params: toml::Table::new(),
        },
        PythonOptions::default(),
    );
    let (a, b) = (aaa(), bbb());
    let engines = vec![engine("AAA", 0.01, &a), engine("BBB", 1.0, &b)];
    let mut runner = Runner::with_instruments(engines, strategy).expect("two engines");
    runner.run().expect("the run ends");
    let (engines, _) = runner.into_engines();
    let mut engines = engines.into_iter();
    let first = engines.next().expect("AAA");
    let logs: Vec<String> = first
        .into_record()
        .logs
        .into_iter()
        .map(|l| l.text)
        .collect();
    assert_eq!(
        logs,
        [
            "AAA AAA 1.0 1.0 None None None 0.0 100000.0",
            "AAA AAA 1.02 1.0 1.02 None None 0.0 100000.0",
            "refused: no instrument \"ZZZ\" in this run; it has: AAA, BBB",
            // AAA's trade at 3 s: BBB's book and the lot bought there.
            "AAA AAA 1.0 1.0 1.02 50.0 52.0 1.0 99999.0",
        ]
    );
    let bbb_logs: Vec<String> = engines
        .next()
        .expect("BBB")
        .into_record()
        .logs
        .into_iter()
        .map(|l| l.text)
        .collect();
    assert_eq!(
        bbb_logs,
        [
            "BBB BBB 50.0 50.0 None 50.0 None 0.0 100000.0",
            "BBB BBB 52.0 50.0 52.0 50.0 52.0 0.0 100000.0",
            "order BBB BBB 1 ACCEPTED None 0.0",
            "order BBB BBB 1 FILL 52.0 1.0",
            "BBB BBB 50.0 50.0 52.0 50.0 52.0 1.0 99999.0",
        ]
    );
}

#[test]
fn an_instrument_of_the_run_can_have_its_own_fees() {
    let root = folder("USD");
    let out = tempfile::TempDir::new().expect("test setup");
    let config = root.path().join("run.toml");
    std::fs::write(&config, "[instruments.BBB.fees]\nmaker_rate = 0.001\n").expect("test setup");
    let run_with = |out: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ticklab"))
            .arg("run")
            .arg("--data")
            .arg(root.path())
            .args([
                "--symbol",
                "BBB,AAA",
                "--strategy",
                "mm",
                "--csv",
                "--no-sandbox",
            ])
            .arg("--config")
            .arg(&config)
            .arg("--out")
            .arg(out)
            .output()
            .expect("ticklab runs")
    };
    let run = run_with(&out.path().join("a"));
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let fills = std::fs::read_to_string(out.path().join("a/fills.csv")).expect("fills.csv");
    let header: Vec<&str> = fills.lines().next().unwrap_or("").split(',').collect();
    let fee_at = header
        .iter()
        .position(|&c| c == "fee")
        .expect("a fee column");
    let fees: Vec<&str> = fills
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(fee_at).unwrap_or(""))
        .collect();
    // BBB's bid at 50 filled as maker: 50 × 1 × 0.001.
    assert_eq!(fees, ["0.05"]);

    std::fs::write(&config, "[instruments.ZZZ.fees]\nmaker_rate = 0.001\n").expect("test setup");
    let run = run_with(&out.path().join("b"));
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr
            .contains("[instruments.ZZZ]: ZZZ is not an instrument of this run; it has: BBB, AAA"),
        "{stderr}"
    );
}

#[test]
fn a_rule_file_without_symbols_reads_and_trades_the_first_instrument() {
    use ticklab::strategy::rules::RuleSet;
    let rules = RuleSet::from_toml_str(
        "[[rules]]\nname = \"buy once\"\nwhen = { lhs = \"spread\", op = \">\", rhs = 0 }\nthen = [ { buy = { lots = 1, price = \"market\" } } ]\nmax_fires = 1\n",
        "once.rules.toml",
    )
    .expect("a valid rule file");
    let (a, b) = (aaa(), bbb());
    // BBB named first: the rule file reads and trades BBB only.
    let engines = vec![engine("BBB", 1.0, &b), engine("AAA", 0.01, &a)];
    let mut runner = Runner::with_instruments(engines, rules.strategy()).expect("two engines");
    runner.run().expect("the run ends");
    let (engines, _) = runner.into_engines();
    let fills: Vec<(String, i64, i64)> = engines
        .into_iter()
        .flat_map(|engine| {
            let symbol = engine.instrument().symbol.clone();
            engine
                .into_record()
                .fills
                .into_iter()
                .map(move |f| (symbol.clone(), f.exch_ts_ns, f.price_ticks))
        })
        .collect();
    // BBB's whole book at 1 s (spread 2): bought at its ask 52 at 1.001 s;
    // AAA's book, whole at the same time, is never acted on.
    assert_eq!(fills, vec![("BBB".to_owned(), SEC + MS, 52)]);
}

#[test]
fn the_lead_lag_example_buys_the_follower_after_the_leaders_rise_and_closes_it() {
    use ticklab::strategy::python::{PythonOptions, PythonSpec, PythonStrategy};
    // AAA (the leader) moves from 1.01 to 1.02 at 2 s; BBB follows later.
    let leader = vec![
        MarketEvent::depth(SEC, Side::Buy, 100, 5),
        MarketEvent::depth(SEC, Side::Sell, 102, 5),
        MarketEvent::depth(2 * SEC, Side::Sell, 102, 0),
        MarketEvent::depth(2 * SEC, Side::Sell, 103, 5),
        MarketEvent::depth(2 * SEC, Side::Buy, 101, 5),
        MarketEvent::depth(4 * SEC, Side::Buy, 101, 6),
        MarketEvent::depth(5 * SEC, Side::Buy, 90, 1),
    ];
    let follower = vec![
        MarketEvent::depth(SEC, Side::Buy, 50, 5),
        MarketEvent::depth(SEC, Side::Sell, 52, 5),
        MarketEvent::depth(3 * SEC, Side::Sell, 52, 0),
        MarketEvent::depth(3 * SEC, Side::Sell, 53, 5),
        MarketEvent::depth(3 * SEC, Side::Buy, 51, 5),
        MarketEvent::depth(4 * SEC, Side::Buy, 51, 6),
        MarketEvent::depth(5 * SEC, Side::Buy, 40, 1),
    ];
    let mut params = toml::Table::new();
    params.insert("leader".into(), "AAA".into());
    params.insert("follower".into(), "BBB".into());
    params.insert("move_bp".into(), 50.0.into());
    params.insert("hold_secs".into(), 1.5.into());
    params.insert("qty".into(), 1.0.into());
    let strategy = PythonStrategy::new(
        PythonSpec {
            path: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies/lead_lag.py"),
            class: None,
            params,
        },
        PythonOptions::default(),
    );
    let engines = vec![engine("AAA", 0.01, &leader), engine("BBB", 1.0, &follower)];
    let mut runner = Runner::with_instruments(engines, strategy).expect("two engines");
    runner.run().expect("the run ends");
    let (engines, _) = runner.into_engines();
    let records: Vec<_> = engines.into_iter().map(Engine::into_record).collect();
    let logs: Vec<&str> = records[0].logs.iter().map(|l| l.text.as_str()).collect();
    // At 2 s the leader's ask goes to 1.03 (mid 1.015, +49.5 bp: not
    // enough), then its bid to 1.01: mid 1.02, +99.0 bp over 1 s.
    assert_eq!(logs, ["AAA moved +99.0 bp; BBB at 51.0 equity 100000.0"]);
    let fills: Vec<(i64, i64, i64)> = records[1]
        .fills
        .iter()
        .map(|f| (f.exch_ts_ns, f.price_ticks, f.position_after_lots))
        .collect();
    // Bought at BBB's ask 52 at 2.001 s (the fill known at 2.002 s). The
    // leader's next decision point is its bid growing at 4 s, 1.998 s after
    // the fill (at least 1.5 s): sold at BBB's bid 51 at 4.001 s. The
    // events behind the touch at 5 s are no decision points.
    assert_eq!(fills, vec![(2 * SEC + MS, 52, 1), (4 * SEC + MS, 51, 0)]);
}

#[test]
fn a_fixed_rate_counts_another_currency_in_the_account() {
    let root = folder("EUR");
    let out = tempfile::TempDir::new().expect("test setup");
    let config = root.path().join("run.toml");
    std::fs::write(&config, "[fx]\nEUR = 2.0\n").expect("test setup");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_ticklab"))
        .arg("run")
        .arg("--data")
        .arg(root.path())
        .args(["--symbol", "AAA,BBB", "--strategy", "mm", "--no-sandbox"])
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(out.path().join("a"))
        .output()
        .expect("ticklab runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("a/summary.json")).expect("summary.json"),
    )
    .expect("JSON");
    let pnl = |i: usize| {
        summary["by_symbol"][i]["stats"]["pnl"]
            .as_f64()
            .unwrap_or(f64::NAN)
    };
    let (aaa_pnl, bbb_pnl) = (pnl(0), pnl(1));
    // BBB's part (in EUR) counts twice in the USD account; it traded.
    assert!(bbb_pnl != 0.0);
    let final_equity = summary["stats"]["final_equity"]
        .as_f64()
        .unwrap_or(f64::NAN);
    let expected = 100_000.0 + aaa_pnl + 2.0 * bbb_pnl;
    assert!(
        (final_equity - expected).abs() < 1e-6,
        "{final_equity} vs {expected}"
    );
    assert_eq!(summary["config"]["fx"]["EUR"], 2.0);
}
