//! Rows and triage read from objects shaped as KubeBlocks writes them
//! (`tests/fixtures/kubeblocks/`, see its README): the cause of a failure where the operator
//! records it, quantities where it writes quantities, schedule status by entry name, other
//! engines told apart, and no alarm for what the sources show to be normal.

use std::path::Path;

use chrono::{DateTime, Utc};
use kbdash_core::domain::archive::{Archiving, archiving};
use kbdash_core::domain::triage::{self, DownSince, Fleet, RestartMemory, Thresholds};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{
    ActionSetRow, BackupRow, ClusterRow, OpsRow, PodRow, PolicyRow, Row, ScheduleRow,
};
use serde::Deserialize;
use serde_json::Value;

fn docs(name: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/kubeblocks")
        .join(name);
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|d| Value::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

fn rows(kind: Kind, file: &str) -> Vec<Row> {
    docs(file)
        .iter()
        .map(|v| Row::from_value(kind, v).unwrap())
        .collect()
}

fn cluster(file: &str) -> ClusterRow {
    ClusterRow::from_value(&docs(file)[0])
}

fn backup(file: &str) -> BackupRow {
    match rows(Kind::Backup, file).remove(0) {
        Row::Backup(b) => b,
        other => panic!("{other:?}"),
    }
}

fn schedule(file: &str) -> ScheduleRow {
    match rows(Kind::BackupSchedule, file).remove(0) {
        Row::Schedule(s) => s,
        other => panic!("{other:?}"),
    }
}

fn policy(file: &str) -> PolicyRow {
    match rows(Kind::BackupPolicy, file).remove(0) {
        Row::Policy(p) => p,
        other => panic!("{other:?}"),
    }
}

fn action_sets() -> Vec<ActionSetRow> {
    rows(Kind::ActionSet, "actionsets-postgresql.yaml")
        .into_iter()
        .map(|r| match r {
            Row::ActionSet(a) => a,
            other => panic!("{other:?}"),
        })
        .collect()
}

fn pods(file: &str) -> Vec<PodRow> {
    rows(Kind::Pod, file)
        .into_iter()
        .map(|r| match r {
            Row::Pod(p) => p,
            other => panic!("{other:?}"),
        })
        .collect()
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn a_generic_failed_condition_gives_way_to_the_recorded_cause() {
    let ops = OpsRow::from_value(&docs("opsrequest-restart-failed-generic.yaml")[0]);
    assert_eq!(
        ops.reason,
        "Failed to restart: Pod/pg-cluster-postgresql-1 in Component: postgresql, message: \
         back-off 5m0s restarting failed container=postgresql pod=pg-cluster-postgresql-1"
    );
    assert!(ops.elided, "the cause outlives the elided details");
    // A specific condition stays the reason.
    let refused = OpsRow::from_value(&docs("opsrequest-switchover-clusterphase-failed.yaml")[0]);
    assert_eq!(
        refused.reason,
        "OpsRequest.spec.type=Switchover is forbidden when Cluster.status.phase=Stopping"
    );
    // Without failed details, the component's own message and reason.
    let mut v = docs("opsrequest-restart-failed-generic.yaml").remove(0);
    v["status"]["components"]["postgresql"]["progressDetails"] = Value::Array(vec![]);
    v["status"]["components"]["postgresql"]["message"] = "pods are not ready".into();
    v["status"]["components"]["postgresql"]["reason"] = "PodsNotReady".into();
    assert_eq!(
        OpsRow::from_value(&v).reason,
        "postgresql Failed: pods are not ready (PodsNotReady)"
    );
}

#[test]
fn component_messages_are_read_and_explain_a_failed_cluster() {
    let c = cluster("cluster-role-probe-timeout.yaml");
    assert_eq!(c.components.len(), 1);
    assert_eq!(
        c.components[0].message,
        "InstanceSet/pg-cluster-postgresql: Role probe timeout, check whether the application \
         is available"
    );
    assert_eq!(
        c.failure_messages(),
        "postgresql Failed: InstanceSet/pg-cluster-postgresql: Role probe timeout, check \
         whether the application is available"
    );
    assert!(
        cluster("cluster-pg-cluster.yaml")
            .failure_messages()
            .is_empty()
    );
}

#[test]
fn volume_snapshot_sizes_are_quantities() {
    assert_eq!(
        backup("backup-volume-snapshot.yaml").size_bytes,
        Some(20 * 1024 * 1024 * 1024)
    );
    assert_eq!(
        backup("backup-full-pg-basebackup.yaml").size_bytes,
        Some(48_329_216)
    );
}

#[test]
fn schedule_status_is_read_by_entry_name() {
    let s = schedule("backupschedule-wal-g.yaml");
    assert_eq!(s.policy, "pg-walg-postgresql-backup-policy");
    let names: Vec<&str> = s.entries.iter().map(|e| e.key()).collect();
    assert_eq!(names, ["wal-g", "wal-g-weekly", "wal-g-archive"]);
    assert_eq!(s.entries[0].last_success, Some(t("2025-06-02T18:03:41Z")));
    assert_eq!(s.entries[0].last_scheduled, Some(t("2025-06-02T18:00:00Z")));
    assert_eq!(
        s.entries[1].last_success, None,
        "the weekly entry has no status"
    );
    // Unnamed entries are keyed by their method, as the operator names them.
    let old = schedule("backupschedule-pg-cluster.yaml");
    assert_eq!(old.entries[0].key(), "pg-basebackup");
    assert_eq!(old.entries[0].last_success, Some(t("2025-06-03T02:01:14Z")));
    let failed = schedule("backupschedule-failed.yaml");
    assert_eq!(failed.phase, "Failed");
    assert_eq!(
        failed.failure_reason,
        "backup method wal-g is not in backup policy demo/pg-cluster-postgresql-backup-policy"
    );
}

#[test]
fn other_engines_are_told_apart() {
    assert!(!cluster("cluster-pg-cluster.yaml").other_engine);
    assert!(cluster("cluster-mysql.yaml").other_engine);
    assert!(pods("pods-mysql.yaml").iter().all(|p| p.other_engine));
    assert!(pods("pods-pg-cluster.yaml").iter().all(|p| !p.other_engine));
    // A cluster naming component definitions instead of a cluster definition.
    let mut v = docs("cluster-pg-cluster.yaml").remove(0);
    v["spec"]["clusterDef"] = Value::Null;
    v["spec"]["componentSpecs"][0]["componentDef"] = "postgresql-16-1.0.5".into();
    assert!(!ClusterRow::from_value(&v).other_engine);
    v["spec"]["componentSpecs"][0]["componentDef"] = "redis-7-1.0.0".into();
    assert!(ClusterRow::from_value(&v).other_engine);
}

#[test]
fn deletion_time_and_policy_are_read() {
    let c = cluster("cluster-donotterminate-deleting.yaml");
    assert_eq!(c.deleting, Some(t("2025-06-04T16:40:00Z")));
    assert_eq!(c.termination_policy, "DoNotTerminate");
    assert_eq!(c.phase, "Deleting");
}

#[test]
fn the_archiver_verdict_follows_evidence_only() {
    let now = t("2025-06-03T10:30:00Z");
    let quiet = backup("backup-continuous-wal-g-archive-idle.yaml");
    assert_eq!(quiet.archiver_pods, Some(1));
    let v = archiving(&quiet, &Thresholds::default(), now);
    assert_eq!(
        v,
        Archiving::Quiet {
            end: t("2025-06-03T01:24:48Z")
        }
    );
    assert_eq!(
        v.describe(now),
        "recoverable up to 01:24:48, no new WAL since"
    );
    let down = backup("backup-continuous-archiver-down.yaml");
    assert_eq!(down.archiver_pods, Some(0));
    assert!(archiving(&down, &Thresholds::default(), now).is_fault());
}

/// Runs triage over the listed objects at `now`.
struct Objects {
    clusters: Vec<ClusterRow>,
    pods: Vec<PodRow>,
    ops: Vec<OpsRow>,
    backups: Vec<BackupRow>,
    schedules: Vec<ScheduleRow>,
    policies: Vec<PolicyRow>,
    action_sets: Vec<ActionSetRow>,
}

impl Objects {
    fn reasons(&self, now: DateTime<Utc>) -> Vec<String> {
        fn refs<T>(v: &[T]) -> Vec<&T> {
            v.iter().collect()
        }
        let (clusters, pods, ops) = (refs(&self.clusters), refs(&self.pods), refs(&self.ops));
        let (backups, schedules) = (refs(&self.backups), refs(&self.schedules));
        let (policies, action_sets) = (refs(&self.policies), refs(&self.action_sets));
        let fleet = Fleet {
            context: "fixtures",
            clusters: &clusters,
            pods: &pods,
            ops: &ops,
            backups: &backups,
            schedules: &schedules,
            policies: &policies,
            action_sets: &action_sets,
            streams: &[],
            // Every stream has listed: what the fixtures lack does not exist.
            listed: &Kind::all().collect(),
            down: &DownSince::new(),
            api: None,
        };
        triage::problems(
            &fleet,
            &RestartMemory::default(),
            &Thresholds::default(),
            now,
        )
        .into_iter()
        .map(|p| format!("{} {}: {}", p.level.word(), p.subject, p.reason))
        .collect()
    }
}

/// The wal-g cluster of the addon guide, idle for hours: its continuous backup's end is old,
/// its archiver is up, its full method `wal-g` ran last night. Nothing is wrong.
fn idle_wal_g_cluster() -> Objects {
    let mut c = docs("cluster-pg-cluster.yaml").remove(0);
    c["metadata"]["name"] = "pg-walg".into();
    let mut pg_pods = docs("pods-pg-cluster.yaml");
    for (i, p) in pg_pods.iter_mut().enumerate() {
        p["metadata"]["name"] = format!("pg-walg-postgresql-{i}").into();
        p["metadata"]["labels"]["app.kubernetes.io/instance"] = "pg-walg".into();
    }
    Objects {
        clusters: vec![ClusterRow::from_value(&c), cluster("cluster-mysql.yaml")],
        // The MySQL cluster's crash-looping secondary is not kbdash's to judge.
        pods: pg_pods
            .iter()
            .map(|p| match Row::from_value(Kind::Pod, p).unwrap() {
                Row::Pod(p) => p,
                other => panic!("{other:?}"),
            })
            .chain(pods("pods-mysql.yaml"))
            .collect(),
        ops: vec![],
        backups: vec![backup("backup-continuous-wal-g-archive-idle.yaml")],
        schedules: vec![schedule("backupschedule-wal-g.yaml")],
        policies: vec![policy("backuppolicy-wal-g.yaml")],
        action_sets: action_sets(),
    }
}

#[test]
fn an_idle_wal_g_cluster_raises_nothing() {
    let now = t("2025-06-03T10:30:00Z");
    assert_eq!(idle_wal_g_cluster().reasons(now), Vec::<String>::new());
}

#[test]
fn the_wal_g_cluster_is_judged_by_what_its_action_sets_say() {
    // Three days without a wal-g success: the Full method is overdue (a name-based guess
    // would have taken it for a continuous one and said nothing).
    let now = t("2025-06-05T10:30:00Z");
    assert_eq!(
        idle_wal_g_cluster().reasons(now),
        [
            "WARN Cluster demo/pg-walg: last successful wal-g backup at 2025-06-02 18:03; \
          `0 18 * * *` runs every day, so one was due by 2025-06-04 18:03"
        ]
    );
    // The archiver losing its pod is a fault at once.
    let mut down = idle_wal_g_cluster();
    down.backups[0].archiver_pods = Some(0);
    let now = t("2025-06-03T10:30:00Z");
    assert_eq!(
        down.reasons(now),
        [
            "ERROR Backup demo/9d1c3b7e-pg-walg-postgresql-b-wal-g-archive: WAL archiver down: \
          Running(AvailablePods: 0), recoverable up to 01:24:48"
        ]
    );
    // No continuous backup for the enabled wal-g-archive entry.
    let mut none = idle_wal_g_cluster();
    none.backups.clear();
    assert_eq!(
        none.reasons(now),
        [
            "ERROR Cluster demo/pg-walg: schedule pg-walg-postgresql-backup-schedule enables \
          wal-g-archive but no continuous backup is Running"
        ]
    );
}

/// A continuous backup ending in year 9999 is flagged with the value, and nothing is worked
/// out from it: no verdict that it is current (it would "lag 0s" forever).
#[test]
fn an_archive_ending_in_the_future_is_flagged_not_current() {
    let now = t("2025-06-03T10:30:00Z");
    let mut odd = idle_wal_g_cluster();
    odd.backups[0].range_end = Some(t("9999-12-31T23:59:59Z"));
    let b = &odd.backups[0];
    assert_eq!(
        archiving(b, &Thresholds::default(), now),
        Archiving::Future {
            field: "time range end",
            at: t("9999-12-31T23:59:59Z")
        }
    );
    let reasons = odd.reasons(now);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].starts_with(
            "WARN Backup demo/9d1c3b7e-pg-walg-postgresql-b-wal-g-archive: dated in the future: \
             time range end 9999-12-31 23:59:59;"
        ),
        "{reasons:?}"
    );
}

#[test]
fn the_other_fixture_faults_are_reported() {
    let now = t("2025-06-04T17:00:00Z");
    let objects = Objects {
        clusters: vec![
            cluster("cluster-role-probe-timeout.yaml"),
            cluster("cluster-donotterminate-deleting.yaml"),
        ],
        pods: vec![],
        ops: vec![OpsRow::from_value(
            &docs("opsrequest-restart-failed-generic.yaml")[0],
        )],
        backups: vec![],
        schedules: vec![schedule("backupschedule-failed.yaml")],
        policies: vec![policy("backuppolicy-pg-cluster.yaml")],
        action_sets: action_sets(),
    };
    assert_eq!(
        objects.reasons(now),
        [
            "CRIT Cluster demo/pg-cluster: cluster is Failed: postgresql Failed: \
             InstanceSet/pg-cluster-postgresql: Role probe timeout, check whether the \
             application is available",
            "ERROR OpsRequest demo/pg-cluster-restart-q7k4m: Restart Failed: Failed to restart: \
             Pod/pg-cluster-postgresql-1 in Component: postgresql, message: back-off 5m0s \
             restarting failed container=postgresql pod=pg-cluster-postgresql-1",
            "ERROR Cluster demo/pg-cluster: backup schedule pg-cluster-postgresql-backup-schedule \
             Failed: backup method wal-g is not in backup policy \
             demo/pg-cluster-postgresql-backup-policy",
            "WARN Cluster prod/legacy-crm: deletion requested at 16:40:00, held by \
             terminationPolicy DoNotTerminate: it stays Deleting until the policy changes \
             (operator: \"spec.terminationPolicy DoNotTerminate is preventing deletion.\")",
        ]
    );
}
