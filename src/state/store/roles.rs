//! What the store remembers about pod roles: each cluster's primary and its changes, and which
//! pods changed role a moment ago (highlighted in the Pods pane).

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use kbdash_core::domain::role_probe::RoleProbe;
use kbdash_core::rows::{Atom, Ctx, ObjKey};

/// How long a pod row stays highlighted after its role changed.
const ROLE_FLASH_SECONDS: i64 = 5;
/// Role changes kept per cluster.
pub const ROLE_HISTORY_LEN: usize = 20;

/// One primary change of a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChange {
    /// When the change was seen.
    pub at: DateTime<Utc>,
    /// The pod that was primary.
    pub old_primary: Atom,
    /// The pod that is primary now.
    pub new_primary: Atom,
}

/// One report of kbagent's role probe: a `roleProbe` Event on a pod
/// (docs/kubeblocks.md#roles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleProbeReport {
    /// When the probe reported (the Event's last sighting).
    pub at: DateTime<Utc>,
    /// The pod probed.
    pub pod: Atom,
    /// What it said.
    pub probe: RoleProbe,
}

/// Primaries, their history and the pods whose role just changed.
#[derive(Debug, Clone, Default)]
pub struct Roles {
    /// Per cluster, kbagent's latest role probe reports, oldest first: what the role labels
    /// were set from, and a probe's failures, which no label shows.
    pub probes: HashMap<ObjKey, VecDeque<RoleProbeReport>>,
    /// Per cluster, the latest primary changes, oldest first.
    pub history: HashMap<ObjKey, VecDeque<RoleChange>>,
    /// Per cluster, the last primary seen.
    pub primaries: HashMap<ObjKey, Atom>,
    /// Pods whose role changed, with when.
    pub flashes: HashMap<ObjKey, DateTime<Utc>>,
}

impl Roles {
    /// Records that `cluster`'s primary is now `primary`. A cluster without a primary keeps
    /// the last one seen, so that a switchover is recorded once, `old → new`, when the new
    /// primary appears. Returns the change recorded, if any.
    pub(super) fn see_primary(
        &mut self,
        cluster: &ObjKey,
        primary: Option<Atom>,
        at: DateTime<Utc>,
    ) -> Option<RoleChange> {
        let new = primary?;
        match self.primaries.get(cluster) {
            Some(old) if *old == new => None,
            Some(old) => {
                let change = RoleChange {
                    at,
                    old_primary: old.clone(),
                    new_primary: new.clone(),
                };
                let history = self.history.entry(cluster.clone()).or_default();
                history.push_back(change.clone());
                while history.len() > ROLE_HISTORY_LEN {
                    history.pop_front();
                }
                self.primaries.insert(cluster.clone(), new);
                Some(change)
            }
            None => {
                self.primaries.insert(cluster.clone(), new);
                None
            }
        }
    }

    /// Keeps a role probe report of `cluster`'s, the latest [`ROLE_HISTORY_LEN`]; returns
    /// whether it is news (the same Event seen again is not).
    pub(super) fn note_probe(&mut self, cluster: &ObjKey, report: RoleProbeReport) -> bool {
        let reports = self.probes.entry(cluster.clone()).or_default();
        if reports.contains(&report) {
            return false;
        }
        let at = reports.partition_point(|r| r.at <= report.at);
        reports.insert(at, report);
        while reports.len() > ROLE_HISTORY_LEN {
            reports.pop_front();
        }
        true
    }

    /// Forgets a cluster that is gone: without this a long session with clusters coming and
    /// going would keep every one it ever saw.
    pub(super) fn forget(&mut self, cluster: &ObjKey) {
        self.history.remove(cluster);
        self.primaries.remove(cluster);
        self.probes.remove(cluster);
    }

    /// Keeps only the clusters `listed` says are there.
    pub(super) fn retain(&mut self, listed: impl Fn(&ObjKey) -> bool) {
        self.history.retain(|k, _| listed(k));
        self.probes.retain(|k, _| listed(k));
        self.primaries.retain(|k, _| listed(k));
    }

    /// Whether pod `pod`'s role changed within the last few seconds.
    pub(crate) fn is_flashing(&self, pod: &ObjKey, now: DateTime<Utc>) -> bool {
        self.flashes
            .get(pod)
            .is_some_and(|t| (now - *t).num_seconds() < ROLE_FLASH_SECONDS)
    }

    /// Drops highlights that are over.
    pub(crate) fn expire_flashes(&mut self, now: DateTime<Utc>) {
        self.flashes
            .retain(|_, t| (now - *t).num_seconds() < ROLE_FLASH_SECONDS);
    }

    /// What outlives the watches of context `from` when it is shown again under the id `to`:
    /// its clusters' primaries and their history, not the highlights of the moment nor what
    /// other contexts' clusters had.
    pub(crate) fn history_only(self, from: Ctx, to: Ctx) -> Roles {
        fn moved<V>(map: HashMap<ObjKey, V>, from: Ctx, to: Ctx) -> HashMap<ObjKey, V> {
            map.into_iter()
                .filter(|(k, _)| k.ctx == from)
                .map(|(k, v)| (k.in_ctx(to), v))
                .collect()
        }
        Roles {
            probes: moved(self.probes, from, to),
            history: moved(self.history, from, to),
            primaries: moved(self.primaries, from, to),
            flashes: HashMap::new(),
        }
    }
}
