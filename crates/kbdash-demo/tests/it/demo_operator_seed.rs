//! The demo seed: deterministic for a seed, and the fleet has the shapes and troubles the
//! dashboard needs (one primary per healthy cluster, Failed clusters (a crash loop, a role probe
//! timeout) and a Stopped one, continuous backups Running with an advancing window end, and the
//! stopped cluster's ended where it stopped).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kbdash_core::kinds::{KINDS, Kind};
use kbdash_demo::operator::{self, OperatorConfig, Pacing};
use kbdash_demo::seed::{ARCHIVER_FAILS_ANNOTATION, IDLE_ANNOTATION, SeedConfig, seed};
use kbdash_demo::store::{Clock, Store};
use serde_json::Value;

fn fixed_clock() -> Clock {
    let t0 = DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap();
    Arc::new(move || t0)
}

fn seeded(clusters: usize, seed_value: u64, clock: Clock) -> Arc<Store> {
    let store = Arc::new(Store::new(100_000, clock, seed_value));
    seed(
        &store,
        &SeedConfig {
            clusters,
            seed: seed_value,
            ..SeedConfig::default()
        },
    );
    store
}

fn all(store: &Store, kind: Kind) -> Vec<Value> {
    store.list(kind, None).0.iter().map(|o| o.value()).collect()
}

fn label<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.pointer("/metadata/labels")?.get(key)?.as_str()
}

#[test]
fn same_seed_same_fleet_other_seed_other_fleet() {
    let a = seeded(6, 7, fixed_clock());
    let b = seeded(6, 7, fixed_clock());
    let c = seeded(6, 8, fixed_clock());
    let mut differs = false;
    for info in KINDS {
        let (xa, xb, xc) = (all(&a, info.kind), all(&b, info.kind), all(&c, info.kind));
        assert_eq!(xa, xb, "{:?} differs for the same seed", info.kind);
        differs |= xa != xc;
    }
    assert!(differs, "another seed gives another fleet");
}

#[test]
fn fleet_shapes_and_troubles() {
    let store = seeded(8, 1, fixed_clock());
    let all_clusters = all(&store, Kind::Cluster);
    assert_eq!(
        all_clusters.len(),
        9,
        "eight PostgreSQL clusters and a MySQL one"
    );
    let (clusters, others): (Vec<&Value>, Vec<&Value>) = all_clusters
        .iter()
        .partition(|c| c["spec"]["clusterDef"] == "postgresql");
    assert_eq!(others.len(), 1);
    let namespaces: std::collections::BTreeSet<&str> = all_clusters
        .iter()
        .filter_map(|c| c.pointer("/metadata/namespace").and_then(Value::as_str))
        .collect();
    assert!((2..=3).contains(&namespaces.len()));
    assert_eq!(store.count(Kind::Namespace), namespaces.len());
    assert!(
        store
            .get(Kind::ComponentVersion, None, "postgresql")
            .is_some()
    );
    let pods = all(&store, Kind::Pod);
    let mut phases = Vec::new();
    let mut crash_looping = Vec::new();
    for c in &clusters {
        let name = c["metadata"]["name"].as_str().unwrap();
        let phase = c["status"]["phase"].as_str().unwrap();
        phases.push(phase.to_string());
        let mine: Vec<&Value> = pods
            .iter()
            .filter(|p| label(p, "app.kubernetes.io/instance") == Some(name))
            .collect();
        let primaries = mine
            .iter()
            .filter(|p| label(p, "kubeblocks.io/role") == Some("primary"))
            .count();
        let sv = c["spec"]["componentSpecs"][0]["serviceVersion"]
            .as_str()
            .unwrap();
        assert!(["12.15.0", "14.8.0", "15.7.0", "16.4.0"].contains(&sv));
        for p in &mine {
            assert_eq!(label(p, "app.kubernetes.io/managed-by"), Some("kubeblocks"));
            assert_eq!(
                label(p, "apps.kubeblocks.io/component-name"),
                Some("postgresql")
            );
            assert_eq!(label(p, "apps.kubeblocks.io/service-version"), Some(sv));
            assert_eq!(
                label(p, "app.kubernetes.io/component"),
                Some(format!("postgresql-{}-1.0.5", sv.split('.').next().unwrap()).as_str())
            );
            assert_eq!(
                label(p, "apps.kubeblocks.io/pod-name"),
                p["metadata"]["name"].as_str()
            );
            let pvc = format!("data-{}", p["metadata"]["name"].as_str().unwrap());
            assert!(
                store
                    .get(
                        Kind::PersistentVolumeClaim,
                        p["metadata"]["namespace"].as_str(),
                        &pvc
                    )
                    .is_some()
            );
        }
        let ready = c["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "Ready")
            .cloned();
        match phase {
            "Running" => {
                assert_eq!(primaries, 1, "{name} has one primary");
                assert_eq!(
                    mine.len() as u64,
                    c["spec"]["componentSpecs"][0]["replicas"].as_u64().unwrap()
                );
            }
            // A crash-looping secondary fails the one component, and so the cluster: never
            // Abnormal with one component (docs/kubeblocks.md#phases).
            "Failed"
                if mine
                    .iter()
                    .any(|p| p.to_string().contains("CrashLoopBackOff")) =>
            {
                crash_looping.push(name.to_string());
                assert_eq!(primaries, 1, "{name} still has its primary");
                let broken: Vec<&&Value> = mine
                    .iter()
                    .filter(|p| p.to_string().contains("CrashLoopBackOff"))
                    .collect();
                assert_eq!(broken.len(), 1);
                assert!(
                    broken[0]["status"]["containerStatuses"][0]["restartCount"]
                        .as_u64()
                        .unwrap()
                        > 0
                );
                let ready = ready.unwrap();
                assert_eq!(ready["status"], "False");
                assert!(ready["message"].as_str().unwrap().contains("is NOT ready"));
                assert_eq!(c["status"]["components"]["postgresql"]["phase"], "Failed");
                assert!(
                    c["status"]["components"]["postgresql"]["message"]
                        [format!("InstanceSet/{name}-postgresql")]
                    .as_str()
                    .unwrap()
                    .starts_with("pods are not ready: ")
                );
            }
            "Failed" => {
                // The role probe timeout: every pod Ready, one without its role.
                assert_eq!(primaries, 1);
                assert!(mine.iter().all(|p| p.to_string().contains("\"Ready\"")));
                assert!(
                    mine.iter()
                        .any(|p| label(p, "kubeblocks.io/role").is_none())
                );
                assert_eq!(
                    c["status"]["components"]["postgresql"]["message"]
                        [format!("InstanceSet/{name}-postgresql")],
                    "Role probe timeout, check whether the application is available"
                );
            }
            "Deleting" => {
                assert_eq!(c["spec"]["terminationPolicy"], "DoNotTerminate");
                assert!(c["metadata"]["deletionTimestamp"].is_string());
                assert_eq!(primaries, 1, "nothing was deleted");
                let event = all(&store, Kind::Event)
                    .into_iter()
                    .find(|e| e["involvedObject"]["name"] == name)
                    .expect("the operator's Warning event");
                assert_eq!(
                    (
                        event["type"].as_str(),
                        event["reason"].as_str(),
                        event["message"].as_str()
                    ),
                    (
                        Some("Warning"),
                        Some("DoNotTerminate"),
                        Some("spec.terminationPolicy DoNotTerminate is preventing deletion.")
                    )
                );
            }
            "Stopped" => assert!(mine.is_empty(), "a stopped cluster has no pods"),
            other => panic!("unexpected seeded phase {other}"),
        }
    }
    for phase in ["Stopped", "Failed", "Deleting"] {
        assert!(phases.contains(&phase.to_string()), "{phase}");
    }
    assert_eq!(crash_looping, ["orders-db"]);
    let mysql = others[0]["metadata"]["name"].as_str().unwrap();
    let mysql_pods: Vec<&Value> = pods
        .iter()
        .filter(|p| label(p, "app.kubernetes.io/instance") == Some(mysql))
        .collect();
    assert_eq!(mysql_pods.len(), 2);
    for p in mysql_pods {
        assert_eq!(label(p, "app.kubernetes.io/managed-by"), Some("kubeblocks"));
        assert_eq!(
            label(p, "app.kubernetes.io/component"),
            Some("mysql-8.0-1.0.0")
        );
    }

    let ops = all(&store, Kind::OpsRequest);
    assert!(ops.len() >= 24);
    assert!(
        ops.iter()
            .all(|o| matches!(o["status"]["phase"].as_str(), Some("Succeed" | "Failed")))
    );
    let condition = |o: &Value, ty: &str| {
        o["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == ty)
            .cloned()
    };
    let refused = ops
        .iter()
        .find(|o| condition(o, "Validated").is_some_and(|c| c["status"] == "False"))
        .expect("a refused op");
    assert_eq!(
        condition(refused, "Validated").unwrap()["reason"],
        "ValidateFailed"
    );
    let generic = ops
        .iter()
        .find(|o| condition(o, "Failed").is_some())
        .expect("an op failed in a component");
    assert!(
        condition(generic, "Failed").unwrap()["message"]
            .as_str()
            .unwrap()
            .ends_with("more detailed information in status.components")
    );
    let details = generic["status"]["components"]["postgresql"]["progressDetails"]
        .as_array()
        .unwrap();
    assert!(
        details.iter().any(|d| d["status"] == "Failed"
            && d["message"].as_str().unwrap().contains("message: back-off"))
    );

    assert_eq!(store.count(Kind::ActionSet), 5);
    let backups = all(&store, Kind::Backup);
    let continuous: Vec<&Value> = backups
        .iter()
        .filter(|b| label(b, "dataprotection.kubeblocks.io/backup-type") == Some("Continuous"))
        .collect();
    assert_eq!(continuous.len(), 8, "one per PostgreSQL cluster");
    let (stopped, continuous): (Vec<&Value>, Vec<&Value>) = continuous
        .into_iter()
        .partition(|b| label(b, "app.kubernetes.io/instance") == Some("legacy-crm"));
    stopped_cluster_backups(&store, &ops, &backups, stopped[0]);
    for b in &continuous {
        assert_eq!(b["status"]["phase"], "Running");
        assert!(b["status"]["timeRange"]["end"].is_string());
        assert_eq!(b["status"]["actions"][0]["actionType"], "StatefulSet");
        assert_eq!(b["status"]["actions"][0]["availableReplicas"], 1);
    }
    assert!(
        continuous
            .iter()
            .any(|b| b["spec"]["backupMethod"] == "wal-g-archive"),
        "the wal-g cluster"
    );
    let full: Vec<&Value> = backups
        .iter()
        .filter(|b| label(b, "dataprotection.kubeblocks.io/backup-type") == Some("Full"))
        .collect();
    assert!(full.iter().any(|b| b["spec"]["backupMethod"] == "wal-g"));
    let snapshot = full
        .iter()
        .find(|b| b["spec"]["backupMethod"] == "volume-snapshot")
        .expect("a volume snapshot");
    assert!(
        ["20Gi", "50Gi", "100Gi"].contains(&snapshot["status"]["totalSize"].as_str().unwrap()),
        "sized as a quantity"
    );
    for b in full {
        assert_eq!(b["status"]["phase"], "Completed");
        for key in [
            "kubeblocks.io/encrypted-system-accounts",
            "kubeblocks.io/cluster-snapshot",
        ] {
            assert!(b["metadata"]["annotations"][key].is_string(), "{key}");
        }
        assert!(b["status"]["totalSize"].is_string() && b["status"]["duration"].is_string());
    }
    for s in all(&store, Kind::BackupSchedule) {
        for e in s["spec"]["schedules"].as_array().unwrap() {
            assert_eq!(
                e["name"], e["backupMethod"],
                "named as the operator names them"
            );
        }
    }
    assert!(
        all(&store, Kind::BackupSchedule).iter().any(|s| {
            s["status"]["schedules"]
                .as_object()
                .unwrap()
                .values()
                .any(|e| e["lastSuccessfulTime"].is_string())
        }),
        "last success times by entry name"
    );
    assert_eq!(store.count(Kind::BackupPolicy), 8);
    assert_eq!(store.count(Kind::BackupSchedule), 8);
    assert_eq!(store.count(Kind::Service), 8);
}

/// `legacy-crm` was stopped: its continuous backup is as the operator left it then, Completed
/// with its end where archiving stopped (docs/kubeblocks.md#continuous-backup), and no full
/// backup ends after the stop.
fn stopped_cluster_backups(store: &Store, ops: &[Value], backups: &[Value], continuous: &Value) {
    let cluster = store
        .list(Kind::Cluster, None)
        .0
        .iter()
        .map(|o| o.value())
        .find(|c| c["metadata"]["name"] == "legacy-crm")
        .unwrap();
    assert_eq!(cluster["status"]["phase"], "Stopped");
    let stop = ops
        .iter()
        .find(|o| o["spec"]["clusterName"] == "legacy-crm" && o["spec"]["type"] == "Stop")
        .expect("the Stop that stopped it");
    let stopped_at = time(&stop["metadata"]["creationTimestamp"]);
    assert_eq!(continuous["status"]["phase"], "Completed");
    assert_eq!(time(&continuous["status"]["timeRange"]["end"]), stopped_at);
    assert!(time(&continuous["status"]["completionTimestamp"]) >= stopped_at);
    assert!(
        continuous["status"]["actions"][0]["availableReplicas"].is_null(),
        "no archiver runs"
    );
    let fulls: Vec<&Value> = backups
        .iter()
        .filter(|b| label(b, "app.kubernetes.io/instance") == Some("legacy-crm"))
        .filter(|b| label(b, "dataprotection.kubeblocks.io/backup-type") == Some("Full"))
        .collect();
    assert!(!fulls.is_empty(), "backed up before it stopped");
    for b in fulls {
        assert!(time(&b["status"]["timeRange"]["end"]) < stopped_at, "{b}");
    }
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// The archiver of `inventory` loses its StatefulSet pod two minutes in: the action's
/// `availableReplicas` drops to 0 and the end stops advancing.
#[tokio::test]
async fn an_archiver_loses_its_pod_at_the_annotated_time() {
    let store = seeded(8, 1, ticking_clock());
    let failing = all(&store, Kind::Backup)
        .into_iter()
        .find(|b| !b["metadata"]["annotations"][ARCHIVER_FAILS_ANNOTATION].is_null())
        .expect("the failing archiver");
    let (ns, name) = (
        failing["metadata"]["namespace"]
            .as_str()
            .unwrap()
            .to_string(),
        failing["metadata"]["name"].as_str().unwrap().to_string(),
    );
    let handle = operator::spawn_paced(
        store.clone(),
        OperatorConfig {
            speed: 100.0,
            seed: 1,
        },
        Pacing {
            continuous_interval_secs: 1.0,
            updates_per_sec: 500.0,
        },
    );
    let down = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let b = store.get_value(Kind::Backup, Some(&ns), &name).unwrap();
            if b["status"]["actions"][0]["availableReplicas"] == 0 {
                return b;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("availableReplicas drops to 0");
    assert_eq!(
        down["status"]["phase"], "Running",
        "the backup itself stays Running"
    );
    let end = down["status"]["timeRange"]["end"].clone();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let later = store.get_value(Kind::Backup, Some(&ns), &name).unwrap();
    assert_eq!(later["status"]["timeRange"]["end"], end, "no WAL any more");
    handle.abort();
}

/// A clock that moves forward a second on every reading.
fn ticking_clock() -> Clock {
    let t0 = DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap();
    let n = Arc::new(std::sync::atomic::AtomicI64::new(0));
    Arc::new(move || {
        t0 + chrono::Duration::seconds(n.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    })
}

#[tokio::test]
async fn continuous_backups_advance_and_crash_loops_count_up() {
    let store = seeded(6, 1, ticking_clock());
    let continuous: Vec<Value> = all(&store, Kind::Backup)
        .into_iter()
        .filter(|b| label(b, "dataprotection.kubeblocks.io/backup-type") == Some("Continuous"))
        .collect();
    let is_idle = |b: &Value| !b["metadata"]["annotations"][IDLE_ANNOTATION].is_null();
    let backup = continuous.iter().find(|b| !is_idle(b)).unwrap().clone();
    let idle = continuous.iter().find(|b| is_idle(b)).unwrap().clone();
    let (ns, name) = (
        backup["metadata"]["namespace"]
            .as_str()
            .unwrap()
            .to_string(),
        backup["metadata"]["name"].as_str().unwrap().to_string(),
    );
    let end0 = backup["status"]["timeRange"]["end"]
        .as_str()
        .unwrap()
        .to_string();
    let crashing = all(&store, Kind::Pod)
        .into_iter()
        .find(|p| p.to_string().contains("CrashLoopBackOff"))
        .unwrap();
    let restarts0 = crashing["status"]["containerStatuses"][0]["restartCount"]
        .as_u64()
        .unwrap();
    let pod_key = (
        crashing["metadata"]["namespace"]
            .as_str()
            .unwrap()
            .to_string(),
        crashing["metadata"]["name"].as_str().unwrap().to_string(),
    );
    let handle = operator::spawn_paced(
        store.clone(),
        OperatorConfig {
            speed: 100.0,
            seed: 1,
        },
        Pacing {
            continuous_interval_secs: 5.0,
            updates_per_sec: 200.0,
        },
    );
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let b = store.get_value(Kind::Backup, Some(&ns), &name).unwrap();
            let p = store
                .get_value(Kind::Pod, Some(&pod_key.0), &pod_key.1)
                .unwrap();
            let end = b["status"]["timeRange"]["end"]
                .as_str()
                .unwrap()
                .to_string();
            let restarts = p["status"]["containerStatuses"][0]["restartCount"]
                .as_u64()
                .unwrap();
            if end > end0 && restarts > restarts0 {
                assert_eq!(b["status"]["phase"], "Running");
                break;
            }
            let event = store
                .list(Kind::Event, Some(&pod_key.0))
                .0
                .iter()
                .map(|o| o.value())
                .find(|e| e["involvedObject"]["name"] == pod_key.1.as_str())
                .expect("the kubelet's BackOff event");
            assert_eq!(
                (event["type"].as_str(), event["reason"].as_str()),
                (Some("Warning"), Some("BackOff"))
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the window end advances and the crash-looping pod restarts again");
    let idle_now = store
        .get_value(
            Kind::Backup,
            idle["metadata"]["namespace"].as_str(),
            idle["metadata"]["name"].as_str().unwrap(),
        )
        .unwrap();
    assert_eq!(
        idle_now["status"]["timeRange"]["end"], idle["status"]["timeRange"]["end"],
        "the demo's idle database uploads no WAL"
    );
    assert_eq!(
        idle_now["status"]["actions"][0]["availableReplicas"], 1,
        "its archiver is up all the same"
    );
    handle.abort();
}

#[tokio::test]
async fn schedules_fire_full_backups_on_their_cron() {
    let t0 = DateTime::parse_from_rfc3339("2026-03-01T12:00:30Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap();
    let offset = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let clock: Clock = {
        let offset = offset.clone();
        Arc::new(move || {
            t0 + chrono::Duration::seconds(offset.load(std::sync::atomic::Ordering::Relaxed))
        })
    };
    let store = seeded(6, 1, clock);
    let schedule = all(&store, Kind::BackupSchedule)
        .into_iter()
        .find(|s| s["spec"]["schedules"][0]["enabled"] == true)
        .unwrap();
    let ns = schedule["metadata"]["namespace"]
        .as_str()
        .unwrap()
        .to_string();
    let name = schedule["metadata"]["name"].as_str().unwrap().to_string();
    let handle = operator::spawn(
        store.clone(),
        OperatorConfig {
            speed: 200.0,
            seed: 1,
        },
    );
    // The operator registers the changed schedule at 12:00:30 (its status write shows it),
    // then the clock moves past 12:02.
    store
        .modify(Kind::BackupSchedule, Some(&ns), &name, |s| {
            s["spec"]["schedules"][0]["cronExpression"] = "*/2 * * * *".into();
            s["status"]["schedules"] = serde_json::json!({});
            Ok(())
        })
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let s = store
                .get_value(Kind::BackupSchedule, Some(&ns), &name)
                .unwrap();
            if s["status"]["schedules"]["pg-basebackup"]["phase"] == "Running" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();
    offset.store(120, std::sync::atomic::Ordering::Relaxed);
    let cluster = name
        .trim_end_matches("-postgresql-backup-schedule")
        .to_string();
    let expected = format!("{cluster}-20260301120200");
    let backup = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(b) = store.get_value(Kind::Backup, Some(&ns), &expected)
                && b["status"]["phase"] == "Completed"
            {
                return b;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the scheduled backup runs and completes");
    assert_eq!(
        label(&backup, "dataprotection.kubeblocks.io/backup-schedule"),
        Some(name.as_str())
    );
    assert_eq!(
        label(&backup, "dataprotection.kubeblocks.io/autobackup"),
        Some("true")
    );
    let s = store
        .get_value(Kind::BackupSchedule, Some(&ns), &name)
        .unwrap();
    assert_eq!(
        s["status"]["schedules"]["pg-basebackup"]["lastScheduleTime"],
        "2026-03-01T12:02:00Z"
    );
    handle.abort();
}

#[test]
fn seeded_kubeblocks_objects_pass_schema_admission() {
    let store = seeded(6, 1, fixed_clock());
    for info in KINDS.iter().filter(|i| i.crd_schema.is_some()) {
        for mut obj in all(&store, info.kind) {
            let name = obj["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if let Err(causes) = kbdash_core::schema::admit(info.kind, &mut obj) {
                panic!("{:?} {name}: {causes:?}", info.kind);
            }
        }
    }
}

#[test]
fn zero_clusters_seed_nothing() {
    let store = seeded(0, 1, fixed_clock());
    for info in KINDS {
        assert_eq!(store.count(info.kind), 0, "{:?}", info.kind);
    }
}
