//! Transport: play and pause, steps, speed, the time scrubber and
//! jump-to-time, and the current data time, always visible. Over several
//! days the scrubber spans them all, each day's start marked under it;
//! over several instruments a switcher chooses the one the window follows.
//!
//! Keyboard: space plays or pauses, → steps one event, shift+→ steps N
//! events, ← goes back one event.

use egui::{Key, Modifiers, RichText};

use crate::market::catalog::Day;
use crate::session::{Command, RunState, SeekTarget, Speed, StepTarget};

use super::format;
use super::view::View;
use super::{Action, Panel, Persisted, Slot};

/// The transport bar.
#[derive(Debug)]
pub struct TransportPanel {
    /// Index into [`Speed::CHOICES`].
    pub speed_index: usize,
    /// Events stepped by "Step N" and shift+→.
    pub step_events: u64,
    jump_text: String,
    /// Scrubber position while the user drags it, seconds since the day's
    /// start.
    scrub_x: Option<f64>,
    /// The speed the session last said it plays at.
    playing: Option<Speed>,
}

impl Default for TransportPanel {
    fn default() -> Self {
        TransportPanel {
            speed_index: 2,
            step_events: 100,
            jump_text: String::new(),
            scrub_x: None,
            playing: None,
        }
    }
}

/// Every transport key and what it does, for the keyboard help.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Space", "Play or pause"),
    ("→", "Step one market event"),
    ("Shift+→", "Step N market events"),
    ("←", "Back one market event"),
    ("F", "Run to the next fill"),
    ("S", "Run to the next signal (rule strategies)"),
    ("End", "Run to the end of the day"),
    ("Home", "Back to the start of the day"),
    ("Ctrl+R", "Reload the strategy, re-run to the same event"),
];

impl TransportPanel {
    fn speed(&self) -> Speed {
        Speed::CHOICES
            .get(self.speed_index)
            .copied()
            .unwrap_or(Speed::Max)
    }

    /// The keys of [`SHORTCUTS`], unless a text field has the keyboard.
    fn shortcuts_ui(&self, ui: &egui::Ui, view: &View, actions: &mut Vec<Action>) {
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        // The most specific first: a plain → would also match shift+→.
        let (space, shift_right, right, left) = ui.input_mut(|i| {
            (
                i.consume_key(Modifiers::NONE, Key::Space),
                i.consume_key(Modifiers::SHIFT, Key::ArrowRight),
                i.consume_key(Modifiers::NONE, Key::ArrowRight),
                i.consume_key(Modifiers::NONE, Key::ArrowLeft),
            )
        });
        let (fill, signal, end, home, reload) = ui.input_mut(|i| {
            (
                i.consume_key(Modifiers::NONE, Key::F),
                i.consume_key(Modifiers::NONE, Key::S),
                i.consume_key(Modifiers::NONE, Key::End),
                i.consume_key(Modifiers::NONE, Key::Home),
                i.consume_key(Modifiers::COMMAND, Key::R),
            )
        });
        let loaded = view.frame.is_some();
        if fill && loaded {
            actions.push(Action::Session(Command::Step(StepTarget::NextFill)));
        }
        if signal && loaded {
            actions.push(Action::Session(Command::Step(StepTarget::NextSignal)));
        }
        if end && loaded {
            actions.push(Action::Session(Command::Step(StepTarget::End)));
        }
        if home && loaded {
            actions.push(Action::Session(Command::Seek(SeekTarget::Event(0))));
        }
        if reload && loaded {
            actions.push(Action::Session(Command::ReloadStrategy));
        }
        if space {
            actions.push(self.play_pause(view));
        }
        if right {
            actions.push(Action::Session(Command::Step(StepTarget::Events(1))));
        }
        if shift_right {
            actions.push(Action::Session(Command::Step(StepTarget::Events(
                self.step_events,
            ))));
        }
        if left {
            if let Some(frame) = &view.frame {
                actions.push(Action::Session(Command::Seek(SeekTarget::Event(
                    frame.events_seen.saturating_sub(1),
                ))));
            }
        }
    }

    fn play_pause(&self, view: &View) -> Action {
        if view.state().is_running() {
            Action::Session(Command::Pause)
        } else {
            Action::Session(Command::Play(self.speed()))
        }
    }

    fn buttons_ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        let state = view.state();
        let loaded = state != RunState::Empty;
        let can_step = loaded && !matches!(state, RunState::Finished | RunState::Failed);
        let step = |target| Action::Session(Command::Step(target));

        let back = ui
            .add_enabled(loaded, egui::Button::new("⏮ Back 1"))
            .on_hover_text("Back one market event (←): re-runs from the start");
        if back.clicked() {
            if let Some(frame) = &view.frame {
                actions.push(Action::Session(Command::Seek(SeekTarget::Event(
                    frame.events_seen.saturating_sub(1),
                ))));
            }
        }
        let play_label = if state.is_running() {
            "⏸ Pause"
        } else {
            "▶ Play"
        };
        if ui
            .add_enabled(loaded, egui::Button::new(play_label))
            .on_hover_text("Play or pause (space)")
            .clicked()
        {
            actions.push(self.play_pause(view));
        }
        if ui
            .add_enabled(can_step, egui::Button::new("⏵ Step 1"))
            .on_hover_text("One market event (→)")
            .clicked()
        {
            actions.push(step(StepTarget::Events(1)));
        }
        let label = ui.label("N");
        ui.add(
            egui::DragValue::new(&mut self.step_events)
                .range(1..=10_000_000)
                .speed(10.0),
        )
        .labelled_by(label.id);
        if ui
            .add_enabled(can_step, egui::Button::new("⏩ Step N"))
            .on_hover_text("N market events (shift+→)")
            .clicked()
        {
            actions.push(step(StepTarget::Events(self.step_events)));
        }
        if ui
            .add_enabled(can_step, egui::Button::new("To fill"))
            .on_hover_text("Run until the strategy receives its next fill")
            .clicked()
        {
            actions.push(step(StepTarget::NextFill));
        }
        if ui
            .add_enabled(can_step, egui::Button::new("To signal"))
            .on_hover_text("Run until a rule strategy records its next signal")
            .clicked()
        {
            actions.push(step(StepTarget::NextSignal));
        }
        if ui
            .add_enabled(can_step, egui::Button::new("To end"))
            .on_hover_text("Run to the end of the day as fast as possible")
            .clicked()
        {
            actions.push(step(StepTarget::End));
        }
        ui.separator();
        // Playback started elsewhere (a script, a saved choice) moves the
        // selector to the speed the session plays at.
        if let RunState::Playing(playing) = state {
            if self.playing != Some(playing) {
                self.playing = Some(playing);
                if let Some(i) = Speed::CHOICES.iter().position(|&s| s == playing) {
                    self.speed_index = i;
                }
            }
        }
        let before = self.speed_index;
        let speed_label = ui.label("Speed");
        egui::ComboBox::from_id_salt("speed")
            .selected_text(self.speed().label())
            .width(64.0)
            .show_ui(ui, |ui| {
                for (i, speed) in Speed::CHOICES.iter().enumerate() {
                    ui.selectable_value(&mut self.speed_index, i, speed.label());
                }
            })
            .response
            .labelled_by(speed_label.id);
        if before != self.speed_index && state.is_running() {
            actions.push(Action::Session(Command::Play(self.speed())));
        }
    }

    fn clock_ui(ui: &mut egui::Ui, view: &View) {
        let Some(frame) = &view.frame else {
            ui.label(RichText::new("no data loaded").weak());
            return;
        };
        let time_text = match view.now_ns() {
            Some(ts) => format::datetime_us_from_ns(ts),
            None => match view.run.as_ref().and_then(|r| r.span_ns) {
                Some((first, _)) => format!("{} (start)", format::datetime_us_from_ns(first)),
                None => "start".to_owned(),
            },
        };
        ui.label(RichText::new(time_text).monospace().size(16.0).strong())
            .on_hover_text("Local data time: what the strategy sees (UTC)");
        let rows = view.run.as_ref().map_or(0, |r| r.rows);
        // Over several instruments the index counts every instrument's
        // events (the run's event index).
        ui.label(
            RichText::new(format!(
                "event {} / {}",
                format::count(frame.events_seen),
                format::count(rows)
            ))
            .monospace(),
        );
        let state_text = match frame.state {
            RunState::Playing(speed) => format!("playing {}", speed.label()),
            other => other.label().to_owned(),
        };
        let color = match frame.state {
            RunState::Failed => super::theme::ERROR,
            RunState::Playing(_) | RunState::Stepping | RunState::Seeking => super::theme::BID,
            _ => ui.visuals().text_color(),
        };
        ui.label(RichText::new(state_text).color(color));
        if frame.state.is_running() && frame.events_per_sec > 0.0 {
            ui.label(
                RichText::new(format!("{:.2} M ev/s", frame.events_per_sec / 1e6))
                    .monospace()
                    .weak(),
            );
        }
    }

    fn scrubber_ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        let Some(run) = &view.run else {
            return;
        };
        let Some((first_ns, last_ns)) = run.span_ns else {
            return;
        };
        let x_min = view.x_from_ns(first_ns);
        let x_max = view.x_from_ns(last_ns).max(x_min + 1e-3);
        let now_x = view.now_ns().map_or(x_min, |ts| view.x_from_ns(ts));
        let mut x = self.scrub_x.unwrap_or(now_x).clamp(x_min, x_max);
        let origin_ns = view.origin_ns();
        let jump_width = 200.0;
        let several_days = run.days.len() > 1;
        ui.spacing_mut().slider_width = (ui.available_width() - jump_width - 90.0).max(100.0);
        let response = ui
            .add(
                egui::Slider::new(&mut x, x_min..=x_max)
                    .show_value(false)
                    .trailing_fill(true),
            )
            .on_hover_text(if several_days {
                "Scrub through the days (each day's start marked below): release to go there"
            } else {
                "Scrub through the day: release to go there"
            });
        day_marks_ui(ui, view, response.rect, (x_min, x_max));
        if response.dragged() {
            self.scrub_x = Some(x);
            let ts = origin_ns + (x * 1e9) as i64;
            let text = if several_days {
                format::datetime_us_from_ns(ts)
            } else {
                format::clock_ms_from_ns(ts)
            };
            response.clone().on_hover_text(text);
        }
        if response.drag_stopped() || (response.changed() && !response.dragged()) {
            self.scrub_x = None;
            actions.push(Action::Session(Command::Seek(SeekTarget::TimeNs(
                origin_ns + (x * 1e9) as i64,
            ))));
        }
        let edit = ui.add(
            egui::TextEdit::singleline(&mut self.jump_text)
                .hint_text(if several_days {
                    "jump to [YYYY-MM-DD] HH:MM:SS"
                } else {
                    "jump to HH:MM:SS"
                })
                .desired_width(jump_width - 40.0),
        );
        let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        let go = ui.button("Go").clicked() || entered;
        // An empty field goes nowhere.
        if go && !self.jump_text.trim().is_empty() {
            // A time of day alone is on the day the run stands in.
            let day = view.now_ns().map_or(run.day, Day::from_ts_ns);
            match format::ns_from_clock(&self.jump_text, day) {
                Some(ts) => actions.push(Action::Session(Command::Seek(SeekTarget::TimeNs(ts)))),
                None => actions.push(Action::Report(format!(
                    "{:?} is not a time of day: write HH:MM:SS or HH:MM:SS.fff (UTC), or YYYY-MM-DD HH:MM:SS",
                    self.jump_text.trim()
                ))),
            }
        }
    }
}

impl Panel for TransportPanel {
    fn title(&self) -> &'static str {
        "Transport"
    }

    fn slot(&self) -> Slot {
        Slot::Top
    }

    fn restore(&mut self, saved: &Persisted) {
        if let Some(index) = saved.speed_index.filter(|&i| i < Speed::CHOICES.len()) {
            self.speed_index = index;
        }
        if let Some(events) = saved.step_events.filter(|&n| n > 0) {
            self.step_events = events;
        }
    }

    fn remember(&self, saved: &mut Persisted) {
        saved.speed_index = Some(self.speed_index);
        saved.step_events = Some(self.step_events);
    }

    fn ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        self.shortcuts_ui(ui, view, actions);
        ui.horizontal_wrapped(|ui| {
            self.buttons_ui(ui, view, actions);
            ui.separator();
            Self::clock_ui(ui, view);
            if view.run.as_ref().is_some_and(|r| r.instruments.len() > 1) {
                ui.separator();
                super::run_span::switcher_ui(ui, view, actions);
            }
        });
        ui.horizontal(|ui| self.scrubber_ui(ui, view, actions));
    }
}

/// Accessible name of a day's mark on the time slider, e.g.
/// `day 2026-03-03 starts`.
pub fn day_mark_label(day: Day) -> String {
    format!("day {day} starts")
}

/// Marks each day's start on the time slider at `slider` (spanning chart x
/// values `x_range`): a line across the slider and the day's date beside
/// it, for a run over several days. The marks take no room in the layout.
fn day_marks_ui(ui: &mut egui::Ui, view: &View, slider: egui::Rect, x_range: (f64, f64)) {
    let Some(run) = &view.run else {
        return;
    };
    let (x_min, x_max) = x_range;
    let width = (x_max - x_min).max(1e-9);
    let color = ui.visuals().weak_text_color();
    let font = egui::FontId::proportional(10.0);
    for (day, start_ns) in super::run_span::day_starts(run) {
        let share = ((view.x_from_ns(start_ns) - x_min) / width).clamp(0.0, 1.0) as f32;
        let x = slider.left() + share * slider.width();
        ui.painter()
            .vline(x, slider.y_range(), egui::Stroke::new(1.5, color));
        // `MM-DD`: the year is the same on every mark nearly always.
        let text = day.to_string();
        let short = text.get(5..).unwrap_or(&text).to_owned();
        let galley = ui.painter().layout_no_wrap(short, font.clone(), color);
        let size = galley.size();
        // Right of the line, or left of it near the slider's end.
        let left = if x + 3.0 + size.x <= slider.right() {
            x + 3.0
        } else {
            x - 3.0 - size.x
        };
        let rect = egui::Rect::from_min_size(egui::pos2(left, slider.top() - 1.0), size);
        ui.painter().galley(rect.min, galley, color);
        let id = ui.scope_id().with(("day mark", day));
        let response = ui
            .interact(rect, id, egui::Sense::hover())
            .on_hover_text(format!("{day} starts here"));
        response.widget_info(|| {
            egui::WidgetInfo::labeled(egui::accesskit::Role::Label, true, day_mark_label(day))
        });
    }
}
