//! The Pods pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};

use crate::app::columns::POD_COLUMNS;
use crate::app::model::Model;
use crate::k8s::resources::PodRow;
use crate::view::clusters::empty_text;
use crate::view::widgets::{self, Severity, TableView, severity};

/// Draws the Pods pane.
pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    let t = &m.pods;
    let ns = m.multi_namespace();
    let mut rows = Vec::new();
    let mut selected = None;
    for (i, p) in t.window() {
        if i == t.cursor() {
            selected = Some(rows.len());
        }
        rows.push(row(m, p, ns));
    }
    let mut headers = Vec::new();
    let mut widths = Vec::new();
    for (i, col) in POD_COLUMNS.iter().enumerate() {
        if i == 0 && !ns {
            continue;
        }
        headers.push((col.title, i));
        widths.push(match i {
            0 => Constraint::Length(12),
            1 => Constraint::Fill(3),
            2 => Constraint::Length(11),
            3 => Constraint::Length(5),
            4 => Constraint::Fill(2),
            5 => Constraint::Length(8),
            6 => Constraint::Fill(1),
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
            title: format!(" Pods ({}){scoped} ", t.visible_len()),
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

fn row<'a>(m: &'a Model, p: &'a PodRow, ns: bool) -> Row<'a> {
    let theme = &m.theme;
    let role = match p.role.as_str() {
        "" => Span::styled("-", theme.muted()),
        "primary" => Span::styled("★ primary", theme.fg(theme.role_primary)),
        "secondary" => Span::styled("· secondary", theme.fg(theme.role_secondary)),
        other => Span::styled(format!("? {other}"), theme.fg(theme.warn)),
    };
    let sev = match severity(&p.status) {
        Severity::Ok if !p.ready => Severity::Warn,
        s => s,
    };
    let status = if p.status.is_empty() {
        Span::styled("-", theme.muted())
    } else {
        Span::styled(format!("{} {}", sev.symbol(), p.status), sev.style(theme))
    };
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
        cells.push(Cell::from(p.key.namespace.as_str()));
    }
    cells.push(Cell::from(p.key.name.as_str()));
    cells.push(Cell::from(role));
    cells.push(Cell::from(Span::styled(
        format!("{}/{}", p.ready_containers, p.containers),
        ready_style,
    )));
    cells.push(Cell::from(status));
    cells.push(Cell::from(Span::styled(
        p.restarts.to_string(),
        restarts_style,
    )));
    cells.push(Cell::from(p.node.as_str()));
    cells.push(Cell::from(widgets::age(p.created, m.now)));
    let r = Row::new(cells);
    if m.is_flashing(&p.key) {
        r.style(theme.flash())
    } else {
        r
    }
}
