//! The Warning Events of the current scope, kept beyond the API server's one-hour event TTL
//! (docs/kubeblocks.md#events) and bounded: past [`WARNINGS_KEPT`] the one last seen longest
//! ago goes. An Event the server deletes stays; a relist adds to what is kept rather than
//! replacing it, since what it leaves out has expired, not been resolved.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::kinds::Rows;
use kbdash_core::rows::{Ctx, EventRow, ObjKey};

/// Warning Events kept at most: about 1 KB each with their key order, index entry and timeline
/// entry, so about 5 MB (`benches/warning_events.rs`, BENCHMARKS.md). A fleet of 5,000 clusters
/// with a crash-looping pod in one of ten still fits with room for each pod's BackOff and the
/// clusters' own warnings.
pub const WARNINGS_KEPT: usize = 5_000;

/// The kept Warning Events, by key, with their order of last sighting.
#[derive(Debug, Clone, Default)]
pub struct WarningEvents {
    rows: HashMap<ObjKey, EventRow>,
    by_seen: BTreeSet<(Option<DateTime<Utc>>, ObjKey)>,
}

impl WarningEvents {
    /// How many are kept.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every kept event, in no order.
    pub fn iter(&self) -> impl Iterator<Item = &EventRow> {
        self.rows.values()
    }

    /// The events placed under no cluster (their object was not listed when they came).
    pub(super) fn unplaced(&self) -> Vec<ObjKey> {
        self.rows
            .values()
            .filter(|e| e.cluster.is_empty())
            .map(|e| e.key.clone())
            .collect()
    }

    /// The kept event `key`, to place it.
    pub(super) fn get_mut(&mut self, key: &ObjKey) -> Option<&mut EventRow> {
        self.rows.get_mut(key)
    }

    /// Forgets the events of context `ctx` (no longer shown).
    pub(super) fn forget_ctx(&mut self, ctx: Ctx) {
        self.rows.retain(|k, _| k.ctx != ctx);
        self.by_seen.retain(|(_, k)| k.ctx != ctx);
    }

    /// Takes out the event last seen longest ago, when more than the bound are kept.
    pub(super) fn evict(&mut self) -> Option<EventRow> {
        if self.rows.len() <= WARNINGS_KEPT {
            return None;
        }
        let (_, key) = self.by_seen.pop_first()?;
        self.rows.remove(&key)
    }
}

impl Rows<EventRow> for WarningEvents {
    fn get(&self, key: &ObjKey) -> Option<&EventRow> {
        self.rows.get(key)
    }

    fn upsert(&mut self, row: EventRow) -> Option<EventRow> {
        self.by_seen.insert((row.seen(), row.key.clone()));
        let old = self.rows.insert(row.key.clone(), row);
        if let Some(old) = &old {
            let new_seen = self.rows.get(&old.key).and_then(EventRow::seen);
            if old.seen() != new_seen {
                self.by_seen.remove(&(old.seen(), old.key.clone()));
            }
        }
        old
    }

    fn remove(&mut self, key: &ObjKey) -> Option<EventRow> {
        let old = self.rows.remove(key)?;
        self.by_seen.remove(&(old.seen(), old.key.clone()));
        Some(old)
    }

    /// Adds the listed events to those kept: see the module's comment.
    /// Adds the listed events to those kept: a Warning the API server's TTL removed is
    /// still evidence, so a relist keeps what it no longer lists.
    fn replace_ctx(&mut self, _ctx: Ctx, rows: Vec<EventRow>) {
        for row in rows {
            self.upsert(row);
        }
    }
}
