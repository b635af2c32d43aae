//! The incident timeline's keys: `t` opens it on the selected cluster (or the cluster of the
//! object a detail shows), numbers filter its kinds, `a` widens it from the last hour to
//! everything kept.

use chrono::{DateTime, Utc};

use crate::state::cmd::Cmd;
use crate::state::incident_timeline::IncidentTimeline;
use crate::state::model::{Model, Overlay, Pane, StreamState};
use kbdash_core::domain::incident;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Ctx, ObjKey};

/// Opens the timeline of the cluster in view, closing the detail it was opened from.
pub(crate) fn open(m: &mut Model, cmds: &mut Vec<Cmd>) {
    let Some(cluster) = cluster_in_view(m) else {
        super::notify(
            m,
            "no cluster here: t opens a cluster's incident timeline".into(),
        );
        return;
    };
    if matches!(m.overlay, Overlay::Detail(_)) {
        super::back(m, cmds);
    }
    m.overlay = Overlay::Incidents(IncidentTimeline::new(cluster));
}

/// The cluster a detail shows (or its object belongs to), else the Clusters pane's selection.
fn cluster_in_view(m: &Model) -> Option<ObjKey> {
    match &m.overlay {
        Overlay::Detail(d) if d.target.kind == Kind::Cluster => Some(d.target.key.clone()),
        Overlay::Detail(d) => m.store.cluster_of(d.target.kind, &d.target.key),
        Overlay::None if m.focus == Pane::Clusters => {
            m.store.clusters.selected().map(|c| c.key.clone())
        }
        _ => None,
    }
}

/// Shows or hides the kind numbered `n`.
pub(crate) fn toggle(m: &mut Model, n: usize) {
    if let Overlay::Incidents(v) = &mut m.overlay {
        v.toggle(n);
    }
}

/// The last hour, or everything kept.
pub(crate) fn toggle_window(m: &mut Model) {
    if let Overlay::Incidents(v) = &mut m.overlay {
        v.all_time = !v.all_time;
        v.scroll = 0;
    }
}

/// Records a stream of context `ctx` going down or coming back on the timeline of every
/// cluster of that context: what kbdash saw of them was incomplete meanwhile.
pub(crate) fn note_stream(
    m: &mut Model,
    ctx: Ctx,
    kind: Kind,
    before: Option<&StreamState>,
    after: &StreamState,
    at: DateTime<Utc>,
) {
    let down = |s: &StreamState| {
        matches!(
            s,
            StreamState::Reconnecting { .. }
                | StreamState::Forbidden(_)
                | StreamState::NotInstalled(_)
        )
    };
    let plural = kind.info().plural;
    // A stream comes back through a relist (down, syncing, live): it is back when it is live
    // and its latest entry says it went down.
    let was_down = || {
        let source = format!("watch/{plural}");
        m.store.incidents.streams_of(ctx).is_some_and(|log| {
            log.entries()
                .rev()
                .find(|e| e.source == source)
                .is_some_and(|e| e.text.starts_with("stream down"))
        })
    };
    let entry = match (before, after) {
        (Some(b), StreamState::Live) if *b != StreamState::Live && was_down() => {
            incident::stream(plural, None, at)
        }
        (Some(StreamState::Live), a) if down(a) => {
            let why = match a {
                StreamState::Reconnecting { error, .. } => error.as_str(),
                StreamState::Forbidden(e) | StreamState::NotInstalled(e) => e.as_str(),
                _ => "",
            };
            incident::stream(plural, Some(why), at)
        }
        _ => return,
    };
    m.store.incidents.record_stream(ctx, entry);
}
