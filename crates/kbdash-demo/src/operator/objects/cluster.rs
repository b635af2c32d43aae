//! Cluster, Component and ComponentVersion objects, and the phase a cluster shows.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{
    COMPONENT, RELEASES, STORAGE_CLASS, VCT, comp_def, comp_labels, condition, ensure_object,
    image_tag, owner, set_condition,
};
use crate::store::timestamp;

/// What a new Cluster object holds.
pub(crate) struct ClusterInput<'a> {
    pub(crate) namespace: &'a str,
    pub(crate) name: &'a str,
    pub(crate) uid: &'a str,
    pub(crate) created: DateTime<Utc>,
    pub(crate) service_version: &'a str,
    pub(crate) replicas: usize,
    pub(crate) resources: Value,
    pub(crate) storage: &'a str,
    pub(crate) stopped: bool,
    /// `disableExporter`: no exporter sidecar in its pods.
    pub(crate) disable_exporter: bool,
}

/// A Cluster without status, shaped like `cluster-pg-cluster.yaml`.
pub(crate) fn cluster(c: &ClusterInput) -> Value {
    let mut comp = json!({
        "name": COMPONENT,
        "serviceVersion": c.service_version,
        "disableExporter": c.disable_exporter,
        "replicas": c.replicas,
        "resources": c.resources,
        "volumeClaimTemplates": [{
            "name": VCT,
            "spec": {
                "storageClassName": STORAGE_CLASS,
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": c.storage}},
            },
        }],
    });
    if c.stopped {
        comp["stop"] = Value::Bool(true);
    }
    json!({
        "apiVersion": "apps.kubeblocks.io/v1",
        "kind": "Cluster",
        "metadata": {
            "name": c.name,
            "namespace": c.namespace,
            "uid": c.uid,
            "creationTimestamp": timestamp(c.created),
            "labels": {"clusterdefinition.kubeblocks.io/name": "postgresql"},
            "annotations": {"kubeblocks.io/crd-api-version": "apps.kubeblocks.io/v1"},
            "finalizers": ["cluster.kubeblocks.io/finalizer"],
        },
        "spec": {
            "clusterDef": "postgresql",
            "topology": "replication",
            "terminationPolicy": "Delete",
            "componentSpecs": [comp],
        },
    })
}

/// A Cluster phase with the component phase and Ready condition that go with it. The demo's
/// PostgreSQL clusters have one component, so a Failed component makes the cluster Failed,
/// never Abnormal: `composeClusterPhase` matches "all Failed" before "any Failed"
/// (docs/kubeblocks.md#phases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Creating,
    Running,
    Updating,
    Stopping,
    Stopped,
    Failed,
}

impl Phase {
    /// The Cluster phase string.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Phase::Creating => "Creating",
            Phase::Running => "Running",
            Phase::Updating => "Updating",
            Phase::Stopping => "Stopping",
            Phase::Stopped => "Stopped",
            Phase::Failed => "Failed",
        }
    }

    /// The component phase that composes into this cluster phase (docs/kubeblocks.md#phases):
    /// the same, with one component.
    pub(crate) fn component_phase(self) -> &'static str {
        self.as_str()
    }
}

/// Sets `status.phase`, the component's phase and message and the Ready condition of a Cluster
/// (or a Component, whose status has no `components`). `unready` lists pods that are not ready.
pub(crate) fn apply_phase(obj: &mut Value, phase: Phase, unready: &[String], at: &str) {
    let name = super::meta(obj, "name").to_string();
    let is_cluster = obj.get("kind").and_then(Value::as_str) == Some("Cluster");
    let generation = obj
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let status = ensure_object(obj, "status");
    status.insert("phase".into(), phase.as_str().into());
    if !is_cluster {
        status.insert("phase".into(), phase.component_phase().into());
    }
    status.insert("observedGeneration".into(), generation.into());
    if is_cluster {
        let mut comp = json!({
            "phase": phase.component_phase(),
            "observedGeneration": generation,
            "upToDate": matches!(phase, Phase::Running | Phase::Stopped),
        });
        if !unready.is_empty() && phase == Phase::Failed {
            comp["message"] = json!({
                format!("InstanceSet/{name}-{COMPONENT}"):
                    format!("pods are not ready: [{}]", unready.join(" ")),
            });
        }
        status.insert("components".into(), json!({ COMPONENT: comp }));
    }
    let ready = match phase {
        Phase::Running => Some((true, "ClusterReady", format!("cluster {name} is ready"))),
        Phase::Failed | Phase::Creating | Phase::Stopped => Some((
            false,
            "ComponentsNotReady",
            format!("cluster {name} is NOT ready, unavailable components: {COMPONENT}"),
        )),
        _ => None,
    };
    if let Some((ok, reason, message)) = ready {
        let (kind, reason, message) = if is_cluster {
            ("Ready", reason, message)
        } else if ok {
            (
                "Available",
                "Available",
                "the component phase is Running".to_string(),
            )
        } else {
            (
                "Available",
                "Unavailable",
                format!("the component phase is {}", phase.component_phase()),
            )
        };
        set_condition(status, condition(kind, ok, reason, &message, at));
    }
}

/// The cluster status of a freshly provisioned cluster in `phase`.
pub(crate) fn provisioned_status(
    cluster: &mut Value,
    phase: Phase,
    unready: &[String],
    created: &str,
    ready_at: &str,
) {
    let name = super::meta(cluster, "name").to_string();
    let status = ensure_object(cluster, "status");
    set_condition(
        status,
        condition(
            "ProvisioningStarted",
            true,
            "PreCheckSucceed",
            &format!("The operator has started the provisioning of Cluster: {name}"),
            created,
        ),
    );
    set_condition(
        status,
        condition(
            "ApplyResources",
            true,
            "ApplyResourcesSucceed",
            "Successfully applied for resources",
            created,
        ),
    );
    apply_phase(cluster, phase, unready, ready_at);
}

/// The component spec of the cluster's only component.
pub(crate) fn comp_spec(cluster: &Value) -> Option<&Value> {
    cluster
        .pointer("/spec/componentSpecs")?
        .as_array()?
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(COMPONENT))
}

/// The component spec of the cluster's only component, mutable.
pub(crate) fn comp_spec_mut(cluster: &mut Value) -> Option<&mut Value> {
    cluster
        .pointer_mut("/spec/componentSpecs")?
        .as_array_mut()?
        .iter_mut()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(COMPONENT))
}

/// A string field of the component spec.
pub(crate) fn comp_str(cluster: &Value, field: &str) -> String {
    comp_spec(cluster)
        .and_then(|c| c.get(field))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The replicas of the component spec.
pub(crate) fn comp_replicas(cluster: &Value) -> usize {
    comp_spec(cluster)
        .and_then(|c| c.get("replicas"))
        .and_then(Value::as_u64)
        .unwrap_or(0) as usize
}

/// The component spec's `offlineInstances`: pods taken offline, whose ordinals are not reused.
pub(crate) fn comp_offline(cluster: &Value) -> Vec<String> {
    comp_spec(cluster)
        .map(|c| super::strings_at(c, "/offlineInstances"))
        .unwrap_or_default()
}

/// The storage request of the data volume claim template.
pub(crate) fn comp_storage(cluster: &Value) -> String {
    comp_spec(cluster)
        .and_then(|c| c.pointer("/volumeClaimTemplates/0/spec/resources/requests/storage"))
        .and_then(Value::as_str)
        .unwrap_or("20Gi")
        .to_string()
}

/// The Component object owned by a Cluster, shaped like `component-pg-cluster-postgresql.yaml`.
pub(crate) fn component(cluster: &Value, uid: &str, created: &str) -> Value {
    let name = super::meta(cluster, "name");
    let ns = super::meta(cluster, "namespace");
    let cluster_uid = super::meta(cluster, "uid");
    let sv = comp_str(cluster, "serviceVersion");
    let mut labels = comp_labels(name);
    labels["app.kubernetes.io/component"] = comp_def(&sv).into();
    let mut spec = comp_spec(cluster).cloned().unwrap_or_else(|| json!({}));
    if let Some(map) = spec.as_object_mut() {
        map.remove("name");
        map.insert("compDef".into(), comp_def(&sv).into());
        map.insert("terminationPolicy".into(), "Delete".into());
    }
    json!({
        "apiVersion": "apps.kubeblocks.io/v1",
        "kind": "Component",
        "metadata": {
            "name": format!("{name}-{COMPONENT}"),
            "namespace": ns,
            "uid": uid,
            "creationTimestamp": created,
            "labels": labels,
            "annotations": {
                "kubeblocks.io/crd-api-version": "apps.kubeblocks.io/v1",
                "apps.kubeblocks.io/cluster-uid": cluster_uid,
            },
            "finalizers": ["component.kubeblocks.io/finalizer"],
            "ownerReferences": [owner("apps.kubeblocks.io/v1", "Cluster", name, cluster_uid)],
        },
        "spec": spec,
    })
}

/// The InstanceSet `<cluster>-postgresql` that owns the component's pods, with `ready` of its
/// replicas ready. Its uid is the one the pods' owner references carry (the cluster's).
pub(crate) fn instance_set(cluster: &Value, created: &str, ready: usize) -> Value {
    let name = super::meta(cluster, "name");
    let ns = super::meta(cluster, "namespace");
    let replicas = comp_replicas(cluster);
    let selector = comp_labels(name);
    let mut labels = comp_labels(name);
    labels["app.kubernetes.io/component"] = comp_def(&comp_str(cluster, "serviceVersion")).into();
    json!({
        "apiVersion": "workloads.kubeblocks.io/v1",
        "kind": "InstanceSet",
        "metadata": {
            "name": format!("{name}-{COMPONENT}"),
            "namespace": ns,
            "uid": super::meta(cluster, "uid"),
            "creationTimestamp": created,
            "labels": labels,
            "finalizers": ["instanceset.kubeblocks.io/finalizer"],
            "ownerReferences": [owner("apps.kubeblocks.io/v1", "Component",
                &format!("{name}-{COMPONENT}"), super::meta(cluster, "uid"))],
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": selector},
            "roles": [
                {"name": "primary", "updatePriority": 2, "isExclusive": true},
                {"name": "secondary", "updatePriority": 1},
            ],
            "podManagementPolicy": "Parallel",
        },
        "status": {
            "replicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": 1,
        },
    })
}

/// The cluster-scoped ComponentVersion `postgresql` with the releases of [`RELEASES`].
pub(crate) fn component_version(uid: &str, created: &str) -> Value {
    let mut rules = Vec::new();
    let mut releases = Vec::new();
    let mut all = Vec::new();
    for (major, versions) in RELEASES {
        rules.push(json!({"compDefs": [format!("postgresql-{major}-")], "releases": versions}));
        for v in versions {
            let spilo = format!("docker.io/apecloud/spilo:{}", image_tag(v));
            releases.push(json!({
                "name": v,
                "serviceVersion": v,
                "images": {
                    "pg-init-container": "docker.io/apecloud/spilo-init:0.2",
                    "postgresql": spilo,
                    "pgbouncer": "docker.io/apecloud/pgbouncer:1.19.0",
                    "exporter": "docker.io/apecloud/postgres-exporter:v0.15.0",
                    "switchover": spilo,
                    "accountProvision": spilo,
                    "dbctl": "docker.io/apecloud/dbctl:0.2.0",
                },
            }));
            all.push(*v);
        }
    }
    json!({
        "apiVersion": "apps.kubeblocks.io/v1",
        "kind": "ComponentVersion",
        "metadata": {
            "name": "postgresql",
            "uid": uid,
            "creationTimestamp": created,
            "labels": {
                "app.kubernetes.io/name": "postgresql",
                "app.kubernetes.io/instance": "kb-addon-postgresql",
            },
        },
        "spec": {"compatibilityRules": rules, "releases": releases},
        "status": {"phase": "Available", "observedGeneration": 1, "serviceVersions": all.join(",")},
    })
}

/// The operator's message on a component whose pods are all Ready but whose role probe stopped
/// answering (`transformer_component_status.go`, `hasFailedPod`).
pub(crate) const ROLE_PROBE_TIMEOUT: &str =
    "Role probe timeout, check whether the application is available";

/// Marks a Cluster (or its Component) Failed on a role probe timeout: the component message
/// under `InstanceSet/<cluster>-<comp>`, as `cluster-role-probe-timeout.yaml` shows it.
pub(crate) fn role_probe_timeout(obj: &mut Value, at: &str) {
    let is_cluster = obj.get("kind").and_then(Value::as_str) == Some("Cluster");
    let name = super::meta(obj, "name").to_string();
    let instance_set = if is_cluster {
        format!("{name}-{COMPONENT}")
    } else {
        name
    };
    apply_phase(obj, Phase::Failed, &[], at);
    let message = json!({ format!("InstanceSet/{instance_set}"): ROLE_PROBE_TIMEOUT });
    if is_cluster {
        obj["status"]["components"][COMPONENT]["message"] = message;
    } else {
        obj["status"]["message"] = message;
    }
}

/// A Cluster someone deleted at `at` while its terminationPolicy is DoNotTerminate: the
/// operator sets the phase Deleting and does nothing else (`transformer_cluster_deletion.go`).
pub(crate) fn held_by_do_not_terminate(cluster: &mut Value, at: &str) {
    cluster["spec"]["terminationPolicy"] = "DoNotTerminate".into();
    cluster["metadata"]["deletionTimestamp"] = at.into();
    cluster["metadata"]["deletionGracePeriodSeconds"] = 0.into();
    ensure_object(cluster, "status").insert("phase".into(), "Deleting".into());
}

/// The Warning Event the cluster controller records on every reconcile of a deletion that
/// DoNotTerminate holds, seen `count` times (`event-donotterminate.yaml`).
pub(crate) fn do_not_terminate_event(
    cluster: &Value,
    uid: &str,
    count: u64,
    first: &str,
    last: &str,
) -> Value {
    let name = super::meta(cluster, "name");
    let ns = super::meta(cluster, "namespace");
    let hex: String = uid
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(16)
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": format!("{name}.{hex}"), "namespace": ns, "uid": uid, "creationTimestamp": first},
        "involvedObject": {
            "apiVersion": "apps.kubeblocks.io/v1",
            "kind": "Cluster",
            "name": name,
            "namespace": ns,
            "uid": super::meta(cluster, "uid"),
        },
        "type": "Warning",
        "reason": "DoNotTerminate",
        "message": "spec.terminationPolicy DoNotTerminate is preventing deletion.",
        "source": {"component": "cluster-controller"},
        "firstTimestamp": first,
        "lastTimestamp": last,
        "count": count,
        "reportingComponent": "cluster-controller",
        "reportingInstance": "",
    })
}
