//! The objects as rows read them: for each watched kind, the fields its row uses and nothing
//! else, deserialised tolerantly ([`super::loose`]). The same documents are read from a
//! `serde_json::Value` ([`super::Row::from_value`]) and straight from the API's JSON text
//! ([`super::RowSeed`]), so the two can never disagree.

use serde::Deserialize;

use super::loose::{List, Map, Obj, Scalar, TextOrMap};

/// `metadata`, the fields rows use.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Meta {
    pub(crate) name: Scalar,
    pub(crate) namespace: Scalar,
    pub(crate) labels: Obj<Labels>,
    pub(crate) annotations: Obj<Annotations>,
    pub(crate) creation_timestamp: Scalar,
    pub(crate) deletion_timestamp: Scalar,
    pub(crate) resource_version: Scalar,
}

/// The labels rows read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Labels {
    #[serde(rename = "app.kubernetes.io/instance")]
    pub(crate) instance: Scalar,
    #[serde(rename = "app.kubernetes.io/component")]
    pub(crate) component: Scalar,
    #[serde(rename = "apps.kubeblocks.io/component-name")]
    pub(crate) component_name: Scalar,
    #[serde(rename = "kubeblocks.io/role")]
    pub(crate) role: Scalar,
    #[serde(rename = "dataprotection.kubeblocks.io/backup-type")]
    pub(crate) backup_type: Scalar,
}

/// The annotation rows read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Annotations {
    /// `forms::RESTORE_FROM_BACKUP_ANNOTATION`: a restored cluster's source.
    #[serde(rename = "kubeblocks.io/restore-from-backup")]
    pub(crate) restore_from_backup: Scalar,
}

/// One entry of `status.conditions`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ConditionDoc {
    #[serde(rename = "type")]
    pub(crate) type_: Scalar,
    pub(crate) status: Scalar,
    pub(crate) reason: Scalar,
    pub(crate) message: Scalar,
    pub(crate) last_transition_time: Scalar,
}

/// An object of a watched kind: its metadata, spec and status.
#[derive(Debug, Default, Deserialize)]
#[serde(
    default,
    bound(deserialize = "Spec: Deserialize<'de> + Default, Status: Deserialize<'de> + Default")
)]
pub(crate) struct Doc<Spec, Status> {
    pub(crate) metadata: Obj<Meta>,
    pub(crate) spec: Obj<Spec>,
    pub(crate) status: Obj<Status>,
}

/// A Cluster's spec.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ClusterSpec {
    pub(crate) cluster_def: Scalar,
    pub(crate) topology: Scalar,
    pub(crate) termination_policy: Scalar,
    pub(crate) component_specs: List<Obj<ComponentSpec>>,
}

/// One of a Cluster's `spec.componentSpecs`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ComponentSpec {
    pub(crate) replicas: Scalar,
    pub(crate) service_version: Scalar,
    pub(crate) component_def: Scalar,
    pub(crate) disable_exporter: Scalar,
}

/// A Cluster's status.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ClusterStatus {
    pub(crate) phase: Scalar,
    pub(crate) components: Map<Obj<ClusterComponent>>,
    pub(crate) conditions: List<Obj<ConditionDoc>>,
}

/// One of a Cluster's `status.components`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ClusterComponent {
    pub(crate) phase: Scalar,
    pub(crate) message: TextOrMap,
}

/// A Pod's spec.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PodSpec {
    /// Counted, and their names looked for the exporter sidecar.
    pub(crate) containers: List<Obj<ContainerName>>,
    pub(crate) node_name: Scalar,
}

/// A container of a pod's spec: its name only.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ContainerName {
    pub(crate) name: Scalar,
}

/// A Pod's status.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PodStatus {
    pub(crate) container_statuses: List<Obj<ContainerStatus>>,
    pub(crate) conditions: List<Obj<ConditionDoc>>,
    pub(crate) reason: Scalar,
    pub(crate) phase: Scalar,
    #[serde(rename = "podIP")]
    pub(crate) pod_ip: Scalar,
}

/// One of a Pod's `status.containerStatuses`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ContainerStatus {
    pub(crate) ready: Scalar,
    pub(crate) restart_count: Scalar,
    pub(crate) state: Obj<ContainerState>,
}

/// A container's `state`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ContainerState {
    pub(crate) waiting: Obj<Reason>,
    pub(crate) terminated: Obj<Reason>,
}

/// An object with a `reason`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Reason {
    pub(crate) reason: Scalar,
}

/// An OpsRequest's spec.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct OpsSpecDoc {
    pub(crate) cluster_name: Scalar,
    #[serde(rename = "type")]
    pub(crate) type_: Scalar,
    /// A Restore's `spec.restore`, whole: `detail::restored` reads it (few requests have one).
    pub(crate) restore: serde_json::Value,
    /// A Reconfiguring's `spec.reconfigures`, whole: `detail::params` reads it.
    pub(crate) reconfigures: serde_json::Value,
}

/// An OpsRequest's status.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct OpsStatus {
    pub(crate) phase: Scalar,
    pub(crate) progress: Scalar,
    pub(crate) start_timestamp: Scalar,
    pub(crate) completion_timestamp: Scalar,
    pub(crate) conditions: List<Obj<ConditionDoc>>,
    pub(crate) components: Map<Obj<OpsComponent>>,
}

/// One of an OpsRequest's `status.components`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct OpsComponent {
    pub(crate) progress_details: List<Obj<ProgressDetailDoc>>,
    pub(crate) message: Scalar,
    pub(crate) reason: Scalar,
    pub(crate) phase: Scalar,
}

/// One of a component's `progressDetails`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ProgressDetailDoc {
    pub(crate) group: Scalar,
    pub(crate) object_key: Scalar,
    pub(crate) status: Scalar,
    pub(crate) message: Scalar,
    pub(crate) start_time: Scalar,
    pub(crate) end_time: Scalar,
}

/// A Backup's spec.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct BackupSpec {
    pub(crate) backup_method: Scalar,
    pub(crate) backup_policy_name: Scalar,
}

/// A Backup's status.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct BackupStatus {
    pub(crate) backup_method: Obj<Named>,
    pub(crate) phase: Scalar,
    pub(crate) total_size: Scalar,
    pub(crate) time_range: Obj<TimeRange>,
    pub(crate) start_timestamp: Scalar,
    pub(crate) completion_timestamp: Scalar,
    pub(crate) duration: Scalar,
    pub(crate) failure_reason: Scalar,
    pub(crate) actions: List<Obj<BackupAction>>,
}

/// An object with a `name`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Named {
    pub(crate) name: Scalar,
}

/// A Backup's `status.timeRange`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TimeRange {
    pub(crate) start: Scalar,
    pub(crate) end: Scalar,
}

/// One of a Backup's `status.actions`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct BackupAction {
    pub(crate) action_type: Scalar,
    pub(crate) available_replicas: Scalar,
}

/// A BackupSchedule's spec.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ScheduleSpec {
    pub(crate) backup_policy_name: Scalar,
    pub(crate) schedules: List<Obj<ScheduleEntryDoc>>,
}

/// One of a BackupSchedule's `spec.schedules`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ScheduleEntryDoc {
    pub(crate) name: Scalar,
    pub(crate) backup_method: Scalar,
    pub(crate) enabled: Scalar,
    pub(crate) cron_expression: Scalar,
    pub(crate) retention_period: Scalar,
}

/// A BackupSchedule's status.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ScheduleStatus {
    pub(crate) phase: Scalar,
    pub(crate) failure_reason: Scalar,
    pub(crate) schedules: Map<Obj<ScheduleEntryStatus>>,
}

/// One of a BackupSchedule's `status.schedules`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ScheduleEntryStatus {
    pub(crate) phase: Scalar,
    pub(crate) last_schedule_time: Scalar,
    pub(crate) last_successful_time: Scalar,
    pub(crate) failure_reason: Scalar,
}

/// A BackupPolicy's spec.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PolicySpec {
    pub(crate) backup_methods: List<Obj<PolicyMethodDoc>>,
}

/// One of a BackupPolicy's `spec.backupMethods`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PolicyMethodDoc {
    pub(crate) name: Scalar,
    pub(crate) action_set_name: Scalar,
    pub(crate) snapshot_volumes: Scalar,
}

/// An ActionSet's spec.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ActionSetSpec {
    pub(crate) backup_type: Scalar,
}
