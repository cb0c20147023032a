//! The window as a lab, driven through its accessibility tree with
//! egui_kittest: the layout holds at two sizes, a typed path loads a
//! strategy, the settings re-run with another queue model and the previous
//! run stays to compare, and saving the strategy file reloads it at the
//! same event.

#[path = "common/window.rs"]
mod window;

use std::path::{Path, PathBuf};

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use ticklab::session::{Command, StepTarget};
use ticklab::ui::layout::{check_layout, PlacedPanel};
use ticklab::ui::view::LineKind;
use ticklab::ui::{Action, AppOptions, TicklabApp};
use window::{app_harness, events_seen, harness_with, run_until, small_folder, strategy_of};

/// The window at `size` on a loaded day with `mm`, and where its panels
/// landed.
fn layout_at(folder: &Path, size: [f32; 2]) -> Vec<PlacedPanel> {
    let options = AppOptions {
        strategy: Some("mm".to_owned()),
        ..AppOptions::default()
    };
    let mut harness = harness_with(folder, size, options);
    run_until(&mut harness, "the first book", |app| {
        app.is_idle() && events_seen(app) > 0
    });
    harness.run_steps(4);
    harness.state().placed_panels().to_vec()
}

#[test]
fn panels_never_overlap_and_all_show_at_1024x700_and_1920x1080() {
    let folder = small_folder();
    for size in [[1024.0, 700.0], [1920.0, 1080.0]] {
        let placed = layout_at(folder.path(), size);
        let window = egui::Rect::from_min_size(egui::Pos2::ZERO, size.into());
        let titles: Vec<&str> = placed.iter().map(|p| p.title).collect();
        for title in [
            "left column",
            "right column",
            "Blotter",
            "Console",
            "Depth",
            "Equity",
            "Price",
        ] {
            assert!(
                titles.contains(&title),
                "{size:?}: {title} missing from {titles:?}"
            );
        }
        assert_eq!(
            check_layout(&placed, window),
            Ok(()),
            "{size:?}: {placed:?}"
        );
        // Every panel inside the window.
        for p in &placed {
            assert!(
                window.contains_rect(p.rect),
                "{size:?}: {} at {:?}",
                p.title,
                p.rect
            );
        }
    }
}

#[test]
fn a_long_console_line_does_not_push_the_blotter() {
    let folder = small_folder();
    let mut harness = harness_with(folder.path(), [1024.0, 700.0], AppOptions::default());
    run_until(&mut harness, "the first book", |app| {
        app.is_idle() && events_seen(app) > 0
    });
    harness.run_steps(3);
    let before = harness.state().placed_panels().to_vec();
    let long = format!("a line without end {}", "x".repeat(3_000));
    harness.state_mut().push_action(Action::Report(long));
    harness.run_steps(6);
    let after = harness.state().placed_panels().to_vec();
    assert_eq!(before, after);
}

/// A copy of the shipped `queue_mm.py` in a folder of its own.
fn strategy_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("test setup");
    let path = dir.path().join("queue_mm.py");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies/queue_mm.py"),
        &path,
    )
    .expect("test setup");
    (dir, path)
}

fn console_has(app: &TicklabApp, text: &str) -> bool {
    app.view().console.iter().any(|l| l.text.contains(text))
}

#[test]
fn a_typed_and_tab_completed_path_loads_a_python_strategy() {
    let folder = small_folder();
    let (_dir, strategy) = strategy_copy();
    let mut harness = app_harness(folder.path());
    run_until(&mut harness, "the first book", |app| {
        app.is_idle() && events_seen(app) > 0
    });
    // A folder is not a strategy: said under the field.
    let field = harness.get_by_label(ticklab::ui::strategy::STRATEGY_FIELD_LABEL);
    field.focus();
    let dir = strategy.parent().unwrap().display().to_string();
    field.type_text(&dir);
    harness.run_steps(2);
    harness.get_by_label("Load").click_accesskit();
    harness.run_steps(2);
    harness.get_by_label_contains("is a folder: type or pick");
    // Typed in part, Tab completes the one strategy file; Load loads it.
    let field = harness.get_by_label(ticklab::ui::strategy::STRATEGY_FIELD_LABEL);
    field.focus();
    field.type_text("/que");
    harness.run_steps(2);
    harness.get_by_label("📄 queue_mm.py");
    harness.key_press(egui::Key::Tab);
    harness.run_steps(2);
    harness.get_by_label("Load").click_accesskit();
    let expected = strategy.display().to_string();
    run_until(&mut harness, "the typed strategy", |app| {
        app.is_idle() && strategy_of(app).as_deref() == Some(expected.as_str())
    });
    // Its parameters, from __init__'s defaults, are in the settings.
    let params: Vec<&str> = harness
        .state()
        .view()
        .settings
        .params
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        params,
        ["qty", "max_position", "max_ahead", "pull_imbalance"]
    );
}

fn fills(app: &TicklabApp) -> u64 {
    app.view().stats.as_ref().map_or(0, |s| s.fills)
}

/// The window on `folder` with `mm`, stepped to `events` market events.
fn mm_at(folder: &Path, events: u64) -> Harness<'static, TicklabApp> {
    let options = AppOptions {
        strategy: Some("mm".to_owned()),
        steps: vec![StepTarget::Events(events)],
        ..AppOptions::default()
    };
    let mut harness = harness_with(folder, [1600.0, 1000.0], options);
    run_until(&mut harness, "the steps", |app| {
        app.is_idle() && events_seen(app) > events
    });
    harness
}

#[test]
fn another_queue_model_re_runs_to_the_same_event_and_the_previous_run_stays_to_compare() {
    let folder = small_folder();
    let mut harness = mm_at(folder.path(), 12_000);
    let at = events_seen(harness.state());
    let fills_before = fills(harness.state());
    assert!(fills_before > 0);
    harness.get_by_label("Settings").click_accesskit();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::ComboBox, "Queue model")
        .click_accesskit();
    harness.run_steps(2);
    harness.get_by_label("prob_log").click_accesskit();
    harness.run_steps(2);
    harness
        .get_by_label(ticklab::ui::settings::APPLY_LABEL)
        .click_accesskit();
    run_until(&mut harness, "the re-run", |app| {
        app.is_idle()
            && app.view().previous.is_some()
            && events_seen(app) == at
            && app.view().stats.is_some()
    });
    harness.run_steps(2);
    let app = harness.state();
    assert_eq!(
        app.view().settings.config.queue,
        ticklab::sim::QueueConfig::ProbLog
    );
    let previous = app.view().previous.as_ref().unwrap();
    assert_eq!(previous.label, "before the settings change");
    assert_eq!(previous.events_seen, at);
    assert_eq!(previous.stats.as_ref().map(|s| s.fills), Some(fills_before));
    assert_ne!(fills(app), fills_before, "the queue model changed no fill");
    // The overlay can be hidden and shown again.
    assert!(app.view().show_previous);
    harness
        .get_by_label(ticklab::ui::equity::COMPARE_LABEL)
        .click_accesskit();
    harness.run_steps(2);
    assert!(!harness.state().view().show_previous);
    // Stats show the difference.
    harness.get_by_label_contains("Δ: against the run before the settings change");
}

/// A small Python strategy that logs every 500th touch.
const COUNTER: &str = "from ticklab import Strategy\n\n\nclass Counter(Strategy):\n    def __init__(self, every=500):\n        self.every = every\n        self.seen = 0\n\n    def on_bbo(self, ctx, ev):\n        self.seen += 1\n        if self.seen % self.every == 0:\n            ctx.log(f\"touch {self.seen}\")\n";

#[test]
fn saving_the_strategy_reloads_it_at_the_same_event_and_a_broken_save_keeps_the_last_good() {
    let folder = small_folder();
    let dir = tempfile::tempdir().unwrap();
    let strategy = dir.path().join("counter.py");
    std::fs::write(&strategy, COUNTER).unwrap();
    let options = AppOptions {
        strategy: Some(strategy.display().to_string()),
        steps: vec![StepTarget::Events(3_000)],
        ..AppOptions::default()
    };
    let mut harness = harness_with(folder.path(), [1600.0, 1000.0], options);
    run_until(&mut harness, "the steps", |app| {
        app.is_idle() && events_seen(app) > 3_000
    });
    let at = events_seen(harness.state());
    let source = COUNTER;
    std::fs::write(&strategy, source.replace("every=500", "every=700")).unwrap();
    run_until(&mut harness, "the reload", |app| {
        app.is_idle() && console_has(app, "saved: reloading") && events_seen(app) == at
    });
    assert!(console_has(harness.state(), "re-ran"));
    // A syntax error: said in the console, the run goes on with the last
    // good version.
    std::fs::write(
        &strategy,
        source.replace("def on_bbo(self, ctx, ev):", "def on_bbo(self, ctx, ev)"),
    )
    .unwrap();
    run_until(&mut harness, "the failed reload", |app| {
        app.is_idle()
            && app
                .view()
                .console
                .iter()
                .any(|l| matches!(l.kind, LineKind::Error(_)) && l.text.starts_with("loading "))
    });
    let app = harness.state();
    assert_eq!(events_seen(app), at);
    assert_eq!(strategy_of(app), Some(strategy.display().to_string()));
    assert!(app.view().banner.is_some());
    // The banner's Reload is there to try again.
    harness
        .state_mut()
        .push_action(Action::Session(Command::Step(StepTarget::Events(1))));
    run_until(&mut harness, "a step with the last good version", |app| {
        app.is_idle() && events_seen(app) == at + 1
    });
}

#[test]
fn question_mark_lists_every_transport_key_and_escape_hides_it() {
    let folder = small_folder();
    let mut harness = app_harness(folder.path());
    run_until(&mut harness, "the first book", |app| {
        app.is_idle() && events_seen(app) > 0
    });
    harness.key_press(egui::Key::Questionmark);
    harness.run_steps(2);
    assert!(harness.state().is_help_shown());
    for (keys, what) in ticklab::ui::transport::SHORTCUTS {
        harness.get_by_label(keys);
        harness.get_by_label(what);
    }
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(!harness.state().is_help_shown());
}

#[test]
fn reset_layout_forgets_the_sizes_kept() {
    let folder = small_folder();
    let mut harness = harness_with(folder.path(), [1024.0, 700.0], AppOptions::default());
    run_until(&mut harness, "the first book", |app| {
        app.is_idle() && events_seen(app) > 0
    });
    let generation = harness.state().saved_state().layout_generation;
    harness.get_by_label("View").click_accesskit();
    harness.run_steps(2);
    harness.get_by_label("Reset layout").click_accesskit();
    harness.run_steps(3);
    assert_eq!(
        harness.state().saved_state().layout_generation,
        generation + 1
    );
    let placed = harness.state().placed_panels().to_vec();
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1024.0, 700.0));
    assert_eq!(check_layout(&placed, window), Ok(()));
}

#[test]
fn settings_save_as_run_toml_and_open_it_again() {
    let folder = small_folder();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.toml");
    let mut harness = mm_at(folder.path(), 2_000);
    harness.get_by_label("Settings").click_accesskit();
    harness.run_steps(2);
    // A wrong seed is named beside its field and nothing is applied.
    let seed = harness.get_by_role_and_label(Role::TextInput, "Seed");
    seed.focus();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_role_and_label(Role::TextInput, "Seed")
        .type_text("-3");
    harness.run_steps(2);
    harness
        .get_by_label(ticklab::ui::settings::APPLY_LABEL)
        .click_accesskit();
    harness.run_steps(2);
    harness.get_by_label("a whole number ≥ 0");
    assert_eq!(harness.state().view().settings.config.seed, 0);
    // A good one applies and saves.
    harness
        .get_by_role_and_label(Role::TextInput, "Seed")
        .focus();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_role_and_label(Role::TextInput, "Seed")
        .type_text("42");
    harness.run_steps(2);
    harness
        .get_by_label(ticklab::ui::settings::APPLY_LABEL)
        .click_accesskit();
    run_until(&mut harness, "the re-run", |app| {
        app.is_idle() && app.view().settings.config.seed == 42
    });
    let field = harness.get_by_role_and_label(Role::TextInput, "run.toml");
    field.focus();
    field.type_text(&path.display().to_string());
    harness.run_steps(2);
    harness.get_by_label("Save as run.toml").click_accesskit();
    harness.run_steps(2);
    let saved = ticklab::session::read_run_config(Some(&path)).unwrap();
    assert_eq!(saved, harness.state().view().settings.config);
    assert_eq!(saved.seed, 42);
    // Opened again after a change on disk, it applies.
    std::fs::write(&path, "seed = 7\n").unwrap();
    harness.get_by_label("Open run.toml").click_accesskit();
    run_until(&mut harness, "the opened settings", |app| {
        app.is_idle() && app.view().settings.config.seed == 7
    });
    assert_eq!(
        harness.state().view().settings.path.as_deref(),
        Some(path.as_path())
    );
}
