//! The OpsRequests pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::app::columns::OPS_COLUMNS;
use crate::app::model::Model;
use crate::k8s::resources::{OpsRow, Progress};
use crate::view::clusters::empty_text;
use crate::view::theme::Theme;
use crate::view::widgets::{self, Severity, TableView, status_span};

/// Narrowest each column may get before columns are dropped.
const MIN_WIDTHS: [u16; 9] = [9, 16, 10, 10, 9, 9, 8, 4, 10];

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
            columns: widgets::col_specs(OPS_COLUMNS, &MIN_WIDTHS, ns),
            rows,
            selected,
            sort: t.sort(),
            empty_text: empty_text(m, t.len()),
            banner: crate::view::header::stream_banner(m, crate::k8s::kinds::Kind::OpsRequest),
            flex_last: true,
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

/// The phase with its symbol; a request still at work is in progress, not "ok".
pub fn phase_span(o: &OpsRow, theme: &Theme) -> Span<'static> {
    if o.phase == "Running" {
        let sev = Severity::Progress;
        Span::styled(format!("{} Running", sev.symbol()), sev.style(theme))
    } else {
        status_span(&o.phase, theme)
    }
}

fn row<'a>(m: &'a Model, o: &'a OpsRow, ns: bool) -> (Vec<Line<'a>>, Style) {
    let theme = &m.theme;
    let progress = match o.progress {
        Progress::Counts(done, total) => Span::raw(widgets::progress_bar(done, total, 5)),
        Progress::Unknown => Span::styled("-", theme.muted()),
    };
    let mut cells = Vec::new();
    if ns {
        cells.push(Line::from(o.key.namespace.as_str()));
    }
    cells.push(Line::from(o.key.name.as_str()));
    cells.push(Line::from(o.op_type.as_str()));
    cells.push(Line::from(o.cluster.as_str()));
    cells.push(Line::from(phase_span(o, theme)));
    cells.push(Line::from(progress));
    cells.push(Line::from(duration(m, o)));
    cells.push(Line::from(widgets::age(o.created, m.now)));
    cells.push(Line::from(Span::styled(
        o.reason.as_str(),
        theme.fg(theme.error),
    )));
    (cells, Style::default())
}
