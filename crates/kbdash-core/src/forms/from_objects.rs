//! Building a [`FormContext`] from the Kubernetes objects themselves (JSON as the API
//! returns them). Missing or malformed fields become empty values, never panics.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{
    BackupInfo, BackupMethodInfo, BackupPolicyInfo, BackupScheduleInfo, ClusterBackupInfo,
    ComponentInfo, FormContext, OpsRequestInfo, PodInfo, ScheduleInfo, StorageClassInfo,
    VolumeInfo,
};
use crate::domain::backup_methods::parse_backup_type;
use crate::domain::pitr::BackupKind;
use crate::domain::quantity::Quantity;

/// The live objects a form context is made of.
#[derive(Debug, Clone, Copy)]
pub struct LiveObjects<'a> {
    /// The `Cluster`.
    pub cluster: &'a Value,
    /// Pods; only those labelled `app.kubernetes.io/instance=<cluster>` are used.
    pub pods: &'a [Value],
    /// Components; the cluster's (label `app.kubernetes.io/instance`) give the service
    /// version KubeBlocks resolved when the Cluster names none.
    pub components: &'a [Value],
    /// PersistentVolumeClaims; the cluster's give each volume template its capacity.
    pub pvcs: &'a [Value],
    /// The `ComponentVersion` of the cluster's components (PostgreSQL: `postgresql`).
    pub component_version: Option<&'a Value>,
    /// BackupPolicies; only the cluster's (label `app.kubernetes.io/instance`) are used.
    pub backup_policies: &'a [Value],
    /// BackupSchedules; the first of the cluster's is used.
    pub backup_schedules: &'a [Value],
    /// ActionSets (cluster-scoped): their `spec.backupType` is the type of the methods that
    /// name them.
    pub action_sets: &'a [Value],
    /// Current time (names of on-demand backups carry it).
    pub now: DateTime<Utc>,
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn opt(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj["metadata"]["labels"][key].as_str()
}

/// A BackupPolicy method's type: its ActionSet's `spec.backupType`; Full for a method that
/// only snapshots volumes (no ActionSet).
fn method_kind(method: &Value, action_sets: &[Value]) -> Option<BackupKind> {
    match method["actionSetName"].as_str().filter(|n| !n.is_empty()) {
        Some(name) => action_sets
            .iter()
            .find(|a| a["metadata"]["name"] == name)
            .and_then(|a| parse_backup_type(a["spec"]["backupType"].as_str()?)),
        None if method["snapshotVolumes"].as_bool() == Some(true) => Some(BackupKind::Full),
        None => None,
    }
}

fn items(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// The largest `status.capacity.storage` of a component's PVCs of one volume template.
fn largest_capacity<'a>(
    pvcs: impl Iterator<Item = &'a Value>,
    component: &str,
    template: &str,
) -> Option<String> {
    pvcs.filter(|p| {
        label(p, "apps.kubeblocks.io/component-name") == Some(component)
            && label(p, "apps.kubeblocks.io/vct-name") == Some(template)
    })
    .filter_map(|p| {
        let text = p["status"]["capacity"]["storage"].as_str()?;
        Some((Quantity::parse(text).ok()?, text.to_string()))
    })
    .max_by(|a, b| a.0.cmp(&b.0))
    .map(|(_, text)| text)
}

/// The service version KubeBlocks resolved for component `comp` of a cluster whose spec names
/// none: the Component's `spec.serviceVersion`, else a pod's `apps.kubeblocks.io/service-version`
/// label (docs/kubeblocks.md#creation).
fn resolved_version<'a>(
    components: impl Iterator<Item = &'a Value>,
    mut pods: impl Iterator<Item = &'a Value>,
    comp: &str,
) -> String {
    let of_comp = |o: &&Value| label(o, "apps.kubeblocks.io/component-name") == Some(comp);
    components
        .filter(of_comp)
        .find_map(|c| {
            c["spec"]["serviceVersion"]
                .as_str()
                .filter(|v| !v.is_empty())
        })
        .or_else(|| {
            pods.find(|p| of_comp(p))
                .and_then(|p| label(p, "apps.kubeblocks.io/service-version"))
        })
        .unwrap_or_default()
        .to_string()
}

impl FormContext {
    /// Maps live objects onto a context. A backup method's type is its ActionSet's
    /// `spec.backupType` (a method that only snapshots volumes is Full), unknown without it.
    pub fn from_objects(live: LiveObjects<'_>) -> FormContext {
        let cluster = live.cluster;
        let name = s(&cluster["metadata"]["name"]);
        let mine = |obj: &&Value| label(obj, "app.kubernetes.io/instance") == Some(name.as_str());
        let components = items(&cluster["spec"]["componentSpecs"])
            .iter()
            .map(|c| ComponentInfo {
                name: s(&c["name"]),
                replicas: c["replicas"]
                    .as_u64()
                    .and_then(|r| u32::try_from(r).ok())
                    .unwrap_or(0),
                service_version: match c["serviceVersion"].as_str().filter(|v| !v.is_empty()) {
                    Some(v) => v.to_string(),
                    None => resolved_version(
                        live.components.iter().filter(mine),
                        live.pods.iter().filter(mine),
                        c["name"].as_str().unwrap_or_default(),
                    ),
                },
                cpu_request: opt(&c["resources"]["requests"]["cpu"]),
                cpu_limit: opt(&c["resources"]["limits"]["cpu"]),
                memory_request: opt(&c["resources"]["requests"]["memory"]),
                memory_limit: opt(&c["resources"]["limits"]["memory"]),
                volumes: items(&c["volumeClaimTemplates"])
                    .iter()
                    .map(|v| VolumeInfo {
                        name: s(&v["name"]),
                        storage: s(&v["spec"]["resources"]["requests"]["storage"]),
                        capacity: largest_capacity(
                            live.pvcs.iter().filter(mine),
                            c["name"].as_str().unwrap_or_default(),
                            v["name"].as_str().unwrap_or_default(),
                        ),
                        storage_class: s(&v["spec"]["storageClassName"]),
                    })
                    .collect(),
                disable_exporter: c["disableExporter"].as_bool().unwrap_or(false),
            })
            .collect();
        let pods = live
            .pods
            .iter()
            .filter(mine)
            .map(|p| PodInfo {
                name: s(&p["metadata"]["name"]),
                component: label(p, "apps.kubeblocks.io/component-name")
                    .unwrap_or_default()
                    .to_string(),
                role: label(p, "kubeblocks.io/role").map(str::to_string),
                ready: items(&p["status"]["conditions"])
                    .iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True"),
            })
            .collect();
        let releases = live
            .component_version
            .map(|cv| {
                items(&cv["spec"]["releases"])
                    .iter()
                    .map(|r| s(&r["serviceVersion"]))
                    .filter(|v| !v.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let backup_policies = live
            .backup_policies
            .iter()
            .filter(mine)
            .map(|p| BackupPolicyInfo {
                name: s(&p["metadata"]["name"]),
                component: label(p, "apps.kubeblocks.io/component-name")
                    .unwrap_or_default()
                    .to_string(),
                is_default: p["metadata"]["annotations"]
                    ["dataprotection.kubeblocks.io/is-default-policy"]
                    == "true",
                methods: items(&p["spec"]["backupMethods"])
                    .iter()
                    .map(|m| BackupMethodInfo {
                        name: s(&m["name"]),
                        kind: method_kind(m, live.action_sets),
                        compatible: s(&m["compatibleMethod"]),
                    })
                    .collect(),
            })
            .collect();
        let backup_schedule =
            live.backup_schedules
                .iter()
                .find(mine)
                .map(|bs| BackupScheduleInfo {
                    name: s(&bs["metadata"]["name"]),
                    backup_policy: s(&bs["spec"]["backupPolicyName"]),
                    schedules: items(&bs["spec"]["schedules"])
                        .iter()
                        .map(|e| ScheduleInfo {
                            name: s(&e["name"]),
                            method: s(&e["backupMethod"]),
                            enabled: e["enabled"].as_bool().unwrap_or(false),
                            cron: s(&e["cronExpression"]),
                            retention: s(&e["retentionPeriod"]),
                            original: e.clone(),
                        })
                        .collect(),
                });
        let backup = &cluster["spec"]["backup"];
        let cluster_backup = backup.is_object().then(|| ClusterBackupInfo {
            method: s(&backup["method"]),
            enabled: backup["enabled"].as_bool().unwrap_or(false),
            cron: s(&backup["cronExpression"]),
            retention: s(&backup["retentionPeriod"]),
            pitr_enabled: backup["pitrEnabled"].as_bool(),
            continuous_method: s(&backup["continuousMethod"]),
        });
        FormContext {
            cluster: name.clone(),
            namespace: s(&cluster["metadata"]["namespace"]),
            phase: s(&cluster["status"]["phase"]),
            components,
            pods,
            releases,
            backup_policies,
            backup_schedule,
            ops_requests: Vec::new(),
            cluster_backup,
            termination_policy: s(&cluster["spec"]["terminationPolicy"]),
            pvcs: live
                .pvcs
                .iter()
                .filter(mine)
                .map(|p| s(&p["metadata"]["name"]))
                .filter(|n| !n.is_empty())
                .collect(),
            backups: Vec::new(),
            storage_classes: Vec::new(),
            existing_clusters: Vec::new(),
            now: live.now,
        }
    }

    /// The context with the cluster's OpsRequests among `ops` (objects as JSON): those of
    /// its namespace whose `spec.clusterName` names it.
    pub fn with_ops_requests(mut self, ops: &[Value]) -> FormContext {
        self.ops_requests = ops
            .iter()
            .filter(|o| {
                o["spec"]["clusterName"].as_str() == Some(self.cluster.as_str())
                    && o["metadata"]["namespace"].as_str() == Some(self.namespace.as_str())
            })
            .map(|o| OpsRequestInfo {
                name: s(&o["metadata"]["name"]),
                ops_type: s(&o["spec"]["type"]),
                phase: s(&o["status"]["phase"]),
            })
            .filter(|o| !o.name.is_empty())
            .collect();
        self
    }

    /// The context with the cluster's Backups among `backups` (objects as JSON): those of its
    /// namespace labelled `app.kubernetes.io/instance=<cluster>`.
    pub fn with_backups(mut self, backups: &[Value]) -> FormContext {
        self.backups = backups
            .iter()
            .filter(|b| {
                label(b, "app.kubernetes.io/instance") == Some(self.cluster.as_str())
                    && b["metadata"]["namespace"].as_str() == Some(self.namespace.as_str())
            })
            .map(|b| BackupInfo {
                name: s(&b["metadata"]["name"]),
                deletion_policy: s(&b["spec"]["deletionPolicy"]),
                phase: s(&b["status"]["phase"]),
                continuous: label(b, "dataprotection.kubeblocks.io/backup-type")
                    == Some("Continuous"),
            })
            .filter(|b| !b.name.is_empty())
            .collect();
        self
    }

    /// The context with the StorageClasses among `classes` (objects as JSON), sorted by name.
    pub fn with_storage_classes(mut self, classes: &[Value]) -> FormContext {
        let mut found: Vec<StorageClassInfo> = classes
            .iter()
            .map(|c| StorageClassInfo {
                name: s(&c["metadata"]["name"]),
                is_default: c["metadata"]["annotations"]
                    ["storageclass.kubernetes.io/is-default-class"]
                    == "true",
            })
            .filter(|c| !c.name.is_empty())
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        self.storage_classes = found;
        self
    }

    /// The context with every Cluster among `clusters` (objects as JSON) known by namespace
    /// and name, so a new cluster's name can be checked against them.
    pub fn with_clusters(mut self, clusters: &[Value]) -> FormContext {
        self.existing_clusters = clusters
            .iter()
            .map(|c| (s(&c["metadata"]["namespace"]), s(&c["metadata"]["name"])))
            .filter(|(_, name)| !name.is_empty())
            .collect();
        self
    }
}
