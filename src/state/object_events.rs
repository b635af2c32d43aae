//! The Events of the object a detail view shows (for a cluster, also of its Components,
//! InstanceSet and pods), as its streams bring them: kept while the view is open, dropped when
//! it closes.

use std::collections::HashMap;

use kbdash_core::rows::{EventRow, ObjKey, ObjRef};

/// One detail view's Events.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObjectEvents {
    /// The view's streams' id: answers of an earlier view's are ignored.
    pub id: u64,
    /// The object the view shows.
    pub target: Option<ObjRef>,
    /// The events, by key. An Event the API server's TTL deletes stays while the view is open:
    /// it is still what happened.
    pub rows: HashMap<ObjKey, EventRow>,
    /// How many of the view's streams have listed.
    pub listed: usize,
    /// How many streams the view started.
    pub streams: usize,
    /// The last failure of one of the streams, as they said it.
    pub error: Option<String>,
}

impl ObjectEvents {
    /// The events, newest first (by last sighting, then name).
    pub fn newest_first(&self) -> Vec<&EventRow> {
        let mut rows: Vec<&EventRow> = self.rows.values().collect();
        rows.sort_by(|a, b| b.seen().cmp(&a.seen()).then_with(|| a.key.cmp(&b.key)));
        rows
    }

    /// Whether every stream has listed once.
    pub fn is_listed(&self) -> bool {
        self.listed >= self.streams
    }
}
