//! The operations menu: every op kbdash builds, with the `:` command that opens it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::state::forms::{FormModal, Stage};
use crate::state::keymap::{self, Action, FormAction, Wording};
use crate::state::model::Model;
use kbdash_core::forms::OpKind;

/// Draws the menu of `modal` centred in `area`.
pub(crate) fn draw(f: &mut Frame, area: Rect, m: &Model, modal: &FormModal) {
    let t = &m.theme;
    let cursor = match modal.stage {
        Stage::Menu { cursor } => cursor,
        _ => 0,
    };
    let height = (OpKind::ALL.len() as u16 + 4).min(area.height);
    let width = 56.min(area.width);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let mut lines: Vec<Line> = OpKind::ALL
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let style = if i == cursor { t.selection() } else { t.text() };
            let text = format!(" {:<20} :{}", op.title(), op.commands().join(" :"));
            Line::styled(
                format!("{text:<width$}", width = usize::from(width) - 2),
                style,
            )
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(status(modal), t.muted()));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(true))
        .title(Span::styled(
            format!(
                " Operations · {}{} ",
                crate::view::form::target_context(m, modal),
                modal.cluster
            ),
            t.accent(),
        ));
    f.render_widget(Clear, rect);
    f.render_widget(Paragraph::new(lines).block(block), rect);
}

/// The menu's footer, from the keymap table: its keys, or while the cluster's live objects
/// load, that and how to close.
fn status(modal: &FormModal) -> String {
    let loaded = modal.op_context().is_some();
    let close = Action::Form(FormAction::Close);
    let hints = keymap::hints(keymap::form_contexts(modal), Wording::Full)
        .filter(|(b, _)| loaded || b.action == close)
        .map(|(_, hint)| hint);
    let loading = (!loaded).then_some("loading the cluster's live objects…");
    let parts: Vec<&str> = loading.into_iter().chain(hints).collect();
    format!(" {}", parts.join(" · "))
}
