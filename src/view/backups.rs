//! The Backups pane.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::state::model::{Model, Pane};
use crate::state::theme::Theme;
use crate::view::pane::{self, PaneSpec};
use crate::view::widgets::{self, Severity, status_span};
use kbdash_core::domain::archive::{self, Archiving};
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

/// `start → end` in UTC with seconds, a time ahead of the clock marked as such.
pub(crate) fn time_range(b: &BackupRow, now: DateTime<Utc>) -> String {
    let full = |t: Option<DateTime<Utc>>| {
        t.map_or_else(
            || "-".into(),
            |t| format!("{}{}", widgets::utc(Some(t)), widgets::future_mark(t, now)),
        )
    };
    match (b.range_start, b.range_end) {
        (None, None) => "-".into(),
        (s, e) => format!("{} → {}", full(s), full(e)),
    }
}

/// `start → end` in UTC with seconds, the year only when it is not this one (the table's
/// narrower form).
pub(crate) fn time_range_short(b: &BackupRow, now: DateTime<Utc>) -> String {
    let short = |t: Option<DateTime<Utc>>| {
        t.map_or_else(
            || "-".into(),
            |t| format!("{}{}", widgets::stamp(t, now), widgets::future_mark(t, now)),
        )
    };
    match (b.range_start, b.range_end) {
        (None, None) => "-".into(),
        (s, e) => format!("{} → {}", short(s), short(e)),
    }
}

/// The phase with its symbol; a full backup still running is in progress, while a continuous
/// one is healthy when Running, unless its archiver has no pod (what kbcli prints as
/// `Running(AvailablePods: 0)`; the archiving verdict says it in those words).
pub(crate) fn phase_span(b: &BackupRow, theme: &Theme) -> Span<'static> {
    if b.phase == "Running" && !b.is_continuous() {
        let sev = Severity::Progress;
        Span::styled(format!("{} Running", sev.symbol()), sev.style(theme))
    } else if b.phase == "Running" && b.archiver_pods == Some(0) {
        let sev = Severity::Error;
        Span::styled(
            format!("{} Running(0 pods)", sev.symbol()),
            sev.style(theme),
        )
    } else {
        status_span(&b.phase, theme)
    }
}

/// Triage's verdict on continuous backup `b`'s archiving: every pane shows this one.
pub(crate) fn archiving(m: &Model, b: &BackupRow) -> Archiving {
    archive::archiving(b, &m.triage.thresholds, m.now)
}

/// The verdict's severity: a fault is an error; a quiet archive is information, never a
/// warning (an idle database uploads no WAL); a time in the future is a warning, since nothing
/// can be told from it.
pub(crate) fn archiving_severity(a: &Archiving) -> Severity {
    match a {
        Archiving::Down { .. } | Archiving::Failed { .. } => Severity::Error,
        Archiving::Future { .. } => Severity::Warn,
        Archiving::Current { .. } => Severity::Ok,
        Archiving::Starting => Severity::Progress,
        Archiving::Quiet { .. } | Archiving::Stopped { .. } => Severity::Idle,
    }
}

/// The verdict in full (`recoverable up to 01:24:48, no new WAL since`), with its symbol.
pub(crate) fn archiving_span(m: &Model, a: &Archiving) -> Span<'static> {
    let sev = archiving_severity(a);
    Span::styled(
        format!("{} {}", sev.symbol(), a.describe(m.now)),
        sev.style(&m.theme),
    )
}

/// The verdict in a few characters, for a table cell or a tile: `✓ to 10:14:52`,
/// `■ quiet since 01:24`, `✗ archiver down`, `! ends in the future`.
pub(crate) fn archiving_cell(m: &Model, a: &Archiving) -> Span<'static> {
    let sev = archiving_severity(a);
    let hm = |t: DateTime<Utc>| widgets::when(t, m.now);
    let text = match a {
        Archiving::Starting => "starting".to_string(),
        Archiving::Current { end: Some(end) } => format!("to {}", hm(*end)),
        Archiving::Current { end: None } => "no range yet".to_string(),
        Archiving::Quiet { end } => format!("quiet since {}", hm(*end)),
        Archiving::Down { .. } => "archiver down".to_string(),
        Archiving::Failed { .. } => "Failed".to_string(),
        Archiving::Stopped { .. } => "stopped".to_string(),
        Archiving::Future {
            field: "time range end",
            ..
        } => "ends in the future".to_string(),
        Archiving::Future { .. } => "dated in the future".to_string(),
    };
    Span::styled(format!("{} {text}", sev.symbol()), sev.style(&m.theme))
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
    cells.push(Line::from(time_range_short(b, m.now)));
    cells.push(Line::from(duration(m, b)));
    cells.push(Line::from(widgets::age_span(b.created, m.now, theme)));
    (cells, Style::default())
}
