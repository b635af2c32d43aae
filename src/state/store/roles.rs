//! What the store remembers about pod roles: each cluster's primary and its changes, and which
//! pods changed role a moment ago (highlighted in the Pods pane).

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use kbdash_core::rows::{Atom, ObjKey};

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

/// Primaries, their history and the pods whose role just changed.
#[derive(Debug, Clone, Default)]
pub struct Roles {
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
    /// primary appears.
    pub(super) fn see_primary(
        &mut self,
        cluster: &ObjKey,
        primary: Option<Atom>,
        at: DateTime<Utc>,
    ) {
        let Some(new) = primary else {
            return;
        };
        match self.primaries.get(cluster) {
            Some(old) if *old == new => {}
            Some(old) => {
                let history = self.history.entry(cluster.clone()).or_default();
                history.push_back(RoleChange {
                    at,
                    old_primary: old.clone(),
                    new_primary: new.clone(),
                });
                while history.len() > ROLE_HISTORY_LEN {
                    history.pop_front();
                }
                self.primaries.insert(cluster.clone(), new);
            }
            None => {
                self.primaries.insert(cluster.clone(), new);
            }
        }
    }

    /// Forgets a cluster that is gone: without this a long session with clusters coming and
    /// going would keep every one it ever saw.
    pub(super) fn forget(&mut self, cluster: &ObjKey) {
        self.history.remove(cluster);
        self.primaries.remove(cluster);
    }

    /// Keeps only the clusters `listed` says are there.
    pub(super) fn retain(&mut self, listed: impl Fn(&ObjKey) -> bool) {
        self.history.retain(|k, _| listed(k));
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

    /// What outlives the watches of a context: the clusters' primaries and their history, not
    /// the highlights of the moment.
    pub(crate) fn history_only(self) -> Roles {
        Roles {
            flashes: HashMap::new(),
            ..self
        }
    }
}
