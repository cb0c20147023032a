//! Helpers of the window's tests (`#[path = "common/window.rs"] mod window;`):
//! a small data folder and a window driven through egui_kittest.

// Each test file uses some of the helpers.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use tempfile::TempDir;
use ticklab::ui::{AppOptions, TicklabApp};

#[path = "acme_day.rs"]
pub mod acme_day;

/// Long enough for a debug build on a busy machine.
pub const WAIT: Duration = Duration::from_secs(120);

/// A data folder with one small ACME day.
pub fn small_folder() -> TempDir {
    let root = TempDir::new().expect("test setup");
    acme_day::write_acme_day(root.path(), 20_000, 11);
    root
}

/// The window on `folder`, at `size`, started with `options` otherwise.
pub fn harness_with(
    folder: &Path,
    size: [f32; 2],
    options: AppOptions,
) -> Harness<'static, TicklabApp> {
    let app = TicklabApp::new(
        AppOptions {
            folder: Some(folder.to_owned()),
            ..options
        },
        None,
    );
    Harness::builder()
        .with_size(size)
        .build_ui_state(|ui, app: &mut TicklabApp| app.show_ui(ui), app)
}

/// The window on `folder` at 1600 × 1000.
pub fn app_harness(folder: &Path) -> Harness<'static, TicklabApp> {
    harness_with(folder, [1600.0, 1000.0], AppOptions::default())
}

/// Runs frames until `done` holds.
pub fn run_until(
    harness: &mut Harness<'_, TicklabApp>,
    what: &str,
    done: impl Fn(&TicklabApp) -> bool,
) {
    let deadline = Instant::now() + WAIT;
    loop {
        harness.step();
        if done(harness.state()) {
            return;
        }
        if Instant::now() >= deadline {
            let app = harness.state();
            let console: Vec<&str> = app.view().console.iter().map(|l| l.text.as_str()).collect();
            panic!(
                "timed out waiting for {what}: idle {}, events {}, console {console:#?}",
                app.is_idle(),
                events_seen(app)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Market events the window's last frame had seen.
pub fn events_seen(app: &TicklabApp) -> u64 {
    app.view().frame.as_ref().map_or(0, |f| f.events_seen)
}

/// The strategy the window's run has, if any.
pub fn strategy_of(app: &TicklabApp) -> Option<String> {
    app.view().run.as_ref().and_then(|r| r.strategy.clone())
}
