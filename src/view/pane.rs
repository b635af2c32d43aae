//! What every table pane shares: the visible window of its table with the selection, a title
//! counting the visible rows and naming the scope, the sort marker, and the stream's banner.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;

use crate::state::columns::ColumnId;
use crate::state::model::{Model, Pane, StreamState};
use crate::state::table::{Table, TableRow};
use crate::view::text::Cut;
use crate::view::widgets::{self, ColSpec, TableView};
use kbdash_core::kinds::Kind;

/// How one pane differs from the others, besides its rows' columns.
pub(crate) struct PaneSpec<'a> {
    /// The pane: its title names it, and its kind's stream health shows on its banner.
    pub(crate) pane: Pane,
    /// The word before the scoped cluster's name in the title.
    pub(crate) scope_word: &'a str,
    /// Narrowest each column may get before columns are dropped.
    pub(crate) min_widths: &'a [u16],
    /// Whether the last column takes the slack (for free-text columns such as reasons).
    pub(crate) flex_last: bool,
}

/// Draws `table` as a pane with its rows' columns, rendering only its visible window with
/// `row`.
pub(crate) fn draw<'a, R: TableRow>(
    f: &mut Frame,
    area: Rect,
    m: &'a Model,
    table: &'a Table<R>,
    spec: PaneSpec<'_>,
    row: impl Fn(&'a Model, &'a R, bool) -> (Vec<Line<'a>>, Style),
) {
    let ns = m.multi_namespace();
    let contexts = m.multi_context();
    let mut rows = Vec::new();
    let mut selected = None;
    for (i, r) in table.window() {
        if i == table.cursor() {
            selected = Some(rows.len());
        }
        let (mut cells, style) = row(m, r, ns);
        if contexts {
            cells.insert(0, Line::from(m.context_name(r.key().ctx)));
        }
        rows.push((cells, style));
    }
    let mut columns = widgets::col_specs(R::COLUMNS, spec.min_widths, ns);
    if contexts {
        columns.insert(0, context_column());
    }
    let scoped = m
        .scope
        .as_ref()
        .map(|s| format!(" · {} {}", spec.scope_word, s.name))
        .unwrap_or_default();
    widgets::draw_table(
        f,
        area,
        TableView {
            title: format!(" {} ({}){scoped} ", spec.pane.title(), table.visible_len()),
            columns,
            rows,
            selected,
            sort: table.sort(),
            empty_text: empty_text(m, spec.pane.kind(), table.len()),
            banner: crate::view::header::stream_banner(m, spec.pane.kind()),
            flex_last: spec.flex_last,
        },
        &m.theme,
    );
}

/// The CONTEXT column every pane starts with while more than one context is shown.
fn context_column() -> ColSpec {
    ColSpec {
        title: "CONTEXT",
        id: ColumnId::Context,
        min: 7,
        worth: ColumnId::Context.worth(),
        cut: Cut::Middle,
    }
}

/// What an empty pane says: nothing matches, nothing could be listed, or nothing exists.
pub(crate) fn empty_text(m: &Model, kind: Kind, total: usize) -> String {
    let place = m.namespace.as_deref().unwrap_or("any namespace");
    if total > 0 {
        return "no rows match the filter or scope (Esc clears)".into();
    }
    // With several contexts, the first one's stream speaks for the empty pane.
    let ctx = m.shown.first().map(|s| s.ctx).unwrap_or_default();
    let listed = m.triage.last_seen.contains_key(&(ctx, kind));
    match m.streams.get(&(ctx, kind)) {
        Some(StreamState::Live) => format!("none in {place}"),
        // Empty because nothing was listed, not because nothing exists: say so, and why.
        Some(StreamState::Reconnecting { error, .. }) if !listed => {
            format!("nothing listed yet: {error}")
        }
        Some(StreamState::Forbidden(_) | StreamState::NotInstalled(_)) => {
            "nothing can be listed (see below)".into()
        }
        Some(StreamState::Pending | StreamState::Syncing { count: 0 }) if !listed => format!(
            "waiting for {} since {}",
            m.the_server(ctx),
            m.watching_since.format("%H:%M:%S")
        ),
        _ => format!("no objects yet in {place}"),
    }
}
