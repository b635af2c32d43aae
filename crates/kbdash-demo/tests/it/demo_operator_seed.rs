//! The demo seed: deterministic for a seed, and the fleet has the shapes and troubles the
//! dashboard needs (one primary per healthy cluster, an Abnormal and a Stopped cluster,
//! continuous backups Running with an advancing window end).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kbdash_core::kinds::{KINDS, Kind};
use kbdash_demo::operator::{self, OperatorConfig, Pacing};
use kbdash_demo::seed::{STALLED_ANNOTATION, SeedConfig, seed};
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
    let store = seeded(6, 1, fixed_clock());
    let clusters = all(&store, Kind::Cluster);
    assert_eq!(clusters.len(), 6);
    let namespaces: std::collections::BTreeSet<&str> = clusters
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
        match phase {
            "Running" => {
                assert_eq!(primaries, 1, "{name} has one primary");
                assert_eq!(
                    mine.len() as u64,
                    c["spec"]["componentSpecs"][0]["replicas"].as_u64().unwrap()
                );
            }
            "Abnormal" => {
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
                let ready = c["status"]["conditions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["type"] == "Ready")
                    .unwrap();
                assert_eq!(ready["status"], "False");
                assert!(ready["message"].as_str().unwrap().contains("is NOT ready"));
            }
            "Stopped" => assert!(mine.is_empty(), "a stopped cluster has no pods"),
            other => panic!("unexpected seeded phase {other}"),
        }
    }
    assert!(phases.contains(&"Abnormal".to_string()));
    assert!(phases.contains(&"Stopped".to_string()));

    let ops = all(&store, Kind::OpsRequest);
    assert!(ops.len() >= 12);
    assert!(
        ops.iter()
            .all(|o| matches!(o["status"]["phase"].as_str(), Some("Succeed" | "Failed")))
    );
    let failed = ops
        .iter()
        .find(|o| o["status"]["phase"] == "Failed")
        .expect("a failed op");
    let validated = failed["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Validated")
        .unwrap();
    assert_eq!(validated["status"], "False");
    assert_eq!(validated["reason"], "ValidateFailed");

    let backups = all(&store, Kind::Backup);
    let continuous: Vec<&Value> = backups
        .iter()
        .filter(|b| label(b, "dataprotection.kubeblocks.io/backup-type") == Some("Continuous"))
        .collect();
    assert_eq!(
        continuous.len(),
        5,
        "every cluster but the stopped one archives WAL"
    );
    for b in &continuous {
        assert_eq!(b["status"]["phase"], "Running");
        assert!(b["status"]["timeRange"]["end"].is_string());
    }
    let full: Vec<&Value> = backups
        .iter()
        .filter(|b| label(b, "dataprotection.kubeblocks.io/backup-type") == Some("Full"))
        .collect();
    assert!(!full.is_empty());
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
    assert_eq!(store.count(Kind::BackupPolicy), 6);
    assert_eq!(store.count(Kind::BackupSchedule), 6);
    assert_eq!(store.count(Kind::Service), 6);
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
    let is_stalled = |b: &Value| !b["metadata"]["annotations"][STALLED_ANNOTATION].is_null();
    let backup = continuous.iter().find(|b| !is_stalled(b)).unwrap().clone();
    let stalled = continuous.iter().find(|b| is_stalled(b)).unwrap().clone();
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
    let stalled_now = store
        .get_value(
            Kind::Backup,
            stalled["metadata"]["namespace"].as_str(),
            stalled["metadata"]["name"].as_str().unwrap(),
        )
        .unwrap();
    assert_eq!(
        stalled_now["status"]["timeRange"]["end"], stalled["status"]["timeRange"]["end"],
        "the demo's stalled archiver never advances"
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
