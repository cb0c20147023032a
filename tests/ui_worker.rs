//! The window with its session in a sandboxed worker, driven through
//! egui_kittest: strategies that exit, crash, sleep, swallow the
//! interrupt, eat memory or write outside never take the window with them.
//! Each time the window stays up, failed at the last frame, the banner and
//! the console say what happened at which event, and a reload (or another
//! strategy) goes on.

#![expect(
    clippy::unwrap_used,
    reason = "a helper that cannot set up fails the test"
)]

#[path = "common/window.rs"]
mod window;

use std::path::{Path, PathBuf};
use std::time::Duration;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use ticklab::session::{Command, Isolation, RunState, SessionOptions, StepTarget, WorkerSettings};
use ticklab::ui::{Action, AppOptions, TicklabApp};
use window::{events_seen, harness_with, run_until, small_folder};

/// A strategy whose `on_trade` runs `body` (indented by 12) on the first
/// trade, after printing the event it is at.
fn strategy(dir: &Path, name: &str, body: &str) -> PathBuf {
    let source = format!(
        r#"
import ctypes, os, time
from ticklab import Strategy

OUTSIDE = {outside:?}

class Misbehaves(Strategy):
    def __init__(self):
        self.done = False

    def on_trade(self, ctx, ev):
        if not self.done:
            self.done = True
            os.write(2, f"MARK {{ctx.event_index}}\n".encode())
{body}
"#,
        outside = dir.join("outside").display().to_string(),
    );
    let path = dir.join(format!("{name}.py"));
    std::fs::write(&path, source).unwrap();
    path
}

/// True when the kernel has landlock; otherwise says so.
fn kernel_has_landlock() -> bool {
    use landlock::{Access, AccessFs, CompatLevel, Compatible, Ruleset, RulesetAttr, ABI};
    let has = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(ABI::V3))
        .and_then(|ruleset| ruleset.create())
        .is_ok();
    if !has {
        eprintln!("skipped: this kernel lacks landlock (ABI 3): writes outside not tried");
    }
    has
}

fn frame_state(app: &TicklabApp) -> Option<RunState> {
    app.view().frame.as_ref().map(|f| f.state)
}

/// The banner's text, when one shows.
fn banner(app: &TicklabApp) -> Option<String> {
    app.view().banner.as_ref().map(|line| line.text.clone())
}

/// Runs `strategy` to its end in the window and waits for it to fail;
/// returns the banner's text.
fn fails(harness: &mut Harness<'static, TicklabApp>, strategy: &Path) -> String {
    let app = harness.state_mut();
    app.push_action(Action::Session(Command::SetStrategy(
        strategy.display().to_string(),
    )));
    app.push_action(Action::Session(Command::Step(StepTarget::End)));
    run_until(harness, "the strategy to fail", |app| {
        app.is_idle() && frame_state(app) == Some(RunState::Failed) && banner(app).is_some()
    });
    banner(harness.state()).unwrap()
}

#[test]
fn no_strategy_takes_the_window_down() {
    let folder = small_folder();
    let lab = tempfile::tempdir().unwrap();
    std::fs::create_dir(lab.path().join("outside")).unwrap();
    let mut settings = WorkerSettings::new(PathBuf::from(env!("CARGO_BIN_EXE_ticklab")));
    settings.callback_grace = Duration::from_millis(300);
    settings.limits.memory_bytes = Some(1 << 30);
    let options = AppOptions {
        strategy: Some("mm".to_owned()),
        isolation: Isolation::Worker(settings),
        session: SessionOptions {
            // Long enough to fill the memory limit on a busy machine.
            callback_budget: Some(Duration::from_secs(5)),
            ..SessionOptions::default()
        },
        ..AppOptions::default()
    };
    let mut harness = harness_with(folder.path(), [1600.0, 1000.0], options);
    run_until(&mut harness, "the first book", |app| {
        app.is_idle() && app.view().frame.is_some()
    });
    let first_book = events_seen(harness.state());
    // The console says where strategies run.
    assert!(harness.state().view().console.iter().any(|l| l
        .text
        .starts_with("strategies run in a sandboxed worker process")));

    let deaths = [
        (
            strategy(lab.path(), "exits", "            os._exit(4)"),
            "it exited with code 4 before the run finished",
        ),
        (
            strategy(lab.path(), "crashes", "            ctypes.string_at(0)"),
            "it crashed: segmentation fault (SIGSEGV), a bad memory access in native code",
        ),
        (
            strategy(lab.path(), "sleeps", "            time.sleep(10 ** 6)"),
            "on_market ran for more than 5.3 s, its budget and grace; killed",
        ),
        (
            strategy(
                lab.path(),
                "swallows",
                "            while True:\n                try:\n                    sum(range(1000))\n                except BaseException:\n                    pass",
            ),
            "on_market ran for more than 5.3 s, its budget and grace; killed",
        ),
    ];
    for (file, reason) in &deaths {
        let text = fails(&mut harness, file);
        assert!(
            text.starts_with("the strategy process died at event "),
            "{text}"
        );
        assert!(text.ends_with(reason), "{text}");
        // The event it died at, as the strategy printed it.
        let event: u64 = text
            .trim_start_matches("the strategy process died at event ")
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let console = &harness.state().view().console;
        let line = console.iter().rev().find(|l| l.text == text).unwrap();
        assert!(
            line.detail.contains(&format!("MARK {event}")),
            "{}",
            line.detail
        );
        // On screen: in the banner and the console.
        assert!(
            harness
                .query_all_by_label_contains("the strategy process died at event")
                .count()
                >= 2
        );
        // A reload starts a new worker at the last good event.
        harness
            .state_mut()
            .push_action(Action::Session(Command::ReloadStrategy));
        run_until(&mut harness, "the reload", |app| {
            app.is_idle()
                && frame_state(app) == Some(RunState::Paused)
                && events_seen(app) == event - 1
        });
        assert_eq!(banner(harness.state()), None);
    }

    // Errors that the worker survives: the window says them the same way.
    let bomb = strategy(
        lab.path(),
        "bomb",
        "            self.hog = []\n            while True:\n                self.hog.append(bytearray(256 << 20))",
    );
    let text = fails(&mut harness, &bomb);
    assert!(
        text.starts_with("on_trade failed at event ") && text.ends_with("MemoryError"),
        "{text}"
    );
    if kernel_has_landlock() {
        let writes = strategy(
            lab.path(),
            "writes",
            "            libc = ctypes.CDLL(None)\n            fd = libc.open(os.path.join(OUTSIDE, 'x.txt').encode(), os.O_WRONLY | os.O_CREAT, 0o644)\n            open(os.path.join(OUTSIDE, 'y.txt'), 'w').write('x')",
        );
        let text = fails(&mut harness, &writes);
        assert!(text.starts_with("on_trade failed at event "), "{text}");
        assert_eq!(
            std::fs::read_dir(lab.path().join("outside"))
                .unwrap()
                .count(),
            0,
            "a file appeared outside"
        );
    }

    // And the window goes on with a well-behaved strategy.
    let app = harness.state_mut();
    app.push_action(Action::Session(Command::SetStrategy("mm".to_owned())));
    app.push_action(Action::Session(Command::Step(StepTarget::Events(2_000))));
    run_until(&mut harness, "mm to run", |app| {
        app.is_idle() && events_seen(app) == first_book + 2_000
    });
    // The worker wrote no event cache (it cannot); the window did, once.
    let console: Vec<&str> = harness
        .state()
        .view()
        .console
        .iter()
        .map(|l| l.text.as_str())
        .collect();
    assert!(
        !console.iter().any(|l| l.contains("cannot write")),
        "{console:#?}"
    );
    assert_eq!(frame_state(harness.state()), Some(RunState::Paused));
    // Six Python strategies ran, none in the window's process.
    assert!(!python_is_initialized());
}

/// True when this process has started a Python interpreter.
#[allow(unsafe_code)]
fn python_is_initialized() -> bool {
    // SAFETY: `Py_IsInitialized` may be called at any time, before or
    // after the interpreter starts.
    unsafe { pyo3::ffi::Py_IsInitialized() != 0 }
}
