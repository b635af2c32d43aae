//! Rows from the documents ([`super::doc`]): the one place where what an object says becomes
//! what kbdash keeps, whether the object came as API text or as a `serde_json::Value`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::de::{Deserialize, DeserializeSeed, Deserializer, IgnoredAny};
use serde_json::Value;

use super::doc::{
    ActionSetSpec, BackupSpec, BackupStatus, ClusterSpec, ClusterStatus, ConditionDoc, Doc, Meta,
    OpsComponent, OpsSpecDoc, OpsStatus, PodSpec, PodStatus, PolicySpec, ScheduleSpec,
    ScheduleStatus,
};
use super::loose::{List, Obj, Scalar, TextOrMap};
use super::{
    ActionSetRow, Atom, BackupRow, ClusterRow, ComponentStatus, Condition, GENERIC_FAILURE, ObjKey,
    OpsRow, OpsSpec, PodRow, PolicyMethod, PolicyRow, Progress, ProgressDetail, Row, ScheduleEntry,
    ScheduleRow, is_postgresql_comp_def, latest_transition,
};
use crate::detail::restored;
use crate::domain::quantity::Quantity;
use crate::kinds::Kind;

/// Reads an object of a kind straight into its row, field by field as the row needs them:
/// nothing else of the object is built. What it gives is what [`Row::from_value`] gives for the
/// same object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowSeed(pub Kind);

/// What [`RowSeed`] read from one object.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The row; `None` for an object without a name or of a kind kbdash does not watch.
    pub row: Option<Row>,
    /// `metadata.resourceVersion`; empty when absent.
    pub resource_version: String,
}

impl<'de> DeserializeSeed<'de> for RowSeed {
    type Value = Decoded;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Decoded, D::Error> {
        match self.0 {
            Kind::Cluster => read(d, |k, m, s, t| {
                Row::Cluster(ClusterRow::from_doc(k, m, s, t))
            }),
            Kind::Pod => read(d, |k, m, s, t| Row::Pod(PodRow::from_doc(k, m, s, t))),
            Kind::OpsRequest => read(d, |k, m, s, t| Row::Ops(OpsRow::from_doc(k, m, s, t))),
            Kind::Backup => read(d, |k, m, s, t| Row::Backup(BackupRow::from_doc(k, m, s, t))),
            Kind::BackupSchedule => read(d, |k, m, s, t| {
                Row::Schedule(ScheduleRow::from_doc(k, m, s, t))
            }),
            Kind::BackupPolicy => read(d, |k, m, s, _: IgnoredAnyDefault| {
                Row::Policy(PolicyRow::from_doc(k, m, s))
            }),
            Kind::ActionSet => read(d, |k, _, s, _: IgnoredAnyDefault| {
                Row::ActionSet(ActionSetRow::from_doc(k, s))
            }),
            Kind::Event => super::event::read(d),
            _ => {
                IgnoredAny::deserialize(d)?;
                Ok(Decoded {
                    row: None,
                    resource_version: String::new(),
                })
            }
        }
    }
}

/// A part of an object no row reads (a policy's or an ActionSet's status): skipped.
#[derive(Debug, Default)]
struct IgnoredAnyDefault;

impl<'de> Deserialize<'de> for IgnoredAnyDefault {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<IgnoredAnyDefault, D::Error> {
        IgnoredAny::deserialize(d)?;
        Ok(IgnoredAnyDefault)
    }
}

/// Reads a document and converts it when it has a name.
fn read<'de, D, S, T>(
    d: D,
    convert: impl FnOnce(ObjKey, Meta, S, T) -> Row,
) -> Result<Decoded, D::Error>
where
    D: Deserializer<'de>,
    S: Deserialize<'de> + Default,
    T: Deserialize<'de> + Default,
{
    let Obj(Doc {
        metadata: Obj(mut meta),
        spec: Obj(spec),
        status: Obj(status),
    }) = Obj::<Doc<S, T>>::deserialize(d)?;
    let resource_version = std::mem::take(&mut meta.resource_version).into_text();
    let row = key(&meta).map(|key| convert(key, meta, spec, status));
    Ok(Decoded {
        row,
        resource_version,
    })
}

/// A document from a value; a value that is no object reads as an empty one.
fn from_value<'a, S, T>(v: &'a Value) -> (ObjKey, Meta, S, T)
where
    S: Deserialize<'a> + Default,
    T: Deserialize<'a> + Default,
{
    // Reading a Value cannot fail: it holds no repeated keys, and every part is tolerant.
    let Obj(Doc {
        metadata: Obj(meta),
        spec: Obj(spec),
        status: Obj(status),
    }) = Obj::<Doc<S, T>>::deserialize(v).unwrap_or_default();
    (key(&meta).unwrap_or_default(), meta, spec, status)
}

impl Row {
    /// Converts an object of `kind`; `None` for kinds kbdash does not watch or objects without a
    /// name. The same conversion as [`RowSeed`]'s.
    pub fn from_value(kind: Kind, v: &Value) -> Option<Row> {
        RowSeed(kind).deserialize(v).ok()?.row
    }

    /// Reads an object of `kind` from its JSON text, as the watch layer does ([`RowSeed`]).
    pub fn from_json(kind: Kind, text: &[u8]) -> Result<Decoded, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(text);
        let decoded = RowSeed(kind).deserialize(&mut de)?;
        de.end()?;
        Ok(decoded)
    }
}

/// The key of an object's metadata; `None` when it has no name.
fn key(meta: &Meta) -> Option<ObjKey> {
    let name = meta.name.text()?;
    Some(ObjKey::new(meta.namespace.text().unwrap_or_default(), name))
}

/// A label's value, only if it is a string.
fn label(value: &Scalar) -> Atom {
    Atom::new(value.str().unwrap_or_default())
}

fn clamp_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn conditions(list: List<Obj<ConditionDoc>>) -> Vec<Condition> {
    exact(list.0.into_iter().map(|Obj(c)| Condition {
        type_: c.type_.atom(),
        status: c.status.atom(),
        reason: c.reason.atom(),
        message: c.message.into_text(),
        last_transition: c.last_transition_time.time(),
    }))
}

/// `items` at their exact count. Collected from a decoded list, a `Vec` reuses that list's
/// allocation, which the decoder grew by doubling and whose items are larger than the row's:
/// a pod's five conditions kept room for ten, ~440 bytes a pod for as long as it is listed.
fn exact<T>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = items.collect();
    v.shrink_to_fit();
    v
}

/// `metadata.deletionTimestamp`, also when unreadable as a time (the object is being deleted
/// all the same).
fn deletion_time(t: &Scalar) -> Option<DateTime<Utc>> {
    t.present()
        .then(|| t.time().unwrap_or(DateTime::<Utc>::UNIX_EPOCH))
}

/// A `map[string]string` message as `key: text` pairs joined by `; `, sorted by key.
fn message_text(message: TextOrMap) -> String {
    match message {
        TextOrMap::Map(m) => m
            .iter()
            .map(|(k, t)| format!("{k}: {t}"))
            .collect::<Vec<_>>()
            .join("; "),
        TextOrMap::Text(t) => t,
        TextOrMap::None => String::new(),
    }
}

impl ClusterRow {
    /// Converts a Cluster object.
    pub fn from_value(v: &Value) -> ClusterRow {
        let (key, meta, spec, status) = from_value(v);
        ClusterRow::from_doc(key, meta, spec, status)
    }

    fn from_doc(key: ObjKey, meta: Meta, spec: ClusterSpec, status: ClusterStatus) -> ClusterRow {
        let specs = spec.component_specs.0;
        let desired = specs
            .iter()
            .filter_map(|c| c.0.replicas.number())
            .fold(0u32, |acc, n| acc.saturating_add(clamp_u32(n)));
        let components = status
            .components
            .0
            .into_iter()
            .map(|(name, Obj(c))| ComponentStatus {
                name: Atom::new(&name),
                phase: c.phase.atom(),
                message: message_text(c.message),
            })
            .collect();
        let cluster_def = spec.cluster_def.atom();
        let comp_defs: Vec<&str> = specs
            .iter()
            .filter_map(|c| c.0.component_def.str())
            .filter(|d| !d.is_empty())
            .collect();
        // A cluster that names neither is not one KubeBlocks 1.0 accepts: shown, not hidden.
        let other_engine = if !cluster_def.is_empty() {
            cluster_def != "postgresql"
        } else {
            !comp_defs.is_empty() && !comp_defs.iter().any(|d| is_postgresql_comp_def(d))
        };
        ClusterRow {
            key,
            created: meta.creation_timestamp.time(),
            cluster_def,
            topology: spec.topology.atom(),
            termination_policy: spec.termination_policy.atom(),
            version: specs
                .first()
                .map(|c| c.0.service_version.atom())
                .unwrap_or_default(),
            desired,
            phase: status.phase.atom(),
            components,
            conditions: conditions(status.conditions),
            deleting: deletion_time(&meta.deletion_timestamp),
            other_engine,
            exporter_disabled: specs
                .iter()
                .any(|c| c.0.disable_exporter.bool() == Some(true)),
            restored_from: meta
                .annotations
                .0
                .restore_from_backup
                .str()
                .and_then(restored::from_annotation)
                .map(Box::new),
        }
    }
}

impl PodRow {
    fn from_doc(key: ObjKey, meta: Meta, spec: PodSpec, status: PodStatus) -> PodRow {
        let statuses = &status.container_statuses.0;
        let containers = clamp_u32(statuses.len().max(spec.containers.0.len()) as u64);
        let ready_containers = clamp_u32(
            statuses
                .iter()
                .filter(|c| c.0.ready.bool() == Some(true))
                .count() as u64,
        );
        let restarts = statuses
            .iter()
            .filter_map(|c| c.0.restart_count.number())
            .fold(0u32, |acc, n| acc.saturating_add(clamp_u32(n)));
        let waiting = statuses
            .iter()
            .find_map(|c| c.0.state.0.waiting.0.reason.text())
            .or_else(|| {
                statuses
                    .iter()
                    .find_map(|c| c.0.state.0.terminated.0.reason.text())
            });
        let conds = conditions(status.conditions);
        let ready = conds
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True");
        let pod_status = if meta.deletion_timestamp.present() {
            Atom::new("Terminating")
        } else if let Some(reason) = waiting {
            Atom::new(&reason)
        } else if status.reason.present() {
            status.reason.atom()
        } else {
            status.phase.atom()
        };
        let labels = &meta.labels.0;
        PodRow {
            key,
            created: meta.creation_timestamp.time(),
            cluster: label(&labels.instance),
            component: label(&labels.component_name),
            role: label(&labels.role),
            ready_containers,
            containers,
            ready,
            status: pod_status,
            restarts,
            node: spec.node_name.atom(),
            ip: status.pod_ip.into_text(),
            conditions: conds,
            exporter: spec
                .containers
                .0
                .iter()
                .any(|c| c.0.name.str() == Some("exporter")),
            other_engine: labels
                .component
                .str()
                .is_some_and(|d| !d.starts_with("postgresql-")),
        }
    }
}

impl OpsRow {
    /// Converts an OpsRequest object; a finished request's conditions and progress details
    /// are left out (see [`OpsRow::elided`]).
    pub fn from_value(v: &Value) -> OpsRow {
        let (key, meta, spec, status) = from_value(v);
        OpsRow::from_doc(key, meta, spec, status)
    }

    /// Converts an OpsRequest object with everything the detail view shows.
    pub fn from_value_full(v: &Value) -> OpsRow {
        let (key, meta, spec, status) = from_value(v);
        OpsRow::from_doc_full(key, meta, spec, status)
    }

    fn from_doc(key: ObjKey, meta: Meta, spec: OpsSpecDoc, status: OpsStatus) -> OpsRow {
        let mut row = OpsRow::from_doc_full(key, meta, spec, status);
        if row.is_finished() {
            row.conditions = Vec::new();
            row.details = Vec::new();
            row.elided = true;
        }
        row
    }

    fn from_doc_full(key: ObjKey, meta: Meta, spec: OpsSpecDoc, status: OpsStatus) -> OpsRow {
        let conds = conditions(status.conditions);
        let phase = status.phase.atom();
        let components = status.components.0;
        let reason = if matches!(phase.as_str(), "Failed" | "Aborted" | "Cancelled") {
            failure_reason(&components, &conds, &phase)
        } else {
            String::new()
        };
        // Collected at their exact count: pushing would reserve room for four per request.
        let details: Vec<ProgressDetail> = components
            .into_iter()
            .flat_map(|(component, Obj(c))| {
                let component = Atom::new(&component);
                c.progress_details
                    .0
                    .into_iter()
                    .map(move |Obj(d)| ProgressDetail {
                        component: component.clone(),
                        group: d.group.atom(),
                        object_key: d.object_key.into_text(),
                        status: d.status.atom(),
                        message: d.message.into_text(),
                        start: d.start_time.time(),
                        end: d.end_time.time(),
                    })
            })
            .collect::<Vec<_>>()
            .into_boxed_slice()
            .into_vec();
        let op_type = spec.type_.atom();
        OpsRow {
            key,
            created: meta.creation_timestamp.time(),
            cluster: if spec.cluster_name.present() {
                spec.cluster_name.atom()
            } else {
                label(&meta.labels.0.instance)
            },
            spec: ops_spec(&op_type, spec.restore, spec.reconfigures),
            op_type,
            phase,
            progress: Progress::parse(&status.progress.into_text()),
            started: status.start_timestamp.time(),
            completed: status.completion_timestamp.time(),
            reason,
            last_transition: latest_transition(&conds),
            conditions: conds,
            details,
            elided: false,
        }
    }
}

/// The part of the spec a Restore or Reconfiguring request keeps, read by `detail/` from the
/// two parts of the spec it looks at.
fn ops_spec(op_type: &str, restore: Value, reconfigures: Value) -> Option<Box<OpsSpec>> {
    if !matches!(op_type, "Restore" | "Reconfiguring") {
        return None;
    }
    let mut spec = serde_json::Map::new();
    for (name, part) in [("restore", restore), ("reconfigures", reconfigures)] {
        if !part.is_null() {
            spec.insert(name.to_string(), part);
        }
    }
    let mut op = serde_json::Map::new();
    op.insert("spec".to_string(), Value::Object(spec));
    OpsSpec::of(op_type, &Value::Object(op))
}

/// The message that explains a terminal failure: the condition named after the phase, else the
/// latest condition whose status is False. When that is the operator's generic text, which
/// only points at `status.components` (docs/kubeblocks.md#failure-causes), the cause is read
/// there instead, with the generic text's absence of detail noted by nothing at all.
fn failure_reason(
    components: &BTreeMap<String, Obj<OpsComponent>>,
    conds: &[Condition],
    phase: &str,
) -> String {
    let condition = conds
        .iter()
        .rev()
        .find(|c| c.type_ == phase && !c.message.is_empty())
        .or_else(|| {
            conds
                .iter()
                .rev()
                .find(|c| c.status == "False" && !c.message.is_empty())
        })
        .map(|c| c.message.clone())
        .unwrap_or_default();
    if condition.is_empty() || condition.contains(GENERIC_FAILURE) {
        let cause = components_cause(components);
        if !cause.is_empty() {
            return cause;
        }
    }
    condition
}

/// The cause an OpsRequest records per component: its failed progress details
/// (`objectKey: message`), else the component's own `message` and `reason`.
fn components_cause(components: &BTreeMap<String, Obj<OpsComponent>>) -> String {
    let failed: Vec<String> = components
        .values()
        .flat_map(|c| c.0.progress_details.0.iter())
        .filter(|d| d.0.status.text().as_deref() == Some("Failed"))
        .filter_map(|d| {
            let message = d.0.message.text().filter(|m| !m.is_empty())?;
            Some(match d.0.object_key.text().filter(|k| !k.is_empty()) {
                // The operator's messages mostly name the object already.
                Some(key) if !message.contains(key.as_str()) => format!("{key}: {message}"),
                _ => message,
            })
        })
        .collect();
    if let Some(first) = failed.first() {
        return match failed.len() {
            1 => first.clone(),
            n => format!("{first} (and {} more failed)", n - 1),
        };
    }
    components
        .iter()
        .filter_map(|(name, Obj(c))| {
            let message = c.message.text().unwrap_or_default();
            let reason = c.reason.text().unwrap_or_default();
            let who = match c.phase.text().filter(|p| !p.is_empty()) {
                Some(phase) => format!("{name} {phase}"),
                None => name.clone(),
            };
            match (message.is_empty(), reason.is_empty()) {
                (true, true) => None,
                (false, true) => Some(format!("{who}: {message}")),
                (true, false) => Some(format!("{who}: {reason}")),
                (false, false) => Some(format!("{who}: {message} ({reason})")),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl BackupRow {
    fn from_doc(key: ObjKey, meta: Meta, spec: BackupSpec, status: BackupStatus) -> BackupRow {
        let labels = &meta.labels.0;
        BackupRow {
            key,
            created: meta.creation_timestamp.time(),
            cluster: label(&labels.instance),
            backup_type: label(&labels.backup_type),
            method: if spec.backup_method.present() {
                spec.backup_method.atom()
            } else {
                status.backup_method.0.name.atom()
            },
            policy: spec.backup_policy_name.atom(),
            phase: status.phase.atom(),
            size_bytes: total_size(&status.total_size),
            range_start: status.time_range.0.start.time(),
            range_end: status.time_range.0.end.time(),
            started: status.start_timestamp.time(),
            completed: status.completion_timestamp.time(),
            duration: status.duration.atom(),
            failure_reason: status.failure_reason.into_text(),
            archiver_pods: status
                .actions
                .0
                .iter()
                .find(|a| a.0.action_type.text().as_deref() == Some("StatefulSet"))
                .and_then(|a| a.0.available_replicas.number())
                .map(clamp_u32),
        }
    }
}

/// `status.totalSize`: a byte count, or a quantity for volume snapshots.
fn total_size(size: &Scalar) -> Option<u64> {
    if let Some(n) = size.number() {
        return Some(n);
    }
    let q = Quantity::parse(&size.text()?).ok()?;
    u64::try_from(q.units_ceil()).ok()
}

impl ScheduleRow {
    fn from_doc(
        key: ObjKey,
        meta: Meta,
        spec: ScheduleSpec,
        status: ScheduleStatus,
    ) -> ScheduleRow {
        let entry_status = status.schedules.0;
        ScheduleRow {
            key,
            created: meta.creation_timestamp.time(),
            cluster: label(&meta.labels.0.instance),
            policy: spec.backup_policy_name.atom(),
            phase: status.phase.atom(),
            failure_reason: status.failure_reason.into_text(),
            entries: exact(spec.schedules.0.into_iter().map(|Obj(s)| {
                let mut e = ScheduleEntry {
                    name: s.name.atom(),
                    method: s.backup_method.atom(),
                    enabled: s.enabled.bool().unwrap_or(false),
                    cron: s.cron_expression.atom(),
                    retention: s.retention_period.atom(),
                    ..ScheduleEntry::default()
                };
                if let Some(Obj(st)) = entry_status.get(e.key()) {
                    e.phase = st.phase.atom();
                    e.last_scheduled = st.last_schedule_time.time();
                    e.last_success = st.last_successful_time.time();
                    e.failure_reason = st.failure_reason.text().unwrap_or_default();
                }
                e
            })),
        }
    }
}

impl PolicyRow {
    fn from_doc(key: ObjKey, meta: Meta, spec: PolicySpec) -> PolicyRow {
        let clean = |s: String| s.replace(['\t', '\n'], " ");
        let texts: Vec<(String, String, bool)> = spec
            .backup_methods
            .0
            .into_iter()
            .map(|Obj(m)| {
                (
                    clean(m.name.into_text()),
                    clean(m.action_set_name.into_text()),
                    m.snapshot_volumes.bool() == Some(true),
                )
            })
            .collect();
        PolicyRow::new(
            key,
            label(&meta.labels.0.instance),
            texts
                .iter()
                .map(|(name, action_set, snapshot)| PolicyMethod {
                    name,
                    action_set,
                    snapshot_volumes: *snapshot,
                }),
        )
    }
}

impl ActionSetRow {
    fn from_doc(key: ObjKey, spec: ActionSetSpec) -> ActionSetRow {
        ActionSetRow {
            key,
            backup_type: spec.backup_type.atom(),
        }
    }
}
