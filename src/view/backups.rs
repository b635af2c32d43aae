//! The Backups pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};

use crate::app::columns::BACKUP_COLUMNS;
use crate::app::model::Model;
use crate::k8s::resources::BackupRow;
use crate::view::clusters::empty_text;
use crate::view::widgets::{self, TableView, status_span};

/// Draws the Backups pane.
pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    let t = &m.backups;
    let ns = m.multi_namespace();
    let mut rows = Vec::new();
    let mut selected = None;
    for (i, b) in t.window() {
        if i == t.cursor() {
            selected = Some(rows.len());
        }
        rows.push(row(m, b, ns));
    }
    let mut headers = Vec::new();
    let mut widths = Vec::new();
    for (i, col) in BACKUP_COLUMNS.iter().enumerate() {
        if i == 0 && !ns {
            continue;
        }
        headers.push((col.title, i));
        widths.push(match i {
            0 => Constraint::Length(12),
            1 => Constraint::Fill(3),
            2 => Constraint::Fill(1),
            3 => Constraint::Length(10),
            4 => Constraint::Fill(1),
            5 => Constraint::Length(11),
            6 => Constraint::Length(6),
            7 => Constraint::Length(41),
            8 => Constraint::Length(8),
            _ => Constraint::Length(4),
        });
    }
    let scoped = m
        .scope
        .as_ref()
        .map(|s| format!(" · cluster {}", s.name))
        .unwrap_or_default();
    widgets::draw_table(
        f,
        area,
        TableView {
            title: format!(" Backups ({}){scoped} ", t.visible_len()),
            headers,
            widths,
            rows,
            selected,
            sort: t.sort(),
            empty_text: empty_text(m, t.len()),
        },
        &m.theme,
    );
}

/// How long a backup took (or, while running, has taken).
pub fn duration(m: &Model, b: &BackupRow) -> String {
    if !b.duration.is_empty() {
        return b.duration.clone();
    }
    match (b.started, b.completed) {
        (Some(s), Some(e)) => widgets::long_duration(e - s),
        (Some(s), None) if !b.is_continuous() => widgets::long_duration(m.now - s),
        _ => "-".into(),
    }
}

/// `start → end` in UTC with seconds.
pub fn time_range(b: &BackupRow) -> String {
    match (b.range_start, b.range_end) {
        (None, None) => "-".into(),
        (s, e) => format!("{} → {}", widgets::utc(s), widgets::utc(e)),
    }
}

fn row<'a>(m: &'a Model, b: &'a BackupRow, ns: bool) -> Row<'a> {
    let theme = &m.theme;
    let kind = if b.backup_type.is_empty() {
        Span::styled("-", theme.muted())
    } else {
        Span::raw(b.backup_type.as_str())
    };
    let mut cells = Vec::new();
    if ns {
        cells.push(Cell::from(b.key.namespace.as_str()));
    }
    cells.push(Cell::from(b.key.name.as_str()));
    cells.push(Cell::from(b.cluster.as_str()));
    cells.push(Cell::from(kind));
    cells.push(Cell::from(b.method.as_str()));
    cells.push(Cell::from(status_span(&b.phase, theme)));
    cells.push(Cell::from(widgets::size(b.size_bytes)));
    cells.push(Cell::from(time_range(b)));
    cells.push(Cell::from(duration(m, b)));
    cells.push(Cell::from(widgets::age(b.created, m.now)));
    Row::new(cells)
}
