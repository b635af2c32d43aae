//! The watched kinds, each described once: its row type, where the store keeps its rows, how a
//! row joins its cluster, and what the store derives from its rows besides.
//!
//! Adding a kind is its [`Watched`] impl, a field of the [`Store`], a line in [`WATCHED`] and
//! one in `with_kind!`; a pane of it is a `Pane` (its title, kind and table, in `state::model`),
//! its columns (`state::columns`), its view and its keys.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::state::store::warnings::WarningEvents;
use crate::state::store::{Change, Store};
use crate::state::table::{Table, TableRow};
use kbdash_core::domain::incident::{self, Incident};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{
    ActionSetRow, BackupRow, ClusterRow, Ctx, EventRow, ObjKey, OpsRow, OpsSpec, PodRow, PolicyRow,
    Row, ScheduleRow,
};

/// The kinds kbdash watches, in status-line order. BackupPolicies and ActionSets say what type
/// of backup each method makes (docs/kubeblocks.md#backup-types); Events are watched for their
/// Warnings only (`k8s::watch::WARNING_EVENTS`), which triage and the incident timeline read.
pub const WATCHED: [Kind; 8] = [
    Kind::Cluster,
    Kind::Pod,
    Kind::OpsRequest,
    Kind::Backup,
    Kind::BackupSchedule,
    Kind::BackupPolicy,
    Kind::ActionSet,
    Kind::Event,
];

/// Runs `$body` with `$K` standing for the row type of watched kind `$kind`; `$none` for a kind
/// that is not watched. The one place the store matches a kind to its description.
macro_rules! with_kind {
    ($kind:expr, $K:ident => $body:expr, else $none:expr) => {
        match $kind {
            kbdash_core::kinds::Kind::Cluster => {
                type $K = kbdash_core::rows::ClusterRow;
                $body
            }
            kbdash_core::kinds::Kind::Pod => {
                type $K = kbdash_core::rows::PodRow;
                $body
            }
            kbdash_core::kinds::Kind::OpsRequest => {
                type $K = kbdash_core::rows::OpsRow;
                $body
            }
            kbdash_core::kinds::Kind::Backup => {
                type $K = kbdash_core::rows::BackupRow;
                $body
            }
            kbdash_core::kinds::Kind::BackupSchedule => {
                type $K = kbdash_core::rows::ScheduleRow;
                $body
            }
            kbdash_core::kinds::Kind::BackupPolicy => {
                type $K = kbdash_core::rows::PolicyRow;
                $body
            }
            kbdash_core::kinds::Kind::ActionSet => {
                type $K = kbdash_core::rows::ActionSetRow;
                $body
            }
            kbdash_core::kinds::Kind::Event => {
                type $K = kbdash_core::rows::EventRow;
                $body
            }
            _ => $none,
        }
    };
}
pub(super) use with_kind;

/// Where the store keeps the rows of one kind: a [`Table`] for a kind a pane lists, a map for
/// the others.
pub(crate) trait Rows<R> {
    fn get(&self, key: &ObjKey) -> Option<&R>;
    /// Inserts or replaces a row; returns the one it replaced.
    fn upsert(&mut self, row: R) -> Option<R>;
    fn remove(&mut self, key: &ObjKey) -> Option<R>;
    /// Replaces the rows of context `ctx` (its relist); the other contexts' rows stay.
    fn replace_ctx(&mut self, ctx: Ctx, rows: Vec<R>);
}

impl<R: TableRow> Rows<R> for Table<R> {
    fn get(&self, key: &ObjKey) -> Option<&R> {
        Table::get(self, key)
    }
    fn upsert(&mut self, row: R) -> Option<R> {
        Table::upsert(self, row)
    }
    fn remove(&mut self, key: &ObjKey) -> Option<R> {
        Table::remove(self, key)
    }
    fn replace_ctx(&mut self, ctx: Ctx, rows: Vec<R>) {
        Table::replace_ctx(self, ctx, rows)
    }
}

impl<R: Watched> Rows<R> for HashMap<ObjKey, R> {
    fn get(&self, key: &ObjKey) -> Option<&R> {
        HashMap::get(self, key)
    }
    fn upsert(&mut self, row: R) -> Option<R> {
        self.insert(row.key().clone(), row)
    }
    fn remove(&mut self, key: &ObjKey) -> Option<R> {
        HashMap::remove(self, key)
    }
    fn replace_ctx(&mut self, ctx: Ctx, rows: Vec<R>) {
        self.retain(|k, _| k.ctx != ctx);
        self.extend(rows.into_iter().map(|r| (r.key().clone(), r)));
    }
}

/// One watched kind, described once.
pub(crate) trait Watched: Sized + Clone + 'static {
    const KIND: Kind;
    /// Whether a row belongs to a cluster other than itself, and so is indexed under it; a
    /// cluster row is its own cluster.
    const JOINS: bool = true;
    /// Whether the store keeps the row when the API deletes the object (an Event the API
    /// server's TTL removed is still evidence).
    const OUTLIVES_DELETION: bool = false;
    /// Where the store keeps the rows.
    type Rows: Rows<Self>;

    /// The object's identity.
    fn key(&self) -> &ObjKey;
    /// The cluster the object belongs to (a cluster is its own).
    fn cluster(&self) -> ObjKey;
    /// The row, when `row` is one of this kind.
    fn from_row(row: Row) -> Option<Self>;
    fn rows(store: &Store) -> &Self::Rows;
    fn rows_mut(store: &mut Store) -> &mut Self::Rows;

    /// Places the row in the fleet before it is kept, for a kind whose object does not name
    /// its cluster.
    fn place(&mut self, _store: &Store) {}
    /// What the change from `old` to `new` adds to the cluster's incident timeline.
    fn incidents(_old: Option<&Self>, _new: Option<&Self>, _at: DateTime<Utc>) -> Vec<Incident> {
        Vec::new()
    }

    /// Whether kbdash keeps the row: it shows and judges PostgreSQL clusters and pods only
    /// (docs/kubeblocks.md#engines).
    fn kept(&self) -> bool {
        true
    }
    /// Records that the object `key` is, or is no longer, one the store leaves out; returns
    /// whether that changed what the store knows of left-out objects.
    fn left_out(_store: &mut Store, _key: &ObjKey, _out: bool) -> bool {
        false
    }

    /// Keeps what the store derives from this kind's rows in step with `change`: `old` is the
    /// row before it, and the store holds the new one (none after a deletion).
    fn derive(_store: &mut Store, _change: &mut Change, _old: Option<&Self>, _at: DateTime<Utc>) {}
    /// The same for a relist of context `ctx`, before `rows` replace the context's rows of
    /// the kind. Returns whether the relist alters how every cluster reads (in any context):
    /// see [`Change::fleet_wide`].
    fn before_relist(_store: &mut Store, _ctx: Ctx, _rows: &[Self], _at: DateTime<Utc>) -> bool {
        false
    }
    /// The same for a relist of context `ctx`, once its rows are in.
    fn after_relist(_store: &mut Store, _ctx: Ctx, _at: DateTime<Utc>) {}
}

/// The key of the cluster named `cluster` in `key`'s namespace.
fn cluster_of(key: &ObjKey, cluster: &kbdash_core::rows::Atom) -> ObjKey {
    key.sibling(cluster)
}

impl Watched for ClusterRow {
    const KIND: Kind = Kind::Cluster;
    const JOINS: bool = false;
    type Rows = Table<ClusterRow>;

    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn cluster(&self) -> ObjKey {
        self.key.clone()
    }
    fn from_row(row: Row) -> Option<Self> {
        match row {
            Row::Cluster(r) => Some(r),
            _ => None,
        }
    }
    fn rows(store: &Store) -> &Self::Rows {
        &store.clusters
    }
    fn rows_mut(store: &mut Store) -> &mut Self::Rows {
        &mut store.clusters
    }
    fn kept(&self) -> bool {
        !self.other_engine
    }
    fn left_out(store: &mut Store, key: &ObjKey, out: bool) -> bool {
        if out {
            store.other_clusters.insert(key.clone())
        } else {
            store.other_clusters.remove(key)
        }
    }

    fn incidents(old: Option<&Self>, new: Option<&Self>, at: DateTime<Utc>) -> Vec<Incident> {
        incident::cluster_change(old, new, at)
    }

    fn derive(store: &mut Store, change: &mut Change, _old: Option<&Self>, _at: DateTime<Utc>) {
        match store.clusters.get(&change.key) {
            None => {
                store.cluster_keys.remove(&change.key);
                store.forget_cluster(&change.key);
            }
            Some(c) => {
                // Most events change a listed cluster: no key to copy then.
                if !store.cluster_keys.contains(&change.key) {
                    store.cluster_keys.insert(change.key.clone());
                }
                if let Some(source) = c.restored_from.as_deref().cloned() {
                    store.note_restored(change.key.clone(), &source);
                }
            }
        }
    }
    fn after_relist(store: &mut Store, ctx: Ctx, _at: DateTime<Utc>) {
        let sources: Vec<(ObjKey, kbdash_core::detail::restored::RestoreSource)> = store
            .clusters
            .iter()
            .filter(|c| c.key.ctx == ctx)
            .filter_map(|c| Some((c.key.clone(), c.restored_from.as_deref()?.clone())))
            .collect();
        for (key, source) in sources {
            store.note_restored(key, &source);
        }
        // Clusters deleted while the stream was down sent no deletion.
        let listed: std::collections::HashSet<ObjKey> = store
            .clusters
            .iter()
            .filter(|c| c.key.ctx == ctx)
            .map(|c| c.key.clone())
            .collect();
        store.retain_clusters(|k| k.ctx != ctx || listed.contains(k));
        store.cluster_keys.retain(|k| k.ctx != ctx);
        store.cluster_keys.extend(listed);
        store.place_warnings();
    }
}

impl Watched for PodRow {
    const KIND: Kind = Kind::Pod;
    type Rows = Table<PodRow>;

    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn cluster(&self) -> ObjKey {
        cluster_of(&self.key, &self.cluster)
    }
    fn from_row(row: Row) -> Option<Self> {
        match row {
            Row::Pod(r) => Some(r),
            _ => None,
        }
    }
    fn rows(store: &Store) -> &Self::Rows {
        &store.pods
    }
    fn rows_mut(store: &mut Store) -> &mut Self::Rows {
        &mut store.pods
    }
    fn kept(&self) -> bool {
        !self.other_engine
    }
    fn incidents(old: Option<&Self>, new: Option<&Self>, at: DateTime<Utc>) -> Vec<Incident> {
        incident::pod_change(old, new, at)
    }

    fn derive(store: &mut Store, change: &mut Change, old: Option<&Self>, at: DateTime<Utc>) {
        match (old, store.pods.get(&change.key)) {
            (_, None) => {
                store.roles.flashes.remove(&change.key);
            }
            (Some(old), Some(new)) if old.role != new.role => {
                store.roles.flashes.insert(change.key.clone(), at);
            }
            _ => {}
        }
        if let Some(left) = &change.left {
            store.track_primary(left, at);
        }
        store.track_primary(&change.cluster, at);
    }
    fn before_relist(store: &mut Store, _ctx: Ctx, rows: &[Self], at: DateTime<Utc>) -> bool {
        for p in rows {
            if store.pods.get(&p.key).is_some_and(|old| old.role != p.role) {
                store.roles.flashes.insert(p.key.clone(), at);
            }
        }
        false
    }
    fn after_relist(store: &mut Store, ctx: Ctx, at: DateTime<Utc>) {
        let pods = &store.pods;
        store.roles.flashes.retain(|k, _| pods.get(k).is_some());
        let clusters: Vec<ObjKey> = store
            .index
            .clusters(Kind::Pod)
            .filter(|c| c.ctx == ctx)
            .cloned()
            .collect();
        for c in clusters {
            store.track_primary(&c, at);
        }
        store.place_warnings();
    }
}

impl Watched for OpsRow {
    const KIND: Kind = Kind::OpsRequest;
    type Rows = Table<OpsRow>;

    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn cluster(&self) -> ObjKey {
        cluster_of(&self.key, &self.cluster)
    }
    fn from_row(row: Row) -> Option<Self> {
        match row {
            Row::Ops(r) => Some(r),
            _ => None,
        }
    }
    fn rows(store: &Store) -> &Self::Rows {
        &store.ops
    }
    fn rows_mut(store: &mut Store) -> &mut Self::Rows {
        &mut store.ops
    }

    fn incidents(old: Option<&Self>, new: Option<&Self>, at: DateTime<Utc>) -> Vec<Incident> {
        incident::ops_change(old, new, at)
    }

    fn derive(store: &mut Store, change: &mut Change, old: Option<&Self>, _at: DateTime<Utc>) {
        match (old, store.ops.get(&change.key)) {
            (Some(old), None) => store.remember_ended(change.cluster.clone(), old),
            (_, Some(new)) => {
                if let Some(OpsSpec::Restore(source)) = new.spec.as_deref() {
                    let source = source.clone();
                    store.note_restored(change.cluster.clone(), &source);
                }
            }
            (None, None) => {}
        }
    }
    fn before_relist(store: &mut Store, ctx: Ctx, rows: &[Self], _at: DateTime<Utc>) -> bool {
        // Requests deleted while the stream was down sent no deletion.
        let listed: std::collections::HashSet<&ObjKey> = rows.iter().map(|r| &r.key).collect();
        let gone: Vec<OpsRow> = store
            .ops
            .iter()
            .filter(|o| o.key.ctx == ctx && !listed.contains(&o.key))
            .cloned()
            .collect();
        for op in &gone {
            store.remember_ended(Watched::cluster(op), op);
        }
        for row in rows {
            if let Some(OpsSpec::Restore(source)) = row.spec.as_deref() {
                store.note_restored(Watched::cluster(row), source);
            }
        }
        false
    }
}

impl Watched for BackupRow {
    const KIND: Kind = Kind::Backup;
    type Rows = Table<BackupRow>;

    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn cluster(&self) -> ObjKey {
        cluster_of(&self.key, &self.cluster)
    }
    fn from_row(row: Row) -> Option<Self> {
        match row {
            Row::Backup(r) => Some(r),
            _ => None,
        }
    }
    fn rows(store: &Store) -> &Self::Rows {
        &store.backups
    }
    fn rows_mut(store: &mut Store) -> &mut Self::Rows {
        &mut store.backups
    }

    fn incidents(old: Option<&Self>, new: Option<&Self>, at: DateTime<Utc>) -> Vec<Incident> {
        incident::backup_change(old, new, at)
    }

    fn derive(store: &mut Store, change: &mut Change, old: Option<&Self>, _at: DateTime<Utc>) {
        let new = store.backups.get(&change.key);
        if store.method_labels.replace(old, new) {
            change.fleet_wide = true;
        }
    }
    fn before_relist(store: &mut Store, ctx: Ctx, rows: &[Self], _at: DateTime<Utc>) -> bool {
        let mut changed = false;
        for old in store.backups.iter().filter(|b| b.key.ctx == ctx) {
            changed |= store.method_labels.replace(Some(old), None);
        }
        for new in rows {
            changed |= store.method_labels.replace(None, Some(new));
        }
        changed
    }
}

impl Watched for ScheduleRow {
    const KIND: Kind = Kind::BackupSchedule;
    type Rows = HashMap<ObjKey, ScheduleRow>;

    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn cluster(&self) -> ObjKey {
        cluster_of(&self.key, &self.cluster)
    }
    fn from_row(row: Row) -> Option<Self> {
        match row {
            Row::Schedule(r) => Some(r),
            _ => None,
        }
    }
    fn rows(store: &Store) -> &Self::Rows {
        &store.schedules
    }
    fn rows_mut(store: &mut Store) -> &mut Self::Rows {
        &mut store.schedules
    }
}

impl Watched for PolicyRow {
    const KIND: Kind = Kind::BackupPolicy;
    type Rows = HashMap<ObjKey, PolicyRow>;

    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn cluster(&self) -> ObjKey {
        cluster_of(&self.key, &self.cluster)
    }
    fn from_row(row: Row) -> Option<Self> {
        match row {
            Row::Policy(r) => Some(r),
            _ => None,
        }
    }
    fn rows(store: &Store) -> &Self::Rows {
        &store.policies
    }
    fn rows_mut(store: &mut Store) -> &mut Self::Rows {
        &mut store.policies
    }
}

/// Cluster-scoped, and read by every cluster's schedule rules: a change of its type concerns
/// the whole fleet.
impl Watched for ActionSetRow {
    const KIND: Kind = Kind::ActionSet;
    const JOINS: bool = false;
    type Rows = HashMap<ObjKey, ActionSetRow>;

    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn cluster(&self) -> ObjKey {
        self.key.clone()
    }
    fn from_row(row: Row) -> Option<Self> {
        match row {
            Row::ActionSet(r) => Some(r),
            _ => None,
        }
    }
    fn rows(store: &Store) -> &Self::Rows {
        &store.action_sets
    }
    fn rows_mut(store: &mut Store) -> &mut Self::Rows {
        &mut store.action_sets
    }

    fn derive(store: &mut Store, change: &mut Change, old: Option<&Self>, _at: DateTime<Utc>) {
        let new = store.action_sets.get(&change.key);
        if old.map(|a| &a.backup_type) != new.map(|a| &a.backup_type) {
            change.fleet_wide = true;
        }
    }
    fn before_relist(store: &mut Store, ctx: Ctx, rows: &[Self], _at: DateTime<Utc>) -> bool {
        let mut old: Vec<(&ObjKey, &str)> = store
            .action_sets
            .values()
            .filter(|a| a.key.ctx == ctx)
            .map(|a| (&a.key, a.backup_type.as_str()))
            .collect();
        let mut new: Vec<(&ObjKey, &str)> = rows
            .iter()
            .map(|a| (&a.key, a.backup_type.as_str()))
            .collect();
        old.sort_unstable();
        new.sort_unstable();
        old != new
    }
}

/// Warning Events (the only ones the store's stream asks for), kept beyond their TTL and
/// bounded ([`WarningEvents`]), each under the cluster of the object it is about.
impl Watched for EventRow {
    const KIND: Kind = Kind::Event;
    const OUTLIVES_DELETION: bool = true;
    type Rows = WarningEvents;

    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn cluster(&self) -> ObjKey {
        cluster_of(&self.key, &self.cluster)
    }
    fn from_row(row: Row) -> Option<Self> {
        match row {
            Row::Event(r) => Some(r),
            _ => None,
        }
    }
    fn rows(store: &Store) -> &Self::Rows {
        &store.warnings
    }
    fn rows_mut(store: &mut Store) -> &mut Self::Rows {
        &mut store.warnings
    }
    fn place(&mut self, store: &Store) {
        self.cluster = store.cluster_named_by(&self.key, &self.object_kind, &self.object_name);
    }
    fn incidents(old: Option<&Self>, new: Option<&Self>, at: DateTime<Utc>) -> Vec<Incident> {
        match new {
            // The same sighting again (a relist) is no news.
            Some(new) if old.is_none_or(|o| o.count != new.count || o.seen() != new.seen()) => {
                vec![incident::warning(new, at)]
            }
            _ => Vec::new(),
        }
    }

    fn derive(store: &mut Store, _change: &mut Change, _old: Option<&Self>, _at: DateTime<Utc>) {
        store.evict_warnings();
    }
    fn after_relist(store: &mut Store, ctx: Ctx, _at: DateTime<Utc>) {
        // The relist indexed only what it listed; the events kept from before are indexed too.
        let kept: Vec<(ObjKey, kbdash_core::rows::Atom)> = store
            .warnings
            .iter()
            .filter(|e| e.key.ctx == ctx)
            .map(|e| (Watched::cluster(e), e.key.name.clone()))
            .collect();
        for (cluster, name) in kept {
            store.index.add(Kind::Event, cluster, &name);
        }
        store.evict_warnings();
    }
}
