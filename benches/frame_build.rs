//! The window's CPU work per frame, with no display and no GPU: building
//! the frame (every panel, on the state of a whole day replayed at max
//! speed, so every ring and list is full) and tessellating what it
//! painted. A GPU only rasterises what comes out, so this is what decides
//! whether a frame fits in the 16 ms of 60 fps.
//!
//! `idle` redraws an unchanged state; `new_frame` moves the data time on
//! by 50 ms each frame, as playback does, so the heatmap texture and the
//! charts are rebuilt.

use std::collections::VecDeque;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::Criterion;

use ticklab::session::heat::column_step_ns;
use ticklab::session::replay::{Goal, Progress};
use ticklab::session::{Replay, RunState, SessionOptions, Speed, Update};
use ticklab::ui::{TicklabApp, View};

/// The window size the frames are built for, points.
const SCREEN: egui::Vec2 = egui::vec2(1600.0, 1000.0);

/// The view after the whole BTC-PERP sample day with the market maker,
/// taken in the way the window takes it: a batch every slice of the run.
fn whole_day_view() -> View {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/BTC-PERP");
    let mut replay = Replay::new(SessionOptions::default());
    assert!(replay.load(folder, None, None), "the sample data opens");
    assert!(replay.set_strategy("mm".to_owned()));
    replay.set_column_step(column_step_ns(Speed::Max));
    let mut view = View::default();
    let mut updates = VecDeque::new();
    loop {
        let progress = replay.advance(Goal::End, Duration::from_millis(16));
        replay.drain_into(&mut updates);
        for update in updates.drain(..) {
            view.apply(update);
        }
        if let Some(frame) = replay.frame(RunState::Paused) {
            view.apply(Update::Frame(Box::new(frame)));
        }
        if progress != Progress::Budget {
            break;
        }
    }
    view.apply(Update::Stats(Box::new(replay.stats().expect("statistics"))));
    view
}

/// One frame: built by `app`, then tessellated; returns the primitives
/// made, so nothing is optimised away.
fn frame(ctx: &egui::Context, app: &mut TicklabApp, time_secs: f64) -> usize {
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, SCREEN)),
        time: Some(time_secs),
        ..egui::RawInput::default()
    };
    let output = ctx.run_ui(input, |ui| app.show_ui(ui));
    ctx.tessellate(output.shapes, output.pixels_per_point).len()
}

fn frame_build(c: &mut Criterion) {
    let view = whole_day_view();
    let mut group = c.benchmark_group("whole_day_mm");
    group.sample_size(30);

    let ctx = egui::Context::default();
    let mut app = TicklabApp::showing(view.clone());
    let mut time_secs = 0.0;
    for _ in 0..5 {
        time_secs += 1.0 / 60.0;
        frame(&ctx, &mut app, time_secs);
    }
    group.bench_function("idle", |b| {
        b.iter(|| {
            time_secs += 1.0 / 60.0;
            black_box(frame(&ctx, &mut app, time_secs))
        })
    });

    let last = view.frame.clone().expect("a frame");
    let mut app = TicklabApp::showing(view);
    let mut now_ns = last.now_ns;
    group.bench_function("new_frame", |b| {
        b.iter(|| {
            now_ns += 50_000_000;
            let mut moved = last.clone();
            moved.now_ns = now_ns;
            app.view_mut().apply(Update::Frame(Box::new(moved)));
            time_secs += 1.0 / 60.0;
            black_box(frame(&ctx, &mut app, time_secs))
        })
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    frame_build(&mut criterion);
    criterion.final_summary();
}
