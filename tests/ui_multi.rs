//! The window over two days and two symbols, driven through its
//! accessibility tree with egui_kittest: the data browser ticks the days
//! and symbols and runs them as one, the time slider marks where the second
//! day starts, the blotter has a symbol column, and the symbol switcher
//! puts the other symbol's book in the ladder at the same event.

#[path = "common/two_symbols.rs"]
mod two_symbols;
#[path = "common/window.rs"]
mod window;

use egui::accesskit::Role;
use egui_kittest::kittest::{AccessKitNode, NodeT, Queryable};
use egui_kittest::Harness;
use tempfile::TempDir;
use ticklab::market::catalog::Day;
use ticklab::session::{Command, StepTarget};
use ticklab::ui::ladder::{ladder_label, order_label};
use ticklab::ui::layout::check_layout;
use ticklab::ui::selection::RUN_SELECTION_LABEL;
use ticklab::ui::transport::day_mark_label;
use ticklab::ui::{Action, AppOptions, TicklabApp};
use window::{events_seen, harness_with, run_until};

fn day(text: &str) -> Day {
    text.parse().expect("a date")
}

/// The accessible name of `node`: a label's text is its value.
fn name_of(node: &AccessKitNode<'_>) -> Option<String> {
    if node.role() == Role::Label {
        node.value()
    } else {
        node.label()
    }
}

/// The accessible names of every node whose name `keep` accepts.
fn labels(harness: &Harness<'_, TicklabApp>, keep: impl Fn(&str) -> bool) -> Vec<String> {
    harness
        .query_all_by(|node| name_of(node).is_some_and(|l| keep(&l)))
        .filter_map(|node| name_of(&node.accesskit_node()))
        .collect()
}

/// True for a blotter row of a run over several days:
/// `MM-DD HH:MM:SS.mmm  #id ...`.
fn is_blotter_row(label: &str) -> bool {
    let bytes = label.as_bytes();
    bytes.len() > 22
        && bytes[2] == b'-'
        && bytes[8] == b':'
        && bytes[11] == b':'
        && label[18..].starts_with("  #")
}

/// Ticks the other symbol and the second day in the data browser, runs
/// them, and waits for the run over both.
fn run_both(harness: &mut Harness<'_, TicklabApp>) {
    harness
        .get_by_role_and_label(Role::CheckBox, "BTC-PERP")
        .click_accesskit();
    harness
        .get_by_role_and_label(Role::CheckBox, "2026-03-03")
        .click_accesskit();
    harness.run_steps(2);
    harness.get_by_label_contains("ACME, BTC-PERP · 2026-03-02..2026-03-03");
    harness.get_by_label(RUN_SELECTION_LABEL).click_accesskit();
    run_until(harness, "the run over two symbols", |app| {
        app.is_idle()
            && events_seen(app) > 0
            && app
                .view()
                .run
                .as_ref()
                .is_some_and(|r| r.instruments.len() == 2)
    });
}

/// The window on a new two-symbol, two-day folder at `size`, with `mm`.
fn window_at(data: &TempDir, size: [f32; 2]) -> Harness<'static, TicklabApp> {
    let options = AppOptions {
        strategy: Some("mm".to_owned()),
        ..AppOptions::default()
    };
    let mut harness = harness_with(data.path(), size, options);
    run_until(&mut harness, "the first book", |app| {
        app.is_idle() && events_seen(app) > 0
    });
    harness
}

#[test]
fn the_layout_holds_at_1024x700_with_the_switcher_and_the_day_marks() {
    let data = TempDir::new().expect("test setup");
    two_symbols::write_two_symbols(data.path(), 4_000, 3_000);
    let size = [1024.0, 700.0];
    let mut harness = window_at(&data, size);
    run_both(&mut harness);
    harness.run_steps(4);
    harness.get_by_role_and_label(Role::Button, "BTC-PERP");
    harness.get_by_label(&day_mark_label(day("2026-03-03")));
    let placed = harness.state().placed_panels().to_vec();
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, size.into());
    assert_eq!(check_layout(&placed, window), Ok(()), "{placed:?}");
    for p in &placed {
        assert!(window.contains_rect(p.rect), "{} at {:?}", p.title, p.rect);
    }
}

#[test]
fn two_days_and_two_symbols_run_as_one_and_the_ladder_follows_the_switched_symbol() {
    let data = TempDir::new().expect("test setup");
    two_symbols::write_two_symbols(data.path(), 8_000, 6_000);
    let mut harness = window_at(&data, [1600.0, 1000.0]);
    // A folder opens its first symbol's first day.
    let run = harness.state().view().run.clone().expect("a run");
    assert_eq!(
        (run.instrument.symbol.as_str(), run.day),
        ("ACME", day("2026-03-02"))
    );
    assert_eq!(run.instruments.len(), 1);
    assert!(labels(&harness, |l| l.starts_with("day ")
        && l.ends_with(" starts"))
    .is_empty());

    run_both(&mut harness);
    let run = harness.state().view().run.clone().expect("a run");
    let symbols: Vec<&str> = run.instruments.iter().map(|i| i.symbol.as_str()).collect();
    assert_eq!(symbols, ["ACME", "BTC-PERP"]);
    assert_eq!(run.days, [day("2026-03-02"), day("2026-03-03")]);
    assert_eq!(run.strategy.as_deref(), Some("mm"));

    // The slider spans both days; the second day's start is marked where
    // its midnight falls on it.
    harness.run_steps(2);
    let slider = harness.get_by_role(Role::Slider).rect();
    let mark = harness
        .get_by_label(&day_mark_label(day("2026-03-03")))
        .rect();
    let (first_ns, last_ns) = run.span_ns.expect("the run's span");
    let share = (day("2026-03-03").start_ns() - first_ns) as f32 / (last_ns - first_ns) as f32;
    let line_x = slider.left() + share * slider.width();
    assert!(
        (0.0..=4.0).contains(&(mark.left() - line_x))
            || (0.0..=4.0).contains(&(line_x - mark.right())),
        "the mark at {mark:?}, its line at {line_x} on {slider:?}"
    );
    assert!(slider.x_range().contains(line_x));

    // Run on past ACME's open (14:30 UTC) and to a fill: mm has orders on
    // both symbols by then.
    let after_open_ns = day("2026-03-02").start_ns() + 15 * 3_600_000_000_000;
    for target in [StepTarget::UntilNs(after_open_ns), StepTarget::NextFill] {
        harness
            .state_mut()
            .push_action(Action::Session(Command::Step(target)));
    }
    run_until(&mut harness, "a fill", |app| {
        app.is_idle() && !app.view().fills.is_empty()
    });
    harness.run_steps(2);
    let instrument_count = |app: &TicklabApp, symbol: &str| {
        app.view()
            .order_instruments
            .values()
            .filter(|&&i| run.instruments[usize::from(i)].symbol == symbol)
            .count()
    };
    assert!(instrument_count(harness.state(), "ACME") > 0);
    assert!(instrument_count(harness.state(), "BTC-PERP") > 0);

    // The blotter has a symbol column: every order row names its symbol
    // after the order id.
    assert_eq!(
        labels(&harness, |l| l.starts_with("time")
            && l.contains("order   symbol   side"))
        .len(),
        1
    );
    let rows = labels(&harness, is_blotter_row);
    assert!(!rows.is_empty());
    for row in &rows {
        let after_id = row[21..]
            .split_once(' ')
            .map_or("", |(_, rest)| rest.trim_start());
        assert!(
            after_id.starts_with("ACME ") || after_id.starts_with("BTC-PERP "),
            "{row}"
        );
    }
    // The fills too: the newest first.
    harness.get_by_label_contains("Fills (").click_accesskit();
    harness.run_steps(2);
    let fill = *harness.state().view().fills.iter().last().expect("a fill");
    let symbol = harness
        .state()
        .view()
        .instrument_of_order(fill.order_id)
        .expect("its instrument")
        .symbol
        .clone();
    let fill_rows = labels(&harness, |l| {
        is_blotter_row(l) && l.contains(&format!("#{:<6} {symbol}", fill.order_id.0))
    });
    assert!(!fill_rows.is_empty(), "no row of fill {fill:?}");

    // The ladder shows ACME's book; switching shows BTC-PERP's at the same
    // event, with its own orders in place.
    let book_label = |app: &TicklabApp| {
        let view = app.view();
        let frame = view.frame.as_ref().expect("a frame");
        let (bid, ask) = frame.local_book.touch_ticks();
        ladder_label(&view.run.as_ref().expect("a run").instrument, bid, ask)
    };
    let acme_book = book_label(harness.state());
    assert!(acme_book.starts_with("ACME book: bid "), "{acme_book}");
    harness.get_by_label(&acme_book);
    let at = events_seen(harness.state());
    harness
        .get_by_role_and_label(Role::Button, "BTC-PERP")
        .click_accesskit();
    run_until(&mut harness, "the switch", |app| {
        app.is_idle()
            && app
                .view()
                .run
                .as_ref()
                .is_some_and(|r| r.instrument.symbol == "BTC-PERP")
    });
    harness.run_steps(2);
    assert_eq!(events_seen(harness.state()), at);
    let btc_book = book_label(harness.state());
    assert!(btc_book.starts_with("BTC-PERP book: bid "), "{btc_book}");
    harness.get_by_label(&btc_book);
    assert!(labels(&harness, |l| l.starts_with("ACME book:")).is_empty());
    let view = harness.state().view();
    let btc = view.run.as_ref().expect("a run").instrument.clone();
    let orders = view.frame.as_ref().expect("a frame").orders.clone();
    assert!(!orders.is_empty(), "mm quotes BTC-PERP");
    for order in &orders {
        harness.get_by_label(&order_label(&btc, order));
    }
}
