//! The context list (`:ctx` without a name): the kubeconfig's contexts, the current one
//! marked, the cursor's highlighted; Enter switches as `:ctx NAME` does.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::state::model::Model;
use crate::view::text::inert;

/// Draws the list with the cursor on `selected`.
pub(crate) fn draw(f: &mut Frame, area: Rect, m: &Model, selected: usize) {
    let theme = &m.theme;
    let selected = selected.min(m.contexts.len().saturating_sub(1));
    let lines: Vec<Line<'static>> = m
        .contexts
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let current = *name == m.context;
            let text = format!(
                " {} {}{}",
                if current { "*" } else { " " },
                inert(name),
                if current { "  (current)" } else { "" }
            );
            if i == selected {
                Line::from(Span::styled(text, theme.selection()))
            } else {
                Line::from(Span::raw(text))
            }
        })
        .collect();
    // The cursor stays in sight on a list longer than the screen.
    let inner = usize::from(area.height.saturating_sub(2)).max(1);
    let scroll = u16::try_from(selected.saturating_sub(inner - 1)).unwrap_or(u16::MAX);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(
            format!(
                " Contexts ({}) · ↑↓ choose · Enter switches · Esc closes ",
                m.contexts.len()
            ),
            theme.accent(),
        ));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(theme.text())
            .scroll((scroll, 0)),
        area,
    );
}
