//! The incident timeline's view state (`t` on a cluster): which cluster, which kinds of entry
//! are shown, over what window, and how far it is scrolled. The record itself is the store's
//! (`store::Incidents`).

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};

use kbdash_core::domain::incident::IncidentKind;
use kbdash_core::rows::ObjKey;

/// The window the timeline opens on.
pub const DEFAULT_WINDOW: TimeDelta = TimeDelta::hours(1);

/// What the open incident timeline shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentTimeline {
    /// The cluster.
    pub cluster: ObjKey,
    /// The kinds of entry filtered out.
    pub hidden: BTreeSet<IncidentKind>,
    /// Everything kept instead of the last hour.
    pub all_time: bool,
    pub(crate) scroll: usize,
}

impl IncidentTimeline {
    /// The timeline of `cluster`: every kind, the last hour.
    pub fn new(cluster: ObjKey) -> IncidentTimeline {
        IncidentTimeline {
            cluster,
            hidden: BTreeSet::new(),
            all_time: false,
            scroll: 0,
        }
    }

    /// Shows or hides the kind numbered `n` (1-based, in [`IncidentKind::ALL`] order).
    pub(crate) fn toggle(&mut self, n: usize) {
        if let Some(kind) = n.checked_sub(1).and_then(|i| IncidentKind::ALL.get(i)) {
            if !self.hidden.remove(kind) {
                self.hidden.insert(*kind);
            }
            self.scroll = 0;
        }
    }

    /// Whether entries of `kind` are shown.
    pub fn shows(&self, kind: IncidentKind) -> bool {
        !self.hidden.contains(&kind)
    }

    /// From when entries are shown, at `now`: `None` for all kept.
    pub fn since(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (!self.all_time).then(|| now - DEFAULT_WINDOW)
    }
}
