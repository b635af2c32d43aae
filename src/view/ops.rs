//! The OpsRequests pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::state::model::{Model, Pane};
use crate::state::theme::Theme;
use crate::view::pane::{self, PaneSpec};
use crate::view::widgets::{self, Severity, status_span};
use kbdash_core::rows::{OpsRow, Progress};

/// Narrowest each column may get before columns are dropped.
const MIN_WIDTHS: [u16; 9] = [9, 16, 10, 10, 9, 9, 8, 4, 10];

/// Draws the OpsRequests pane.
pub(crate) fn draw(f: &mut Frame, area: Rect, m: &Model) {
    pane::draw(
        f,
        area,
        m,
        &m.store.ops,
        PaneSpec {
            pane: Pane::Ops,
            scope_word: "cluster",
            min_widths: &MIN_WIDTHS,
            flex_last: true,
        },
        row,
    );
}

/// How long an OpsRequest ran (finished) or has been running.
pub(crate) fn duration(m: &Model, o: &OpsRow) -> String {
    match (o.started.or(o.created), o.completed) {
        (Some(s), Some(e)) => widgets::long_duration(e - s),
        (Some(s), None) if !o.is_finished() && o.started.is_some() => {
            widgets::long_duration(m.now - s)
        }
        _ => "-".into(),
    }
}

/// The phase with its symbol; a request still at work is in progress, not "ok".
pub(crate) fn phase_span(o: &OpsRow, theme: &Theme) -> Span<'static> {
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
    cells.push(Line::from(widgets::age_span(o.created, m.now, theme)));
    cells.push(Line::from(Span::styled(
        o.reason.as_str(),
        theme.fg(theme.error),
    )));
    (cells, Style::default())
}
