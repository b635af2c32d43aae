//! The Backups pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::state::model::{Model, Pane};
use crate::state::theme::Theme;
use crate::view::pane::{self, PaneSpec};
use crate::view::widgets::{self, Severity, status_span};
use kbdash_core::rows::BackupRow;

/// Narrowest each column may get before columns are dropped.
const MIN_WIDTHS: [u16; 10] = [7, 14, 8, 10, 8, 11, 5, 31, 6, 4];

/// Draws the Backups pane.
pub(crate) fn draw(f: &mut Frame, area: Rect, m: &Model) {
    pane::draw(
        f,
        area,
        m,
        &m.store.backups,
        PaneSpec {
            pane: Pane::Backups,
            scope_word: "cluster",
            min_widths: &MIN_WIDTHS,
            flex_last: false,
        },
        row,
    );
}

/// How long a backup took (or, while running, has taken).
pub(crate) fn duration(m: &Model, b: &BackupRow) -> String {
    if !b.duration.is_empty() {
        return b.duration.to_string();
    }
    match (b.started, b.completed) {
        (Some(s), Some(e)) => widgets::long_duration(e - s),
        (Some(s), None) if !b.is_continuous() => widgets::long_duration(m.now - s),
        _ => "-".into(),
    }
}

/// `start → end` in UTC with seconds.
pub(crate) fn time_range(b: &BackupRow) -> String {
    match (b.range_start, b.range_end) {
        (None, None) => "-".into(),
        (s, e) => format!("{} → {}", widgets::utc(s), widgets::utc(e)),
    }
}

/// `start → end` in UTC with seconds, without the year (the table's narrower form).
pub(crate) fn time_range_short(b: &BackupRow) -> String {
    let short = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(|| "-".into(), |t| t.format("%m-%d %H:%M:%S").to_string())
    };
    match (b.range_start, b.range_end) {
        (None, None) => "-".into(),
        (s, e) => format!("{} → {}", short(s), short(e)),
    }
}

/// The phase with its symbol; a full backup still running is in progress, while a continuous
/// one is healthy when Running.
pub(crate) fn phase_span(b: &BackupRow, theme: &Theme) -> Span<'static> {
    if b.phase == "Running" && !b.is_continuous() {
        let sev = Severity::Progress;
        Span::styled(format!("{} Running", sev.symbol()), sev.style(theme))
    } else {
        status_span(&b.phase, theme)
    }
}

fn row<'a>(m: &'a Model, b: &'a BackupRow, ns: bool) -> (Vec<Line<'a>>, Style) {
    let theme = &m.theme;
    let kind = if b.backup_type.is_empty() {
        Span::styled("-", theme.muted())
    } else {
        Span::raw(b.backup_type.as_str())
    };
    let mut cells = Vec::new();
    if ns {
        cells.push(Line::from(b.key.namespace.as_str()));
    }
    cells.push(Line::from(b.key.name.as_str()));
    cells.push(Line::from(b.cluster.as_str()));
    cells.push(Line::from(kind));
    cells.push(Line::from(b.method.as_str()));
    cells.push(Line::from(phase_span(b, theme)));
    cells.push(Line::from(widgets::size(b.size_bytes)));
    cells.push(Line::from(time_range_short(b)));
    cells.push(Line::from(duration(m, b)));
    cells.push(Line::from(widgets::age(b.created, m.now)));
    (cells, Style::default())
}
