//! The incident timeline's records (`kbdash_core::domain::incident`): one per cluster, fed by
//! the store's changes as they arrive, and one per context of its streams' outages, which
//! concern every cluster of that context. A cluster's record is forgotten with the cluster, a
//! context's with the context.

use std::collections::HashMap;

use kbdash_core::domain::incident::{Incident, IncidentLog};
use kbdash_core::rows::{Ctx, ObjKey};

/// The records.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    clusters: HashMap<ObjKey, IncidentLog>,
    /// Each context's watch streams going down and coming back.
    streams: HashMap<Ctx, IncidentLog>,
}

impl Incidents {
    /// `cluster`'s record, if anything happened to it.
    pub fn of(&self, cluster: &ObjKey) -> Option<&IncidentLog> {
        self.clusters.get(cluster)
    }

    /// Records what happened to `cluster`; a change of no cluster (an Event whose object the
    /// store cannot place) is not recorded.
    pub(crate) fn record(&mut self, cluster: &ObjKey, incidents: Vec<Incident>) {
        if cluster.name.is_empty() || incidents.is_empty() {
            return;
        }
        let log = self.clusters.entry(cluster.clone()).or_default();
        for incident in incidents {
            log.record(incident);
        }
    }

    /// The outages of context `ctx`'s streams, if it had any.
    pub fn streams_of(&self, ctx: Ctx) -> Option<&IncidentLog> {
        self.streams.get(&ctx)
    }

    /// Records a stream of context `ctx` going down or coming back.
    pub(crate) fn record_stream(&mut self, ctx: Ctx, incident: Incident) {
        self.streams.entry(ctx).or_default().record(incident);
    }

    /// Forgets the outages of context `ctx`'s streams (no longer shown).
    pub(super) fn forget_ctx(&mut self, ctx: Ctx) {
        self.streams.remove(&ctx);
    }

    pub(super) fn forget(&mut self, cluster: &ObjKey) {
        self.clusters.remove(cluster);
    }

    pub(super) fn retain(&mut self, keep: impl Fn(&ObjKey) -> bool) {
        self.clusters.retain(|k, _| keep(k));
    }
}
