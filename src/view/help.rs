//! The help screen, generated from the keymap table that `update` dispatches on, the menu's
//! and the forms' keys included; in read-only mode it lists only what is offered.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::state::command;
use crate::state::keymap::{self, Context, KeySpec};
use crate::state::model::Model;

/// The help text, one line per binding, grouped by where it applies.
pub fn lines(m: &Model) -> Vec<Line<'static>> {
    let t = &m.theme;
    let mut out = Vec::new();
    // The widest key list and command set their columns, with two spaces before the help.
    let key_width = keymap::active(m.readonly)
        .map(|b| keys_label(b.keys).chars().count())
        .max()
        .unwrap_or(0)
        .max(14)
        + 2;
    let command_width = command::offered(m.readonly)
        .map(|(name, _)| name.chars().count() + 1)
        .max()
        .unwrap_or(0)
        + 2;
    for ctx in Context::ALL {
        let bindings: Vec<_> = keymap::active(m.readonly)
            .filter(|b| b.context == ctx)
            .collect();
        // Read-only mode opens no form and leaves some panes without keys: their sections go.
        if bindings.is_empty() {
            continue;
        }
        out.push(Line::styled(format!("── {} ", ctx.title()), t.accent()));
        for b in bindings {
            out.push(Line::from(vec![
                Span::styled(
                    format!("  {:<key_width$}", keys_label(b.keys)),
                    t.fg(t.accent),
                ),
                Span::raw(b.help),
            ]));
        }
        out.push(Line::raw(""));
    }
    out.push(Line::styled("── Commands (:) ", t.accent()));
    for (name, help) in command::offered(m.readonly) {
        out.push(Line::from(vec![
            Span::styled(
                format!("  {:<command_width$}", format!(":{name}")),
                t.fg(t.accent),
            ),
            Span::raw(*help),
        ]));
    }
    out
}

/// A binding's keys as the help writes them.
fn keys_label(keys: &[KeySpec]) -> String {
    keys.iter().map(|k| k.label()).collect::<Vec<_>>().join(" ")
}

/// Draws the help screen.
pub(crate) fn draw(f: &mut Frame, area: Rect, m: &Model, scroll: usize) {
    let lines = lines(m);
    let max = lines
        .len()
        .saturating_sub(usize::from(area.height.saturating_sub(2)));
    let scroll = u16::try_from(scroll.min(max)).unwrap_or(u16::MAX);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(m.theme.border(true))
        .title(Span::styled(" Help · ? or Esc closes ", m.theme.accent()));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(m.theme.text())
            .scroll((scroll, 0)),
        area,
    );
}
