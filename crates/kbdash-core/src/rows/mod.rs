//! Compact rows for the objects kbdash shows, built from raw API JSON.
//!
//! Each watched object is converted at once into a trimmed row that keeps only what the panes
//! and the detail view need, so a fleet of 15,000 pods stays small in memory. The object is
//! read straight from the API's text into documents holding only the fields rows use (`doc`,
//! [`RowSeed`]); a `serde_json::Value` is read through the same documents
//! ([`Row::from_value`]). Conversion never fails: a missing or oddly shaped field becomes an
//! empty value, and unknown phases or roles are kept verbatim.

mod convert;
mod doc;
mod event;
mod loose;

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use crate::atom::Atom;
use crate::detail::params::{self, ParamSetting};
use crate::detail::restored::{self, RestoreSource};
use crate::kinds::Kind;
pub use convert::{Decoded, RowSeed};
pub use event::EventRow;

/// Which of the kube contexts shown an object came from: a small number the TUI hands out as
/// it connects a context (the first one shown is `Ctx(0)`). Part of every key, so that clusters
/// of the same namespace and name in two contexts never meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Ctx(pub u16);

/// Namespace and name of an object, and the context it came from; the identity rows are kept
/// by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ObjKey {
    /// Interned: a fleet has few namespaces.
    pub namespace: Atom,
    /// Not interned (names do not repeat), but shared by every index that keeps the key.
    pub name: Atom,
    /// The context: last, so that keys of one context sort as they always did.
    pub ctx: Ctx,
}

impl ObjKey {
    /// A key from its two parts.
    pub fn new(namespace: impl AsRef<str>, name: impl AsRef<str>) -> ObjKey {
        ObjKey {
            namespace: Atom::new(namespace.as_ref()),
            name: Atom::unique(name.as_ref()),
            ctx: Ctx::default(),
        }
    }

    /// The same key in context `ctx`.
    pub fn in_ctx(self, ctx: Ctx) -> ObjKey {
        ObjKey { ctx, ..self }
    }

    /// The key of the object `name` of the same namespace and context (a row's cluster).
    pub fn sibling(&self, name: &Atom) -> ObjKey {
        ObjKey {
            namespace: self.namespace.clone(),
            name: name.clone(),
            ctx: self.ctx,
        }
    }

    /// A key from parts already shared: no copy, no lookup.
    pub fn from_atoms(namespace: &Atom, name: &Atom) -> ObjKey {
        ObjKey {
            namespace: namespace.clone(),
            name: name.clone(),
            ctx: Ctx::default(),
        }
    }
}

impl std::fmt::Display for ObjKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// A kind together with an object key: what the detail view and the YAML follower point at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    /// The object's kind.
    pub kind: Kind,
    /// The object's namespace and name.
    pub key: ObjKey,
}

/// One status condition, trimmed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Condition {
    /// `type`, e.g. `Ready` or `Failed` (`type` is a keyword, hence the underscore).
    pub type_: Atom,
    /// `True`, `False` or `Unknown`, verbatim.
    pub status: Atom,
    /// Machine-readable reason (CamelCase), verbatim; empty when absent.
    pub reason: Atom,
    /// Human-readable message; empty when absent.
    pub message: String,
    /// `lastTransitionTime`: when `status` last changed.
    pub last_transition: Option<DateTime<Utc>>,
}

/// A KubeBlocks Cluster.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClusterRow {
    /// The Cluster's namespace and name.
    pub key: ObjKey,
    /// `metadata.creationTimestamp`.
    pub created: Option<DateTime<Utc>>,
    /// `spec.clusterDef`, e.g. `postgresql`; empty when the cluster names none.
    pub cluster_def: Atom,
    /// `spec.topology` within the cluster definition, e.g. `replication`.
    pub topology: Atom,
    /// `spec.terminationPolicy` (`DoNotTerminate`, `Delete`, `WipeOut`, ...): what deleting
    /// the cluster deletes with it.
    pub termination_policy: Atom,
    /// serviceVersion of the first component (PostgreSQL clusters have one).
    pub version: Atom,
    /// Sum of the components' desired replicas.
    pub desired: u32,
    /// `status.phase` (`Creating`, `Running`, `Updating`, `Stopped`, `Failed`, `Abnormal`, ...),
    /// verbatim; empty until the operator first writes a status.
    pub phase: Atom,
    /// `status.components`, by component name.
    pub components: Vec<ComponentStatus>,
    /// `status.conditions`.
    pub conditions: Vec<Condition>,
    /// `metadata.deletionTimestamp`: since when the cluster is being deleted.
    pub deleting: Option<DateTime<Utc>>,
    /// The cluster runs another engine than PostgreSQL (docs/kubeblocks.md#engines): neither
    /// `spec.clusterDef: postgresql` nor a `postgresql-` component definition. kbdash shows
    /// and judges PostgreSQL clusters only.
    pub other_engine: bool,
    /// A component spec says `disableExporter: true`: its pods have no exporter sidecar to
    /// scrape (docs/kubeblocks.md#metrics).
    pub exporter_disabled: bool,
    /// The backup and time the `kubeblocks.io/restore-from-backup` annotation names, while
    /// the cluster carries it (docs/kubeblocks.md#restore-annotation); boxed, as few clusters
    /// are restored.
    pub restored_from: Option<Box<RestoreSource>>,
}

/// One component's entry in a Cluster's `status.components`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComponentStatus {
    /// The component's name, e.g. `postgresql`.
    pub name: Atom,
    /// Its `phase` (`Running`, `Failed`, ...), verbatim.
    pub phase: Atom,
    /// Its `message` map flattened to `key: text` pairs joined by `; `, e.g.
    /// `InstanceSet/pg-postgresql: Role probe timeout, check whether the application is
    /// available`; empty when there is none. The operator merges into this map and never
    /// clears it, so a message can outlive the phase that wrote it
    /// (docs/kubeblocks.md#failure-causes).
    pub message: String,
}

/// A Pod of a KubeBlocks cluster.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodRow {
    /// The Pod's namespace and name.
    pub key: ObjKey,
    /// `metadata.creationTimestamp`.
    pub created: Option<DateTime<Utc>>,
    /// `app.kubernetes.io/instance`: the owning cluster.
    pub cluster: Atom,
    /// `apps.kubeblocks.io/component-name`: the cluster component the pod belongs to.
    pub component: Atom,
    /// `kubeblocks.io/role`, verbatim; empty when unlabelled.
    pub role: Atom,
    /// How many containers report `ready`.
    pub ready_containers: u32,
    /// How many containers the pod has (spec or status, whichever lists more).
    pub containers: u32,
    /// The pod condition `Ready`.
    pub ready: bool,
    /// What kubectl shows as STATUS: a container's waiting reason, Terminating, or the phase.
    pub status: Atom,
    /// Sum of the containers' `restartCount`s.
    pub restarts: u32,
    /// `spec.nodeName`; empty until the pod is scheduled.
    pub node: Atom,
    /// `status.podIP`; empty until one is assigned.
    pub ip: String,
    /// `status.conditions`.
    pub conditions: Vec<Condition>,
    /// The pod has the exporter sidecar (a container named `exporter`,
    /// docs/kubeblocks.md#metrics).
    pub exporter: bool,
    /// The pod belongs to another engine than PostgreSQL: its `app.kubernetes.io/component`
    /// (the component definition) does not start with `postgresql-`
    /// (docs/kubeblocks.md#engines).
    pub other_engine: bool,
}

/// One progress detail of an OpsRequest component.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProgressDetail {
    /// The component under which `status.components` lists the detail.
    pub component: Atom,
    pub(crate) group: Atom,
    /// `objectKey`: the object the step works on, e.g. `Pod/pg-cluster-postgresql-1`.
    pub object_key: String,
    /// `status` of the step (`Pending`, `Processing`, `Succeed`, `Failed`, ...), verbatim.
    pub status: Atom,
    /// `message`; empty when absent.
    pub message: String,
    /// `startTime`.
    pub start: Option<DateTime<Utc>>,
    /// `endTime`; `None` while the step runs.
    pub end: Option<DateTime<Utc>>,
}

/// `status.progress` of an OpsRequest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// `-/-` or missing.
    #[default]
    Unknown,
    /// completed/expected items.
    Counts(u32, u32),
}

impl Progress {
    /// Parses `k/n`; `-/-`, partial dashes and garbage give `Unknown`.
    pub(crate) fn parse(s: &str) -> Progress {
        let Some((a, b)) = s.split_once('/') else {
            return Progress::Unknown;
        };
        match (a.trim().parse(), b.trim().parse()) {
            (Ok(a), Ok(b)) => Progress::Counts(a, b),
            _ => Progress::Unknown,
        }
    }
}

/// A KubeBlocks OpsRequest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OpsRow {
    /// The OpsRequest's namespace and name.
    pub key: ObjKey,
    /// `metadata.creationTimestamp`.
    pub created: Option<DateTime<Utc>>,
    /// The cluster operated on: `spec.clusterName`, else the `app.kubernetes.io/instance`
    /// label.
    pub cluster: Atom,
    /// `spec.type`, e.g. `HorizontalScaling` or `Switchover`.
    pub op_type: Atom,
    /// `status.phase` (`Pending`, `Creating`, `Running`, `Cancelling`, `Succeed`, `Failed`,
    /// `Cancelled`, `Aborted`), verbatim.
    pub phase: Atom,
    /// `status.progress`.
    pub progress: Progress,
    /// `status.startTimestamp`.
    pub started: Option<DateTime<Utc>>,
    /// `status.completionTimestamp`; `None` until the request ends.
    pub completed: Option<DateTime<Utc>>,
    /// Why a Failed, Aborted or Cancelled request ended so: the failing condition's message,
    /// or, when that is the operator's generic "more detailed information in
    /// status.components", the cause recorded there (docs/kubeblocks.md#failure-causes).
    pub reason: String,
    /// The latest condition transition.
    pub last_transition: Option<DateTime<Utc>>,
    /// Conditions and progress details of a request still under way. A finished request's
    /// are history that no pane shows: they are left out (`elided`) and read from the object
    /// itself when its detail view opens, so 20,000 finished requests cost a summary each.
    pub conditions: Vec<Condition>,
    /// The `progressDetails` of every component in `status.components`.
    pub details: Vec<ProgressDetail>,
    /// Whether `conditions` and `details` were left out because the request had finished.
    pub elided: bool,
    /// What a Restore or Reconfiguring request asks for (a detail view explains it, and it
    /// outlives the request); `None` for other types. Boxed: most requests have none.
    pub spec: Option<Box<OpsSpec>>,
}

/// The part of an OpsRequest's spec kbdash keeps, by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpsSpec {
    /// A Restore's `spec.restore`: the backup and the point in time.
    Restore(RestoreSource),
    /// A Reconfiguring's parameters.
    Reconfigure(Vec<ParamSetting>),
}

impl OpsSpec {
    /// The spec of an OpsRequest object of type `op_type`, for the types that keep one.
    pub(crate) fn of(op_type: &str, v: &Value) -> Option<Box<OpsSpec>> {
        let spec = match op_type {
            "Restore" => OpsSpec::Restore(restored::from_ops(v)?),
            "Reconfiguring" => {
                let settings = params::from_ops(v);
                if settings.is_empty() {
                    return None;
                }
                OpsSpec::Reconfigure(settings)
            }
            _ => return None,
        };
        Some(Box::new(spec))
    }
}

/// A dataprotection Backup.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BackupRow {
    /// The Backup's namespace and name.
    pub key: ObjKey,
    /// `metadata.creationTimestamp`.
    pub created: Option<DateTime<Utc>>,
    /// `app.kubernetes.io/instance`: the cluster backed up.
    pub cluster: Atom,
    /// `dataprotection.kubeblocks.io/backup-type` (Full, Continuous, ...), verbatim.
    pub backup_type: Atom,
    /// The backup method, e.g. `pg-basebackup` or `archive-wal`: `spec.backupMethod`, else
    /// `status.backupMethod.name`.
    pub method: Atom,
    /// `spec.backupPolicyName`.
    pub policy: Atom,
    /// `status.phase` (`New`, `Running`, `Completed`, `Failed`, `Deleting`, ...), verbatim.
    pub phase: Atom,
    /// `status.totalSize` in bytes: a byte count for job backups, a quantity such as `20Gi`
    /// for volume snapshots (docs/kubeblocks.md#backup-sizes); `None` when absent or unreadable.
    pub size_bytes: Option<u64>,
    /// `status.timeRange.start`: the start of the data the backup holds.
    pub range_start: Option<DateTime<Utc>>,
    /// `status.timeRange.end`: the end of the data the backup holds (for a continuous backup,
    /// how far the archived WAL reaches).
    pub range_end: Option<DateTime<Utc>>,
    /// `status.startTimestamp`.
    pub started: Option<DateTime<Utc>>,
    /// `status.completionTimestamp`.
    pub completed: Option<DateTime<Utc>>,
    /// `status.duration` as the API wrote it.
    pub duration: Atom,
    /// `status.failureReason`; empty unless the backup failed.
    pub failure_reason: String,
    /// `availableReplicas` of the StatefulSet action that runs a continuous backup's archiver
    /// (kbcli's `Running(AvailablePods: N)`); `None` when the backup has no such action or it
    /// does not say.
    pub archiver_pods: Option<u32>,
}

impl BackupRow {
    /// Whether this is a continuous (WAL archive) backup.
    pub fn is_continuous(&self) -> bool {
        self.backup_type.eq_ignore_ascii_case("continuous")
    }

    /// Whether the backup reached a terminal phase (docs/kubeblocks.md#phases); a continuous
    /// backup stays Running until it is stopped.
    pub fn is_finished(&self) -> bool {
        matches!(self.phase.as_str(), "Completed" | "Failed")
    }
}

/// One entry of a BackupSchedule, with its status.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScheduleEntry {
    /// `name`: the key of the entry's status; the operator sets it to the method when empty
    /// (docs/kubeblocks.md#schedules).
    pub name: Atom,
    /// `backupMethod`: the method the entry runs.
    pub method: Atom,
    /// `enabled`; `false` when absent.
    pub enabled: bool,
    /// `cronExpression`: when the entry runs.
    pub cron: Atom,
    /// `retentionPeriod`: how long its backups are kept, e.g. `7d`.
    pub retention: Atom,
    /// `status.schedules.<name>.phase` (`Running`, `Failed`), verbatim.
    pub phase: Atom,
    /// `status.schedules.<name>.lastScheduleTime`.
    pub last_scheduled: Option<DateTime<Utc>>,
    /// `status.schedules.<name>.lastSuccessfulTime`.
    pub last_success: Option<DateTime<Utc>>,
    /// `status.schedules.<name>.failureReason`.
    pub failure_reason: String,
}

impl ScheduleEntry {
    /// The entry's name, or its method when it has none (as the operator names it).
    pub fn key(&self) -> &str {
        if self.name.is_empty() {
            &self.method
        } else {
            &self.name
        }
    }
}

/// A dataprotection BackupSchedule.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScheduleRow {
    /// The BackupSchedule's namespace and name.
    pub key: ObjKey,
    /// `metadata.creationTimestamp`.
    pub created: Option<DateTime<Utc>>,
    /// `app.kubernetes.io/instance`: the cluster whose backups it schedules.
    pub cluster: Atom,
    /// `spec.backupPolicyName`: the policy whose methods the entries run.
    pub policy: Atom,
    /// `status.phase` (`Available`, `Failed`), verbatim.
    pub phase: Atom,
    /// `status.failureReason`: why the schedule is Failed.
    pub failure_reason: String,
    /// `spec.schedules`, in order, each with its `status.schedules` entry.
    pub entries: Vec<ScheduleEntry>,
}

/// A dataprotection BackupPolicy: the backup methods of a cluster's component.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyRow {
    /// The BackupPolicy's namespace and name.
    pub key: ObjKey,
    /// `app.kubernetes.io/instance`: the cluster it backs up.
    pub cluster: Atom,
    /// `spec.backupMethods`, one `name<TAB>actionSetName<TAB>snapshotVolumes` line each,
    /// interned: the policies of a fleet come from a few templates, so thousands of clusters
    /// share one copy of their method list.
    methods: Atom,
}

/// One `spec.backupMethods[]` entry of a BackupPolicy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PolicyMethod<'a> {
    /// `name`, e.g. `pg-basebackup`.
    pub name: &'a str,
    /// `actionSetName`: the ActionSet whose `spec.backupType` is the method's type; empty for
    /// a method that only snapshots volumes.
    pub action_set: &'a str,
    /// `snapshotVolumes`.
    pub snapshot_volumes: bool,
}

/// A dataprotection ActionSet (cluster-scoped): what type of backup a method makes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActionSetRow {
    /// The ActionSet's name (no namespace).
    pub key: ObjKey,
    /// `spec.backupType` (`Full`, `Incremental`, `Differential`, `Continuous`, `Selective`),
    /// verbatim.
    pub backup_type: Atom,
}

/// A converted object of any watched kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A Cluster's row.
    Cluster(ClusterRow),
    /// A Pod's row.
    Pod(PodRow),
    /// An OpsRequest's row.
    Ops(OpsRow),
    /// A Backup's row.
    Backup(BackupRow),
    /// A BackupSchedule's row.
    Schedule(ScheduleRow),
    /// A BackupPolicy's row.
    Policy(PolicyRow),
    /// An ActionSet's row.
    ActionSet(ActionSetRow),
    /// An Event's row.
    Event(EventRow),
}

impl Row {
    /// The kind of object the row shows.
    pub fn kind(&self) -> Kind {
        match self {
            Row::Cluster(_) => Kind::Cluster,
            Row::Pod(_) => Kind::Pod,
            Row::Ops(_) => Kind::OpsRequest,
            Row::Backup(_) => Kind::Backup,
            Row::Schedule(_) => Kind::BackupSchedule,
            Row::Policy(_) => Kind::BackupPolicy,
            Row::ActionSet(_) => Kind::ActionSet,
            Row::Event(_) => Kind::Event,
        }
    }

    /// The key of the cluster the row belongs to (a cluster row is its own; an ActionSet,
    /// which serves every cluster, is its own too).
    pub fn cluster(&self) -> ObjKey {
        let (key, cluster) = match self {
            Row::Cluster(r) => return r.key.clone(),
            Row::ActionSet(r) => return r.key.clone(),
            Row::Policy(r) => (&r.key, &r.cluster),
            Row::Pod(r) => (&r.key, &r.cluster),
            Row::Ops(r) => (&r.key, &r.cluster),
            Row::Backup(r) => (&r.key, &r.cluster),
            Row::Schedule(r) => (&r.key, &r.cluster),
            Row::Event(r) => (&r.key, &r.cluster),
        };
        key.sibling(cluster)
    }

    /// Marks the row as coming from context `ctx`.
    pub fn set_ctx(&mut self, ctx: Ctx) {
        let key = match self {
            Row::Cluster(r) => &mut r.key,
            Row::Pod(r) => &mut r.key,
            Row::Ops(r) => &mut r.key,
            Row::Backup(r) => &mut r.key,
            Row::Schedule(r) => &mut r.key,
            Row::Policy(r) => &mut r.key,
            Row::ActionSet(r) => &mut r.key,
            Row::Event(r) => &mut r.key,
        };
        key.ctx = ctx;
    }

    /// The object's key.
    pub fn key(&self) -> &ObjKey {
        match self {
            Row::Cluster(r) => &r.key,
            Row::Pod(r) => &r.key,
            Row::Ops(r) => &r.key,
            Row::Backup(r) => &r.key,
            Row::Schedule(r) => &r.key,
            Row::Policy(r) => &r.key,
            Row::ActionSet(r) => &r.key,
            Row::Event(r) => &r.key,
        }
    }
}

/// Readers of a whole object, for the detail views (`detail/`), which read the followed
/// object as it came; rows are read through the documents (`doc`).
pub(crate) fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, seg| cur.get(seg))
}

/// A string at `path`; numbers and booleans are shown as text too.
pub(crate) fn text(v: &Value, path: &[&str]) -> Option<String> {
    match get(v, path)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn text_or_empty(v: &Value, path: &[&str]) -> String {
    text(v, path).unwrap_or_default()
}

pub(crate) fn time(v: &Value, path: &[&str]) -> Option<DateTime<Utc>> {
    get(v, path).and_then(Value::as_str).and_then(parse_time)
}

/// Parses an RFC 3339 timestamp into UTC.
pub(crate) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub(crate) fn number(v: &Value, path: &[&str]) -> Option<u64> {
    match get(v, path)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn array<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    get(v, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// When the latest of `conds` changed.
pub(crate) fn latest_transition(conds: &[Condition]) -> Option<DateTime<Utc>> {
    conds.iter().filter_map(|c| c.last_transition).max()
}

impl ClusterRow {
    /// The messages of components that are not Running, `component: message` each, joined by
    /// `; `: the cause of a Failed or Abnormal cluster where the operator recorded one. A
    /// Running component's message is left out: the map is never cleared, so it may be old.
    pub fn failure_messages(&self) -> String {
        self.components
            .iter()
            .filter(|c| !c.message.is_empty() && c.phase != "Running")
            .map(|c| format!("{} {}: {}", c.name, c.phase, c.message))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Whether a component definition name is the PostgreSQL addon's (`postgresql-<major>-...`;
/// a Cluster may also name the bare prefix `postgresql`).
fn is_postgresql_comp_def(name: &str) -> bool {
    name == "postgresql" || name.starts_with("postgresql-")
}

/// Names of the pods among `pods` that carry the primary role, sorted.
pub fn primary_names<'a>(pods: &[&'a PodRow]) -> Vec<&'a str> {
    let mut names: Vec<&str> = pods
        .iter()
        .filter(|p| p.is_primary())
        .map(|p| p.key.name.as_str())
        .collect();
    names.sort_unstable();
    names
}

impl PodRow {
    /// Whether the pod carries the primary role.
    pub fn is_primary(&self) -> bool {
        self.role == "primary"
    }
}

impl OpsRow {
    /// Whether the request reached a terminal phase (docs/kubeblocks.md#phases).
    pub fn is_finished(&self) -> bool {
        matches!(
            self.phase.as_str(),
            "Succeed" | "Failed" | "Cancelled" | "Aborted"
        )
    }
}

/// What the operator's generic Failed condition says instead of a cause
/// (`opsrequest_conditions.go` `NewFailedCondition`).
pub(crate) const GENERIC_FAILURE: &str = "more detailed information in status.components";

impl PolicyRow {
    /// A policy of `cluster` with `methods`, in order.
    pub fn new<'a>(
        key: ObjKey,
        cluster: Atom,
        methods: impl IntoIterator<Item = PolicyMethod<'a>>,
    ) -> PolicyRow {
        let lines: Vec<String> = methods
            .into_iter()
            .map(|m| {
                let snapshot = if m.snapshot_volumes { "1" } else { "" };
                // Names of Kubernetes objects hold neither tabs nor newlines.
                format!("{}\t{}\t{snapshot}", m.name, m.action_set)
            })
            .collect();
        PolicyRow {
            key,
            cluster,
            methods: Atom::new(&lines.join("\n")),
        }
    }

    /// `spec.backupMethods`, in order.
    pub fn methods(&self) -> impl Iterator<Item = PolicyMethod<'_>> {
        self.methods
            .split('\n')
            .filter(|l| !l.is_empty())
            .map(|line| {
                let mut parts = line.split('\t');
                PolicyMethod {
                    name: parts.next().unwrap_or_default(),
                    action_set: parts.next().unwrap_or_default(),
                    snapshot_volumes: parts.next() == Some("1"),
                }
            })
    }

    /// The method called `name`.
    pub fn method(&self, name: &str) -> Option<PolicyMethod<'_>> {
        self.methods().find(|m| m.name == name)
    }
}

/// Removes `metadata.managedFields`, which is large and never shown.
pub fn strip_managed_fields(v: &mut Value) {
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(v: &Value) -> PodRow {
        match Row::from_value(Kind::Pod, v) {
            Some(Row::Pod(p)) => p,
            other => panic!("not a pod row: {other:?}"),
        }
    }

    fn policy(v: &Value) -> PolicyRow {
        match Row::from_value(Kind::BackupPolicy, v) {
            Some(Row::Policy(p)) => p,
            other => panic!("not a policy row: {other:?}"),
        }
    }

    /// Read as the watch layer reads them, rows keep their lists at their exact count: a
    /// pod's five conditions, collected from the decoded list, kept room for ten.
    #[test]
    fn lists_kept_in_rows_hold_no_spare_room() {
        let read = |kind: Kind, v: Value| {
            let text = serde_json::to_vec(&v).expect("json");
            Row::from_json(kind, &text).expect("readable").row
        };
        let five = |f: &dyn Fn(usize) -> Value| (0..5).map(f).collect::<Vec<_>>();
        let conditions = five(&|i| json!({"type": format!("T{i}"), "status": "True"}));
        let v = json!({"metadata": {"name": "p", "namespace": "n"},
            "status": {"conditions": conditions}});
        let Some(Row::Pod(p)) = read(Kind::Pod, v) else {
            panic!("not a pod row")
        };
        assert_eq!((p.conditions.len(), p.conditions.capacity()), (5, 5));
        let schedules = five(&|i| json!({"backupMethod": format!("m{i}"), "enabled": true}));
        let v = json!({"metadata": {"name": "s", "namespace": "n"},
            "spec": {"schedules": schedules}});
        let Some(Row::Schedule(s)) = read(Kind::BackupSchedule, v) else {
            panic!("not a schedule row")
        };
        assert_eq!((s.entries.len(), s.entries.capacity()), (5, 5));
    }

    #[test]
    fn progress_parses_counts_and_dashes() {
        assert_eq!(Progress::parse("3/5"), Progress::Counts(3, 5));
        assert_eq!(Progress::parse("-/-"), Progress::Unknown);
        assert_eq!(Progress::parse("-/4"), Progress::Unknown);
        assert_eq!(Progress::parse("garbage"), Progress::Unknown);
    }

    #[test]
    fn odd_shapes_never_fail() {
        let v = json!({"metadata": {"name": "x", "labels": 7}, "spec": {"componentSpecs": "no"},
            "status": {"conditions": [1, "a", {"type": 3}], "phase": ["bad"]}});
        let c = ClusterRow::from_value(&v);
        assert_eq!(c.key.name, "x");
        assert_eq!(c.phase, "");
        assert_eq!(c.conditions.len(), 3);
        let p = pod(&v);
        assert_eq!(p.role, "");
        let o = OpsRow::from_value(&v);
        assert_eq!(o.progress, Progress::Unknown);
        assert!(Row::from_value(Kind::Pod, &json!({"metadata": {}})).is_none());
    }

    #[test]
    fn pod_status_prefers_waiting_reason_and_terminating() {
        let v = json!({"metadata": {"name": "p", "namespace": "n"},
            "status": {"phase": "Running", "containerStatuses": [
                {"ready": false, "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
                {"ready": true, "restartCount": "2"}]}});
        let p = pod(&v);
        assert_eq!(p.status, "CrashLoopBackOff");
        assert_eq!((p.ready_containers, p.containers, p.restarts), (1, 2, 6));
        let mut t = v.clone();
        t["metadata"]["deletionTimestamp"] = json!("2025-01-01T00:00:00Z");
        assert_eq!(pod(&t).status, "Terminating");
    }

    #[test]
    fn failed_ops_keep_the_reason() {
        let v = json!({"metadata": {"name": "o", "namespace": "n"},
            "spec": {"type": "Switchover", "clusterName": "c"},
            "status": {"phase": "Failed", "conditions": [
                {"type": "Validated", "status": "False", "message": "forbidden"}]}});
        let o = OpsRow::from_value(&v);
        assert_eq!(o.reason, "forbidden");
        assert_eq!(o.cluster, "c");
    }

    #[test]
    fn terminal_phases() {
        let ops = |phase: &str| OpsRow {
            phase: Atom::new(phase),
            ..OpsRow::default()
        };
        let backup = |phase: &str| BackupRow {
            phase: Atom::new(phase),
            ..BackupRow::default()
        };
        for phase in ["Succeed", "Failed", "Cancelled", "Aborted"] {
            assert!(ops(phase).is_finished(), "{phase}");
        }
        for phase in ["Pending", "Creating", "Running", "Cancelling", ""] {
            assert!(!ops(phase).is_finished(), "{phase}");
        }
        for phase in ["Completed", "Failed"] {
            assert!(backup(phase).is_finished(), "{phase}");
        }
        for phase in ["New", "InProgress", "Running", "Deleting", ""] {
            assert!(!backup(phase).is_finished(), "{phase}");
        }
    }

    #[test]
    fn policy_methods_read_back_as_written() {
        let v = json!({"metadata": {"name": "p", "namespace": "n",
                "labels": {"app.kubernetes.io/instance": "c"}},
            "spec": {"backupMethods": [
                {"name": "wal-g", "actionSetName": "postgresql-wal-g"},
                {"name": "volume-snapshot", "snapshotVolumes": true},
                {"name": "odd\tname", "actionSetName": 7},
                "not a method"]}});
        let p = policy(&v);
        let methods: Vec<PolicyMethod<'_>> = p.methods().collect();
        assert_eq!(
            methods,
            [
                PolicyMethod {
                    name: "wal-g",
                    action_set: "postgresql-wal-g",
                    snapshot_volumes: false
                },
                PolicyMethod {
                    name: "volume-snapshot",
                    action_set: "",
                    snapshot_volumes: true
                },
                PolicyMethod {
                    name: "odd name",
                    action_set: "7",
                    snapshot_volumes: false
                },
                PolicyMethod::default(),
            ]
        );
        assert_eq!(
            p.method("volume-snapshot").map(|m| m.snapshot_volumes),
            Some(true)
        );
        assert_eq!(PolicyRow::default().methods().count(), 0);
    }

    #[test]
    fn managed_fields_are_stripped() {
        let mut v = json!({"metadata": {"name": "a", "managedFields": [{}]}});
        strip_managed_fields(&mut v);
        assert_eq!(v, json!({"metadata": {"name": "a"}}));
    }
}
