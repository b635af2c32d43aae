//! Whether a watch event can change what is on screen.
//!
//! At fleet scale nearly every event is about a row far off screen: a continuous backup of
//! cluster 3,412 advancing its time range while the first 50 clusters show. Drawing a frame for
//! it would redraw an identical screen, and at 20 events per second that was most of the
//! dashboard's CPU. So for the common cases, a change to a row already listed while the plain
//! pane view or an object's detail is up, and a Warning Event (which no pane shows) while the
//! plain view is up, what the frame depends on is read before and after the event; if nothing
//! differs, no frame is drawn. A detail shows one cluster's objects, so a
//! change of another cluster's row does not draw it. Everything else (new and deleted rows,
//! relists, stream state, other overlays, forms, the wall) draws as before; so does a change
//! of the problem list, but only where it is shown ([`shows_problems`]). The clock tick
//! redraws every second regardless, so a case missed here (a detail's backup method, which its
//! ActionSet says) would be a second late, never wrong for longer.

use crate::state::model::{Model, Overlay, Pane, StreamState};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, Row};

/// What of the screen one row change could touch.
#[derive(Debug, PartialEq)]
pub(crate) struct Glance {
    /// The row, or the cluster row it shows in, is in the focused pane's window.
    shown: bool,
    stream: Option<StreamState>,
    /// Visible row counts of the four panes (the tab bar).
    counts: [usize; 4],
    /// The focused pane's first and last rows on screen, and its cursor: a row moving past the
    /// window shifts every row in it.
    first: Option<ObjKey>,
    last: Option<ObjKey>,
    cursor: usize,
    notice: Option<String>,
    tracked: usize,
}

/// The row an event changes, and the cluster it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct Touch {
    key: ObjKey,
    cluster: ObjKey,
}

impl Touch {
    /// What applying `row` touches.
    pub(crate) fn of(row: &Row) -> Touch {
        Touch {
            key: row.key().clone(),
            cluster: row.cluster(),
        }
    }
}

/// Reads what a change of a `kind` row could change on screen, before or after it is applied;
/// `None` when the case is not one this module decides (then the frame is drawn).
pub(crate) fn glance(m: &Model, kind: Kind, touch: &Touch) -> Option<Glance> {
    if m.wall.is_some() || m.forms.modal.is_some() {
        return None;
    }
    let key = &touch.key;
    let cluster = &touch.cluster;
    let table = m.table(m.focus);
    let window_has = |k: &ObjKey| table.window_keys().any(|w| w == k);
    let shown = match &m.overlay {
        // Warning Events have no pane and no column: on the plain view only their stream's
        // state shows, new or not. (A detail's evidence lists its cluster's: drawn below.)
        Overlay::None if kind == Kind::Event => false,
        // Only changes to listed rows are decided here, and a row moving to another cluster
        // changes two cluster rows: not decided here either.
        _ if m.store.cluster_of(kind, key)? != *cluster => return None,
        Overlay::None => {
            window_has(key)
                || (m.focus == Pane::Clusters && window_has(cluster))
                || m.scope.as_ref() == Some(cluster)
                || m.scope.as_ref() == Some(key)
        }
        Overlay::Detail(d) => {
            d.target.key == *key || m.store.cluster_of(d.target.kind, &d.target.key)? == *cluster
        }
        _ => return None,
    };
    let (first, last, cursor) = ends(table.window_keys(), table.cursor());
    Some(Glance {
        shown,
        stream: m.streams.get(&(key.ctx, kind)).cloned(),
        counts: Pane::ALL.map(|p| m.table(p).visible_len()),
        first,
        last,
        cursor,
        notice: m.notice.as_ref().map(|(text, _)| text.clone()),
        tracked: m.forms.tracked.len(),
    })
}

/// Whether the screen shows the problem list: the triage view and the wall do; the panes, a
/// detail and the other views do not read it (a detail's evidence is a copy taken when it
/// opened), so a problem found or gone there draws no frame.
pub(crate) fn shows_problems(m: &Model) -> bool {
    m.wall.is_some() || matches!(m.overlay, Overlay::Triage { .. })
}

/// Whether the frame after the event can differ from the one before.
pub(crate) fn changes_screen(before: Option<Glance>, after: Option<Glance>) -> bool {
    match (before, after) {
        (Some(b), Some(a)) => b.shown || a.shown || b != a,
        _ => true,
    }
}

fn ends<'a>(
    mut keys: impl Iterator<Item = &'a ObjKey>,
    cursor: usize,
) -> (Option<ObjKey>, Option<ObjKey>, usize) {
    let first = keys.next().cloned();
    let last = keys.last().cloned().or_else(|| first.clone());
    (first, last, cursor)
}
