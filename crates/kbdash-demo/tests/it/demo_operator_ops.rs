//! Every OpsRequest type the dashboard builds runs through its lifecycle against the seeded
//! store at high speed, with its effect visible on pods and cluster; the failure cases end
//! Failed with the operator's messages. Polls are bounded; nothing sleeps to synchronize.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kbdash_core::domain::role_probe::RoleProbe;
use kbdash_core::kinds::Kind;
use kbdash_demo::operator::{self, OperatorConfig};
use kbdash_demo::seed::{SeedConfig, seed};
use kbdash_demo::store::{Store, system_clock};
use serde_json::{Value, json};

use crate::demo_server_support::until;
use tokio::task::JoinHandle;

struct Env {
    store: Arc<Store>,
    operator: JoinHandle<()>,
}

impl Drop for Env {
    fn drop(&mut self) {
        self.operator.abort();
    }
}

fn env() -> Env {
    env_at(200.0)
}

fn env_at(speed: f64) -> Env {
    let store = Arc::new(Store::new(100_000, system_clock(), 3));
    seed(
        &store,
        &SeedConfig {
            clusters: 6,
            seed: 3,
            ..SeedConfig::default()
        },
    );
    let operator = operator::spawn(store.clone(), OperatorConfig { speed, seed: 3 });
    Env { store, operator }
}

fn s(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A seeded cluster in `phase` with at least `min_pods` replicas: (namespace, name).
fn cluster_in(store: &Store, phase: &str, min_pods: u64) -> (String, String) {
    store
        .list(Kind::Cluster, None)
        .0
        .iter()
        .map(|o| o.value())
        .find(|c| {
            s(c, "/status/phase") == phase
                && c["spec"]["componentSpecs"][0]["replicas"]
                    .as_u64()
                    .unwrap_or(0)
                    >= min_pods
        })
        .map(|c| (s(&c, "/metadata/namespace"), s(&c, "/metadata/name")))
        .expect("a seeded cluster in that phase")
}

fn pods(store: &Store, ns: &str, cluster: &str) -> Vec<Value> {
    store
        .list(Kind::Pod, Some(ns))
        .0
        .iter()
        .filter(|o| o.label("app.kubernetes.io/instance") == Some(cluster))
        .map(|o| o.value())
        .collect()
}

fn role(p: &Value) -> String {
    s(p, "/metadata/labels/kubeblocks.io~1role")
}

fn primary(store: &Store, ns: &str, cluster: &str) -> String {
    pods(store, ns, cluster)
        .iter()
        .find(|p| role(p) == "primary")
        .map(|p| s(p, "/metadata/name"))
        .expect("a primary")
}

fn create_op(store: &Store, ns: &str, cluster: &str, ty: &str, part: Value) -> String {
    let mut spec = json!({"clusterName": cluster, "type": ty});
    for (k, v) in part.as_object().cloned().unwrap_or_default() {
        spec[k] = v;
    }
    let op = store
        .create(
            Kind::OpsRequest,
            json!({
                "metadata": {"generateName": format!("{cluster}-{}-", ty.to_lowercase()), "namespace": ns},
                "spec": spec,
            }),
        )
        .unwrap();
    s(&op, "/metadata/name")
}

async fn terminal(store: &Store, ns: &str, name: &str) -> Value {
    until(&format!("{name} to finish"), || {
        let op = store.get_value(Kind::OpsRequest, Some(ns), name)?;
        matches!(s(&op, "/status/phase").as_str(), "Succeed" | "Failed").then_some(op)
    })
    .await
}

async fn cluster_phase(store: &Store, ns: &str, name: &str, phase: &str) -> Value {
    until(&format!("{name} to be {phase}"), || {
        let c = store.get_value(Kind::Cluster, Some(ns), name)?;
        (s(&c, "/status/phase") == phase).then_some(c)
    })
    .await
}

/// Every KubeBlocks object in the store, as the operator left it, passes the CRD schema.
fn assert_schema_valid(store: &Store) {
    for info in kbdash_core::kinds::KINDS
        .iter()
        .filter(|i| i.crd_schema.is_some())
    {
        for o in store.list(info.kind, None).0 {
            let mut v = o.value();
            if let Err(causes) = kbdash_core::schema::admit(info.kind, &mut v) {
                panic!("{:?} {}: {causes:?}", info.kind, o.name);
            }
        }
    }
}

fn condition(op: &Value, kind: &str) -> Value {
    op["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == kind).cloned())
        .unwrap_or(Value::Null)
}

fn assert_succeeded(op: &Value) {
    assert_eq!(op["status"]["phase"], "Succeed", "{op:#}");
    let done = condition(op, "Succeed");
    assert_eq!(done["reason"], "OpsRequestProcessedSuccessfully");
    assert_eq!(condition(op, "Validated")["status"], "True");
    assert_eq!(
        condition(op, "WaitForProgressing")["reason"],
        "WaitForProgressing"
    );
    assert!(op["status"]["startTimestamp"].is_string());
    assert!(op["status"]["completionTimestamp"].is_string());
    let ty = s(op, "/spec/type");
    assert_eq!(
        s(op, "/metadata/labels/operations.kubeblocks.io~1ops-type"),
        ty
    );
}

fn assert_failed(op: &Value, condition_type: &str, message: &str) {
    assert_eq!(op["status"]["phase"], "Failed", "{op:#}");
    let c = condition(op, condition_type);
    assert_eq!(c["status"], "False", "{op:#}");
    assert_eq!(c["message"], message, "{op:#}");
    assert!(op["status"]["completionTimestamp"].is_string());
}

#[tokio::test]
async fn restart_rolls_secondaries_first_and_primary_last() {
    let e = env();
    let (ns, c) = cluster_in(&e.store, "Running", 2);
    let before = pods(&e.store, &ns, &c);
    let primary = primary(&e.store, &ns, &c);
    let name = create_op(
        &e.store,
        &ns,
        &c,
        "Restart",
        json!({"restart": [{"componentName": "postgresql"}]}),
    );
    cluster_phase(&e.store, &ns, &c, "Updating").await;
    let op = terminal(&e.store, &ns, &name).await;
    assert_succeeded(&op);
    assert_eq!(condition(&op, "Restarting")["reason"], "RestartStarted");
    let n = before.len();
    assert_eq!(op["status"]["progress"], format!("{n}/{n}"));
    let details = op["status"]["components"]["postgresql"]["progressDetails"]
        .as_array()
        .unwrap();
    assert_eq!(details.len(), n);
    assert_eq!(
        s(&details[n - 1], "/objectKey"),
        format!("Pod/{primary}"),
        "primary last"
    );
    assert_eq!(
        s(&details[0], "/message"),
        format!(
            "Successfully restart: {} in Component: postgresql",
            s(&details[0], "/objectKey")
        )
    );
    assert_eq!(op["metadata"]["ownerReferences"][0]["name"], c);
    let after = pods(&e.store, &ns, &c);
    for p in &before {
        let again = after
            .iter()
            .find(|a| a["metadata"]["name"] == p["metadata"]["name"])
            .unwrap();
        assert_ne!(
            again["metadata"]["uid"], p["metadata"]["uid"],
            "pod recreated"
        );
    }
    cluster_phase(&e.store, &ns, &c, "Running").await;
    assert_eq!(self::primary(&e.store, &ns, &c), primary);
}

#[tokio::test]
async fn vertical_scaling_changes_resources_and_bad_requests_fail() {
    let e = env();
    let (ns, c) = cluster_in(&e.store, "Running", 1);
    let res = json!({"cpu": "3", "memory": "6Gi"});
    let name = create_op(
        &e.store,
        &ns,
        &c,
        "VerticalScaling",
        json!({"verticalScaling": [{"componentName": "postgresql", "requests": res, "limits": res}]}),
    );
    let op = terminal(&e.store, &ns, &name).await;
    assert_succeeded(&op);
    assert!(op["status"]["lastConfiguration"]["components"]["postgresql"]["limits"].is_object());
    let cluster = e.store.get_value(Kind::Cluster, Some(&ns), &c).unwrap();
    assert_eq!(
        cluster["spec"]["componentSpecs"][0]["resources"]["limits"],
        res
    );
    for p in pods(&e.store, &ns, &c) {
        assert_eq!(p["spec"]["containers"][0]["resources"]["requests"], res);
    }

    let bad = create_op(
        &e.store,
        &ns,
        &c,
        "VerticalScaling",
        json!({"verticalScaling": [{"componentName": "postgresql",
            "requests": {"cpu": "4"}, "limits": {"cpu": "2"}}]}),
    );
    let op = terminal(&e.store, &ns, &bad).await;
    assert_failed(
        &op,
        "Validated",
        "invalid value for \"4\": must be less than or equal to cpu limit",
    );
    assert_eq!(condition(&op, "Validated")["reason"], "ValidateFailed");
}

#[tokio::test]
async fn horizontal_scaling_out_and_in_and_too_far() {
    let e = env();
    let (ns, c) = cluster_in(&e.store, "Running", 2);
    let n = pods(&e.store, &ns, &c).len();
    let out = create_op(
        &e.store,
        &ns,
        &c,
        "HorizontalScaling",
        json!({"horizontalScaling": [{"componentName": "postgresql", "scaleOut": {"replicaChanges": 1}}]}),
    );
    let op = terminal(&e.store, &ns, &out).await;
    assert_succeeded(&op);
    assert_eq!(op["status"]["progress"], "1/1");
    let new_pod = format!("{c}-postgresql-{n}");
    let detail = &op["status"]["components"]["postgresql"]["progressDetails"][0];
    assert_eq!(detail["group"], "postgresql/Create");
    assert_eq!(
        detail["message"],
        format!("Successfully create \"Pod/{new_pod}\" in Component: postgresql")
    );
    let now = pods(&e.store, &ns, &c);
    assert_eq!(now.len(), n + 1);
    let added = now
        .iter()
        .find(|p| p["metadata"]["name"] == new_pod.as_str())
        .unwrap();
    assert_eq!(role(added), "secondary");
    assert!(
        e.store
            .get(
                Kind::PersistentVolumeClaim,
                Some(&ns),
                &format!("data-{new_pod}")
            )
            .is_some()
    );
    let cluster = e.store.get_value(Kind::Cluster, Some(&ns), &c).unwrap();
    assert_eq!(cluster["spec"]["componentSpecs"][0]["replicas"], n + 1);

    // Scale in naming a pod that is not the largest ordinal.
    let victim = format!(
        "{c}-postgresql-{}",
        if primary(&e.store, &ns, &c).ends_with("-0") {
            1
        } else {
            0
        }
    );
    let inn = create_op(
        &e.store,
        &ns,
        &c,
        "HorizontalScaling",
        json!({"horizontalScaling": [{"componentName": "postgresql",
            "scaleIn": {"replicaChanges": 1, "onlineInstancesToOffline": [victim]}}]}),
    );
    let op = terminal(&e.store, &ns, &inn).await;
    assert_succeeded(&op);
    let left = pods(&e.store, &ns, &c);
    assert_eq!(left.len(), n);
    assert!(
        left.iter()
            .all(|p| p["metadata"]["name"] != victim.as_str())
    );
    assert!(
        left.iter()
            .any(|p| p["metadata"]["name"] == new_pod.as_str())
    );
    let cluster = e.store.get_value(Kind::Cluster, Some(&ns), &c).unwrap();
    assert_eq!(
        cluster["spec"]["componentSpecs"][0]["offlineInstances"],
        json!([victim])
    );

    let far = create_op(
        &e.store,
        &ns,
        &c,
        "HorizontalScaling",
        json!({"horizontalScaling": [{"componentName": "postgresql", "scaleIn": {"replicaChanges": 9}}]}),
    );
    let op = terminal(&e.store, &ns, &far).await;
    assert_failed(
        &op,
        "Validated",
        &format!(
            "\"scaleIn.replicaChanges\" can't be greater than {n} for component \"postgresql\""
        ),
    );
    assert_schema_valid(&e.store);
}

#[tokio::test]
async fn switchover_moves_the_primary_and_is_a_no_op_from_a_secondary() {
    let e = env();
    let (ns, c) = cluster_in(&e.store, "Running", 2);
    let old = primary(&e.store, &ns, &c);
    let candidate = pods(&e.store, &ns, &c)
        .iter()
        .map(|p| s(p, "/metadata/name"))
        .find(|n| *n != old)
        .unwrap();
    let name = create_op(
        &e.store,
        &ns,
        &c,
        "Switchover",
        json!({"switchover": [{"componentName": "postgresql", "instanceName": old, "candidateName": candidate}]}),
    );
    let op = terminal(&e.store, &ns, &name).await;
    assert_succeeded(&op);
    let detail = &op["status"]["components"]["postgresql"]["progressDetails"][0];
    assert_eq!(detail["objectKey"], "Switchover/postgresql");
    assert_eq!(detail["group"], "primary");
    assert_eq!(detail["message"], "do switchover succeed");
    assert_eq!(primary(&e.store, &ns, &c), candidate);
    let primaries = pods(&e.store, &ns, &c)
        .iter()
        .filter(|p| role(p) == "primary")
        .count();
    assert_eq!(primaries, 1);
    // kbagent reported each new role with a roleProbe Event on its pod, which kbdash reads.
    let reported = |pod: &str| {
        let (events, _) = e.store.list(Kind::Event, Some(&ns));
        events
            .iter()
            .map(|ev| ev.value())
            .filter(|ev| ev["reason"] == "roleProbe" && ev["involvedObject"]["name"] == pod)
            .filter_map(|ev| {
                let text = ev["message"].as_str()?.to_string();
                kbdash_core::domain::role_probe::parse(&text)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(reported(&candidate), [RoleProbe::Role("primary".into())]);
    assert_eq!(reported(&old), [RoleProbe::Role("secondary".into())]);

    // Naming the old primary, now a secondary: succeeds, changes nothing.
    let noop = create_op(
        &e.store,
        &ns,
        &c,
        "Switchover",
        json!({"switchover": [{"componentName": "postgresql", "instanceName": old}]}),
    );
    assert_succeeded(&terminal(&e.store, &ns, &noop).await);
    assert_eq!(primary(&e.store, &ns, &c), candidate);

    let missing = create_op(
        &e.store,
        &ns,
        &c,
        "Switchover",
        json!({"switchover": [{"componentName": "postgresql", "instanceName": "nope"}]}),
    );
    assert_failed(
        &terminal(&e.store, &ns, &missing).await,
        "Failed",
        "pods \"nope\" not found",
    );
    assert_schema_valid(&e.store);
}

#[tokio::test]
async fn volume_expansion_grows_pvcs_and_refuses_shrinking() {
    let e = env();
    let (ns, c) = cluster_in(&e.store, "Running", 1);
    let name = create_op(
        &e.store,
        &ns,
        &c,
        "VolumeExpansion",
        json!({"volumeExpansion": [{"componentName": "postgresql",
            "volumeClaimTemplates": [{"name": "data", "storage": "200Gi"}]}]}),
    );
    let op = terminal(&e.store, &ns, &name).await;
    assert_succeeded(&op);
    let n = pods(&e.store, &ns, &c).len();
    assert_eq!(op["status"]["progress"], format!("{n}/{n}"));
    let detail = &op["status"]["components"]["postgresql"]["progressDetails"][0];
    assert_eq!(detail["group"], "data");
    assert!(s(detail, "/message").starts_with("Successfully expand volume: PVC/data-"));
    for p in pods(&e.store, &ns, &c) {
        let pvc = e
            .store
            .get_value(
                Kind::PersistentVolumeClaim,
                Some(&ns),
                &format!("data-{}", s(&p, "/metadata/name")),
            )
            .unwrap();
        assert_eq!(pvc["status"]["capacity"]["storage"], "200Gi");
    }
    let cluster = e.store.get_value(Kind::Cluster, Some(&ns), &c).unwrap();
    assert_eq!(
        cluster["spec"]["componentSpecs"][0]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]
            ["storage"],
        "200Gi"
    );
    let shrink = create_op(
        &e.store,
        &ns,
        &c,
        "VolumeExpansion",
        json!({"volumeExpansion": [{"componentName": "postgresql",
            "volumeClaimTemplates": [{"name": "data", "storage": "10Gi"}]}]}),
    );
    assert_failed(
        &terminal(&e.store, &ns, &shrink).await,
        "Validated",
        "requested storage size of volumeClaimTemplate \"data\" can not less than status.capacity.storage \"200Gi\" ",
    );
}

#[tokio::test]
async fn stop_then_start() {
    let e = env();
    let (ns, c) = cluster_in(&e.store, "Running", 1);
    let n = pods(&e.store, &ns, &c).len();
    let archive = continuous_of(&e.store, &ns, &c);
    assert_eq!(s(&archive, "/status/phase"), "Running");
    let stop = create_op(
        &e.store,
        &ns,
        &c,
        "Stop",
        json!({"stop": [{"componentName": "postgresql"}]}),
    );
    let op = terminal(&e.store, &ns, &stop).await;
    assert_succeeded(&op);
    assert_eq!(condition(&op, "Stopping")["reason"], "StopStarted");
    assert_eq!(op["status"]["components"]["postgresql"]["phase"], "Stopped");
    assert!(pods(&e.store, &ns, &c).is_empty());
    cluster_phase(&e.store, &ns, &c, "Stopped").await;
    // Its continuous backup is as the operator leaves it: Completed, its end where the last
    // WAL was uploaded (docs/kubeblocks.md#continuous-backup).
    let ended = continuous_of(&e.store, &ns, &c);
    assert_eq!(s(&ended, "/metadata/uid"), s(&archive, "/metadata/uid"));
    assert_eq!(s(&ended, "/status/phase"), "Completed");
    let end = s(&ended, "/status/timeRange/end");
    assert!(end >= s(&archive, "/status/timeRange/end"));
    assert!(ended["status"]["actions"][0]["availableReplicas"].is_null());

    // Restart is not allowed on a stopped cluster.
    let refused = create_op(
        &e.store,
        &ns,
        &c,
        "Restart",
        json!({"restart": [{"componentName": "postgresql"}]}),
    );
    assert_failed(
        &terminal(&e.store, &ns, &refused).await,
        "Validated",
        "OpsRequest.spec.type=Restart is forbidden when Cluster.status.phase=Stopped",
    );
    // Meanwhile the stopped cluster's archive did not advance.
    let still = continuous_of(&e.store, &ns, &c);
    assert_eq!(s(&still, "/status/timeRange/end"), end);
    assert_eq!(s(&still, "/status/phase"), "Completed");

    let start = create_op(
        &e.store,
        &ns,
        &c,
        "Start",
        json!({"start": [{"componentName": "postgresql"}]}),
    );
    let op = terminal(&e.store, &ns, &start).await;
    assert_succeeded(&op);
    assert_eq!(condition(&op, "Starting")["reason"], "StartCluster");
    assert_eq!(pods(&e.store, &ns, &c).len(), n);
    assert_eq!(
        pods(&e.store, &ns, &c)
            .iter()
            .filter(|p| role(p) == "primary")
            .count(),
        1
    );
    cluster_phase(&e.store, &ns, &c, "Running").await;
    // Started, its enabled continuous method archives anew: a new backup, a new window.
    until("a new continuous backup to run", || {
        let b = continuous_of(&e.store, &ns, &c);
        (s(&b, "/metadata/uid") != s(&archive, "/metadata/uid")
            && s(&b, "/status/phase") == "Running"
            && s(&b, "/status/timeRange/start") >= end)
            .then_some(())
    })
    .await;
    assert_schema_valid(&e.store);
}

/// The continuous backup of cluster `c`.
fn continuous_of(store: &Store, ns: &str, c: &str) -> Value {
    let found: Vec<Value> = store
        .list(Kind::Backup, Some(ns))
        .0
        .iter()
        .filter(|o| o.label("app.kubernetes.io/instance") == Some(c))
        .filter(|o| o.label("dataprotection.kubeblocks.io/backup-type") == Some("Continuous"))
        .map(|o| o.value())
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

#[tokio::test]
async fn upgrade_within_the_major_only() {
    let e = env();
    let (ns, c) = cluster_in(&e.store, "Running", 1);
    let cluster = e.store.get_value(Kind::Cluster, Some(&ns), &c).unwrap();
    let sv = s(&cluster, "/spec/componentSpecs/0/serviceVersion");
    let target = match sv.split('.').next().unwrap() {
        "12" => "12.22.0",
        "14" => "14.18.0",
        "15" => "15.13.0",
        _ => "16.9.0",
    };
    let other_major = if sv.starts_with("16") {
        "15.7.0"
    } else {
        "16.4.0"
    };
    let bad = create_op(
        &e.store,
        &ns,
        &c,
        "Upgrade",
        json!({"upgrade": {"components": [{"componentName": "postgresql", "serviceVersion": other_major}]}}),
    );
    let op = terminal(&e.store, &ns, &bad).await;
    assert_failed(
        &op,
        "Failed",
        &format!(
            "no matched component definition found with componentDef \"postgresql-{}-1.0.5\" and serviceVersion \"{other_major}\"",
            sv.split('.').next().unwrap()
        ),
    );
    cluster_phase(&e.store, &ns, &c, "Running").await;
    let good = create_op(
        &e.store,
        &ns,
        &c,
        "Upgrade",
        json!({"upgrade": {"components": [{"componentName": "postgresql", "serviceVersion": target}]}}),
    );
    let op = terminal(&e.store, &ns, &good).await;
    assert_succeeded(&op);
    assert_eq!(
        condition(&op, "VersionUpgrading")["reason"],
        "VersionUpgradeStarted"
    );
    let cluster = e.store.get_value(Kind::Cluster, Some(&ns), &c).unwrap();
    assert_eq!(s(&cluster, "/spec/componentSpecs/0/serviceVersion"), target);
    for p in pods(&e.store, &ns, &c) {
        assert_eq!(
            s(&p, "/metadata/labels/apps.kubeblocks.io~1service-version"),
            target
        );
        assert!(s(&p, "/spec/containers/0/image").ends_with(&target[..target.rfind('.').unwrap()]));
    }
    assert_schema_valid(&e.store);
}

#[tokio::test]
async fn expose_adds_then_removes_a_service() {
    let e = env();
    let (ns, c) = cluster_in(&e.store, "Running", 1);
    let svc =
        json!([{"name": "internet", "serviceType": "LoadBalancer", "roleSelector": "primary"}]);
    let on = create_op(
        &e.store,
        &ns,
        &c,
        "Expose",
        json!({"expose": [{"componentName": "postgresql", "switch": "Enable", "services": svc}]}),
    );
    let op = terminal(&e.store, &ns, &on).await;
    assert_succeeded(&op);
    assert_eq!(op["status"]["progress"], "1/1");
    let name = format!("{c}-postgresql-internet");
    let service = e.store.get_value(Kind::Service, Some(&ns), &name).unwrap();
    assert_eq!(service["spec"]["type"], "LoadBalancer");
    let off = create_op(
        &e.store,
        &ns,
        &c,
        "Expose",
        json!({"expose": [{"componentName": "postgresql", "switch": "Disable", "services": svc}]}),
    );
    assert_succeeded(&terminal(&e.store, &ns, &off).await);
    assert!(e.store.get(Kind::Service, Some(&ns), &name).is_none());
    assert_schema_valid(&e.store);
}

#[tokio::test]
async fn reconfiguring_checks_parameters_and_rolls_only_for_static_ones() {
    let e = env();
    let (ns, c) = cluster_in(&e.store, "Running", 1);
    let uids = |store: &Store| -> Vec<Value> {
        pods(store, &ns, &c)
            .iter()
            .map(|p| p["metadata"]["uid"].clone())
            .collect()
    };
    let before = uids(&e.store);
    let param = |k: &str, v: &str| json!({"reconfigures": [{"componentName": "postgresql", "parameters": [{"key": k, "value": v}]}]});
    let dynamic = create_op(
        &e.store,
        &ns,
        &c,
        "Reconfiguring",
        param("log_min_duration_statement", "500"),
    );
    let op = terminal(&e.store, &ns, &dynamic).await;
    assert_succeeded(&op);
    assert_eq!(op["status"]["progress"], "-/-");
    assert_eq!(
        condition(&op, "Reconfigure")["reason"],
        "ReconfigureStarted"
    );
    assert_eq!(
        uids(&e.store),
        before,
        "a dynamic parameter does not restart pods"
    );
    let component = e
        .store
        .get_value(Kind::Component, Some(&ns), &format!("{c}-postgresql"))
        .unwrap();
    assert!(
        s(
            &component,
            "/metadata/annotations/kbdash.io~1applied-parameters"
        )
        .contains("log_min_duration_statement")
    );

    let unknown = create_op(
        &e.store,
        &ns,
        &c,
        "Reconfiguring",
        param("no_such_param", "1"),
    );
    assert_failed(
        &terminal(&e.store, &ns, &unknown).await,
        "Failed",
        "reconfigure parameter failed: parameter no_such_param not found in parameters schema",
    );

    let static_param = create_op(
        &e.store,
        &ns,
        &c,
        "Reconfiguring",
        param("max_connections", "300"),
    );
    assert_succeeded(&terminal(&e.store, &ns, &static_param).await);
    let after = uids(&e.store);
    assert!(
        after.iter().all(|u| !before.contains(u)),
        "a static parameter rolls every pod"
    );
    assert_schema_valid(&e.store);
}

#[tokio::test]
async fn missing_cluster_and_queueing_by_cluster() {
    let e = env();
    let (ns, c) = cluster_in(&e.store, "Running", 1);
    let ghost = create_op(
        &e.store,
        &ns,
        "ghost",
        "Restart",
        json!({"restart": [{"componentName": "postgresql"}]}),
    );
    let op = terminal(&e.store, &ns, &ghost).await;
    assert_failed(&op, "Validated", "spec.clusterName ghost is not found");
    assert_eq!(condition(&op, "Validated")["reason"], "ClusterNotFound");

    let first = create_op(
        &e.store,
        &ns,
        &c,
        "Restart",
        json!({"restart": [{"componentName": "postgresql"}]}),
    );
    let second = create_op(
        &e.store,
        &ns,
        &c,
        "Restart",
        json!({"restart": [{"componentName": "postgresql"}]}),
    );
    let queue = until(
        "the first op to run while the second waits in the queue",
        || {
            let a = e.store.get_value(Kind::OpsRequest, Some(&ns), &first)?;
            let b = e.store.get_value(Kind::OpsRequest, Some(&ns), &second)?;
            let cluster = e.store.get_value(Kind::Cluster, Some(&ns), &c)?;
            let q: Value = serde_json::from_str(&s(
                &cluster,
                "/metadata/annotations/kubeblocks.io~1ops-request",
            ))
            .ok()?;
            let both = q.as_array()?.len() == 2;
            (s(&a, "/status/phase") == "Running" && s(&b, "/status/phase") == "Pending" && both)
                .then_some(q)
        },
    )
    .await;
    assert_eq!(queue[0], json!({"name": first, "type": "Restart"}));
    assert_eq!(
        queue[1],
        json!({"name": second, "type": "Restart", "inQueue": true})
    );
    assert_succeeded(&terminal(&e.store, &ns, &first).await);
    assert_succeeded(&terminal(&e.store, &ns, &second).await);
    let cluster = e.store.get_value(Kind::Cluster, Some(&ns), &c).unwrap();
    assert!(
        cluster["metadata"]["annotations"]
            .get("kubeblocks.io/ops-request")
            .is_none()
    );

    // Deleting the cluster removes what it owned and stops its continuous archiving.
    e.store.delete(Kind::Cluster, Some(&ns), &c).unwrap();
    until("the continuous backup to stop", || {
        let phases: Vec<String> = e
            .store
            .list(Kind::Backup, Some(&ns))
            .0
            .iter()
            .filter(|o| o.label("app.kubernetes.io/instance") == Some(c.as_str()))
            .filter(|o| o.label("dataprotection.kubeblocks.io/backup-type") == Some("Continuous"))
            .map(|o| s(&o.value(), "/status/phase"))
            .collect();
        (!phases.is_empty() && phases.iter().all(|p| p == "Completed")).then_some(())
    })
    .await;
    until("the cluster's pods to go", || {
        let gone = pods(&e.store, &ns, &c).is_empty()
            && e.store
                .get(Kind::Component, Some(&ns), &format!("{c}-postgresql"))
                .is_none()
            && e.store
                .get(Kind::Service, Some(&ns), &format!("{c}-postgresql"))
                .is_none();
        gone.then_some(())
    })
    .await;
}

/// A seeded Running continuous backup: (namespace, name, cluster).
fn continuous(store: &Store) -> (String, String, String) {
    store
        .list(Kind::Backup, None)
        .0
        .iter()
        .find(|o| {
            // One that archives: not the idle database's, nor the archiver set to fail.
            let annotations = o.value()["metadata"]["annotations"].clone();
            o.label("dataprotection.kubeblocks.io/backup-type") == Some("Continuous")
                && annotations[kbdash_demo::seed::IDLE_ANNOTATION].is_null()
                && annotations[kbdash_demo::seed::ARCHIVER_FAILS_ANNOTATION].is_null()
        })
        .map(|o| {
            let v = o.value();
            (
                s(&v, "/metadata/namespace"),
                s(&v, "/metadata/name"),
                s(&v, "/metadata/labels/app.kubernetes.io~1instance"),
            )
        })
        .unwrap()
}

fn restore_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[tokio::test]
async fn restore_to_a_point_in_time_and_its_failures() {
    let e = env();
    let (ns, backup, _) = continuous(&e.store);
    let cont = e.store.get_value(Kind::Backup, Some(&ns), &backup).unwrap();
    let start: DateTime<Utc> = s(&cont, "/status/timeRange/start").parse().unwrap();
    let good_time = restore_time(e.store.now() - chrono::Duration::minutes(30));
    let restore = |name: &str, t: &str| {
        e.store
            .create(
                Kind::OpsRequest,
                json!({
                    "metadata": {"name": name, "namespace": ns},
                    "spec": {"clusterName": name, "type": "Restore", "restore": {
                        "backupName": backup, "backupNamespace": ns,
                        "restorePointInTime": t, "volumeRestorePolicy": "Parallel"}},
                }),
            )
            .unwrap();
    };
    restore("pitr-ok", &good_time);
    let op = terminal(&e.store, &ns, "pitr-ok").await;
    assert_succeeded(&op);
    assert_eq!(condition(&op, "Backup")["reason"], "RestoreStarted");
    let cluster = cluster_phase(&e.store, &ns, "pitr-ok", "Running").await;
    assert_eq!(
        cluster.pointer("/metadata/annotations/kubeblocks.io~1restore-from-backup"),
        None,
        "the operator removes the annotation once the restore is done"
    );
    let uid8: String = s(&cluster, "/metadata/uid").chars().take(8).collect();
    let prepare = e
        .store
        .get_value(
            Kind::Restore,
            Some(&ns),
            &format!("pitr-ok-postgresql-{uid8}-preparedata"),
        )
        .expect("the preparedata Restore");
    assert_eq!(prepare["status"]["phase"], "Completed");
    assert_eq!(prepare["spec"]["restoreTime"], good_time.as_str());
    assert_eq!(prepare["spec"]["backup"]["name"], backup.as_str());
    let actions = prepare["status"]["actions"]["prepareData"]
        .as_array()
        .unwrap();
    assert!(
        actions.iter().any(|a| a["name"] == "prepareData-1"),
        "WAL replay after the base backup"
    );
    assert!(
        e.store
            .get(
                Kind::Restore,
                Some(&ns),
                &format!("pitr-ok-postgresql-{uid8}-postready")
            )
            .is_some()
    );
    assert_eq!(
        pods(&e.store, &ns, "pitr-ok")
            .iter()
            .filter(|p| role(p) == "primary")
            .count(),
        1
    );

    // After the window's end: refused by the op's validation.
    restore(
        "pitr-late",
        &restore_time(e.store.now() + chrono::Duration::days(1)),
    );
    let op = terminal(&e.store, &ns, "pitr-late").await;
    assert_eq!(op["status"]["phase"], "Failed");
    assert!(
        s(&condition(&op, "Validated"), "/message")
            .starts_with("restore-to-time is out of time range")
    );
    assert!(e.store.get(Kind::Cluster, Some(&ns), "pitr-late").is_none());

    // Inside the continuous range but before any full backup ended: the Restore fails.
    restore(
        "pitr-early",
        &restore_time(start + chrono::Duration::seconds(30)),
    );
    let op = terminal(&e.store, &ns, "pitr-early").await;
    assert_eq!(op["status"]["phase"], "Failed");
    assert!(
        s(&condition(&op, "Failed"), "/message")
            .starts_with("can not found latest full or incremental backup")
    );
    cluster_phase(&e.store, &ns, "pitr-early", "Failed").await;
    assert_schema_valid(&e.store);
}

#[tokio::test]
async fn cluster_created_with_the_restore_annotation_comes_up() {
    let e = env();
    let full = e
        .store
        .list(Kind::Backup, None)
        .0
        .iter()
        .find(|o| o.label("dataprotection.kubeblocks.io/backup-type") == Some("Full"))
        .map(|o| o.value())
        .unwrap();
    let ns = s(&full, "/metadata/namespace");
    let snapshot: Value = serde_json::from_str(&s(
        &full,
        "/metadata/annotations/kubeblocks.io~1cluster-snapshot",
    ))
    .unwrap();
    let from = json!({"postgresql": {"name": s(&full, "/metadata/name"), "namespace": ns,
        "volumeRestorePolicy": "Parallel", "doReadyRestoreAfterClusterRunning": "false"}});
    e.store
        .create(
            Kind::Cluster,
            json!({
                "metadata": {"name": "from-full", "namespace": ns,
                    "annotations": {"kubeblocks.io/restore-from-backup": from.to_string()}},
                "spec": snapshot["spec"],
            }),
        )
        .unwrap();
    cluster_phase(&e.store, &ns, "from-full", "Creating").await;
    let cluster = cluster_phase(&e.store, &ns, "from-full", "Running").await;
    let replicas = cluster["spec"]["componentSpecs"][0]["replicas"]
        .as_u64()
        .unwrap() as usize;
    assert_eq!(pods(&e.store, &ns, "from-full").len(), replicas);
    assert!(
        e.store
            .get(Kind::Component, Some(&ns), "from-full-postgresql")
            .is_some()
    );
    assert!(
        e.store
            .get(
                Kind::BackupPolicy,
                Some(&ns),
                "from-full-postgresql-backup-policy"
            )
            .is_some()
    );
    assert_schema_valid(&e.store);
}

#[tokio::test]
async fn backups_on_demand_and_schedules() {
    let e = env();
    let (ns, c) = cluster_in(&e.store, "Running", 1);
    e.store
        .create(
            Kind::Backup,
            json!({
                "metadata": {"name": "manual-1", "namespace": ns},
                "spec": {"backupMethod": "pg-basebackup", "backupPolicyName": format!("{c}-postgresql-backup-policy"),
                         "deletionPolicy": "Delete"},
            }),
        )
        .unwrap();
    let b = until("the backup to complete", || {
        let b = e.store.get_value(Kind::Backup, Some(&ns), "manual-1")?;
        (s(&b, "/status/phase") == "Completed").then_some(b)
    })
    .await;
    assert_eq!(
        s(
            &b,
            "/metadata/labels/dataprotection.kubeblocks.io~1backup-type"
        ),
        "Full"
    );
    assert!(b["status"]["timeRange"]["end"].is_string() && b["status"]["totalSize"].is_string());
    assert!(b["metadata"]["annotations"]["kubeblocks.io/cluster-snapshot"].is_string());

    let op = create_op(
        &e.store,
        &ns,
        &c,
        "Backup",
        json!({"backup": {"backupName": "via-op", "backupMethod": "pg-basebackup"}}),
    );
    assert_succeeded(&terminal(&e.store, &ns, &op).await);
    assert_eq!(
        s(
            &e.store
                .get_value(Kind::Backup, Some(&ns), "via-op")
                .unwrap(),
            "/status/phase"
        ),
        "Completed"
    );

    // Disabling continuous archiving stops the Running continuous backup.
    let schedule = format!("{c}-postgresql-backup-schedule");
    let cluster = e.store.get_value(Kind::Cluster, Some(&ns), &c).unwrap();
    let cont_name = {
        let uid8: String = s(&cluster, "/metadata/uid").chars().take(8).collect();
        let base: String = format!("{uid8}-{schedule}-{ns}").chars().take(30).collect();
        format!("{}-archive-wal", base.trim_end_matches('-'))
    };
    assert_eq!(
        s(
            &e.store
                .get_value(Kind::Backup, Some(&ns), &cont_name)
                .unwrap(),
            "/status/phase"
        ),
        "Running"
    );
    let set_archive = |enabled: bool| {
        e.store
            .modify(Kind::BackupSchedule, Some(&ns), &schedule, |v| {
                for entry in v["spec"]["schedules"].as_array_mut().unwrap() {
                    if entry["backupMethod"] == "archive-wal" {
                        entry["enabled"] = enabled.into();
                    }
                }
                Ok(())
            })
            .unwrap();
    };
    set_archive(false);
    until("the continuous backup to stop", || {
        let b = e.store.get_value(Kind::Backup, Some(&ns), &cont_name)?;
        (s(&b, "/status/phase") == "Completed").then_some(())
    })
    .await;
    e.store.delete(Kind::Backup, Some(&ns), &cont_name).unwrap();
    set_archive(true);
    until("a new continuous backup to run", || {
        let b = e.store.get_value(Kind::Backup, Some(&ns), &cont_name)?;
        (s(&b, "/status/phase") == "Running" && b["status"]["timeRange"]["end"].is_string())
            .then_some(())
    })
    .await;
    assert_schema_valid(&e.store);
}

#[tokio::test]
async fn an_op_past_its_timeout_is_aborted() {
    let e = env();
    let (ns, c) = cluster_in(&e.store, "Running", 2);
    let name = create_op(
        &e.store,
        &ns,
        &c,
        "Restart",
        json!({"timeoutSeconds": 3, "restart": [{"componentName": "postgresql"}]}),
    );
    let op = until("the op to be aborted", || {
        let op = e.store.get_value(Kind::OpsRequest, Some(&ns), &name)?;
        (s(&op, "/status/phase") == "Aborted").then_some(op)
    })
    .await;
    assert_eq!(
        condition(&op, "Aborted")["message"],
        "Aborted due to exceeding the specified timeout period (timeoutSeconds)"
    );
    assert!(op["status"]["completionTimestamp"].is_string());
}

#[tokio::test]
async fn timestamps_come_from_the_store_clock() {
    let t0 = DateTime::parse_from_rfc3339("2026-05-04T03:02:01Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap();
    let store = Arc::new(Store::new(100_000, Arc::new(move || t0), 5));
    seed(
        &store,
        &SeedConfig {
            clusters: 3,
            seed: 5,
            ..SeedConfig::default()
        },
    );
    let e = Env {
        operator: operator::spawn(
            store.clone(),
            OperatorConfig {
                speed: 200.0,
                seed: 5,
            },
        ),
        store,
    };
    let (ns, c) = cluster_in(&e.store, "Running", 1);
    let name = create_op(
        &e.store,
        &ns,
        &c,
        "Restart",
        json!({"restart": [{"componentName": "postgresql"}]}),
    );
    let op = terminal(&e.store, &ns, &name).await;
    assert_succeeded(&op);
    let at = "2026-05-04T03:02:01Z";
    assert_eq!(op["status"]["startTimestamp"], at);
    assert_eq!(op["status"]["completionTimestamp"], at);
    for d in op["status"]["components"]["postgresql"]["progressDetails"]
        .as_array()
        .unwrap()
    {
        assert_eq!(
            (d["startTime"].as_str(), d["endTime"].as_str()),
            (Some(at), Some(at))
        );
    }
    for p in pods(&e.store, &ns, &c) {
        assert_eq!(p["metadata"]["creationTimestamp"], at);
    }
}

#[tokio::test]
async fn cancelling_a_scale_out_restores_the_replicas() {
    // Slower, so the op is still running when the cancel arrives.
    let e = env_at(20.0);
    let (ns, c) = cluster_in(&e.store, "Running", 1);
    let n = pods(&e.store, &ns, &c).len();
    let name = create_op(
        &e.store,
        &ns,
        &c,
        "HorizontalScaling",
        json!({"horizontalScaling": [{"componentName": "postgresql", "scaleOut": {"replicaChanges": 2}}]}),
    );
    until("the scale-out to run", || {
        let op = e.store.get_value(Kind::OpsRequest, Some(&ns), &name)?;
        (s(&op, "/status/phase") == "Running").then_some(())
    })
    .await;
    e.store
        .modify(Kind::OpsRequest, Some(&ns), &name, |o| {
            o["spec"]["cancel"] = true.into();
            Ok(())
        })
        .unwrap();
    let op = until("the op to be cancelled", || {
        let op = e.store.get_value(Kind::OpsRequest, Some(&ns), &name)?;
        (s(&op, "/status/phase") == "Cancelled").then_some(op)
    })
    .await;
    let cancelled = condition(&op, "Cancelled");
    assert_eq!(
        (cancelled["status"].as_str(), cancelled["reason"].as_str()),
        (Some("True"), Some("CancelSucceed"))
    );
    assert!(op["status"]["cancelTimestamp"].is_string());
    let cluster = e.store.get_value(Kind::Cluster, Some(&ns), &c).unwrap();
    assert_eq!(cluster["spec"]["componentSpecs"][0]["replicas"], n);
    assert_eq!(pods(&e.store, &ns, &c).len(), n);
    assert_eq!(
        pods(&e.store, &ns, &c)
            .iter()
            .filter(|p| role(p) == "primary")
            .count(),
        1
    );
    cluster_phase(&e.store, &ns, &c, "Running").await;
}

#[tokio::test]
async fn a_succeeded_op_goes_away_after_its_ttl() {
    let e = env();
    let (ns, c) = cluster_in(&e.store, "Running", 1);
    let name = create_op(
        &e.store,
        &ns,
        &c,
        "Restart",
        json!({"ttlSecondsAfterSucceed": 30, "restart": [{"componentName": "postgresql"}]}),
    );
    assert_succeeded(&terminal(&e.store, &ns, &name).await);
    until("the op to be deleted", || {
        e.store
            .get(Kind::OpsRequest, Some(&ns), &name)
            .is_none()
            .then_some(())
    })
    .await;
}
