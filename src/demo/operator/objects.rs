//! Builders for the objects KubeBlocks creates, shaped like the reference fixtures in
//! `tests/fixtures/kubeblocks/`. Both the seed and the simulated operator use them, so a pod the
//! operator recreates looks exactly like one the seed made.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::demo::store::timestamp;
use crate::domain::cron::parse_retention;

/// The PostgreSQL addon's only component.
pub(crate) const COMPONENT: &str = "postgresql";
/// The data volume claim template.
pub(crate) const VCT: &str = "data";
/// The storage class every seeded claim uses (it allows volume expansion).
pub(crate) const STORAGE_CLASS: &str = "standard-rwo";
/// The backup repository of every policy.
pub(crate) const REPO: &str = "s3-backup-repo";
/// The addon chart version in component definition names.
const CHART: &str = "1.0.5";
/// The PostgreSQL system accounts (FACTS section 7).
pub(crate) const ACCOUNTS: [&str; 6] = [
    "kbadmin",
    "kbdataprotection",
    "kbmonitoring",
    "kbprobe",
    "kbreplicator",
    "postgres",
];
/// Backup methods that archive continuously (one long-lived Running backup).
pub(crate) const CONTINUOUS_METHODS: [&str; 2] = ["archive-wal", "wal-g-archive"];
/// The ComponentVersion releases per major: the seed picks the first of each, upgrades may move
/// to the others.
pub(crate) const RELEASES: [(u32, &[&str]); 4] = [
    (12, &["12.15.0", "12.22.0"]),
    (14, &["14.8.0", "14.18.0"]),
    (15, &["15.7.0", "15.13.0"]),
    (16, &["16.4.0", "16.9.0"]),
];

/// The major version of a service version like `16.4.0` (0 when unparsable).
pub(crate) fn major(service_version: &str) -> u32 {
    service_version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0)
}

/// The component definition for a service version, e.g. `postgresql-16-1.0.5`.
pub(crate) fn comp_def(service_version: &str) -> String {
    format!("postgresql-{}-{CHART}", major(service_version))
}

/// The spilo image tag for a service version (`16.4.0` -> `16.4`).
pub(crate) fn image_tag(service_version: &str) -> String {
    let mut parts = service_version.split('.');
    match (parts.next(), parts.next()) {
        (Some(a), Some(b)) => format!("{a}.{b}"),
        _ => service_version.to_string(),
    }
}

/// Pod name `<cluster>-<comp>-<ordinal>`.
pub(crate) fn pod_name(cluster: &str, comp: &str, ordinal: usize) -> String {
    format!("{cluster}-{comp}-{ordinal}")
}

/// The ordinal at the end of a pod name.
pub(crate) fn ordinal_of(pod: &str) -> usize {
    pod.rsplit('-')
        .next()
        .and_then(|o| o.parse().ok())
        .unwrap_or(usize::MAX)
}

/// PVC name `<vct>-<pod>`.
pub(crate) fn pvc_name(pod: &str) -> String {
    format!("{VCT}-{pod}")
}

/// `<cluster>-<comp>-backup-policy`.
pub(crate) fn policy_name(cluster: &str) -> String {
    format!("{cluster}-{COMPONENT}-backup-policy")
}

/// `<cluster>-<comp>-backup-schedule`.
pub(crate) fn schedule_name(cluster: &str) -> String {
    format!("{cluster}-{COMPONENT}-backup-schedule")
}

/// The continuous backup's name: `first30("<uid8>-<schedule>-<ns>")-<method>` (FACTS section 5).
pub(crate) fn continuous_backup_name(
    cluster_uid: &str,
    schedule: &str,
    ns: &str,
    method: &str,
) -> String {
    let uid8: String = cluster_uid.chars().take(8).collect();
    let base: String = format!("{uid8}-{schedule}-{ns}").chars().take(30).collect();
    format!("{}-{method}", base.trim_end_matches('-'))
}

/// A status condition as KubeBlocks writes them.
pub(crate) fn condition(kind: &str, status: bool, reason: &str, message: &str, at: &str) -> Value {
    json!({
        "type": kind,
        "status": if status { "True" } else { "False" },
        "reason": reason,
        "message": message,
        "lastTransitionTime": at,
    })
}

/// The labels shared by every object that belongs to a cluster's component.
fn comp_labels(cluster: &str) -> Value {
    json!({
        "app.kubernetes.io/instance": cluster,
        "app.kubernetes.io/managed-by": "kubeblocks",
        "apps.kubeblocks.io/component-name": COMPONENT,
    })
}

/// CPU and memory for requests and limits alike (kbcli sets requests = limits).
pub(crate) fn resources(cpu: &str, memory: &str) -> Value {
    json!({"limits": {"cpu": cpu, "memory": memory}, "requests": {"cpu": cpu, "memory": memory}})
}

/// What a new Cluster object holds.
pub(crate) struct ClusterInput<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub uid: &'a str,
    pub created: DateTime<Utc>,
    pub service_version: &'a str,
    pub replicas: usize,
    pub resources: Value,
    pub storage: &'a str,
    pub stopped: bool,
}

/// A Cluster without status, shaped like `cluster-pg-cluster.yaml`.
pub(crate) fn cluster(c: &ClusterInput) -> Value {
    let mut comp = json!({
        "name": COMPONENT,
        "serviceVersion": c.service_version,
        "disableExporter": true,
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

/// A Cluster phase with the component phase and Ready condition that go with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Creating,
    Running,
    Updating,
    Stopping,
    Stopped,
    Abnormal,
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
            Phase::Abnormal => "Abnormal",
            Phase::Failed => "Failed",
        }
    }

    /// The component phase that composes into this cluster phase (FACTS section 2).
    pub(crate) fn component_phase(self) -> &'static str {
        match self {
            Phase::Abnormal | Phase::Failed => "Failed",
            other => other.as_str(),
        }
    }
}

/// Sets `status.phase`, the component's phase and message and the Ready condition of a Cluster
/// (or a Component, whose status has no `components`). `unready` lists pods that are not ready.
pub(crate) fn apply_phase(obj: &mut Value, phase: Phase, unready: &[String], at: &str) {
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
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
            "upToDate": matches!(phase, Phase::Running | Phase::Stopped | Phase::Abnormal),
        });
        if !unready.is_empty() && matches!(phase, Phase::Abnormal | Phase::Failed) {
            comp["message"] = json!({
                format!("InstanceSet/{name}-{COMPONENT}"):
                    format!("pods are not ready: [{}]", unready.join(" ")),
            });
        }
        status.insert("components".into(), json!({ COMPONENT: comp }));
    }
    let ready = match phase {
        Phase::Running => Some((true, "ClusterReady", format!("cluster {name} is ready"))),
        Phase::Abnormal | Phase::Failed | Phase::Creating | Phase::Stopped => Some((
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

/// Replaces the condition of the same type (keeping its transition time when the status did
/// not change) or appends it.
pub(crate) fn set_condition(status: &mut serde_json::Map<String, Value>, cond: Value) {
    let conditions = status
        .entry("conditions")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Some(list) = conditions.as_array_mut() else {
        *conditions = Value::Array(vec![cond]);
        return;
    };
    match list.iter_mut().find(|c| c.get("type") == cond.get("type")) {
        Some(existing) => {
            let same = existing.get("status") == cond.get("status")
                && existing.get("reason") == cond.get("reason")
                && existing.get("message") == cond.get("message");
            if !same {
                *existing = cond;
            }
        }
        None => list.push(cond),
    }
}

/// `obj[key]` as an object, created (or replaced when not an object) if needed.
pub(crate) fn ensure_object<'a>(
    obj: &'a mut Value,
    key: &str,
) -> &'a mut serde_json::Map<String, Value> {
    if !obj.is_object() {
        *obj = json!({});
    }
    let map = obj.as_object_mut().expect("just made an object");
    let entry = map.entry(key).or_insert_with(|| json!({}));
    if !entry.is_object() {
        *entry = json!({});
    }
    entry.as_object_mut().expect("just made an object")
}

/// `metadata.labels`, created if needed.
pub(crate) fn labels_mut(obj: &mut Value) -> &mut serde_json::Map<String, Value> {
    meta_map(obj, "labels")
}

/// `metadata.annotations`, created if needed.
pub(crate) fn annotations_mut(obj: &mut Value) -> &mut serde_json::Map<String, Value> {
    meta_map(obj, "annotations")
}

fn meta_map<'a>(obj: &'a mut Value, key: &str) -> &'a mut serde_json::Map<String, Value> {
    let meta = ensure_object(obj, "metadata");
    let entry = meta.entry(key).or_insert_with(|| json!({}));
    if !entry.is_object() {
        *entry = json!({});
    }
    entry.as_object_mut().expect("just made an object")
}

/// The cluster status of a freshly provisioned cluster in `phase`.
pub(crate) fn provisioned_status(
    cluster: &mut Value,
    phase: Phase,
    unready: &[String],
    created: &str,
    ready_at: &str,
) {
    let name = cluster
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
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
    let name = cluster
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns = cluster
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let cluster_uid = cluster
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
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

/// A controller ownerReference.
pub(crate) fn owner(api_version: &str, kind: &str, name: &str, uid: &str) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// How far along a pod is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PodState {
    /// Scheduled, containers being created.
    Pending,
    /// Containers running, readiness probe not yet passing.
    Starting,
    Ready,
    /// The database container keeps crashing.
    CrashLoop,
}

/// What a pod is built from.
pub(crate) struct PodInput<'a> {
    pub cluster: &'a Value,
    pub ordinal: usize,
    pub uid: &'a str,
    pub created: &'a str,
    pub node: &'a str,
    pub pod_ip: &'a str,
    pub role: Option<&'a str>,
    pub state: PodState,
    pub restart_count: u64,
}

/// A node name for an index.
pub(crate) fn node_name(i: usize) -> String {
    format!("kb-node-{:02}", i)
}

/// The host IP of a node.
pub(crate) fn host_ip(node: &str) -> String {
    let n: usize = node
        .rsplit('-')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    format!("10.0.{}.{}", 1 + n / 250, 10 + n % 240)
}

/// The controller-revision-hash of a component's pod template: it changes with the version
/// and resources, as a real template hash does.
fn revision_hash(cluster: &str, comp: &Value) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [comp.get("serviceVersion"), comp.get("resources")] {
        for b in part.map(Value::to_string).unwrap_or_default().bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    format!("{cluster}-{COMPONENT}-{:09x}", h & 0xf_ffff_ffff)
}

/// A compact pod, labelled as KubeBlocks labels them (FACTS section 3): the postgresql and
/// pgbouncer containers only.
pub(crate) fn pod(p: &PodInput) -> Value {
    let cluster = p
        .cluster
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns = p
        .cluster
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let comp = comp_spec(p.cluster).cloned().unwrap_or_else(|| json!({}));
    let sv = comp
        .get("serviceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = pod_name(cluster, COMPONENT, p.ordinal);
    let mut labels = comp_labels(cluster);
    labels["app.kubernetes.io/component"] = comp_def(sv).into();
    labels["apps.kubeblocks.io/service-version"] = sv.into();
    labels["apps.kubeblocks.io/release-phase"] = "stable".into();
    labels["apps.kubeblocks.io/pod-name"] = name.clone().into();
    labels["workloads.kubeblocks.io/managed-by"] = "InstanceSet".into();
    labels["workloads.kubeblocks.io/instance"] = format!("{cluster}-{COMPONENT}").into();
    labels["controller-revision-hash"] = revision_hash(cluster, &comp).into();
    if let Some(role) = p.role {
        labels["kubeblocks.io/role"] = role.into();
    }
    let image = format!("docker.io/apecloud/spilo:{}", image_tag(sv));
    let mut obj = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": p.uid,
            "creationTimestamp": p.created,
            "labels": labels,
            "ownerReferences": [owner(
                "workloads.kubeblocks.io/v1",
                "InstanceSet",
                &format!("{cluster}-{COMPONENT}"),
                p.cluster.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default(),
            )],
        },
        "spec": {
            "hostname": name,
            "subdomain": format!("{cluster}-{COMPONENT}-headless"),
            "nodeName": p.node,
            "containers": [
                {
                    "name": "postgresql",
                    "image": image,
                    "ports": [
                        {"name": "tcp-postgresql", "containerPort": 5432, "protocol": "TCP"},
                        {"name": "patroni", "containerPort": 8008, "protocol": "TCP"},
                    ],
                    "resources": comp.get("resources").cloned().unwrap_or_else(|| json!({})),
                },
                {
                    "name": "pgbouncer",
                    "image": "docker.io/apecloud/pgbouncer:1.19.0",
                    "ports": [{"name": "tcp-pgbouncer", "containerPort": 6432, "protocol": "TCP"}],
                },
            ],
            "volumes": [{"name": VCT, "persistentVolumeClaim": {"claimName": pvc_name(&name)}}],
        },
        "status": {},
    });
    set_pod_state(&mut obj, p.state, p.pod_ip, p.created, p.restart_count);
    obj
}

/// Rewrites a pod's status for a state, keeping its restart count unless given a larger one.
pub(crate) fn set_pod_state(
    pod: &mut Value,
    state: PodState,
    pod_ip: &str,
    at: &str,
    restart_count: u64,
) {
    let name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let node = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let images: Vec<(String, String)> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    (
                        c.get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        c.get("image")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let started = pod
        .pointer("/status/startTime")
        .and_then(Value::as_str)
        .unwrap_or(at)
        .to_string();
    let ready = state == PodState::Ready;
    let running = state != PodState::Pending;
    let tf = |b: bool| if b { "True" } else { "False" };
    let mut conditions = vec![
        json!({"type": "Initialized", "status": tf(running), "lastTransitionTime": at}),
        json!({"type": "Ready", "status": tf(ready), "lastTransitionTime": at}),
        json!({"type": "ContainersReady", "status": tf(ready), "lastTransitionTime": at}),
        json!({"type": "PodScheduled", "status": "True", "lastTransitionTime": started}),
    ];
    if !ready {
        let reason = if running {
            "ContainersNotReady"
        } else {
            "PodInitializing"
        };
        let msg = format!(
            "containers with unready status: [postgresql{}]",
            if running { "" } else { " pgbouncer" }
        );
        for c in conditions.iter_mut().skip(1).take(2) {
            c["reason"] = reason.into();
            c["message"] = msg.clone().into();
        }
    }
    let statuses: Vec<Value> = images
        .iter()
        .map(|(cname, image)| {
            let is_pg = cname == "postgresql";
            let crashing = is_pg && state == PodState::CrashLoop;
            let container_ready = match state {
                PodState::Ready => true,
                PodState::Pending => false,
                PodState::Starting | PodState::CrashLoop => !is_pg,
            };
            let state_value = if !running {
                json!({"waiting": {"reason": "ContainerCreating"}})
            } else if crashing {
                json!({"waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": format!("back-off 5m0s restarting failed container=postgresql pod={name}"),
                }})
            } else {
                json!({"running": {"startedAt": at}})
            };
            let mut s = json!({
                "name": cname,
                "ready": container_ready,
                "restartCount": if is_pg { restart_count } else { 0 },
                "started": running && !crashing,
                "image": image,
                "state": state_value,
            });
            if crashing {
                s["lastState"] = json!({"terminated": {
                    "reason": "Error",
                    "exitCode": 1,
                    "startedAt": at,
                    "finishedAt": at,
                }});
            }
            s
        })
        .collect();
    let mut status = json!({
        "phase": if running { "Running" } else { "Pending" },
        "hostIP": host_ip(&node),
        "startTime": started,
        "conditions": conditions,
        "containerStatuses": statuses,
    });
    if running {
        status["podIP"] = pod_ip.into();
    }
    pod["status"] = status;
}

/// The kubelet's `BackOff` Warning Event for a crash-looping pod, seen `count` times.
pub(crate) fn back_off_event(pod: &Value, count: u64, first: &str, last: &str) -> Value {
    let name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns = pod
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let uid = pod
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let node = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": back_off_event_name(pod), "namespace": ns, "creationTimestamp": first},
        "involvedObject": {
            "apiVersion": "v1",
            "kind": "Pod",
            "name": name,
            "namespace": ns,
            "uid": uid,
            "fieldPath": "spec.containers{postgresql}",
        },
        "reason": "BackOff",
        "message": format!("Back-off restarting failed container postgresql in pod {name}_{ns}({uid})"),
        "source": {"component": "kubelet", "host": node},
        "firstTimestamp": first,
        "lastTimestamp": last,
        "count": count,
        "type": "Warning",
        "reportingComponent": "kubelet",
        "reportingInstance": node,
    })
}

/// `<pod>.<16 hex digits>`, stable for a pod's uid as the kubelet's event names are per pod.
pub(crate) fn back_off_event_name(pod: &Value) -> String {
    let name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let uid = pod
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let hex: String = uid
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(16)
        .collect();
    format!("{name}.{hex}")
}

/// The restart count of a pod's postgresql container.
pub(crate) fn restart_count(pod: &Value) -> u64 {
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("name").and_then(Value::as_str) == Some("postgresql"))
        })
        .and_then(|c| c.get("restartCount"))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// Whether a pod reports Ready.
pub(crate) fn pod_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some("Ready")
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
        })
}

/// A pod's role label.
pub(crate) fn pod_role(pod: &Value) -> Option<String> {
    pod.pointer("/metadata/labels/kubeblocks.io~1role")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The data PVC of a pod, bound, with its capacity.
pub(crate) fn pvc(cluster: &Value, pod: &str, storage: &str, uid: &str, created: &str) -> Value {
    let name = cluster
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns = cluster
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut labels = comp_labels(name);
    labels["apps.kubeblocks.io/vct-name"] = VCT.into();
    labels["apps.kubeblocks.io/pod-name"] = pod.into();
    json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": pvc_name(pod),
            "namespace": ns,
            "uid": uid,
            "creationTimestamp": created,
            "labels": labels,
        },
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": STORAGE_CLASS,
            "volumeMode": "Filesystem",
            "volumeName": format!("pvc-{uid}"),
            "resources": {"requests": {"storage": storage}},
        },
        "status": {
            "phase": "Bound",
            "accessModes": ["ReadWriteOnce"],
            "capacity": {"storage": storage},
        },
    })
}

/// A Service for a cluster's component: `<cluster>-<comp>` (ClusterIP, selecting the primary)
/// or `<cluster>-<comp>-<suffix>` for exposed ones.
pub(crate) fn service(
    cluster: &Value,
    suffix: Option<&str>,
    service_type: &str,
    role: &str,
    uid: &str,
    created: &str,
    cluster_ip: &str,
) -> Value {
    let name = cluster
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns = cluster
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let svc_name = match suffix {
        Some(s) => format!("{name}-{COMPONENT}-{s}"),
        None => format!("{name}-{COMPONENT}"),
    };
    let mut selector = comp_labels(name);
    selector["kubeblocks.io/role"] = role.into();
    let mut obj = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": svc_name,
            "namespace": ns,
            "uid": uid,
            "creationTimestamp": created,
            "labels": comp_labels(name),
        },
        "spec": {
            "type": service_type,
            "clusterIP": cluster_ip,
            "selector": selector,
            "ports": [
                {"name": "tcp-postgresql", "port": 5432, "protocol": "TCP", "targetPort": "tcp-postgresql"},
                {"name": "tcp-pgbouncer", "port": 6432, "protocol": "TCP", "targetPort": "tcp-pgbouncer"},
            ],
        },
        "status": {"loadBalancer": {}},
    });
    if service_type == "LoadBalancer" {
        obj["status"] = json!({"loadBalancer": {"ingress": [{"hostname": format!("{svc_name}.elb.example.com")}]}});
    }
    obj
}

/// The cluster-snapshot annotation: the Cluster's name, namespace, annotations and spec.
pub(crate) fn cluster_snapshot(cluster: &Value) -> String {
    json!({
        "kind": "Cluster",
        "apiVersion": "apps.kubeblocks.io/v1",
        "metadata": {
            "name": cluster.pointer("/metadata/name"),
            "namespace": cluster.pointer("/metadata/namespace"),
            "creationTimestamp": null,
            "annotations": {"kubeblocks.io/crd-api-version": "apps.kubeblocks.io/v1"},
        },
        "spec": cluster.get("spec"),
        "status": {},
    })
    .to_string()
}

/// The encrypted-system-accounts annotation with random ciphertexts (44 base64 characters,
/// as nonce + AES-GCM of a 16-byte password + tag would be).
pub(crate) fn encrypted_accounts(mut next: impl FnMut() -> u64) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut accounts = serde_json::Map::new();
    for account in ACCOUNTS {
        let text: String = (0..43)
            .map(|_| B64[(next() % 64) as usize] as char)
            .chain(std::iter::once('='))
            .collect();
        accounts.insert(account.into(), text.into());
    }
    json!({ COMPONENT: accounts }).to_string()
}

/// The BackupPolicy of a cluster, shaped like `backuppolicy-pg-cluster.yaml`.
pub(crate) fn backup_policy(cluster: &Value, uid: &str, created: &str) -> Value {
    let name = cluster
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns = cluster
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let cluster_uid = cluster
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let tag = image_tag(&comp_str(cluster, "serviceVersion"));
    let selector = |role: &str| {
        let mut l = comp_labels(name);
        l["kubeblocks.io/role"] = role.into();
        json!({"matchLabels": l})
    };
    let credential = json!({
        "secretName": format!("{name}-{COMPONENT}-account-postgres"),
        "usernameKey": "username",
        "passwordKey": "password",
    });
    let mounts = json!({"volumeMounts": [{"name": VCT, "mountPath": "/home/postgres/pgdata"}]});
    let env = json!([{"name": "IMAGE_TAG", "value": tag}]);
    json!({
        "apiVersion": "dataprotection.kubeblocks.io/v1alpha1",
        "kind": "BackupPolicy",
        "metadata": {
            "name": policy_name(name),
            "namespace": ns,
            "uid": uid,
            "creationTimestamp": created,
            "labels": comp_labels(name),
            "annotations": {
                "dataprotection.kubeblocks.io/is-default-policy": "true",
                "apps.kubeblocks.io/backup-policy-template": "postgresql-backup-policy-template",
            },
        },
        "spec": {
            "backupRepoName": REPO,
            "pathPrefix": format!("/{name}-{cluster_uid}/{COMPONENT}"),
            "backoffLimit": 2,
            "target": {
                "podSelector": {
                    "matchLabels": selector("primary")["matchLabels"],
                    "fallbackLabelSelector": selector("secondary"),
                    "strategy": "Any",
                    "useParentSelectedPods": true,
                },
                "connectionCredential": credential,
            },
            "backupMethods": [
                {
                    "name": "pg-basebackup",
                    "snapshotVolumes": false,
                    "actionSetName": "postgresql-basebackup",
                    "env": env,
                    "targetVolumes": mounts,
                    "target": {
                        "podSelector": {
                            "matchLabels": selector("secondary")["matchLabels"],
                            "strategy": "Any",
                            "fallbackLabelSelector": selector("primary"),
                        },
                        "connectionCredential": credential,
                    },
                },
                {"name": "volume-snapshot", "snapshotVolumes": true, "targetVolumes": {"volumes": [VCT]}},
                {
                    "name": "archive-wal",
                    "snapshotVolumes": false,
                    "actionSetName": "postgresql-for-pitr",
                    "env": env,
                    "targetVolumes": mounts,
                    "target": {
                        "podSelector": {"matchLabels": selector("primary")["matchLabels"], "strategy": "Any"},
                        "connectionCredential": credential,
                    },
                },
            ],
        },
        "status": {"phase": "Available", "observedGeneration": 1},
    })
}

/// The BackupSchedule of a cluster, shaped like `backupschedule-pg-cluster.yaml`.
pub(crate) fn backup_schedule(
    cluster: &Value,
    uid: &str,
    created: &str,
    full_cron: &str,
    full_enabled: bool,
    continuous_enabled: bool,
) -> Value {
    let name = cluster
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns = cluster
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut labels = comp_labels(name);
    labels["dataprotection.kubeblocks.io/backup-policy"] = policy_name(name).into();
    json!({
        "apiVersion": "dataprotection.kubeblocks.io/v1alpha1",
        "kind": "BackupSchedule",
        "metadata": {
            "name": schedule_name(name),
            "namespace": ns,
            "uid": uid,
            "creationTimestamp": created,
            "labels": labels,
            "finalizers": ["dataprotection.kubeblocks.io/finalizer"],
        },
        "spec": {
            "backupPolicyName": policy_name(name),
            "schedules": [
                {"backupMethod": "pg-basebackup", "enabled": full_enabled, "cronExpression": full_cron, "retentionPeriod": "7d"},
                {"backupMethod": "volume-snapshot", "enabled": false, "cronExpression": "0 18 * * *", "retentionPeriod": "7d"},
                {"backupMethod": "archive-wal", "enabled": continuous_enabled, "cronExpression": "*/5 * * * *", "retentionPeriod": "8d"},
            ],
        },
        "status": {"phase": "Available", "observedGeneration": 1, "schedules": {}},
    })
}

/// What a Backup is built from.
pub(crate) struct BackupInput<'a> {
    pub cluster: &'a Value,
    pub name: &'a str,
    pub uid: &'a str,
    pub method: &'a str,
    pub created: &'a str,
    /// The schedule that made it, for scheduled backups.
    pub schedule: Option<&'a str>,
    pub retention: &'a str,
    pub accounts: &'a str,
}

/// Whether a backup method archives continuously.
pub(crate) fn is_continuous(method: &str) -> bool {
    CONTINUOUS_METHODS.contains(&method)
}

/// The metadata KubeBlocks gives a Backup (labels, annotations; FACTS section 3) and its spec.
pub(crate) fn backup(b: &BackupInput) -> Value {
    let name = b
        .cluster
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns = b
        .cluster
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let cluster_uid = b
        .cluster
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut labels = json!({
        "app.kubernetes.io/instance": name,
        "app.kubernetes.io/managed-by": "kubeblocks-dataprotection",
        "apps.kubeblocks.io/component-name": COMPONENT,
        "dataprotection.kubeblocks.io/backup-policy": policy_name(name),
        "dataprotection.kubeblocks.io/backup-repo-name": REPO,
        "dataprotection.kubeblocks.io/backup-type": if is_continuous(b.method) { "Continuous" } else { "Full" },
        "dataprotection.kubeblocks.io/cluster-uid": cluster_uid,
    });
    if let Some(s) = b.schedule {
        labels["dataprotection.kubeblocks.io/backup-schedule"] = s.into();
        labels["dataprotection.kubeblocks.io/autobackup"] = "true".into();
    }
    json!({
        "apiVersion": "dataprotection.kubeblocks.io/v1alpha1",
        "kind": "Backup",
        "metadata": {
            "name": b.name,
            "namespace": ns,
            "uid": b.uid,
            "creationTimestamp": b.created,
            "labels": labels,
            "annotations": {
                "kubeblocks.io/cluster-snapshot": cluster_snapshot(b.cluster),
                "kubeblocks.io/encrypted-system-accounts": b.accounts,
            },
            "finalizers": ["dataprotection.kubeblocks.io/finalizer"],
        },
        "spec": {
            "backupMethod": b.method,
            "backupPolicyName": policy_name(name),
            "deletionPolicy": "Delete",
            "retentionPeriod": b.retention,
        },
    })
}

/// The status of a backup that started: repo, path, method, target pod.
pub(crate) fn backup_running_status(
    backup: &mut Value,
    cluster: &Value,
    target_pod: &str,
    started: &str,
) {
    let name = cluster
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns = cluster
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let cluster_uid = cluster
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let backup_name = backup
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let method = backup
        .pointer("/spec/backupMethod")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let continuous = is_continuous(&method);
    let (action_set, role) = match method.as_str() {
        "archive-wal" | "wal-g-archive" => ("postgresql-for-pitr", "primary"),
        "volume-snapshot" => ("", "secondary"),
        _ => ("postgresql-basebackup", "secondary"),
    };
    let mut labels = comp_labels(name);
    labels["kubeblocks.io/role"] = role.into();
    let mut action = json!({
        "name": "dp-backup-0",
        "actionType": if continuous { "StatefulSet" } else { "Job" },
        "phase": "Running",
        "targetPodName": target_pod,
        "startTimestamp": started,
    });
    if continuous {
        action["availableReplicas"] = 1.into();
    }
    let status = ensure_object(backup, "status");
    status.insert("phase".into(), "Running".into());
    status.insert("backupRepoName".into(), REPO.into());
    status.insert(
        "path".into(),
        format!("/{ns}/{name}-{cluster_uid}/{COMPONENT}/{backup_name}").into(),
    );
    status.insert("formatVersion".into(), "0.1.0".into());
    status.insert("startTimestamp".into(), started.into());
    status.insert(
        "backupMethod".into(),
        json!({
            "name": method,
            "actionSetName": action_set,
            "snapshotVolumes": method == "volume-snapshot",
        }),
    );
    status.insert(
        "target".into(),
        json!({"podSelector": {"matchLabels": labels, "strategy": "Any"}, "selectedTargetPods": [target_pod]}),
    );
    status.insert("actions".into(), json!([action]));
}

/// Sets a backup's time range and size (status and its action alike).
pub(crate) fn backup_progress(backup: &mut Value, start: &str, end: &str, total_size: u64) {
    let continuous = backup
        .pointer("/metadata/labels/dataprotection.kubeblocks.io~1backup-type")
        .and_then(Value::as_str)
        == Some("Continuous");
    let mut range = json!({"start": start, "end": end});
    if continuous {
        range["timeZone"] = "+00:00".into();
    }
    let status = ensure_object(backup, "status");
    status.insert("timeRange".into(), range.clone());
    status.insert("totalSize".into(), total_size.to_string().into());
    if let Some(action) = status.get_mut("actions").and_then(|a| a.get_mut(0)) {
        action["timeRange"] = range;
        action["totalSize"] = total_size.to_string().into();
    }
}

/// Marks a backup Completed (status and action) with its duration and expiration.
pub(crate) fn backup_completed(backup: &mut Value, completed: DateTime<Utc>, retention: &str) {
    let started = backup
        .pointer("/status/startTimestamp")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(completed);
    let status = ensure_object(backup, "status");
    status.insert("phase".into(), "Completed".into());
    status.insert("completionTimestamp".into(), timestamp(completed).into());
    status.insert(
        "duration".into(),
        go_duration((completed - started).num_seconds()).into(),
    );
    status.insert(
        "expiration".into(),
        timestamp(
            started + parse_retention(retention).unwrap_or_else(|_| chrono::Duration::days(7)),
        )
        .into(),
    );
    if let Some(action) = status.get_mut("actions").and_then(|a| a.get_mut(0)) {
        action["phase"] = "Completed".into();
        action["completionTimestamp"] = timestamp(completed).into();
        if let Some(a) = action.as_object_mut() {
            a.remove("availableReplicas");
        }
    }
}

/// A duration the way Go prints it (`1m12s`, `2h0m5s`, `45s`).
pub(crate) fn go_duration(secs: i64) -> String {
    let secs = secs.max(0);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuous_backup_name_matches_the_fixture() {
        assert_eq!(
            continuous_backup_name(
                "5f8e2c1a-3b4d-4e6f-9a0b-1c2d3e4f5a6b",
                "pg-cluster-postgresql-backup-schedule",
                "demo",
                "archive-wal"
            ),
            "5f8e2c1a-pg-cluster-postgresql-archive-wal"
        );
    }

    #[test]
    fn names_and_versions() {
        assert_eq!(comp_def("16.4.0"), "postgresql-16-1.0.5");
        assert_eq!(image_tag("16.4.0"), "16.4");
        assert_eq!(ordinal_of("pg-a-postgresql-12"), 12);
        assert_eq!(go_duration(72), "1m12s");
        assert_eq!(go_duration(7205), "2h0m5s");
    }
}
