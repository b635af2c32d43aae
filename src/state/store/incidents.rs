//! The incident timeline's records (`kbdash_core::domain::incident`): one per cluster, fed by
//! the store's changes as they arrive, and one of the streams' outages, which concern every
//! cluster. A cluster's record is forgotten with the cluster.

use std::collections::HashMap;

use kbdash_core::domain::incident::{Incident, IncidentLog};
use kbdash_core::rows::ObjKey;

/// The records.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    clusters: HashMap<ObjKey, IncidentLog>,
    /// Watch streams going down and coming back.
    pub streams: IncidentLog,
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

    pub(super) fn forget(&mut self, cluster: &ObjKey) {
        self.clusters.remove(cluster);
    }

    pub(super) fn retain(&mut self, keep: impl Fn(&ObjKey) -> bool) {
        self.clusters.retain(|k, _| keep(k));
    }
}
