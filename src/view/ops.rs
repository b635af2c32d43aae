//! The OpsRequests pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};

use crate::app::columns::OPS_COLUMNS;
use crate::app::model::Model;
use crate::k8s::resources::{OpsRow, Progress};
use crate::view::clusters::empty_text;
use crate::view::widgets::{self, TableView, status_span};

/// Draws the OpsRequests pane.
pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    let t = &m.ops;
    let ns = m.multi_namespace();
    let mut rows = Vec::new();
    let mut selected = None;
    for (i, o) in t.window() {
        if i == t.cursor() {
            selected = Some(rows.len());
        }
        rows.push(row(m, o, ns));
    }
    let mut headers = Vec::new();
    let mut widths = Vec::new();
    for (i, col) in OPS_COLUMNS.iter().enumerate() {
        if i == 0 && !ns {
            continue;
        }
        headers.push((col.title, i));
        widths.push(match i {
            0 => Constraint::Length(12),
            1 => Constraint::Fill(3),
            2 => Constraint::Length(17),
            3 => Constraint::Fill(1),
            4 => Constraint::Length(11),
            5 => Constraint::Length(10),
            6 => Constraint::Length(8),
            7 => Constraint::Length(4),
            _ => Constraint::Fill(3),
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
            title: format!(" OpsRequests ({}){scoped} ", t.visible_len()),
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

/// How long an OpsRequest ran (finished) or has been running.
pub fn duration(m: &Model, o: &OpsRow) -> String {
    match (o.started.or(o.created), o.completed) {
        (Some(s), Some(e)) => widgets::long_duration(e - s),
        (Some(s), None) if !o.is_finished() && o.started.is_some() => {
            widgets::long_duration(m.now - s)
        }
        _ => "-".into(),
    }
}

fn row<'a>(m: &'a Model, o: &'a OpsRow, ns: bool) -> Row<'a> {
    let theme = &m.theme;
    let progress = match o.progress {
        Progress::Counts(done, total) => Span::raw(widgets::progress_bar(done, total, 5)),
        Progress::Unknown => Span::styled("-", theme.muted()),
    };
    let mut cells = Vec::new();
    if ns {
        cells.push(Cell::from(o.key.namespace.as_str()));
    }
    cells.push(Cell::from(o.key.name.as_str()));
    cells.push(Cell::from(o.op_type.as_str()));
    cells.push(Cell::from(o.cluster.as_str()));
    cells.push(Cell::from(status_span(&o.phase, theme)));
    cells.push(Cell::from(progress));
    cells.push(Cell::from(duration(m, o)));
    cells.push(Cell::from(widgets::age(o.created, m.now)));
    cells.push(Cell::from(Span::styled(
        o.reason.as_str(),
        theme.fg(theme.error),
    )));
    Row::new(cells)
}
