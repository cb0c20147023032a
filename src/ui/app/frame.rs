//! The app's frame: the title bar, the banner, the rows of panels of the
//! replay view, the keyboard and the help overlay.

use super::*;

impl TicklabApp {
    /// The strategy's last failure, across the window, with what to do.
    pub(super) fn banner_ui(&mut self, ui: &mut egui::Ui) {
        let Some(line) = self.view.banner.clone() else {
            return;
        };
        let file = self
            .view
            .run
            .as_ref()
            .and_then(|r| r.strategy.as_deref())
            .map(PathBuf::from)
            .filter(|p| p.is_file());
        egui::Panel::top("error_banner")
            .frame(
                egui::Frame::new()
                    .fill(crate::ui::theme::ERROR_BACKGROUND)
                    .inner_margin(6.0),
            )
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    if ui
                        .button("⟳ Reload")
                        .on_hover_text("Re-read the strategy (Ctrl+R)")
                        .clicked()
                    {
                        self.actions.push(Action::Session(Command::ReloadStrategy));
                    }
                    if let Some(file) = &file {
                        if ui
                            .button("Open file")
                            .on_hover_text(format!("Edit {}", file.display()))
                            .clicked()
                        {
                            self.actions.push(Action::OpenInEditor(file.clone()));
                        }
                    }
                    if ui.button("✖").on_hover_text("Close").clicked() {
                        self.actions.push(Action::DismissBanner);
                    }
                    let time = line
                        .ts_ns
                        .map(|ts| format!("{} · ", crate::ui::format::datetime_us_from_ns(ts)))
                        .unwrap_or_default();
                    ui.add(
                        egui::Label::new(
                            RichText::new(format!("{time}{}", line.text))
                                .color(crate::ui::theme::ERROR_TEXT)
                                .strong(),
                        )
                        .wrap(),
                    );
                });
            });
    }

    pub(super) fn title_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label(RichText::new("ticklab").strong().size(16.0));
            ui.menu_button("View", |ui| {
                if ui
                    .button("Reset layout")
                    .on_hover_text("Every panel back to its default size")
                    .clicked()
                {
                    self.actions.push(Action::ResetLayout);
                    ui.close();
                }
                if ui.button("Keyboard shortcuts  (?)").clicked() {
                    self.actions.push(Action::ToggleHelp);
                    ui.close();
                }
                if ui.button("Frame times").clicked() {
                    self.actions.push(Action::ToggleOverlay);
                    ui.close();
                }
            });
            self.show_analyzer = crate::ui::analyzer::tabs_ui(ui, self.show_analyzer);
            let title = match &self.view.run {
                Some(run) => RichText::new(format!(
                    "{}  ·  {} {}  ·  {}",
                    run.folder.display(),
                    crate::ui::run_span::symbols_text(run),
                    crate::ui::run_span::days_text(run),
                    run.strategy
                        .as_deref()
                        .map_or("no strategy".to_owned(), short_name)
                ))
                .monospace(),
                None => RichText::new("open a data folder to begin").weak(),
            };
            let hover = self.view.run.as_ref().map(|run| {
                format!(
                    "{}\n{} {}\n{}",
                    run.folder.display(),
                    crate::ui::run_span::symbols_text(run),
                    crate::ui::run_span::days_text(run),
                    run.strategy.as_deref().unwrap_or("no strategy")
                )
            });
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .selectable_label(self.show_overlay, "Frame times")
                    .on_hover_text("Show how long each frame takes to build")
                    .clicked()
                {
                    self.actions.push(Action::ToggleOverlay);
                }
                if self.show_overlay {
                    self.frame_times
                        .overlay_ui(ui, &self.view, &self.panel_times);
                }
                // The title takes what is left, cut short rather than
                // running under the frame times.
                let size = egui::vec2(ui.available_width(), ui.spacing().interact_size.y);
                ui.allocate_ui_with_layout(
                    size,
                    egui::Layout::left_to_right(egui::Align::Center),
                    |ui| {
                        let label = ui.add(egui::Label::new(title).truncate());
                        if let Some(hover) = hover {
                            label.on_hover_text(hover);
                        }
                    },
                );
            });
        });
    }

    /// Panels side by side in `rect`: the first fills what the others
    /// leave. Each draws inside its own clipped box, so nothing a panel
    /// holds (a long console line) can push a neighbour.
    #[expect(
        clippy::too_many_arguments,
        reason = "the app's fields, split for the borrow checker"
    )]
    pub(super) fn row_ui(
        ui: &mut egui::Ui,
        id: &str,
        generation: u32,
        panels: &mut [&mut Box<dyn Panel>],
        view: &View,
        actions: &mut Vec<Action>,
        times: &mut PanelTimes,
        placed: &mut Vec<PlacedPanel>,
    ) {
        let count = panels.len();
        if count == 0 {
            return;
        }
        let width = ui.available_width();
        let share = width / count as f32;
        for i in (1..count).rev() {
            let panel = &mut panels[i];
            let title = panel.title();
            // Leave the filling panel and the ones still to come their minimum.
            let max = (ui.available_width() - ROW_PANEL_MIN * i as f32).max(ROW_PANEL_MIN);
            let shown = egui::Panel::right((id, title, generation))
                .resizable(true)
                .default_size(share)
                .size_range(ROW_PANEL_MIN..=max)
                .show(ui, |ui| {
                    boxed_ui(ui, |ui| timed_ui(panel, ui, view, actions, times))
                });
            placed.push(PlacedPanel {
                title,
                rect: shown.response.rect,
            });
        }
        let rest = ui.available_rect_before_wrap();
        boxed_ui(ui, |ui| timed_ui(panels[0], ui, view, actions, times));
        placed.push(PlacedPanel {
            title: panels[0].title(),
            rect: rest,
        });
    }

    /// The replay's panels, below the top bar.
    pub(super) fn replay_ui(
        &mut self,
        ui: &mut egui::Ui,
        left: Vec<usize>,
        right: Vec<usize>,
        center: Vec<usize>,
    ) {
        let generation = self.saved.layout_generation;
        let mut placed: Vec<PlacedPanel> = Vec::new();
        let body = ui.available_rect_before_wrap();
        let limits = Limits::for_body(body.width(), body.height());
        let shown = egui::Panel::left(("left_column", generation))
            .resizable(true)
            .default_size(limits.left_default)
            .size_range(limits.left)
            .show(ui, |ui| {
                boxed_ui(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            for &i in &left {
                                let title = self.panels[i].title();
                                egui::CollapsingHeader::new(RichText::new(title).strong())
                                    .id_salt(("left", title))
                                    .default_open(title != "Settings")
                                    .show(ui, |ui| self.panel_ui(i, ui));
                            }
                        });
                });
            });
        let left_width = shown.response.rect.width();
        placed.push(PlacedPanel {
            title: "left column",
            rect: shown.response.rect,
        });
        let shown = egui::Panel::right(("right_column", generation))
            .resizable(true)
            .default_size(limits.right_default)
            .size_range(limits.right_after(body.width(), left_width))
            .show(ui, |ui| {
                boxed_ui(ui, |ui| {
                    for &i in &right {
                        self.panel_ui(i, ui);
                    }
                });
            });
        placed.push(PlacedPanel {
            title: "right column",
            rect: shown.response.rect,
        });
        let shown = egui::Panel::bottom(("bottom_row", generation))
            .resizable(true)
            .default_size(limits.bottom_default)
            .size_range(limits.bottom)
            .show(ui, |ui| {
                let mut row = panels_in(&mut self.panels, Slot::Bottom);
                Self::row_ui(
                    ui,
                    "bottom",
                    generation,
                    &mut row,
                    &self.view,
                    &mut self.actions,
                    &mut self.panel_times,
                    &mut placed,
                );
            });
        let bottom_height = shown.response.rect.height();
        egui::CentralPanel::default().show(ui, |ui| {
            egui::Panel::bottom(("center_bottom_row", generation))
                .resizable(true)
                .default_size(limits.center_bottom_default)
                .size_range(limits.center_bottom_after(body.height(), bottom_height))
                .show(ui, |ui| {
                    let mut row = panels_in(&mut self.panels, Slot::CenterBottom);
                    Self::row_ui(
                        ui,
                        "center_bottom",
                        generation,
                        &mut row,
                        &self.view,
                        &mut self.actions,
                        &mut self.panel_times,
                        &mut placed,
                    );
                });
            let rest = ui.available_rect_before_wrap();
            boxed_ui(ui, |ui| {
                for &i in &center {
                    self.panel_ui(i, ui);
                }
            });
            placed.push(PlacedPanel {
                title: "Price",
                rect: rest,
            });
        });
        self.placed = placed;
    }

    /// Draws panel `i`, timing it for the frame-time readout.
    pub(super) fn panel_ui(&mut self, i: usize, ui: &mut egui::Ui) {
        timed_ui(
            &mut self.panels[i],
            ui,
            &self.view,
            &mut self.actions,
            &mut self.panel_times,
        );
    }

    /// Space, arrows and the other transport keys are the transport's;
    /// `?` shows the keyboard help and Escape hides it.
    pub(super) fn keyboard_ui(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let (question, escape) = ctx.input_mut(|i| {
            // `?` arrives as a key or as text, as the keyboard layout has it.
            let question = i.key_pressed(egui::Key::Questionmark)
                || (i.modifiers.shift && i.key_pressed(egui::Key::Slash))
                || i.events
                    .iter()
                    .any(|e| matches!(e, egui::Event::Text(t) if t == "?"));
            (
                question,
                i.consume_key(egui::Modifiers::NONE, egui::Key::Escape),
            )
        });
        if question {
            self.show_help = !self.show_help;
        }
        if escape {
            self.show_help = false;
        }
    }

    /// The keyboard help, over the window.
    pub(super) fn help_ui(&mut self, ctx: &egui::Context) {
        if !self.show_help {
            return;
        }
        let mut open = true;
        egui::Window::new("Keyboard shortcuts")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .anchor(Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| {
                egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                    let analyzer = crate::ui::analyzer::SHORTCUTS;
                    for (keys, what) in crate::ui::transport::SHORTCUTS.iter().chain(analyzer) {
                        ui.label(RichText::new(*keys).monospace().strong());
                        ui.label(*what);
                        ui.end_row();
                    }
                    ui.label(RichText::new("?").monospace().strong());
                    ui.label("Show or hide this help (Esc hides it)");
                    ui.end_row();
                });
            });
        if !open {
            self.show_help = false;
        }
    }
}

/// The panels of `slot`, in layout order.
pub(super) fn panels_in(panels: &mut [Box<dyn Panel>], slot: Slot) -> Vec<&mut Box<dyn Panel>> {
    panels.iter_mut().filter(|p| p.slot() == slot).collect()
}

/// Draws `add` in a child of exactly the space `ui` has left, clipped to
/// it, and takes that space whole: whatever the content wants, the parent
/// (a panel, a row) keeps its size.
pub(super) fn boxed_ui(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui)) {
    let rect = ui.available_rect_before_wrap();
    let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect));
    child.shrink_clip_rect(rect);
    add(&mut child);
    ui.advance_cursor_after_rect(rect);
}
