//! The window, driven through its accessibility tree with egui_kittest: no
//! display and no GPU needed. (Image snapshots need a wgpu adapter and are
//! left out; the screenshot in `assets/` comes from a real window.)

#[path = "common/window.rs"]
mod window;

use std::path::Path;
use std::time::Duration;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use ticklab::session::replay::Goal;
use ticklab::session::{Command, Replay, RunState, SessionOptions, Update};
use ticklab::ui::app::action_for_dropped;
use ticklab::ui::ladder::order_label;
use ticklab::ui::{all_panels, Action, Panel, TicklabApp, View};
use window::{app_harness, events_seen, run_until, small_folder};

#[test]
fn mm_order_rests_and_shows_in_the_ladder_with_its_queue() {
    let folder = small_folder();
    let mut harness = app_harness(folder.path());
    run_until(&mut harness, "the first book", |app| {
        app.is_idle() && events_seen(app) > 0
    });
    // First start: the hint to drop a strategy, and built-ins one click away.
    harness.get_by_label_contains("Drop a strategy file");
    harness.get_by_label("mm").click_accesskit();
    run_until(&mut harness, "the strategy", |app| {
        app.is_idle()
            && app
                .view()
                .run
                .as_ref()
                .is_some_and(|r| r.strategy.as_deref() == Some("mm"))
    });
    let mut steps = 0;
    let order = loop {
        let resting = harness
            .state()
            .view()
            .frame
            .as_ref()
            .and_then(|f| f.orders.iter().find(|o| o.queue().is_some()).copied());
        if let Some(order) = resting {
            break order;
        }
        steps += 1;
        assert!(steps < 2_000, "no order rested");
        let before = events_seen(harness.state());
        harness.get_by_label("⏵ Step 1").click_accesskit();
        run_until(&mut harness, "one step", |app| {
            app.is_idle() && events_seen(app) > before
        });
    };
    harness.step();
    let instrument = harness
        .state()
        .view()
        .run
        .as_ref()
        .unwrap()
        .instrument
        .clone();
    let label = order_label(&instrument, &order);
    assert!(label.contains("ahead of"), "{label}");
    harness.get_by_label(&label);
    // The queue view is the one the engine computed.
    let queue = order.queue().unwrap();
    assert!(queue.ahead_lots <= queue.level_lots);
}

#[test]
fn keyboard_steps_and_goes_back() {
    let folder = small_folder();
    let mut harness = app_harness(folder.path());
    run_until(&mut harness, "the first book", |app| {
        app.is_idle() && events_seen(app) > 0
    });
    let start = events_seen(harness.state());
    harness.key_press(egui::Key::ArrowRight);
    run_until(&mut harness, "a step", |app| {
        app.is_idle() && events_seen(app) == start + 1
    });
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowRight);
    run_until(&mut harness, "N steps", |app| {
        app.is_idle() && events_seen(app) == start + 101
    });
    harness.key_press(egui::Key::ArrowLeft);
    run_until(&mut harness, "a step back", |app| {
        app.is_idle() && events_seen(app) == start + 100
    });
    harness.key_press(egui::Key::Space);
    run_until(&mut harness, "playing", |app| {
        app.view().state().is_running() || app.view().state() == RunState::Finished
    });
    harness.key_press(egui::Key::Space);
    run_until(&mut harness, "paused", |app| {
        app.is_idle() && !app.view().state().is_running()
    });
}

/// A view of a real run: a day loaded, `mm` run over some events.
fn busy_view(folder: &Path) -> View {
    let mut replay = Replay::new(SessionOptions::default());
    assert!(replay.load(folder.to_owned(), None, None));
    assert!(replay.set_strategy("mm".to_owned()));
    replay.advance(Goal::EventsSeen(15_000), Duration::from_secs(600));
    let mut updates = std::collections::VecDeque::new();
    replay.drain_into(&mut updates);
    let mut view = View::default();
    for update in updates {
        view.apply(update);
    }
    view.apply(Update::Frame(Box::new(
        replay.frame(RunState::Paused).expect("a frame"),
    )));
    view.apply(Update::Stats(Box::new(replay.stats().expect("statistics"))));
    assert!(!view.fills.is_empty() && !view.trades.is_empty());
    view
}

#[test]
fn every_panel_renders_empty_and_busy() {
    let folder = small_folder();
    let views = [View::default(), busy_view(folder.path())];
    for view in &views {
        for panel in all_panels() {
            let title = panel.title();
            let mut harness = Harness::builder().with_size([900.0, 600.0]).build_ui_state(
                |ui, (panel, view): &mut (Box<dyn Panel>, View)| {
                    let mut actions: Vec<Action> = Vec::new();
                    panel.ui(ui, view, &mut actions);
                },
                (panel, view.clone()),
            );
            harness.run_steps(3);
            let unnamed = harness.unnamed_widgets();
            assert!(unnamed.is_empty(), "{title}: {unnamed:?}");
        }
    }
}

#[test]
fn dropped_paths_map_to_the_right_action() {
    let folder = small_folder();
    assert_eq!(
        action_for_dropped(folder.path()),
        Action::OpenFolder(folder.path().to_owned())
    );
    let strategy = folder.path().join("quoter.py");
    std::fs::write(&strategy, "# a strategy").unwrap();
    assert_eq!(
        action_for_dropped(&strategy),
        Action::Session(Command::SetStrategy(strategy.display().to_string()))
    );
    assert!(matches!(
        action_for_dropped(&folder.path().join("notes.txt")),
        Action::Report(_)
    ));
}

fn open_root(app: &TicklabApp) -> Option<std::path::PathBuf> {
    app.view().catalog.as_ref().map(|c| c.root.clone())
}

#[test]
fn a_typed_folder_opens_and_recent_folders_are_one_click_away() {
    let first = small_folder();
    let second = small_folder();
    let mut harness = app_harness(first.path());
    run_until(&mut harness, "the first folder", |app| {
        app.is_idle() && open_root(app).as_deref() == Some(first.path())
    });

    // A path that does not exist is refused where it was typed.
    let missing = second.path().join("no-such-folder");
    let field = harness.get_by_label(ticklab::ui::data_browser::PATH_FIELD_LABEL);
    field.focus();
    field.type_text(&missing.display().to_string());
    harness.run_steps(2);
    harness.get_by_label("Open").click_accesskit();
    harness.run_steps(2);
    harness.get_by_label(&format!("{}: no such folder or file", missing.display()));
    assert_eq!(open_root(harness.state()).as_deref(), Some(first.path()));

    // The second folder, typed, opens.
    let field = harness.get_by_label(ticklab::ui::data_browser::PATH_FIELD_LABEL);
    field.focus();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    field.type_text(&second.path().display().to_string());
    harness.run_steps(2);
    harness.get_by_label("Open").click_accesskit();
    run_until(&mut harness, "the typed folder", |app| {
        app.is_idle() && open_root(app).as_deref() == Some(second.path())
    });

    // The first is now a recent folder, one click away.
    harness.step();
    harness
        .get_by_label(&first.path().display().to_string())
        .click_accesskit();
    run_until(&mut harness, "the recent folder", |app| {
        app.is_idle() && open_root(app).as_deref() == Some(first.path())
    });
}
