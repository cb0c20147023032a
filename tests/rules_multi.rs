//! Rule files over several instruments, worked by hand: indicators naming
//! their symbol, rules evaluated on one instrument's events (`on`), actions
//! trading another instrument, and symbols the run does not have.
//!
//! AAA (tick 0.01, lot 1) and BBB (tick 1, lot 1), no fees; the defaults
//! apply: 1 ms entry and 1 ms response latency, `local_ts` = `exch_ts`.
//! Every event is its own exchange message.

use ticklab::market::{Instrument, MarketEvent, Side};
use ticklab::sim::{Engine, RunConfig};
use ticklab::strategy::rules::{RuleSet, Signal};
use ticklab::strategy::Runner;

const SEC: i64 = 1_000_000_000;
const MS: i64 = 1_000_000;

/// AAA's mid: unknown until 1 s, then 1.01; at 2 s its ask leaves 1.02
/// (mid unknown) and comes back at 1.04 (mid 1.02). A bid behind the
/// touch at 9 s keeps orders of before flowing (an instrument's order
/// messages after its last event are dropped) and is no evaluation point.
fn aaa() -> Vec<MarketEvent> {
    vec![
        MarketEvent::depth(SEC, Side::Buy, 100, 5),
        MarketEvent::depth(SEC, Side::Sell, 102, 5),
        MarketEvent::depth(2 * SEC, Side::Sell, 102, 0),
        MarketEvent::depth(2 * SEC, Side::Sell, 104, 5),
        MarketEvent::depth(9 * SEC, Side::Buy, 90, 1),
    ]
}

/// BBB: bid 50, ask 52 at 1 s; 6 lots bid at 3 s; a bid behind the touch
/// at 9 s.
fn bbb() -> Vec<MarketEvent> {
    vec![
        MarketEvent::depth(SEC, Side::Buy, 50, 5),
        MarketEvent::depth(SEC, Side::Sell, 52, 5),
        MarketEvent::depth(3 * SEC, Side::Buy, 50, 6),
        MarketEvent::depth(9 * SEC, Side::Buy, 40, 1),
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

fn rules(text: &str) -> RuleSet {
    RuleSet::from_toml_str(text, "test.rules.toml").unwrap_or_else(|err| panic!("{err}"))
}

/// A fill: (symbol, exchange time, price in ticks, position after).
type Fill = (String, i64, i64, i64);

/// Each fill of a run of `text` over AAA and BBB (named in that order),
/// and the signals.
fn run(text: &str) -> (Vec<Fill>, Vec<Signal>) {
    let (a, b) = (aaa(), bbb());
    let strategy = rules(text).strategy();
    let feed = strategy.signal_feed();
    let engines = vec![engine("AAA", 0.01, &a), engine("BBB", 1.0, &b)];
    let mut runner = Runner::with_instruments(engines, strategy).expect("two engines");
    runner.run().expect("the run ends");
    let (engines, _) = runner.into_engines();
    let fills = engines
        .into_iter()
        .flat_map(|engine| {
            let symbol = engine.instrument().symbol.clone();
            engine.into_record().fills.into_iter().map(move |f| {
                (
                    symbol.clone(),
                    f.exch_ts_ns,
                    f.price_ticks,
                    f.position_after_lots,
                )
            })
        })
        .collect();
    (fills, feed.drain())
}

fn fill(symbol: &str, ts: i64, price: i64, position: i64) -> Fill {
    (symbol.to_owned(), ts, price, position)
}

#[test]
fn a_rule_on_one_instruments_mid_trades_the_other() {
    let (fills, signals) = run(r#"
        [[rules]]
        name = "follow"
        when = { lhs = { mid = { symbol = "AAA" } }, op = ">", rhs = 1.015 }
        then = [ { buy = { lots = 1, symbol = "BBB" } } ]
        max_fires = 1
    "#);
    // The condition reads AAA: evaluated on AAA's events. AAA's mid is
    // 1.01 at 1 s, unknown at its first event of 2 s, 1.02 at its second:
    // a market buy of BBB at 2 s, at BBB's exchange 1 ms later, at its ask
    // 52.
    assert_eq!(fills, vec![fill("BBB", 2 * SEC + MS, 52, 1)]);
    assert_eq!(signals.len(), 1);
    let signal = &signals[0];
    assert_eq!(signal.ts_ns, 2 * SEC);
    assert_eq!(signal.symbol.as_deref(), Some("AAA"));
    assert_eq!(signal.actions[0].symbol.as_deref(), Some("BBB"));
    let lhs = signal.when.lhs.as_ref().expect("a comparison");
    assert_eq!(lhs.source, "mid(symbol=AAA)");
    assert_eq!(lhs.symbol.as_deref(), Some("AAA"));
    // 102 ticks of 0.01.
    assert_eq!(lhs.value, Some(102.0 * 0.01));
    let rhs = signal.when.rhs.as_ref().expect("a comparison");
    assert_eq!(
        (rhs.source.as_str(), rhs.symbol.as_deref()),
        ("1.015", None)
    );
}

#[test]
fn on_says_whose_events_evaluate_a_rule() {
    let (fills, signals) = run(r#"
        [[rules]]
        name = "follow"
        on = "BBB"
        when = { lhs = { mid = { symbol = "AAA" } }, op = ">", rhs = 1.015 }
        then = [ { buy = { lots = 1 } } ]
        max_fires = 1
    "#);
    // Evaluated on BBB's events only: at 1 s AAA's mid is 1.01 (AAA's
    // events of 1 s come first, it is named first); BBB's next evaluation
    // point is its bid growing at 3 s, when AAA's mid is 1.02. The buy goes
    // to the event's instrument, BBB.
    assert_eq!(fills, vec![fill("BBB", 3 * SEC + MS, 52, 1)]);
    assert_eq!(signals[0].symbol.as_deref(), Some("BBB"));
    assert_eq!(signals[0].actions[0].symbol.as_deref(), Some("BBB"));
}

#[test]
fn an_order_without_a_symbol_goes_to_the_events_instrument() {
    let rule = |on: &str| {
        format!(
            r#"
            [[rules]]
            name = "buy while BBB has a spread"
            {on}
            when = {{ lhs = {{ spread = {{ symbol = "BBB" }} }}, op = ">", rhs = 0 }}
            then = [ {{ buy = {{ lots = 1 }} }} ]
            max_fires = 2
            "#
        )
    };
    // On both instruments' events. BBB's spread is known at its ask of
    // 1 s: the first buy goes to BBB (52 at 1.001 s). Its answers make the
    // next consistent book of each instrument an evaluation point: AAA's
    // first event of 2 s comes first, so the second buy goes to AAA, at
    // its exchange at 2.001 s, where the ask is back at 1.04.
    let (fills, signals) = run(&rule(r#"on = ["AAA", "BBB"]"#));
    assert_eq!(
        fills,
        vec![
            fill("AAA", 2 * SEC + MS, 104, 1),
            fill("BBB", SEC + MS, 52, 1),
        ]
    );
    let on: Vec<Option<&str>> = signals.iter().map(|s| s.symbol.as_deref()).collect();
    assert_eq!(on, [Some("BBB"), Some("AAA")]);
    // By default the rule is on the instrument its condition reads, BBB:
    // the second buy waits for BBB's event at 3 s.
    let (fills, _) = run(&rule(""));
    assert_eq!(
        fills,
        vec![
            fill("BBB", SEC + MS, 52, 1),
            fill("BBB", 3 * SEC + MS, 52, 2),
        ]
    );
}

#[test]
fn indicators_without_a_symbol_read_the_first_instrument() {
    // `spread` (no symbol) is AAA's, named first: 2 ticks at 1 s. The rule
    // is on AAA's events and buys AAA at its ask.
    let (fills, signals) = run(r#"
        [indicators]
        touch = "spread"

        [[rules]]
        name = "buy AAA"
        when = { lhs = "touch", op = "==", rhs = 2 }
        then = [ "cancel_all", { buy = { lots = 1, price = "market" } } ]
        max_fires = 1
    "#);
    assert_eq!(fills, vec![fill("AAA", SEC + MS, 102, 1)]);
    let lhs = signals[0].when.lhs.as_ref().expect("a comparison");
    assert_eq!(
        (lhs.source.as_str(), lhs.symbol.as_deref()),
        ("touch", Some("AAA"))
    );
    // `cancel_all` found nothing to cancel on AAA.
    assert_eq!(signals[0].actions[0].symbol.as_deref(), Some("AAA"));
    assert_eq!(signals[0].actions[0].note.as_deref(), Some("no open order"));
}

#[test]
fn a_position_flattened_on_another_instruments_signal() {
    // Buy BBB on AAA's first whole book; flatten BBB once AAA's mid is
    // 1.02 (at 2 s): sold at BBB's bid 50 at 2.001 s.
    let (fills, _) = run(r#"
        [indicators]
        aaa_mid = { mid = { symbol = "AAA" } }
        bbb_position = { position = { symbol = "BBB" } }

        [[rules]]
        name = "enter"
        when = { all = [
            { lhs = "aaa_mid", op = "<", rhs = 1.015 },
            { lhs = "bbb_position", op = "==", rhs = 0 },
        ] }
        then = [ { buy = { lots = 1, symbol = "BBB" } } ]
        max_fires = 1

        [[rules]]
        name = "exit"
        when = { all = [
            { lhs = "aaa_mid", op = ">", rhs = 1.015 },
            { lhs = "bbb_position", op = ">", rhs = 0 },
        ] }
        then = [ { flatten = { symbol = "BBB" } } ]
    "#);
    // The default `on` of both: AAA and BBB (they read both). At AAA's ask
    // of 1 s BBB's book is still empty: the market buy reaches BBB's
    // exchange at 1.001 s, after BBB's book of 1 s, and takes 52.
    assert_eq!(
        fills,
        vec![
            fill("BBB", SEC + MS, 52, 1),
            fill("BBB", 2 * SEC + MS, 50, 0),
        ]
    );
}

#[test]
fn toml_and_json_name_symbols_alike() {
    let toml = rules(
        r#"
        [indicators]
        lead = { change_bp = { window = "1s", symbol = "AAA" } }

        [[rules]]
        name = "r"
        on = ["AAA", "BBB"]
        when = { lhs = "lead", op = ">=", rhs = 5 }
        then = [ { sell = { lots = 1, symbol = "BBB" } }, "flatten", { cancel_all = { symbol = "AAA" } } ]
    "#,
    );
    let json = RuleSet::from_json_str(
        r#"{
            "indicators": { "lead": { "change_bp": { "window": "1s", "symbol": "AAA" } } },
            "rules": [{
                "name": "r",
                "on": ["AAA", "BBB"],
                "when": { "lhs": "lead", "op": ">=", "rhs": 5 },
                "then": [
                    { "sell": { "lots": 1, "symbol": "BBB" } },
                    { "flatten": {} },
                    { "cancel_all": { "symbol": "AAA" } }
                ]
            }]
        }"#,
        "test.rules.json",
    )
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(toml.file(), json.file());
}

/// The text of a rule file, with the line and column of `needle` in it.
fn place_of(text: &str, needle: &str) -> (usize, usize) {
    let offset = text.find(needle).expect("in the text");
    let line = text[..offset].matches('\n').count() + 1;
    let column = offset - text[..offset].rfind('\n').map_or(0, |n| n + 1) + 1;
    (line, column)
}

#[test]
fn a_symbol_the_run_does_not_have_names_the_file_rule_and_symbols() {
    let text = "[indicators]\nlead = { mid = { symbol = \"ZZZ\" } }\n\n[[rules]]\nname = \"first\"\nwhen = { lhs = \"spread\", op = \">\", rhs = 0 }\nthen = [ \"flatten\" ]\n\n[[rules]]\nname = \"second\"\nwhen = { lhs = \"lead\", op = \">\", rhs = 1 }\nthen = [ \"flatten\" ]\n";
    let set = rules(text);
    assert!(set.check_symbols(&["ZZZ"]).is_ok());
    let err = set
        .check_symbols(&["AAA", "BBB"])
        .expect_err("ZZZ is not in the run");
    // Line 2, at the value "ZZZ" (column 27); rule "second" reads it.
    assert_eq!(place_of(text, "\"ZZZ\""), (2, 27));
    assert_eq!(
        err.to_string(),
        "test.rules.toml:2:27: indicators.lead.mid.symbol: unknown symbol \"ZZZ\" (rule \"second\"); the run's symbols: AAA, BBB"
    );

    for (text, path, needle) in [
        (
            "[[rules]]\nname = \"r\"\non = [\"AAA\", \"CCC\"]\nwhen = { lhs = \"spread\", op = \">\", rhs = 0 }\nthen = [ \"flatten\" ]\n",
            "rules[0].on[1]",
            "\"CCC\"",
        ),
        (
            "[[rules]]\nname = \"r\"\nwhen = { lhs = \"spread\", op = \">\", rhs = 0 }\nthen = [ { buy = { lots = 1, symbol = \"CCC\" } } ]\n",
            "rules[0].then[0].buy.symbol",
            "\"CCC\"",
        ),
        (
            "[[rules]]\nname = \"r\"\nwhen = { lhs = { sma = { window = \"1s\", symbol = \"CCC\" } }, op = \">\", rhs = 0 }\nthen = [ \"flatten\" ]\n",
            "rules[0].when.lhs.sma.symbol",
            "\"CCC\"",
        ),
    ] {
        let err = rules(text)
            .check_symbols(&["AAA", "BBB"])
            .expect_err("CCC is not in the run");
        let (line, column) = place_of(text, needle);
        assert_eq!(
            err.to_string(),
            format!("test.rules.toml:{line}:{column}: {path}: unknown symbol \"CCC\" (rule \"r\"); the run's symbols: AAA, BBB")
        );
    }

    // Run anyway (a runner built by hand), the strategy refuses to start.
    let (a, b) = (aaa(), bbb());
    let engines = vec![engine("AAA", 0.01, &a), engine("BBB", 1.0, &b)];
    let mut runner = Runner::with_instruments(engines, set.strategy()).expect("two engines");
    let err = runner.run().expect_err("on_start fails");
    assert!(
        err.to_string()
            .contains("unknown symbol \"ZZZ\" (rule \"second\"); the run's symbols: AAA, BBB"),
        "{err}"
    );
}

#[test]
fn an_empty_symbol_or_on_is_refused_at_its_field() {
    for (text, message) in [
        (
            "[[rules]]\nname = \"r\"\non = []\nwhen = { lhs = \"spread\", op = \">\", rhs = 0 }\nthen = [ \"flatten\" ]\n",
            "test.rules.toml:3:6: rules[0].on: `on` needs at least one symbol",
        ),
        (
            "[[rules]]\nname = \"r\"\nwhen = { lhs = { mid = { symbol = \"\" } }, op = \">\", rhs = 0 }\nthen = [ \"flatten\" ]\n",
            "test.rules.toml:3:35: rules[0].when.lhs.mid.symbol: a symbol cannot be empty",
        ),
    ] {
        let err = RuleSet::from_toml_str(text, "test.rules.toml").expect_err("refused");
        assert_eq!(err.to_string(), message);
    }
}

/// Each fill of a run of `strategy` over `btc` and `eth` (named in that
/// order): (symbol, order id, exchange time, side, price, lots, position
/// after).
type FullFill = (String, u64, i64, Side, i64, i64, i64);

fn lead_lag_fills<S: ticklab::strategy::Strategy>(
    btc: &(Instrument, Vec<MarketEvent>),
    eth: &(Instrument, Vec<MarketEvent>),
    strategy: S,
) -> Vec<FullFill> {
    let config = RunConfig::default();
    let engines = vec![
        Engine::from_slice(btc.0.clone(), &config, &btc.1).expect("the engine starts"),
        Engine::from_slice(eth.0.clone(), &config, &eth.1).expect("the engine starts"),
    ];
    let mut runner = Runner::with_instruments(engines, strategy).expect("two engines");
    runner.run().expect("the run ends");
    let (engines, _) = runner.into_engines();
    engines
        .into_iter()
        .flat_map(|engine| {
            let symbol = engine.instrument().symbol.clone();
            engine.into_record().fills.into_iter().map(move |f| {
                (
                    symbol.clone(),
                    f.order_id.0,
                    f.exch_ts_ns,
                    f.side,
                    f.price_ticks,
                    f.qty_lots,
                    f.position_after_lots,
                )
            })
        })
        .collect()
}

#[test]
fn the_lead_lag_rule_file_fills_as_the_python_example_does() {
    use ticklab::market::sample::{generate, Leader, SampleSpec, Session, SAMPLE_DAY};
    use ticklab::strategy::python::{PythonOptions, PythonSpec, PythonStrategy};
    // Two busy hours of the sample BTC-PERP and the ETH-PERP that follows
    // it, generated small.
    let hours = Session {
        open_utc_secs: 14 * 3600,
        close_utc_secs: 16 * 3600,
    };
    let mut btc = SampleSpec::crypto_perp().with_target_events(150_000);
    btc.session = hours;
    let mut eth = SampleSpec::eth_perp_on(SAMPLE_DAY).with_target_events(50_000);
    eth.session = hours;
    eth.leader = Some(Leader {
        spec: Box::new(btc.clone()),
        lag_ns: 400_000_000,
    });
    let btc_day = (btc.instrument.clone(), generate(&btc, 11).collect());
    let eth_day = (eth.instrument.clone(), generate(&eth, 11).collect());

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies");
    let rules =
        RuleSet::from_path(&root.join("lead_lag.rules.toml")).unwrap_or_else(|err| panic!("{err}"));
    let from_rules = lead_lag_fills(&btc_day, &eth_day, rules.strategy());
    let python = PythonStrategy::new(
        PythonSpec {
            path: root.join("lead_lag.py"),
            class: None,
            params: toml::Table::new(),
        },
        PythonOptions::default(),
    );
    let from_python = lead_lag_fills(&btc_day, &eth_day, python);
    eprintln!(
        "lead-lag over two generated hours: {} fills, {} from the rule file",
        from_python.len(),
        from_rules.len()
    );
    // Enough trades to mean something: entries and exits of 10 lots, all on
    // ETH-PERP.
    assert!(from_python.len() >= 20, "{}", from_python.len());
    assert!(from_python.iter().all(|f| f.0 == "ETH-PERP"));
    let entries = from_python.iter().filter(|f| f.6.abs() == 10).count();
    let exits = from_python.iter().filter(|f| f.6 == 0).count();
    assert!(
        entries >= 5 && exits >= 5,
        "{entries} entries, {exits} exits"
    );
    assert!(
        from_rules == from_python,
        "the rule file and the Python strategy fill differently"
    );
}

/// A data folder with AAA and BBB on 2026-03-06: the events above, shifted
/// onto that day.
fn folder() -> tempfile::TempDir {
    use ticklab::market::parquet::{write_events, WriteOptions};
    let day: ticklab::market::catalog::Day = "2026-03-06".parse().expect("a date");
    let start = day.start_ns();
    let root = tempfile::TempDir::new().expect("test setup");
    for (instrument, events) in [
        (Instrument::new("AAA", 0.01, 1.0), aaa()),
        (Instrument::new("BBB", 1.0, 1.0), bbb()),
    ] {
        let dir = root.path().join(&instrument.symbol);
        std::fs::create_dir(&dir).expect("test setup");
        std::fs::write(
            dir.join("instrument.toml"),
            instrument.to_toml_string("test"),
        )
        .expect("test setup");
        let events = events.into_iter().map(|ev| MarketEvent {
            exch_ts: ev.exch_ts + start,
            local_ts: ev.local_ts + start,
            ..ev
        });
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

#[test]
fn ticklab_run_trades_one_symbol_on_anothers_rule_or_refuses_an_unknown_symbol() {
    let root = folder();
    let run = |strategy: &std::path::Path, out: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ticklab"))
            .arg("run")
            .arg("--data")
            .arg(root.path())
            .args(["--symbol", "AAA,BBB", "--csv", "--no-sandbox", "--strategy"])
            .arg(strategy)
            .arg("--out")
            .arg(root.path().join(out))
            .env("TICKLAB_CACHE_DIR", root.path().join("cache"))
            .output()
            .expect("ticklab runs")
    };
    let good = root.path().join("follow.rules.toml");
    std::fs::write(
        &good,
        "[[rules]]\nname = \"follow\"\nwhen = { lhs = { mid = { symbol = \"AAA\" } }, op = \">\", rhs = 1.015 }\nthen = [ { buy = { lots = 1, symbol = \"BBB\" } } ]\nmax_fires = 1\n",
    )
    .expect("test setup");
    let output = run(&good, "good");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fills = std::fs::read_to_string(root.path().join("good/fills.csv")).expect("fills.csv");
    let rows: Vec<&str> = fills.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{fills}");
    assert!(rows[0].ends_with(",BBB"), "{fills}");
    let signals =
        std::fs::read_to_string(root.path().join("good/signals.jsonl")).expect("signals.jsonl");
    let signal: serde_json::Value = serde_json::from_str(signals.trim()).expect("one JSON line");
    assert_eq!(signal["symbol"], "AAA");
    assert_eq!(signal["actions"][0]["symbol"], "BBB");
    assert_eq!(signal["when"]["lhs"]["symbol"], "AAA");

    let bad = root.path().join("bad.rules.toml");
    std::fs::write(
        &bad,
        "[[rules]]\nname = \"follow\"\nwhen = { lhs = { mid = { symbol = \"AAA\" } }, op = \">\", rhs = 1.015 }\nthen = [ { buy = { lots = 1, symbol = \"CCC\" } } ]\n",
    )
    .expect("test setup");
    let output = run(&bad, "bad");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let file = bad.display();
    assert!(
        stderr.contains(&format!(
            "loading {file}: {file}:4:39: rules[0].then[0].buy.symbol: unknown symbol \"CCC\" (rule \"follow\"); the run's symbols: AAA, BBB"
        )),
        "{stderr}"
    );
}
