//! Pods, their PVCs and Services, and the kubelet's BackOff event.

use serde_json::{Value, json};

use super::cluster::comp_spec;
use super::{
    COMPONENT, STORAGE_CLASS, VCT, comp_def, comp_labels, image_tag, owner, pod_name, pvc_name,
};

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
    pub(crate) cluster: &'a Value,
    pub(crate) ordinal: usize,
    pub(crate) uid: &'a str,
    pub(crate) created: &'a str,
    pub(crate) node: &'a str,
    pub(crate) pod_ip: &'a str,
    pub(crate) role: Option<&'a str>,
    pub(crate) state: PodState,
    pub(crate) restart_count: u64,
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

/// A compact pod, labelled as KubeBlocks labels them (docs/kubeblocks.md#pod-labels): the postgresql and
/// pgbouncer containers, and the exporter sidecar unless the component disables it
/// (docs/kubeblocks.md#metrics).
pub(crate) fn pod(p: &PodInput) -> Value {
    let cluster = super::meta(p.cluster, "name");
    let ns = super::meta(p.cluster, "namespace");
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
                super::meta(p.cluster, "uid"),
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
    if let Some(containers) = obj
        .pointer_mut("/spec/containers")
        .and_then(Value::as_array_mut)
    {
        if comp.get("disableExporter").and_then(Value::as_bool) != Some(true) {
            containers.push(exporter_container());
        }
        containers.push(kbagent_container());
    }
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
    let name = super::meta(pod, "name").to_string();
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

/// The exporter sidecar's container, as the addon declares it (docs/kubeblocks.md#metrics).
fn exporter_container() -> Value {
    json!({
        "name": "exporter",
        "image": "docker.io/apecloud/postgres-exporter:v0.15.0",
        "ports": [{"name": "http-metrics", "containerPort": 9187, "protocol": "TCP"}],
    })
}

/// kbagent's container, which every KubeBlocks 1.0 pod carries (the role probe runs in it; its
/// log is triage's evidence for role trouble; tests/fixtures/kubeblocks/pods-pg-cluster.yaml).
fn kbagent_container() -> Value {
    json!({
        "name": "kbagent",
        "image": "docker.io/apecloud/kubeblocks-tools:1.0.2",
    })
}

/// The kubelet's `BackOff` Warning Event for a crash-looping pod, seen `count` times.
pub(crate) fn back_off_event(pod: &Value, count: u64, first: &str, last: &str) -> Value {
    let name = super::meta(pod, "name");
    let ns = super::meta(pod, "namespace");
    let uid = super::meta(pod, "uid");
    let node = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let container = pod
        .pointer("/spec/containers/0/name")
        .and_then(Value::as_str)
        .unwrap_or("postgresql");
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
            "fieldPath": format!("spec.containers{{{container}}}"),
        },
        "reason": "BackOff",
        "message": format!("Back-off restarting failed container {container} in pod {name}_{ns}({uid})"),
        "source": {"component": "kubelet", "host": node},
        "firstTimestamp": first,
        "lastTimestamp": last,
        "count": count,
        "type": "Warning",
        "reportingComponent": "kubelet",
        "reportingInstance": node,
    })
}

/// kbagent's `roleProbe` Event on a pod whose role probe answered `role`, seen `count` times:
/// reason `roleProbe`, a JSON message whose `output` is the role as Go marshals bytes (base64;
/// docs/kubeblocks.md#roles). The operator sets the role label from it.
pub(crate) fn role_probe_event(
    pod: &Value,
    role: &str,
    count: u64,
    first: &str,
    last: &str,
) -> Value {
    let name = super::meta(pod, "name");
    let ns = super::meta(pod, "namespace");
    let node = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let instance = pod
        .pointer("/metadata/labels/apps.kubeblocks.io~1component-name")
        .and_then(Value::as_str)
        .map(|comp| {
            let cluster = pod
                .pointer("/metadata/labels/app.kubernetes.io~1instance")
                .and_then(Value::as_str)
                .unwrap_or_default();
            format!("{cluster}-{comp}")
        })
        .unwrap_or_default();
    let message = json!({"instance": instance, "probe": "roleProbe", "code": 0,
        "output": base64(role.as_bytes())});
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": role_probe_event_name(pod), "namespace": ns, "creationTimestamp": first},
        "involvedObject": {
            "apiVersion": "v1",
            "kind": "Pod",
            "name": name,
            "namespace": ns,
            "uid": super::meta(pod, "uid"),
            "fieldPath": "spec.containers{kbagent}",
        },
        "reason": "roleProbe",
        "message": message.to_string(),
        "source": {"component": "kbagent", "host": node},
        "firstTimestamp": first,
        "lastTimestamp": last,
        "count": count,
        "type": "Normal",
        "reportingComponent": "kbagent",
        "reportingInstance": name,
    })
}

/// `<pod>.<16 hex digits>` of the pod's role probe Event, apart from its BackOff's.
pub(crate) fn role_probe_event_name(pod: &Value) -> String {
    let name = super::meta(pod, "name");
    let hex: String = super::meta(pod, "uid")
        .chars()
        .rev()
        .filter(char::is_ascii_hexdigit)
        .take(16)
        .collect();
    format!("{name}.{hex}")
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `<pod>.<16 hex digits>`, stable for a pod's uid as the kubelet's event names are per pod.
pub(crate) fn back_off_event_name(pod: &Value) -> String {
    let name = super::meta(pod, "name");
    let uid = super::meta(pod, "uid");
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
    let name = super::meta(cluster, "name");
    let ns = super::meta(cluster, "namespace");
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
    let name = super::meta(cluster, "name");
    let ns = super::meta(cluster, "namespace");
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

/// The pod of a continuous backup's StatefulSet, `<backup>-0`, with its `backupdata`
/// container, labelled as KubeBlocks' data protection labels its pods
/// (docs/kubeblocks.md#backup-jobs): `managed-by=kubeblocks-dataprotection`, so kbdash's pod
/// watch does not list it, and `dataprotection.kubeblocks.io/backup-name`.
pub(crate) fn archiver_pod(
    backup: &Value,
    uid: &str,
    node: &str,
    pod_ip: &str,
    started: &str,
) -> Value {
    let name = super::meta(backup, "name");
    let mut obj = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("{name}-0"),
            "namespace": super::meta(backup, "namespace"),
            "uid": uid,
            "creationTimestamp": started,
            "labels": {
                "app.kubernetes.io/managed-by": "kubeblocks-dataprotection",
                "dataprotection.kubeblocks.io/backup-name": name,
            },
            "ownerReferences": [owner("apps/v1", "StatefulSet", name, super::meta(backup, "uid"))],
        },
        "spec": {
            "nodeName": node,
            "containers": [{"name": "backupdata", "image": "docker.io/apecloud/wal-g:pg-2.0.1"}],
        },
        "status": {},
    });
    set_pod_state(&mut obj, PodState::Ready, pod_ip, started, 0);
    obj
}
