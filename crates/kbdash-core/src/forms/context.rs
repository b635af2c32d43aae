//! What a form knows about the cluster it acts on, taken from live data by the dashboard.
//!
//! Plain data with no Kubernetes types, so the dashboard maps its rows onto it and tests
//! build it by hand. Quantities and versions are kept as the API wrote them.

use chrono::{DateTime, Utc};

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
    /// Current time, injected (names of on-demand backups carry it).
    pub now: DateTime<Utc>,
}

/// One `Cluster.spec.componentSpecs[]` entry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComponentInfo {
    /// `name`, e.g. `postgresql`.
    pub(crate) name: String,
    /// `replicas`.
    pub replicas: u32,
    /// `serviceVersion`, e.g. `16.9.0` (its major picks the PostgreSQL parameter rules).
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
    /// The method's ActionSet has `backupType: Continuous` (WAL archiving). When the
    /// ActionSet is not readable use [`is_known_continuous_method`].
    pub(crate) continuous: bool,
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
    /// `backupMethod`.
    pub method: String,
    /// `enabled`.
    pub(crate) enabled: bool,
    /// `cronExpression`, e.g. `0 2 * * *`.
    pub(crate) cron: String,
    /// `retentionPeriod`, e.g. `7d`.
    pub(crate) retention: String,
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

/// The PostgreSQL addon's continuous (WAL archiving) backup methods, for when the ActionSet
/// is not at hand.
pub(crate) fn is_known_continuous_method(method: &str) -> bool {
    matches!(method, "archive-wal" | "wal-g-archive")
}

/// The full backup method a continuous method of the PostgreSQL addon restores from
/// (its `compatibleMethod` in the addon's BackupPolicyTemplate).
pub(crate) fn matching_full_method(continuous: &str) -> Option<&'static str> {
    match continuous {
        "archive-wal" => Some("pg-basebackup"),
        "wal-g-archive" => Some("wal-g"),
        _ => None,
    }
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

    /// Whether `method` is continuous according to the BackupPolicies, falling back to the
    /// addon's known names.
    pub fn is_continuous(&self, method: &str) -> bool {
        self.backup_policies
            .iter()
            .flat_map(|p| &p.methods)
            .find(|m| m.name == method)
            .map_or_else(|| is_known_continuous_method(method), |m| m.continuous)
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
    fn continuous_methods_from_policy_or_known_names() {
        let mut ctx = FormContext::default();
        assert!(ctx.is_continuous("archive-wal") && !ctx.is_continuous("pg-basebackup"));
        ctx.backup_policies.push(BackupPolicyInfo {
            methods: vec![BackupMethodInfo {
                name: "archive-wal".to_string(),
                continuous: false,
            }],
            ..BackupPolicyInfo::default()
        });
        assert!(!ctx.is_continuous("archive-wal"), "the policy's word wins");
        assert_eq!(
            ctx.default_backup_policy().map(|p| p.methods.len()),
            Some(1)
        );
    }
}
