//! What a form knows about the cluster it acts on, taken from live data by the dashboard.
//!
//! Plain data with no Kubernetes types, so the dashboard maps its rows onto it and tests
//! build it by hand. Quantities and versions are kept as the API wrote them.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::pitr::BackupKind;

/// The cluster a form acts on and everything the forms read from live data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormContext {
    /// `Cluster.metadata.name`.
    pub cluster: String,
    /// `Cluster.metadata.namespace`.
    pub namespace: String,
    /// `Cluster.status.phase` (`Running`, `Updating`, ...); empty when not reported yet.
    pub phase: String,
    /// `Cluster.spec.componentSpecs`, in spec order.
    pub components: Vec<ComponentInfo>,
    /// The cluster's pods (label `app.kubernetes.io/instance=<cluster>`).
    pub pods: Vec<PodInfo>,
    /// `serviceVersion`s of the ComponentVersion's `spec.releases` (for PostgreSQL the
    /// `postgresql` ComponentVersion); empty when the ComponentVersion is not readable, and then
    /// the upgrade form accepts any version of the same major.
    pub releases: Vec<String>,
    /// The cluster's BackupPolicies.
    pub backup_policies: Vec<BackupPolicyInfo>,
    /// The cluster's BackupSchedule, if there is one.
    pub backup_schedule: Option<BackupScheduleInfo>,
    /// The cluster's OpsRequests (`spec.clusterName`), for cancelling one.
    pub ops_requests: Vec<OpsRequestInfo>,
    /// `Cluster.spec.backup`, when set: the operator then writes it onto the BackupSchedule on
    /// every reconcile, so schedule changes go to the Cluster (docs/kubeblocks.md#schedules).
    pub cluster_backup: Option<ClusterBackupInfo>,
    /// `Cluster.spec.terminationPolicy` (`DoNotTerminate`, `Delete`, `WipeOut`); empty when
    /// unset.
    pub termination_policy: String,
    /// The cluster's PersistentVolumeClaims (label `app.kubernetes.io/instance`), by name:
    /// what deleting it removes, unless DoNotTerminate holds it.
    pub pvcs: Vec<String>,
    /// The cluster's Backups (label `app.kubernetes.io/instance`): which of them deleting it
    /// removes depends on the termination policy and each one's deletionPolicy.
    pub backups: Vec<BackupInfo>,
    /// The API server's StorageClasses, for a new cluster's volume.
    pub storage_classes: Vec<StorageClassInfo>,
    /// Every Cluster the API server has, as `(namespace, name)`: a new cluster's name must
    /// not be taken in its namespace.
    pub existing_clusters: Vec<(String, String)>,
    /// Current time, injected (names of on-demand backups carry it).
    pub now: DateTime<Utc>,
}

/// One Backup of the cluster, as far as deleting the cluster concerns it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BackupInfo {
    /// `metadata.name`.
    pub name: String,
    /// `spec.deletionPolicy` (`Delete` or `Retain`).
    pub deletion_policy: String,
    /// `status.phase`.
    pub phase: String,
    /// Label `dataprotection.kubeblocks.io/backup-type` is `Continuous`.
    pub continuous: bool,
}

/// One StorageClass of the API server.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StorageClassInfo {
    /// `metadata.name`.
    pub name: String,
    /// Annotation `storageclass.kubernetes.io/is-default-class: "true"`: claims that name no
    /// class get this one.
    pub is_default: bool,
}

/// One `Cluster.spec.componentSpecs[]` entry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComponentInfo {
    /// `name`, e.g. `postgresql`.
    pub(crate) name: String,
    /// `replicas`.
    pub replicas: u32,
    /// `serviceVersion`, e.g. `16.9.0` (its major picks the PostgreSQL parameter rules). It
    /// is optional in the Cluster: then the version KubeBlocks resolved, from the Component's
    /// `spec.serviceVersion`, else the pods' `apps.kubeblocks.io/service-version` label.
    pub service_version: String,
    /// `resources.requests.cpu` as written (`"1"`, `"500m"`), if set.
    pub(crate) cpu_request: Option<String>,
    /// `resources.limits.cpu`, if set.
    pub cpu_limit: Option<String>,
    /// `resources.requests.memory` (`"2Gi"`), if set.
    pub(crate) memory_request: Option<String>,
    /// `resources.limits.memory`, if set.
    pub(crate) memory_limit: Option<String>,
    /// `volumeClaimTemplates[]`: name and `spec.resources.requests.storage`.
    pub volumes: Vec<VolumeInfo>,
    /// `disableExporter`: the metrics exporter is off.
    pub(crate) disable_exporter: bool,
}

/// One volume claim template of a component.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VolumeInfo {
    /// Template name, e.g. `data`.
    pub(crate) name: String,
    /// Requested size as written, e.g. `20Gi`.
    pub storage: String,
    /// The largest `status.capacity.storage` among the template's PVCs (label
    /// `apps.kubeblocks.io/vct-name`), if known: the operator refuses a size below it.
    pub capacity: Option<String>,
    /// `spec.storageClassName`; empty for the default class.
    pub(crate) storage_class: String,
}

/// One pod of the cluster.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodInfo {
    /// `metadata.name`, e.g. `pg-cluster-postgresql-0`.
    pub name: String,
    /// Label `apps.kubeblocks.io/component-name`.
    pub(crate) component: String,
    /// Label `kubeblocks.io/role` (`primary`, `secondary`), if set.
    pub role: Option<String>,
    /// The pod's `Ready` condition is `True`.
    pub ready: bool,
}

/// A BackupPolicy of the cluster.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BackupPolicyInfo {
    /// `metadata.name`, e.g. `pg-cluster-postgresql-backup-policy`.
    pub(crate) name: String,
    /// Label `apps.kubeblocks.io/component-name`.
    pub(crate) component: String,
    /// Annotation `dataprotection.kubeblocks.io/is-default-policy: "true"`.
    pub(crate) is_default: bool,
    /// `spec.backupMethods[]`, in spec order.
    pub methods: Vec<BackupMethodInfo>,
}

/// One backup method of a BackupPolicy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BackupMethodInfo {
    /// `name`, e.g. `pg-basebackup`, `archive-wal`.
    pub name: String,
    /// The type of backup it makes: its ActionSet's `spec.backupType`, Full for a method that
    /// only snapshots volumes; `None` when the ActionSet is not readable
    /// (docs/kubeblocks.md#backup-types). Never guessed from the name.
    pub kind: Option<BackupKind>,
    /// `compatibleMethod`: the full method a continuous one restores from; empty when the
    /// policy does not name it.
    pub(crate) compatible: String,
}

/// The cluster's BackupSchedule.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BackupScheduleInfo {
    /// `metadata.name`, e.g. `pg-cluster-postgresql-backup-schedule`.
    pub name: String,
    /// `spec.backupPolicyName`.
    pub(crate) backup_policy: String,
    /// `spec.schedules[]`, in spec order.
    pub schedules: Vec<ScheduleInfo>,
}

/// One `spec.schedules[]` entry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScheduleInfo {
    /// `name`; empty when the entry has none (the operator then names it after its method).
    pub name: String,
    /// `backupMethod`.
    pub method: String,
    /// `enabled`.
    pub(crate) enabled: bool,
    /// `cronExpression`, e.g. `0 2 * * *`.
    pub(crate) cron: String,
    /// `retentionPeriod`, e.g. `7d`.
    pub(crate) retention: String,
    /// The entry as the API returned it: a merge patch replaces the list whole, so every
    /// field of every entry (`name`, `parameters`, ...) is sent back from here.
    pub(crate) original: Value,
}

/// One OpsRequest of the cluster.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OpsRequestInfo {
    /// `metadata.name`.
    pub name: String,
    /// `spec.type`, e.g. `VerticalScaling`.
    pub ops_type: String,
    /// `status.phase`; empty before the operator has seen it.
    pub phase: String,
}

impl OpsRequestInfo {
    /// Whether the request has ended (docs/kubeblocks.md#phases): nothing is left to cancel.
    pub(crate) fn is_finished(&self) -> bool {
        matches!(
            self.phase.as_str(),
            "Succeed" | "Failed" | "Cancelled" | "Aborted"
        )
    }
}

impl ScheduleInfo {
    /// The entry's name, or its method when it has none.
    pub fn key(&self) -> &str {
        if self.name.is_empty() {
            &self.method
        } else {
            &self.name
        }
    }
}

/// `Cluster.spec.backup` (clusters CRD): the cluster's own backup settings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClusterBackupInfo {
    /// `method`: the full backup method.
    pub method: String,
    /// `enabled` (default false).
    pub enabled: bool,
    /// `cronExpression`.
    pub cron: String,
    /// `retentionPeriod` (default `7d`).
    pub retention: String,
    /// `pitrEnabled`; `None` when unset (the operator then leaves continuous entries alone).
    pub pitr_enabled: Option<bool>,
    /// `continuousMethod`; empty when unset (the first continuous method is used).
    pub continuous_method: String,
}

impl FormContext {
    /// The component called `name`.
    pub(crate) fn component(&self, name: &str) -> Option<&ComponentInfo> {
        self.components.iter().find(|c| c.name == name)
    }

    /// Names of all components, in spec order.
    pub fn component_names(&self) -> Vec<String> {
        self.components.iter().map(|c| c.name.clone()).collect()
    }

    /// Pods of a component ordered by ordinal (the number after the last `-`).
    pub fn pods_of(&self, component: &str) -> Vec<&PodInfo> {
        let mut pods: Vec<&PodInfo> = self
            .pods
            .iter()
            .filter(|p| p.component == component)
            .collect();
        pods.sort_by_key(|p| (ordinal(&p.name), p.name.clone()));
        pods
    }

    /// The pod of a component labelled `kubeblocks.io/role=primary`.
    pub fn primary_of(&self, component: &str) -> Option<&PodInfo> {
        self.pods_of(component)
            .into_iter()
            .find(|p| p.role.as_deref() == Some("primary"))
    }

    /// Ready pods of a component labelled `kubeblocks.io/role=secondary`.
    pub fn ready_secondaries_of(&self, component: &str) -> Vec<&PodInfo> {
        self.pods_of(component)
            .into_iter()
            .filter(|p| p.ready && p.role.as_deref() == Some("secondary"))
            .collect()
    }

    /// The BackupPolicy used for on-demand backups: the default one, else the first.
    pub(crate) fn default_backup_policy(&self) -> Option<&BackupPolicyInfo> {
        self.backup_policies
            .iter()
            .find(|p| p.is_default)
            .or_else(|| self.backup_policies.first())
    }

    /// The method called `name` in the BackupPolicies (the default policy first).
    pub(crate) fn method(&self, name: &str) -> Option<&BackupMethodInfo> {
        let default = self.default_backup_policy().into_iter();
        default
            .chain(self.backup_policies.iter())
            .flat_map(|p| &p.methods)
            .find(|m| m.name == name)
    }

    /// The type of backup `method` makes, when its ActionSet says.
    pub fn method_kind(&self, method: &str) -> Option<BackupKind> {
        self.method(method).and_then(|m| m.kind)
    }

    /// Whether `method` is known to be continuous (WAL archiving).
    pub fn is_continuous(&self, method: &str) -> bool {
        self.method_kind(method) == Some(BackupKind::Continuous)
    }
}

/// Pod ordinal: the number after the last `-` (pods without one sort last).
fn ordinal(pod: &str) -> u64 {
    pod.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, role: Option<&str>, ready: bool) -> PodInfo {
        PodInfo {
            name: name.to_string(),
            component: "postgresql".to_string(),
            role: role.map(str::to_string),
            ready,
        }
    }

    #[test]
    fn pods_sort_by_ordinal_and_roles_are_found() {
        let ctx = FormContext {
            pods: vec![
                pod("c-postgresql-10", Some("secondary"), true),
                pod("c-postgresql-2", Some("primary"), true),
                pod("c-postgresql-1", Some("secondary"), false),
                PodInfo {
                    component: "other".to_string(),
                    ..pod("c-other-0", Some("primary"), true)
                },
            ],
            ..FormContext::default()
        };
        let names: Vec<&str> = ctx
            .pods_of("postgresql")
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(
            names,
            ["c-postgresql-1", "c-postgresql-2", "c-postgresql-10"]
        );
        assert_eq!(
            ctx.primary_of("postgresql").map(|p| p.name.as_str()),
            Some("c-postgresql-2")
        );
        let ready: Vec<&str> = ctx
            .ready_secondaries_of("postgresql")
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(ready, ["c-postgresql-10"]);
        assert!(ctx.primary_of("missing").is_none());
    }

    #[test]
    fn method_types_come_from_the_policy_never_from_names() {
        let mut ctx = FormContext::default();
        assert!(!ctx.is_continuous("archive-wal"), "nothing says so");
        ctx.backup_policies.push(BackupPolicyInfo {
            methods: vec![
                BackupMethodInfo {
                    name: "wal-g".to_string(),
                    kind: Some(BackupKind::Full),
                    compatible: String::new(),
                },
                BackupMethodInfo {
                    name: "wal-g-archive".to_string(),
                    kind: Some(BackupKind::Continuous),
                    compatible: "wal-g".to_string(),
                },
            ],
            ..BackupPolicyInfo::default()
        });
        assert!(!ctx.is_continuous("wal-g"));
        assert!(ctx.is_continuous("wal-g-archive"));
        assert_eq!(ctx.method_kind("archive-wal"), None);
        assert_eq!(
            ctx.default_backup_policy().map(|p| p.methods.len()),
            Some(2)
        );
    }
}
