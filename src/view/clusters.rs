//! The Clusters pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use crate::app::columns::CLUSTER_COLUMNS;
use crate::app::model::Model;
use crate::k8s::resources::ClusterRow;
use crate::view::widgets::{self, TableView, status_span};

/// Draws the Clusters pane.
pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    let t = &m.clusters;
    let ns = m.multi_namespace();
    let theme = &m.theme;
    let mut rows = Vec::new();
    let mut selected = None;
    for (i, c) in t.window() {
        if i == t.cursor() {
            selected = Some(rows.len());
        }
        rows.push(row(m, c, ns));
    }
    let mut headers = Vec::new();
    let mut widths = Vec::new();
    for (i, col) in CLUSTER_COLUMNS.iter().enumerate() {
        if i == 0 && !ns {
            continue;
        }
        headers.push((col.title, i));
        widths.push(match i {
            0 => Constraint::Length(12),
            1 => Constraint::Fill(2),
            2 => Constraint::Length(8),
            3 => Constraint::Length(5),
            4 => Constraint::Fill(2),
            5 => Constraint::Length(12),
            6 => Constraint::Fill(2),
            7 => Constraint::Length(14),
            _ => Constraint::Length(4),
        });
    }
    let scoped = m
        .scope
        .as_ref()
        .map(|s| format!(" · scope {}", s.name))
        .unwrap_or_default();
    widgets::draw_table(
        f,
        area,
        TableView {
            title: format!(" Clusters ({}){scoped} ", t.visible_len()),
            headers,
            widths,
            rows,
            selected,
            sort: t.sort(),
            empty_text: empty_text(m, t.len()),
        },
        theme,
    );
}

/// What an empty pane says: still syncing, or nothing matches.
pub fn empty_text(m: &Model, total: usize) -> String {
    if total > 0 {
        "no rows match the filter or scope (Esc clears)".into()
    } else {
        format!(
            "no objects yet in {}",
            m.namespace.as_deref().unwrap_or("any namespace")
        )
    }
}

fn row<'a>(m: &'a Model, c: &'a ClusterRow, ns: bool) -> Row<'a> {
    let theme = &m.theme;
    let pods: Vec<_> = m.cluster_pods(&c.key).collect();
    let ready = pods.iter().filter(|p| p.ready).count();
    let primaries: Vec<&str> = pods
        .iter()
        .filter(|p| p.is_primary())
        .map(|p| p.key.name.as_str())
        .collect();
    let primary = match primaries.as_slice() {
        [] => Span::styled("✗ none", theme.fg(theme.error)),
        [one] => Span::styled(one.to_string(), theme.fg(theme.role_primary)),
        many => Span::styled(format!("! {} primaries", many.len()), theme.fg(theme.error)),
    };
    let ready_style = if ready as u32 >= c.desired && c.desired > 0 {
        theme.text()
    } else {
        theme.fg(theme.warn)
    };
    let last_op = m.last_op(&c.key).map_or_else(
        || Line::from(Span::styled("-", theme.muted())),
        |o| {
            Line::from(vec![
                Span::raw(format!("{} ", o.op_type)),
                status_span(&o.phase, theme),
            ])
        },
    );
    let pitr = m.continuous_backup(&c.key).map_or_else(
        || Line::from(Span::styled("-", theme.muted())),
        |b| {
            let lag = b
                .range_end
                .map(|end| format!(" {}", widgets::short_duration(m.now - end)))
                .unwrap_or_default();
            Line::from(vec![status_span(&b.phase, theme), Span::raw(lag)])
        },
    );
    let mut cells = Vec::new();
    if ns {
        cells.push(Cell::from(c.key.namespace.as_str()));
    }
    cells.push(Cell::from(c.key.name.as_str()));
    cells.push(Cell::from(c.version.as_str()));
    cells.push(Cell::from(Span::styled(
        format!("{ready}/{}", c.desired),
        ready_style,
    )));
    cells.push(Cell::from(primary));
    cells.push(Cell::from(status_span(&c.phase, theme)));
    cells.push(Cell::from(last_op));
    cells.push(Cell::from(pitr));
    cells.push(Cell::from(widgets::age(c.created, m.now)));
    let r = Row::new(cells);
    if m.scope.as_ref() == Some(&c.key) {
        r.style(theme.accent())
    } else {
        r
    }
}
