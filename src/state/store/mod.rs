//! The watch data: every watched kind's rows, the per-cluster index, the lists relisting
//! streams are receiving, and what is derived from the rows (pod roles, the types Backups say
//! their methods make). Clusters and pods of other engines than PostgreSQL are left out; the
//! other clusters are only counted.
//!
//! Ingestion is generic over the kinds, each described once by a [`Watched`] impl. Every change
//! reports what it touched ([`Change`]), so that triage can judge the parts of the fleet it
//! concerns again; the store itself knows nothing of triage or the screen. The work per event
//! is bounded by the size of one cluster: a table upsert, an index entry, and for pods the
//! cluster's primary.

mod incidents;
mod index;
mod kinds;
mod method_labels;
mod roles;
mod warnings;

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::state::table::Table;
use index::ClusterIndex;
use kbdash_core::detail::restored::RestoreSource;
use kbdash_core::domain::backup_methods::{MethodFacts, parse_backup_type};
use kbdash_core::domain::incident;
use kbdash_core::domain::pitr::BackupKind;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{
    ActionSetRow, Atom, BackupRow, ClusterRow, Ctx, EventRow, ObjKey, OpsRow, PodRow, PolicyRow,
    Row, ScheduleRow,
};
use kinds::with_kind;
use method_labels::MethodLabels;

pub use incidents::Incidents;
pub use kinds::WATCHED;
pub(crate) use kinds::{Rows, Watched};
pub use roles::{ROLE_HISTORY_LEN, RoleChange, RoleProbeReport, Roles};
pub use warnings::{WARNINGS_KEPT, WarningEvents};

/// The store knows what the fleet says about backup methods: the ActionSets' types, and the
/// types Backups made with a method are labelled with.
impl MethodFacts for Store {
    fn action_set_type(&self, name: &str) -> Option<BackupKind> {
        // A handful per installed addon: a scan, with no key to allocate per schedule entry.
        let set = self.action_sets.values().find(|a| a.key.name == name)?;
        parse_backup_type(&set.backup_type)
    }
    fn labelled_type(&self, method: &str) -> Option<BackupKind> {
        self.method_labels.kind(method)
    }
}

/// What one applied or deleted object changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) kind: Kind,
    pub(crate) key: ObjKey,
    /// The cluster the object belongs to (belonged to, when deleted).
    pub(crate) cluster: ObjKey,
    /// The cluster it belonged to before, when it moved to another.
    pub(crate) left: Option<ObjKey>,
    /// The change alters how every cluster reads (what type a backup method makes, or which
    /// clusters run another engine).
    pub(crate) fleet_wide: bool,
}

/// Every watched object, as rows.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// The Clusters pane's rows.
    pub clusters: Table<ClusterRow>,
    /// The Pods pane's rows.
    pub pods: Table<PodRow>,
    /// The OpsRequests pane's rows.
    pub ops: Table<OpsRow>,
    /// The Backups pane's rows.
    pub backups: Table<BackupRow>,
    /// Backup schedules: no pane, but the clusters' backup state and triage read them.
    pub schedules: HashMap<ObjKey, ScheduleRow>,
    /// Backup policies: their methods' ActionSets.
    pub policies: HashMap<ObjKey, PolicyRow>,
    /// ActionSets (cluster-scoped): the type of backup each makes.
    pub action_sets: HashMap<ObjKey, ActionSetRow>,
    /// The Warning Events of the current scope, kept beyond their TTL, bounded.
    pub warnings: WarningEvents,
    /// Each cluster's incident timeline, and the streams' outages.
    pub incidents: Incidents,
    /// KubeBlocks clusters of other engines: left out, counted in the header.
    pub other_clusters: HashSet<ObjKey>,
    /// The listed clusters' keys in order (namespace, name, context): the wall lists the
    /// clusters without a problem in this order, a page at a time, without sorting the fleet.
    cluster_keys: BTreeSet<ObjKey>,
    /// Objects received since a stream's `Init`, swapped in at `InitDone`; per context, whose
    /// streams list on their own.
    pub pending: HashMap<(Ctx, Kind), Vec<Row>>,
    /// The clusters' primaries, their history and the pods whose role just changed.
    pub roles: Roles,
    /// What each restored cluster was restored from, as last seen on its restore annotation or
    /// its Restore request: kept when both are gone (the operator removes the annotation once
    /// the restore is done, and kbcli's request is deleted 30 s after it succeeds;
    /// docs/kubeblocks.md#restore-annotation). One entry per cluster, forgotten with it.
    pub restored: HashMap<ObjKey, RestoreSource>,
    /// Each cluster's latest OpsRequest after it was deleted (a `ttlSecondsAfterSucceed`
    /// removes a Restore request within a minute): LAST OP keeps showing its outcome. One
    /// trimmed row per cluster, forgotten with it.
    ended_ops: HashMap<ObjKey, OpsRow>,
    index: ClusterIndex,
    method_labels: MethodLabels,
}

impl Store {
    /// A (re)list of `kind` in context `ctx` starts: objects received until
    /// [`Store::finish_relist`] replace the context's rows of the kind.
    pub(crate) fn begin_relist(&mut self, ctx: Ctx, kind: Kind) {
        self.pending.insert((ctx, kind), Vec::new());
    }

    /// Keeps an object of `kind`'s list in `ctx`; returns how many have come so far.
    pub(crate) fn receive(&mut self, ctx: Ctx, kind: Kind, row: Row) -> usize {
        let buf = self.pending.entry((ctx, kind)).or_default();
        buf.push(row);
        buf.len()
    }

    /// Swaps in the freshly listed objects of `kind` in `ctx`: rows of the context absent
    /// from the list are gone (no ghosts), the other contexts' rows and index entries stay
    /// untouched. Returns whether the relist changed how every cluster reads, in any context
    /// (what type a backup method makes: [`MethodFacts`] reads every context's ActionSets and
    /// Backups).
    pub(crate) fn finish_relist(&mut self, ctx: Ctx, kind: Kind, at: DateTime<Utc>) -> bool {
        let rows = self.pending.remove(&(ctx, kind)).unwrap_or_default();
        with_kind!(kind, K => self.relist::<K>(ctx, rows, at), else false)
    }

    /// Drops a list that will not complete (its stream failed).
    pub(crate) fn drop_relist(&mut self, ctx: Ctx, kind: Kind) {
        self.pending.remove(&(ctx, kind));
    }

    /// Forgets every row of context `ctx` (no longer shown), as an empty list of each kind
    /// would. What that changes for the other contexts is for the caller to judge again.
    pub(crate) fn forget_ctx(&mut self, ctx: Ctx, at: DateTime<Utc>) {
        self.pending.retain(|(c, _), _| *c != ctx);
        // A relist adds Warning Events rather than replacing them: the context's go first.
        self.warnings.forget_ctx(ctx);
        self.incidents.forget_ctx(ctx);
        for kind in WATCHED {
            with_kind!(kind, K => {
                self.relist::<K>(ctx, Vec::new(), at);
            }, else ())
        }
    }

    /// Adds or replaces the object of `row` (a left-out one is removed instead); `None` for a
    /// kind not watched or when nothing changed.
    pub(crate) fn apply(&mut self, row: Row, at: DateTime<Utc>) -> Option<Change> {
        with_kind!(row.kind(), K => K::from_row(row).and_then(|r| self.admit::<K>(r, at)), else None)
    }

    /// Removes object `key` of `kind`; `None` when nothing changed.
    pub(crate) fn delete(&mut self, kind: Kind, key: &ObjKey, at: DateTime<Utc>) -> Option<Change> {
        with_kind!(kind, K => {
            if K::OUTLIVES_DELETION {
                return None;
            }
            let was_out = K::left_out(self, key, false);
            Self::fleet_wide_if(self.remove::<K>(key, at), was_out, K::KIND, key)
        }, else None)
    }

    /// Keeps `row`, or leaves it out (removing what was kept of it).
    fn admit<K: Watched>(&mut self, mut row: K, at: DateTime<Utc>) -> Option<Change> {
        row.place(self);
        let key = row.key().clone();
        let out = !row.kept();
        let moved = K::left_out(self, &key, out);
        let change = if out {
            self.remove::<K>(&key, at)
        } else {
            Some(self.upsert::<K>(row, at))
        };
        Self::fleet_wide_if(change, moved, K::KIND, &key)
    }

    /// `change`, marked fleet-wide when `moved` (made up if there was none).
    fn fleet_wide_if(
        change: Option<Change>,
        moved: bool,
        kind: Kind,
        key: &ObjKey,
    ) -> Option<Change> {
        if !moved {
            return change;
        }
        let mut change = change.unwrap_or_else(|| Change {
            kind,
            key: key.clone(),
            cluster: key.clone(),
            left: None,
            fleet_wide: false,
        });
        change.fleet_wide = true;
        Some(change)
    }

    /// The listed clusters' keys, by namespace, name and context.
    pub(crate) fn cluster_keys(&self) -> impl Iterator<Item = &ObjKey> {
        self.cluster_keys.iter()
    }

    /// The cluster of the listed object `key` of `kind`, if it is listed.
    pub(crate) fn cluster_of(&self, kind: Kind, key: &ObjKey) -> Option<ObjKey> {
        with_kind!(kind, K => K::rows(self).get(key).map(K::cluster), else None)
    }

    fn upsert<K: Watched>(&mut self, row: K, at: DateTime<Utc>) -> Change {
        let key = row.key().clone();
        let cluster = row.cluster();
        let old = K::rows_mut(self).upsert(row);
        let left = old.as_ref().map(K::cluster).filter(|c| *c != cluster);
        if K::JOINS {
            if let Some(left) = &left {
                self.index.remove(K::KIND, left, &key.name);
            }
            self.index.add(K::KIND, cluster.clone(), &key.name);
        }
        let mut change = Change {
            kind: K::KIND,
            key,
            cluster,
            left,
            fleet_wide: false,
        };
        K::derive(self, &mut change, old.as_ref(), at);
        let incidents = K::incidents(old.as_ref(), K::rows(self).get(&change.key), at);
        self.incidents.record(&change.cluster, incidents);
        change
    }

    fn remove<K: Watched>(&mut self, key: &ObjKey, at: DateTime<Utc>) -> Option<Change> {
        let old = K::rows_mut(self).remove(key);
        let cluster = match &old {
            Some(row) => row.cluster(),
            // A cluster is its own cluster: its deletion is news even when it was not listed.
            None if !K::JOINS => key.clone(),
            None => return None,
        };
        if K::JOINS {
            self.index.remove(K::KIND, &cluster, &key.name);
        }
        let mut change = Change {
            kind: K::KIND,
            key: key.clone(),
            cluster,
            left: None,
            fleet_wide: false,
        };
        K::derive(self, &mut change, old.as_ref(), at);
        let incidents = K::incidents(old.as_ref(), None, at);
        self.incidents.record(&change.cluster, incidents);
        Some(change)
    }

    /// Replaces the rows of kind `K` of context `ctx` with `rows`, touching only that
    /// context's rows and index entries; returns whether how every cluster reads changed.
    fn relist<K: Watched>(&mut self, ctx: Ctx, rows: Vec<Row>, at: DateTime<Utc>) -> bool {
        let (rows, out): (Vec<K>, Vec<K>) = rows
            .into_iter()
            .filter_map(K::from_row)
            .map(|mut row| {
                row.place(self);
                row
            })
            .partition(Watched::kept);
        if K::KIND == Kind::Cluster {
            self.other_clusters.retain(|k| k.ctx != ctx);
        }
        for row in &out {
            K::left_out(self, row.key(), true);
        }
        let fleet_wide = K::before_relist(self, ctx, &rows, at);
        if K::JOINS {
            self.index.clear_ctx(K::KIND, ctx);
            for row in &rows {
                self.index.add(K::KIND, row.cluster(), &row.key().name);
            }
        }
        K::rows_mut(self).replace_ctx(ctx, rows);
        K::after_relist(self, ctx, at);
        fleet_wide
    }

    /// The objects of kind `K` that belong to `cluster`.
    fn members<'s, K: Watched>(
        &'s self,
        cluster: &ObjKey,
    ) -> impl Iterator<Item = &'s K> + use<'s, K> {
        let rows = K::rows(self);
        let cluster = cluster.clone();
        self.index
            .names(K::KIND, &cluster)
            .filter_map(move |name| rows.get(&cluster.sibling(name)))
    }

    /// The clusters that have objects of `kind` (listed or not).
    pub(crate) fn clusters_with(&self, kind: Kind) -> impl Iterator<Item = &ObjKey> {
        self.index.clusters(kind)
    }

    /// The pods of a cluster.
    pub fn cluster_pods<'s>(
        &'s self,
        cluster: &ObjKey,
    ) -> impl Iterator<Item = &'s PodRow> + use<'s> {
        self.members(cluster)
    }

    /// The latest OpsRequest of a cluster, by creation time: a listed one, or the one
    /// remembered after its deletion when none listed is newer.
    pub(crate) fn last_op(&self, cluster: &ObjKey) -> Option<&OpsRow> {
        self.members::<OpsRow>(cluster)
            .chain(self.ended_ops.get(cluster))
            .max_by(|a, b| newer(a, b))
    }

    /// Remembers `op`, just deleted or gone in a relist, as its cluster's last op when no op
    /// of the cluster, listed or remembered, is newer.
    fn remember_ended(&mut self, cluster: ObjKey, op: &OpsRow) {
        let newest = self
            .members::<OpsRow>(&cluster)
            .chain(self.ended_ops.get(&cluster))
            .all(|other| other.key == op.key || newer(op, other).is_gt());
        if newest {
            let trimmed = OpsRow {
                conditions: Vec::new(),
                details: Vec::new(),
                elided: true,
                ..op.clone()
            };
            self.ended_ops.insert(cluster, trimmed);
        }
    }

    /// Forgets what the store remembers of a cluster that is gone.
    fn forget_cluster(&mut self, cluster: &ObjKey) {
        self.roles.forget(cluster);
        self.incidents.forget(cluster);
        self.restored.remove(cluster);
        self.ended_ops.remove(cluster);
    }

    /// Keeps what the store remembers of clusters only for those `keep` accepts.
    fn retain_clusters(&mut self, keep: impl Fn(&ObjKey) -> bool) {
        self.roles.retain(&keep);
        self.incidents.retain(&keep);
        self.restored.retain(|k, _| keep(k));
        self.ended_ops.retain(|k, _| keep(k));
    }

    /// Notes where a cluster was restored from; the annotation, written by the operator on the
    /// cluster itself, is preferred to the request's copy.
    fn note_restored(&mut self, cluster: ObjKey, source: &RestoreSource) {
        use kbdash_core::detail::restored::SeenOn;
        match self.restored.get(&cluster) {
            Some(known) if known.seen_on == SeenOn::Annotation || known == source => {}
            _ => {
                self.restored.insert(cluster, source.clone());
            }
        }
    }

    /// The listed OpsRequests of a cluster.
    pub(crate) fn cluster_ops<'s>(
        &'s self,
        cluster: &ObjKey,
    ) -> impl Iterator<Item = &'s OpsRow> + use<'s> {
        self.members(cluster)
    }

    /// The backups of a cluster.
    pub(crate) fn cluster_backups<'s>(
        &'s self,
        cluster: &ObjKey,
    ) -> impl Iterator<Item = &'s BackupRow> + use<'s> {
        self.members(cluster)
    }

    /// The backup schedules of a cluster.
    pub(crate) fn cluster_schedules<'s>(
        &'s self,
        cluster: &ObjKey,
    ) -> impl Iterator<Item = &'s ScheduleRow> + use<'s> {
        self.members(cluster)
    }

    /// The continuous backup of a cluster (the latest, if several).
    pub(crate) fn continuous_backup(&self, cluster: &ObjKey) -> Option<&BackupRow> {
        self.cluster_backups(cluster)
            .filter(|b| b.is_continuous())
            .max_by(|a, b| a.created.cmp(&b.created))
    }

    /// The backup policies of a cluster.
    pub(crate) fn cluster_policies<'s>(
        &'s self,
        cluster: &ObjKey,
    ) -> impl Iterator<Item = &'s PolicyRow> + use<'s> {
        self.members(cluster)
    }

    /// Records `cluster`'s primary as its pods now say.
    fn track_primary(&mut self, cluster: &ObjKey, at: DateTime<Utc>) {
        let primary = self
            .cluster_pods(cluster)
            .filter(|p| p.is_primary())
            .map(|p| p.key.name.clone())
            .min();
        if let Some(change) = self.roles.see_primary(cluster, primary, at) {
            let entry = incident::primary_change(&change.old_primary, &change.new_primary, at);
            self.incidents.record(cluster, vec![entry]);
        }
    }

    /// The Warning Events kept about `cluster` and its objects.
    pub fn cluster_warnings<'s>(
        &'s self,
        cluster: &ObjKey,
    ) -> impl Iterator<Item = &'s EventRow> + use<'s> {
        self.members(cluster)
    }

    /// Notes a role probe report of kbagent's (an Event on `pod`), which enriches `cluster`'s
    /// role history and timeline.
    pub(crate) fn note_role_probe(&mut self, cluster: &ObjKey, report: RoleProbeReport) {
        let entry = incident::role_probe(&report.pod, &report.probe, report.at);
        if self.roles.note_probe(cluster, report) {
            self.incidents.record(cluster, vec![entry]);
        }
    }

    /// The cluster an Event's object belongs to, by what the store knows of it: its own name
    /// for a Cluster; the row's cluster for a listed pod, OpsRequest or Backup; else the
    /// longest `-`-separated prefix of the name that is a listed cluster (a Component and its
    /// InstanceSet are `<cluster>-<component>`, a pod `<cluster>-<component>-<n>`;
    /// docs/kubeblocks.md#pod-labels). Empty when none is.
    /// `event` is the Event's own key: its namespace and context are its object's.
    fn cluster_named_by(&self, event: &ObjKey, kind: &str, name: &Atom) -> Atom {
        let key = event.sibling(name);
        let listed = match kind {
            "Cluster" => return name.clone(),
            "Pod" => self.pods.get(&key).map(|p| p.cluster.clone()),
            "OpsRequest" => self.ops.get(&key).map(|o| o.cluster.clone()),
            "Backup" => self.backups.get(&key).map(|b| b.cluster.clone()),
            _ => None,
        };
        if let Some(cluster) = listed {
            return cluster;
        }
        let mut prefix = name.as_str();
        while let Some((head, _)) = prefix.rsplit_once('-') {
            if self
                .clusters
                .get(&event.sibling(&Atom::new(head)))
                .is_some()
            {
                return Atom::new(head);
            }
            prefix = head;
        }
        Atom::default()
    }

    /// Places the Warning Events that came before their object was listed (the streams list
    /// side by side): called when clusters or pods have been listed.
    fn place_warnings(&mut self) {
        for key in self.warnings.unplaced() {
            let Some(e) = self.warnings.get(&key) else {
                continue;
            };
            let cluster = self.cluster_named_by(&key, &e.object_kind, &e.object_name);
            if cluster.is_empty() {
                continue;
            }
            let unplaced = key.sibling(&Atom::default());
            self.index.remove(Kind::Event, &unplaced, &key.name);
            self.index
                .add(Kind::Event, key.sibling(&cluster), &key.name);
            if let Some(e) = self.warnings.get_mut(&key) {
                e.cluster = cluster;
            }
        }
    }

    /// Drops the Warning Events past the bound, oldest sighting first.
    fn evict_warnings(&mut self) {
        while let Some(gone) = self.warnings.evict() {
            let cluster = Watched::cluster(&gone);
            self.index.remove(Kind::Event, &cluster, &gone.key.name);
        }
    }
}

/// Orders two requests by creation time, then name.
fn newer(a: &OpsRow, b: &OpsRow) -> std::cmp::Ordering {
    a.created.cmp(&b.created).then_with(|| a.key.cmp(&b.key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kbdash_core::rows::{ActionSetRow, Atom};

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000, 0).unwrap()
    }

    fn pod(name: &str, cluster: &str, role: &str) -> Row {
        Row::Pod(PodRow {
            key: ObjKey::new("ns", name),
            cluster: Atom::new(cluster),
            role: Atom::new(role),
            ..PodRow::default()
        })
    }

    fn continuous(name: &str, method: &str) -> Row {
        Row::Backup(BackupRow {
            key: ObjKey::new("ns", name),
            cluster: Atom::new("a"),
            backup_type: Atom::new("Continuous"),
            method: Atom::new(method),
            ..BackupRow::default()
        })
    }

    fn pod_names(store: &Store, cluster: &str) -> Vec<String> {
        let mut names: Vec<String> = store
            .cluster_pods(&ObjKey::new("ns", cluster))
            .map(|p| p.key.name.to_string())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_pod_moving_to_another_cluster_is_indexed_under_it_and_both_are_reported() {
        let mut store = Store::default();
        let first = store.apply(pod("p", "a", "primary"), at()).unwrap();
        assert_eq!((first.cluster.name.as_str(), first.left), ("a", None));
        let moved = store.apply(pod("p", "b", "primary"), at()).unwrap();
        assert_eq!(moved.cluster, ObjKey::new("ns", "b"));
        assert_eq!(moved.left, Some(ObjKey::new("ns", "a")));
        assert!(pod_names(&store, "a").is_empty());
        assert_eq!(pod_names(&store, "b"), ["p"]);
        let gone = store
            .delete(Kind::Pod, &ObjKey::new("ns", "p"), at())
            .unwrap();
        assert_eq!(gone.cluster, ObjKey::new("ns", "b"));
        assert!(pod_names(&store, "b").is_empty());
        assert_eq!(store.delete(Kind::Pod, &ObjKey::new("ns", "p"), at()), None);
    }

    #[test]
    fn a_relist_replaces_rows_and_index_of_its_kind_only() {
        let mut store = Store::default();
        store.apply(pod("old", "a", ""), at());
        store.begin_relist(Ctx::default(), Kind::Pod);
        assert_eq!(
            store.receive(Ctx::default(), Kind::Pod, pod("new", "a", "")),
            1
        );
        assert_eq!(
            pod_names(&store, "a"),
            ["old"],
            "rows stay until the list is complete"
        );
        store.finish_relist(Ctx::default(), Kind::Pod, at());
        assert_eq!(pod_names(&store, "a"), ["new"]);
        assert!(store.pending.is_empty());
        store.begin_relist(Ctx::default(), Kind::OpsRequest);
        store.drop_relist(Ctx::default(), Kind::OpsRequest);
        assert!(store.pending.is_empty());
        assert_eq!(pod_names(&store, "a"), ["new"]);
    }

    /// Lists `rows` as context `ctx`'s whole list of `kind`; whether it was fleet-wide.
    fn relist_as(store: &mut Store, ctx: Ctx, kind: Kind, rows: Vec<Row>) -> bool {
        store.begin_relist(ctx, kind);
        for row in rows {
            store.receive(ctx, kind, row);
        }
        store.finish_relist(ctx, kind, at())
    }

    /// `row` as context `ctx`'s (the same names are in both contexts).
    fn of_ctx(ctx: Ctx, mut row: Row) -> Row {
        match &mut row {
            Row::Pod(r) => r.key = r.key.clone().in_ctx(ctx),
            Row::Backup(r) => r.key = r.key.clone().in_ctx(ctx),
            Row::ActionSet(r) => r.key = r.key.clone().in_ctx(ctx),
            _ => unreachable!("only the kinds these tests list"),
        }
        row
    }

    /// One context's relist replaces that context's rows, index entries and primaries; the
    /// other's, of the same names, are untouched.
    #[test]
    fn a_relist_of_one_context_leaves_the_others_rows_as_they_were() {
        let (a, b) = (Ctx(0), Ctx(1));
        let mut store = Store::default();
        for ctx in [a, b] {
            let pods = vec![
                of_ctx(ctx, pod("p-0", "pg", "primary")),
                of_ctx(ctx, pod("p-1", "pg", "secondary")),
            ];
            assert!(!relist_as(&mut store, ctx, Kind::Pod, pods));
        }
        // b's primary moved and p-1 is gone while b's stream was down.
        relist_as(
            &mut store,
            b,
            Kind::Pod,
            vec![of_ctx(b, pod("p-0", "pg", "secondary"))],
        );
        let names = |ctx: Ctx| -> Vec<(String, String)> {
            let mut pods: Vec<_> = store
                .cluster_pods(&ObjKey::new("ns", "pg").in_ctx(ctx))
                .map(|p| (p.key.name.to_string(), p.role.to_string()))
                .collect();
            pods.sort();
            pods
        };
        assert_eq!(
            names(a),
            [
                ("p-0".into(), "primary".into()),
                ("p-1".into(), "secondary".into())
            ]
        );
        assert_eq!(names(b), [("p-0".into(), "secondary".into())]);
        assert_eq!(store.pods.len(), 3);
        assert_eq!(store.pods.visible_len(), 3);
        let pod_key = |ctx: Ctx| ObjKey::new("ns", "p-0").in_ctx(ctx);
        assert!(
            store.roles.is_flashing(&pod_key(b), at()),
            "b's p-0 changed role"
        );
        assert!(!store.roles.is_flashing(&pod_key(a), at()));
        assert_eq!(
            store
                .roles
                .primaries
                .get(&ObjKey::new("ns", "pg").in_ctx(a)),
            Some(&Atom::new("p-0"))
        );
    }

    /// The ordered cluster keys (the wall's order among clusters with no problem) follow
    /// listings, events and relists of each context.
    #[test]
    fn the_cluster_keys_follow_lists_events_and_relists_in_order() {
        let (a, b) = (Ctx(0), Ctx(1));
        let cluster = |ctx: Ctx, name: &str| {
            Row::Cluster(ClusterRow {
                key: ObjKey::new("ns", name).in_ctx(ctx),
                ..ClusterRow::default()
            })
        };
        let mut store = Store::default();
        relist_as(
            &mut store,
            a,
            Kind::Cluster,
            vec![cluster(a, "b"), cluster(a, "a")],
        );
        relist_as(&mut store, b, Kind::Cluster, vec![cluster(b, "a")]);
        store.apply(cluster(b, "c"), at());
        store.delete(Kind::Cluster, &ObjKey::new("ns", "b").in_ctx(a), at());
        let keys = |s: &Store| -> Vec<(String, Ctx)> {
            s.cluster_keys()
                .map(|k| (k.name.to_string(), k.ctx))
                .collect()
        };
        assert_eq!(
            keys(&store),
            [("a".into(), a), ("a".into(), b), ("c".into(), b)]
        );
        relist_as(&mut store, b, Kind::Cluster, Vec::new());
        assert_eq!(keys(&store), [("a".into(), a)]);
    }

    /// A context's Backups that say nothing new about the methods' types leave the other
    /// contexts' verdicts alone; one that does concerns every context.
    #[test]
    fn a_relist_is_fleet_wide_only_when_a_method_type_appears_or_disappears() {
        let (a, b) = (Ctx(0), Ctx(1));
        let mut store = Store::default();
        let backups = |ctx: Ctx, method: &str| vec![of_ctx(ctx, continuous("b1", method))];
        assert!(relist_as(
            &mut store,
            a,
            Kind::Backup,
            backups(a, "wal-g-archive")
        ));
        assert!(
            !relist_as(&mut store, b, Kind::Backup, backups(b, "wal-g-archive")),
            "b's backups say what a's said"
        );
        assert!(!relist_as(
            &mut store,
            a,
            Kind::Backup,
            backups(a, "wal-g-archive")
        ));
        assert!(
            !relist_as(&mut store, a, Kind::Backup, Vec::new()),
            "b's still say it"
        );
        assert!(relist_as(&mut store, b, Kind::Backup, Vec::new()));
        assert_eq!(store.labelled_type("wal-g-archive"), None);
        let set = |ctx: Ctx, backup_type: &str| {
            vec![of_ctx(
                ctx,
                Row::ActionSet(ActionSetRow {
                    key: ObjKey::new("", "postgresql-wal-g"),
                    backup_type: Atom::new(backup_type),
                }),
            )]
        };
        assert!(relist_as(&mut store, a, Kind::ActionSet, set(a, "Full")));
        assert!(!relist_as(&mut store, a, Kind::ActionSet, set(a, "Full")));
        assert!(relist_as(
            &mut store,
            a,
            Kind::ActionSet,
            set(a, "Continuous")
        ));
    }

    #[test]
    fn a_method_type_appearing_or_disappearing_is_fleet_wide() {
        let mut store = Store::default();
        let first = store
            .apply(continuous("b1", "wal-g-archive"), at())
            .unwrap();
        assert!(first.fleet_wide);
        assert_eq!(
            store.labelled_type("wal-g-archive"),
            Some(BackupKind::Continuous)
        );
        let second = store
            .apply(continuous("b2", "wal-g-archive"), at())
            .unwrap();
        assert!(!second.fleet_wide, "the method's type was known already");
        let key = ObjKey::new("ns", "b1");
        assert!(!store.delete(Kind::Backup, &key, at()).unwrap().fleet_wide);
        let key = ObjKey::new("ns", "b2");
        assert!(store.delete(Kind::Backup, &key, at()).unwrap().fleet_wide);
        assert_eq!(store.labelled_type("wal-g-archive"), None);
    }

    #[test]
    fn action_sets_type_methods_and_their_changes_are_fleet_wide() {
        let mut store = Store::default();
        let set = |backup_type: &str| {
            Row::ActionSet(ActionSetRow {
                key: ObjKey::new("", "postgresql-wal-g"),
                backup_type: Atom::new(backup_type),
            })
        };
        assert!(store.apply(set("Full"), at()).unwrap().fleet_wide);
        assert_eq!(
            store.action_set_type("postgresql-wal-g"),
            Some(BackupKind::Full)
        );
        assert!(
            !store.apply(set("Full"), at()).unwrap().fleet_wide,
            "unchanged"
        );
        assert!(store.apply(set("Continuous"), at()).unwrap().fleet_wide);
        let key = ObjKey::new("", "postgresql-wal-g");
        assert!(
            store
                .delete(Kind::ActionSet, &key, at())
                .unwrap()
                .fleet_wide
        );
        assert_eq!(store.action_set_type("postgresql-wal-g"), None);
    }

    /// Another engine's clusters are counted, not kept; their pods are dropped; a cluster
    /// joining or leaving that set concerns the whole fleet (what belongs to it is judged or
    /// not).
    #[test]
    fn other_engines_are_left_out_and_counted() {
        let mut store = Store::default();
        let cluster = |name: &str, other: bool| {
            Row::Cluster(ClusterRow {
                key: ObjKey::new("ns", name),
                other_engine: other,
                ..ClusterRow::default()
            })
        };
        let change = store.apply(cluster("mysql", true), at()).unwrap();
        assert!(change.fleet_wide);
        assert!(store.clusters.get(&ObjKey::new("ns", "mysql")).is_none());
        assert_eq!(store.other_clusters.len(), 1);
        let mut other_pod = pod("mysql-0", "mysql", "primary");
        if let Row::Pod(p) = &mut other_pod {
            p.other_engine = true;
        }
        assert_eq!(
            store.apply(other_pod, at()),
            None,
            "not kept, nothing changed"
        );
        assert!(pod_names(&store, "mysql").is_empty());
        // The same name turning out to be PostgreSQL after all.
        assert!(
            store
                .apply(cluster("mysql", false), at())
                .unwrap()
                .fleet_wide
        );
        assert!(store.other_clusters.is_empty());
        assert!(store.clusters.get(&ObjKey::new("ns", "mysql")).is_some());
        store.apply(cluster("redis", true), at());
        let key = ObjKey::new("ns", "redis");
        assert!(store.delete(Kind::Cluster, &key, at()).unwrap().fleet_wide);
        assert!(store.other_clusters.is_empty());
        // A relist sorts them again.
        store.begin_relist(Ctx::default(), Kind::Cluster);
        store.receive(Ctx::default(), Kind::Cluster, cluster("pg", false));
        store.receive(Ctx::default(), Kind::Cluster, cluster("kafka", true));
        store.finish_relist(Ctx::default(), Kind::Cluster, at());
        assert_eq!(
            store.other_clusters,
            HashSet::from([ObjKey::new("ns", "kafka")])
        );
        assert_eq!(store.clusters.iter().count(), 1);
    }

    #[test]
    fn a_deleted_request_stays_the_last_op_until_a_newer_one_and_is_forgotten_with_its_cluster() {
        let mut store = Store::default();
        let cluster = ObjKey::new("ns", "a");
        store.apply(
            Row::Cluster(ClusterRow {
                key: cluster.clone(),
                ..ClusterRow::default()
            }),
            at(),
        );
        let op = |name: &str, secs: i64| {
            Row::Ops(OpsRow {
                key: ObjKey::new("ns", name),
                cluster: Atom::new("a"),
                created: DateTime::from_timestamp(1_750_000_000 + secs, 0),
                ..OpsRow::default()
            })
        };
        let last = |store: &Store| store.last_op(&cluster).map(|o| o.key.name.to_string());
        store.apply(op("old", 0), at());
        store.apply(op("new", 10), at());
        store.delete(Kind::OpsRequest, &ObjKey::new("ns", "old"), at());
        assert_eq!(
            store.ended_ops.len(),
            0,
            "an older request is not remembered"
        );
        store.delete(Kind::OpsRequest, &ObjKey::new("ns", "new"), at());
        assert_eq!(last(&store).as_deref(), Some("new"));
        store.apply(op("newer", 20), at());
        assert_eq!(last(&store).as_deref(), Some("newer"));
        store.delete(Kind::Cluster, &cluster, at());
        assert!(store.ended_ops.is_empty());
    }

    #[test]
    fn a_switchover_is_recorded_and_a_deleted_cluster_forgotten() {
        let mut store = Store::default();
        let cluster = ObjKey::new("ns", "a");
        store.apply(
            Row::Cluster(ClusterRow {
                key: cluster.clone(),
                ..ClusterRow::default()
            }),
            at(),
        );
        store.apply(pod("a-0", "a", "primary"), at());
        store.apply(pod("a-1", "a", "secondary"), at());
        store.apply(pod("a-0", "a", "secondary"), at());
        assert_eq!(
            store.roles.primaries[&cluster], "a-0",
            "kept while none is primary"
        );
        store.apply(pod("a-1", "a", "primary"), at());
        let history = &store.roles.history[&cluster];
        assert_eq!(history.len(), 1);
        assert_eq!(
            (
                history[0].old_primary.as_str(),
                history[0].new_primary.as_str()
            ),
            ("a-0", "a-1")
        );
        assert!(store.roles.flashes.contains_key(&ObjKey::new("ns", "a-1")));
        store.delete(Kind::Cluster, &cluster, at());
        assert!(!store.roles.history.contains_key(&cluster));
        assert!(!store.roles.primaries.contains_key(&cluster));
    }
}
