//! The names of each cluster's objects, per kind, kept as events arrive so that a cluster row
//! finds its pods (backups, schedules, OpsRequests) without scanning every pod.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Atom, Ctx, ObjKey};

/// Per kind, per cluster, the names of the objects (in the cluster's namespace).
#[derive(Debug, Clone, Default)]
pub(crate) struct ClusterIndex {
    by_kind: BTreeMap<Kind, HashMap<ObjKey, BTreeSet<Atom>>>,
}

impl ClusterIndex {
    /// Records object `name` of `kind` under `cluster`.
    pub(crate) fn add(&mut self, kind: Kind, cluster: ObjKey, name: &Atom) {
        self.by_kind
            .entry(kind)
            .or_default()
            .entry(cluster)
            .or_default()
            .insert(name.clone());
    }

    /// Forgets object `name` of `kind` under `cluster`.
    pub(crate) fn remove(&mut self, kind: Kind, cluster: &ObjKey, name: &str) {
        if let Some(map) = self.by_kind.get_mut(&kind)
            && let Some(set) = map.get_mut(cluster)
        {
            set.remove(name);
            if set.is_empty() {
                map.remove(cluster);
            }
        }
    }

    /// Forgets every object of `kind` in context `ctx`.
    pub(crate) fn clear_ctx(&mut self, kind: Kind, ctx: Ctx) {
        if let Some(map) = self.by_kind.get_mut(&kind) {
            map.retain(|cluster, _| cluster.ctx != ctx);
        }
    }

    /// The names of `cluster`'s objects of `kind`.
    pub(crate) fn names<'s>(
        &'s self,
        kind: Kind,
        cluster: &ObjKey,
    ) -> impl Iterator<Item = &'s Atom> + use<'s> {
        self.by_kind
            .get(&kind)
            .and_then(|map| map.get(cluster))
            .into_iter()
            .flatten()
    }

    /// The clusters that have objects of `kind`.
    pub(crate) fn clusters(&self, kind: Kind) -> impl Iterator<Item = &ObjKey> {
        self.by_kind.get(&kind).into_iter().flat_map(HashMap::keys)
    }
}
