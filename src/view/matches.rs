//! A search's matches in a line of text, highlighted: every match in one style, the line of
//! the current match in a stronger one. The detail's YAML search and the log search draw
//! them alike.

use ratatui::style::Modifier;
use ratatui::text::Span;

use crate::state::search;
use crate::state::theme::Theme;

/// `text` as spans with the places `query` occurs in highlighted (ASCII case ignored);
/// `current`: the line holds the match the view is on.
pub(crate) fn marked(text: &str, query: &str, current: bool, theme: &Theme) -> Vec<Span<'static>> {
    let hit = if current {
        theme.selection().add_modifier(Modifier::BOLD)
    } else {
        theme.fg(theme.warn).add_modifier(Modifier::REVERSED)
    };
    let mut spans = Vec::new();
    let mut at = 0;
    for (start, end) in search::ranges(text, query) {
        spans.push(Span::raw(text[at..start].to_string()));
        spans.push(Span::styled(text[start..end].to_string(), hit));
        at = end;
    }
    spans.push(Span::raw(text[at..].to_string()));
    spans
}
