//! A KubeBlocks cluster of another engine (MySQL) and its pods, shaped like
//! `cluster-mysql.yaml` and `pods-mysql.yaml`: kbdash must tell them from PostgreSQL ones.

use serde_json::{Value, json};

use super::owner;

const MYSQL_COMP: &str = "mysql";
const MYSQL_COMP_DEF: &str = "mysql-8.0-1.0.0";
const MYSQL_VERSION: &str = "8.0.39";

/// A Running MySQL Cluster of the MySQL addon.
pub(crate) fn mysql_cluster(ns: &str, name: &str, uid: &str, created: &str) -> Value {
    json!({
        "apiVersion": "apps.kubeblocks.io/v1",
        "kind": "Cluster",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": uid,
            "creationTimestamp": created,
            "labels": {"clusterdefinition.kubeblocks.io/name": "mysql"},
            "finalizers": ["cluster.kubeblocks.io/finalizer"],
        },
        "spec": {
            "clusterDef": "mysql",
            "topology": "semisync",
            "terminationPolicy": "Delete",
            "componentSpecs": [{"name": MYSQL_COMP, "serviceVersion": MYSQL_VERSION, "replicas": 2}],
        },
        "status": {"phase": "Running", "components": {MYSQL_COMP: {"phase": "Running"}}},
    })
}

/// What a MySQL pod is built from.
pub(crate) struct MysqlPod<'a> {
    pub(crate) cluster: &'a Value,
    pub(crate) ordinal: usize,
    pub(crate) role: &'a str,
    pub(crate) uid: &'a str,
    pub(crate) node: &'a str,
    pub(crate) ip: &'a str,
    pub(crate) created: &'a str,
    /// Its container crash-loops.
    pub(crate) crashing: bool,
}

/// A pod of a MySQL cluster: KubeBlocks' labels with the MySQL component definition and
/// MySQL's roles.
pub(crate) fn mysql_pod(p: &MysqlPod) -> Value {
    let MysqlPod {
        cluster,
        ordinal,
        role,
        uid,
        node,
        ip,
        created,
        crashing,
    } = *p;
    let cname = super::meta(cluster, "name");
    let name = format!("{cname}-{MYSQL_COMP}-{ordinal}");
    let state = if crashing {
        json!({"waiting": {"reason": "CrashLoopBackOff"}})
    } else {
        json!({"running": {"startedAt": created}})
    };
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": super::meta(cluster, "namespace"),
            "uid": uid,
            "creationTimestamp": created,
            "labels": {
                "app.kubernetes.io/instance": cname,
                "app.kubernetes.io/managed-by": "kubeblocks",
                "app.kubernetes.io/component": MYSQL_COMP_DEF,
                "apps.kubeblocks.io/component-name": MYSQL_COMP,
                "apps.kubeblocks.io/service-version": MYSQL_VERSION,
                "kubeblocks.io/role": role,
            },
            "ownerReferences": [owner(
                "workloads.kubeblocks.io/v1",
                "InstanceSet",
                &format!("{cname}-{MYSQL_COMP}"),
                super::meta(cluster, "uid"),
            )],
        },
        "spec": {
            "nodeName": node,
            "containers": [{"name": MYSQL_COMP, "image": format!("docker.io/apecloud/mysql:{MYSQL_VERSION}")}],
        },
        "status": {
            "phase": "Running",
            "podIP": ip,
            "startTime": created,
            "conditions": [{"type": "Ready", "status": if crashing { "False" } else { "True" }, "lastTransitionTime": created}],
            "containerStatuses": [{
                "name": MYSQL_COMP,
                "ready": !crashing,
                "restartCount": if crashing { 12 } else { 0 },
                "state": state,
            }],
        },
    })
}

/// A StorageClass as a managed Kubernetes offers it; `default` carries the annotation that
/// makes claims naming no class use it.
pub(crate) fn storage_class(name: &str, default: bool, uid: &str, created: &str) -> Value {
    json!({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": name,
            "uid": uid,
            "creationTimestamp": created,
            "annotations": {
                "storageclass.kubernetes.io/is-default-class": default.to_string(),
            },
        },
        "provisioner": "pd.csi.storage.gke.io",
        "parameters": {"type": "pd-balanced"},
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
        "allowVolumeExpansion": true,
    })
}
