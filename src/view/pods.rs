//! The Pods pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::state::model::{Model, Pane};
use crate::state::theme::Theme;
use crate::view::pane::{self, PaneSpec};
use crate::view::widgets::{self, Severity, severity};
use kbdash_core::rows::PodRow;

/// Narrowest each column may get before columns are dropped; a pod's name (its cluster's and
/// its ordinal) is cut only after NAMESPACE has gone.
const MIN_WIDTHS: [u16; 8] = [9, 24, 11, 5, 9, 8, 6, 3];

/// Draws the Pods pane.
pub(crate) fn draw(f: &mut Frame, area: Rect, m: &Model) {
    pane::draw(
        f,
        area,
        m,
        &m.store.pods,
        PaneSpec {
            pane: Pane::Pods,
            scope_word: "cluster",
            min_widths: &MIN_WIDTHS,
            flex_last: false,
        },
        row,
    );
}

/// The pod's phase with its symbol; a running pod that is not ready is a warning, not "ok".
pub(crate) fn status_span(p: &PodRow, theme: &Theme) -> Span<'static> {
    let sev = match severity(&p.status) {
        Severity::Ok if !p.ready => Severity::Warn,
        s => s,
    };
    if p.status.is_empty() {
        Span::styled("-", theme.muted())
    } else {
        Span::styled(format!("{} {}", sev.symbol(), p.status), sev.style(theme))
    }
}

fn row<'a>(m: &'a Model, p: &'a PodRow, ns: bool) -> (Vec<Line<'a>>, Style) {
    let theme = &m.theme;
    let role = match p.role.as_str() {
        "" => Span::styled("-", theme.muted()),
        "primary" => Span::styled("★ primary", theme.fg(theme.role_primary)),
        "secondary" => Span::styled("· secondary", theme.fg(theme.role_secondary)),
        other => Span::styled(format!("? {other}"), theme.fg(theme.warn)),
    };
    let status = status_span(p, theme);
    let ready_style = if p.ready_containers < p.containers {
        theme.fg(theme.warn)
    } else {
        theme.text()
    };
    let restarts_style = if p.restarts > 0 {
        theme.fg(theme.warn)
    } else {
        theme.text()
    };
    let mut cells = Vec::new();
    if ns {
        cells.push(Line::from(p.key.namespace.as_str()));
    }
    cells.push(Line::from(p.key.name.as_str()));
    cells.push(Line::from(role));
    cells.push(Line::from(Span::styled(
        format!("{}/{}", p.ready_containers, p.containers),
        ready_style,
    )));
    cells.push(Line::from(status));
    cells.push(Line::from(Span::styled(
        p.restarts.to_string(),
        restarts_style,
    )));
    cells.push(Line::from(p.node.as_str()));
    cells.push(Line::from(widgets::age_span(p.created, m.now, theme)));
    let style = if m.is_flashing(&p.key) {
        theme.flash()
    } else {
        Style::default()
    };
    (cells, style)
}
