//! The Clusters pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::state::model::{Model, Pane, StreamState};
use crate::view::pane::{self, PaneSpec};
use crate::view::widgets::{self, Severity, UNCUT, severity};
use crate::view::{backups, health};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ClusterRow;

/// Narrowest each column may get before columns are dropped; PRIMARY (a pod name, of little
/// use cut) is shown whole or not at all.
const MIN_WIDTHS: [u16; 9] = [9, 12, 7, 5, UNCUT, 10, 12, 10, 3];
/// The same with LAG and CONN, once database health was scraped.
const MIN_WIDTHS_HEALTH: [u16; 11] = [9, 12, 7, 5, UNCUT, 10, 12, 10, 3, 6, 7];

/// Draws the Clusters pane.
pub(crate) fn draw(f: &mut Frame, area: Rect, m: &Model) {
    pane::draw(
        f,
        area,
        m,
        &m.store.clusters,
        PaneSpec {
            pane: Pane::Clusters,
            scope_word: "scope",
            min_widths: if health::columns_shown(m) {
                &MIN_WIDTHS_HEALTH
            } else {
                &MIN_WIDTHS
            },
            flex_last: false,
        },
        row,
    );
}

/// How the cluster's state reads: its phase, unless that contradicts what is known. A cluster
/// with no phase at all (the operator never wrote a status) and one `Running` with none of its
/// pods ready (as far as a live Pod stream tells) are flagged instead of shown as `-` or `✓`.
pub(crate) fn state(m: &Model, c: &ClusterRow, ready: usize) -> (Severity, String) {
    let pods_known = m.streams.get(&(c.key.ctx, Kind::Pod)) == Some(&StreamState::Live);
    if c.phase.is_empty() {
        (Severity::Warn, "no status".to_string())
    } else if c.phase == "Running" && c.desired > 0 && ready == 0 && pods_known {
        (Severity::Error, format!("Running, 0/{} ready", c.desired))
    } else {
        (severity(&c.phase), c.phase.to_string())
    }
}

/// [`state`] with its symbol, styled.
pub(crate) fn status(m: &Model, c: &ClusterRow, ready: usize) -> Span<'static> {
    let (sev, word) = state(m, c, ready);
    Span::styled(format!("{} {word}", sev.symbol()), sev.style(&m.theme))
}

fn row<'a>(m: &'a Model, c: &'a ClusterRow, ns: bool) -> (Vec<Line<'a>>, Style) {
    let theme = &m.theme;
    let pods: Vec<_> = m.store.cluster_pods(&c.key).collect();
    let ready = pods.iter().filter(|p| p.ready).count();
    let primaries: Vec<&str> = pods
        .iter()
        .filter(|p| p.is_primary())
        .map(|p| p.key.name.as_str())
        .collect();
    let stopped = matches!(c.phase.as_str(), "Stopped" | "Stopping") || c.desired == 0;
    let primary = match primaries.as_slice() {
        [] if stopped => Span::styled("-", theme.muted()),
        [] => Span::styled("✗ none", theme.fg(theme.error)),
        [one] => Span::styled(one.to_string(), theme.fg(theme.role_primary)),
        many => Span::styled(format!("! {} primaries", many.len()), theme.fg(theme.error)),
    };
    let ready_style = if ready as u32 >= c.desired && c.desired > 0 {
        theme.text()
    } else {
        theme.fg(theme.warn)
    };
    let last_op = m.store.last_op(&c.key).map_or_else(
        || Line::from(Span::styled("-", theme.muted())),
        |o| {
            Line::from(vec![
                Span::raw(format!("{} ", o.op_type)),
                crate::view::ops::phase_span(o, theme),
            ])
        },
    );
    // Triage's verdict, not the end's lag: an idle database's old end is no fault.
    let pitr = m.store.continuous_backup(&c.key).map_or_else(
        || Line::from(Span::styled("-", theme.muted())),
        |b| Line::from(backups::archiving_cell(m, &backups::archiving(m, b))),
    );
    let mut cells = Vec::new();
    if ns {
        cells.push(Line::from(c.key.namespace.as_str()));
    }
    cells.push(Line::from(c.key.name.as_str()));
    cells.push(Line::from(c.version.as_str()));
    cells.push(Line::from(Span::styled(
        format!("{ready}/{}", c.desired),
        ready_style,
    )));
    cells.push(Line::from(primary));
    cells.push(Line::from(status(m, c, ready)));
    cells.push(last_op);
    cells.push(pitr);
    cells.push(Line::from(widgets::age_span(c.created, m.now, theme)));
    if health::columns_shown(m) {
        cells.push(Line::from(health::lag_cell(m, c)));
        cells.push(Line::from(health::conn_cell(m, c)));
    }
    let style = if m.scope.as_ref() == Some(&c.key) {
        theme.accent()
    } else {
        Style::default()
    };
    (cells, style)
}
