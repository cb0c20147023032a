//! Switching between the Replay and the Analyzer: the two tabs in the
//! title bar and the key that flips them.

/// The keys of the view, for the keyboard help.
pub const SHORTCUTS: &[(&str, &str)] = &[("A", "Switch between the Replay and the Analyzer")];

/// The Replay and Analyzer tabs; returns whether the Analyzer shows after
/// a click.
pub fn tabs_ui(ui: &mut egui::Ui, analyzer: bool) -> bool {
    let mut analyzer = analyzer;
    if ui
        .selectable_label(!analyzer, "Replay")
        .on_hover_text("Step through one run (A switches)")
        .clicked()
    {
        analyzer = false;
    }
    if ui
        .selectable_label(analyzer, "Analyzer")
        .on_hover_text("Sweep the strategy's parameters (A switches)")
        .clicked()
    {
        analyzer = true;
    }
    analyzer
}

/// True when the key that switches views was pressed (not while a text
/// field has the keyboard).
pub fn switch_pressed(ctx: &egui::Context) -> bool {
    !ctx.egui_wants_keyboard_input()
        && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::A))
}
