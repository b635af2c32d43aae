//! The incident timeline's records (`kbdash_core::domain::incident`): one per cluster, fed by
//! the store's changes as they arrive, and one per context of its streams' outages, which
//! concern every cluster of that context. A cluster's record is forgotten with the cluster, a
//! context's with the context, and the records of all clusters together are bounded
//! ([`INCIDENTS_KEPT_FLEET`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kbdash_core::domain::incident::{INCIDENTS_KEPT_FLEET, Incident, IncidentLog};
use kbdash_core::rows::{Ctx, ObjKey};

/// The records.
#[derive(Debug, Clone)]
pub struct Incidents {
    clusters: HashMap<ObjKey, IncidentLog>,
    /// Entries in `clusters`, all logs together.
    total: usize,
    /// At most this many entries across the fleet.
    bound: usize,
    /// Each context's watch streams going down and coming back.
    streams: HashMap<Ctx, IncidentLog>,
}

impl Default for Incidents {
    fn default() -> Incidents {
        Incidents::bounded(INCIDENTS_KEPT_FLEET)
    }
}

impl Incidents {
    fn bounded(bound: usize) -> Incidents {
        Incidents {
            clusters: HashMap::new(),
            total: 0,
            bound,
            streams: HashMap::new(),
        }
    }

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
        let before = log.len();
        for incident in incidents {
            log.record(incident);
        }
        self.total = self.total - before + log.len();
        if self.total > self.bound {
            self.trim();
        }
    }

    /// Drops the fleet's oldest entries down to three quarters of the bound, so that the
    /// sweep over every entry comes once per quarter-bound of new entries, not once per entry.
    fn trim(&mut self) {
        let keep = self.bound / 4 * 3;
        let mut times: Vec<DateTime<Utc>> = self
            .clusters
            .values()
            .flat_map(|log| log.entries().map(|e| e.at))
            .collect();
        let Some(drop) = times.len().checked_sub(keep + 1) else {
            return;
        };
        let (_, cutoff, _) = times.select_nth_unstable(drop);
        // Entries of the cutoff's own time stay: the log keeps ties in arrival order, and
        // splitting them would lose the older of two at one instant but not the other.
        let cutoff = *cutoff;
        self.clusters.retain(|_, log| {
            log.drop_before(cutoff);
            !log.is_empty()
        });
        self.total = self.clusters.values().map(IncidentLog::len).sum();
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
        if let Some(log) = self.clusters.remove(cluster) {
            self.total -= log.len();
        }
    }

    pub(super) fn retain(&mut self, keep: impl Fn(&ObjKey) -> bool) {
        self.clusters.retain(|k, _| keep(k));
        self.total = self.clusters.values().map(IncidentLog::len).sum();
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use kbdash_core::domain::incident;

    use super::*;

    fn at(second: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + second, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn the_fleets_oldest_entries_go_past_the_bound_and_the_newest_stay() {
        let mut incidents = Incidents::bounded(100);
        let quiet = ObjKey::new("ns", "quiet");
        let busy = ObjKey::new("ns", "busy");
        // The quiet cluster's history is old; the busy one's keeps coming.
        for s in 0..20 {
            incidents.record(&quiet, vec![incident::primary_change("a", "b", at(s))]);
        }
        for s in 100..200 {
            incidents.record(&busy, vec![incident::primary_change("a", "b", at(s))]);
        }
        assert!(incidents.total <= 100, "{}", incidents.total);
        assert_eq!(
            incidents.total,
            incidents
                .clusters
                .values()
                .map(IncidentLog::len)
                .sum::<usize>()
        );
        // The quiet cluster's old entries went first; the busy one's newest are all there.
        assert!(incidents.of(&quiet).is_none());
        let busy_log = incidents
            .of(&busy)
            .map(IncidentLog::len)
            .unwrap_or_default();
        assert!(busy_log >= 75, "{busy_log}");
        let newest = incidents
            .of(&busy)
            .and_then(|l| l.entries().next_back())
            .map(|e| e.at);
        assert_eq!(newest, Some(at(199)));
        // Forgetting a cluster gives its entries back to the count.
        incidents.forget(&busy);
        assert_eq!(incidents.total, 0);
    }
}
