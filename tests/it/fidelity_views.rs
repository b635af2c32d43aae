//! kbdash reading objects shaped as KubeBlocks writes them (tests/fixtures/kubeblocks, ours
//! included): an idle database's old time range end raises nothing and every view calls it
//! quiet; a downed archiver is an error wherever the archive is shown; the cause a failed op or
//! cluster records is what the reason says; other engines are counted, not shown.

use chrono::{DateTime, Utc};
use crossterm::event::KeyCode;
use serde_json::Value;

use crate::app_fixtures::{ch, fixture_file, key, model_at, model_with, objects, problems, render};
use kbdash::state::launch::Launch;
use kbdash::state::model::Model;
use kbdash::update::update;
use kbdash_core::kinds::Kind;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The addon guide's wal-g cluster (`pg-walg`: the reference cluster and pods renamed), its
/// policy, schedule and ActionSets, its continuous backup as `backup` gives it, and the MySQL
/// cluster with its pods.
fn wal_g_fleet(backup: Value) -> Vec<(Kind, Value)> {
    let rename = |mut v: Value| {
        let name = v["metadata"]["name"]
            .as_str()
            .unwrap()
            .replace("pg-cluster", "pg-walg");
        v["metadata"]["name"] = name.into();
        if v["metadata"]["labels"]["app.kubernetes.io/instance"].is_string() {
            v["metadata"]["labels"]["app.kubernetes.io/instance"] = "pg-walg".into();
        }
        v
    };
    let mut objs: Vec<(Kind, Value)> = fixture_file("cluster-pg-cluster.yaml")
        .into_iter()
        .chain(fixture_file("pods-pg-cluster.yaml"))
        .map(|(k, v)| (k, rename(v)))
        .collect();
    for file in [
        "backuppolicy-wal-g.yaml",
        "backupschedule-wal-g.yaml",
        "actionsets-postgresql.yaml",
        "cluster-mysql.yaml",
        "pods-mysql.yaml",
    ] {
        objs.extend(fixture_file(file));
    }
    objs.push((Kind::Backup, backup));
    objs
}

fn idle_backup() -> Value {
    fixture_file("backup-continuous-wal-g-archive-idle.yaml")
        .remove(0)
        .1
}

/// Hours after the last WAL upload of an idle database.
fn idle_now() -> DateTime<Utc> {
    t("2025-06-03T10:30:00Z")
}

fn wall_of(mut m: Model) -> String {
    Launch {
        wall_cycle: Some(10),
        ..Launch::default()
    }
    .apply(&mut m);
    render(&m)
}

#[test]
fn an_idle_database_raises_nothing_and_every_view_calls_it_quiet() {
    let objs = wal_g_fleet(idle_backup());
    let mut m = model_at(&objs, 120, 30, idle_now());
    assert_eq!(problems(&m), Vec::new(), "an old end alone is no fault");
    update(&mut m, ch('!'));
    insta::assert_snapshot!("idle_database_triage_120x30", render(&m));
    update(&mut m, ch('!'));

    let clusters = render(&m);
    insta::assert_snapshot!("idle_database_clusters_120x30", clusters);
    assert!(clusters.contains("■ quiet since 01:24:48"), "{clusters}");
    assert!(
        clusters.contains("+1 other KubeBlocks cluster"),
        "the MySQL cluster is counted: {clusters}"
    );
    assert!(!clusters.contains("shop-mysql"), "{clusters}");
    update(&mut m, ch('2'));
    let pods = render(&m);
    assert!(
        !pods.contains("shop-mysql"),
        "nor are its pods shown: {pods}"
    );

    let mut m = model_at(&objs, 120, 60, idle_now());
    update(&mut m, ch('d'));
    let detail = render(&m);
    assert!(
        detail.contains("■ recoverable up to 01:24:48, no new WAL since"),
        "{detail}"
    );
    assert!(
        detail.contains("wal-g-weekly (wal-g)"),
        "schedule entries by name: {detail}"
    );
    assert!(
        detail.contains("last run 2025-06-02 18:00:00 UTC · last success 2025-06-02 18:03:41 UTC"),
        "{detail}"
    );

    let wall = wall_of(model_at(&objs, 120, 30, idle_now()));
    assert!(wall.contains("PITR ■ quiet since 01:24:48"), "{wall}");
    assert!(
        wall.contains("no problems") || !wall.contains("ERROR"),
        "{wall}"
    );
}

/// "A stall is shown wherever lag is shown": the archiver's StatefulSet without a pod is the
/// same error in triage, the Clusters pane, the wall and both details.
#[test]
fn a_downed_archiver_is_an_error_wherever_the_archive_shows() {
    let mut backup = idle_backup();
    backup["status"]["actions"][0]["availableReplicas"] = 0.into();
    let objs = wal_g_fleet(backup);
    let mut m = model_at(&objs, 140, 30, idle_now());
    let found = problems(&m);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].reason,
        "WAL archiver down: Running(AvailablePods: 0), recoverable up to 01:24:48"
    );
    assert!(render(&m).contains("✗ archiver down"));
    update(&mut m, ch('d'));
    assert!(render(&m).contains("✗ WAL archiver down: Running(AvailablePods: 0)"));
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, ch('4'));
    let backups = render(&m);
    assert!(backups.contains("✗ Running(0 pods)"), "{backups}");
    update(&mut m, ch('d'));
    let detail = render(&m);
    assert!(detail.contains("Archiver pods     0 available"), "{detail}");
    assert!(
        detail.contains("✗ WAL archiver down: Running(AvailablePods: 0), recoverable up to"),
        "{detail}"
    );
    let wall = wall_of(model_at(&objs, 140, 30, idle_now()));
    assert!(wall.contains("PITR ✗ archiver down"), "{wall}");
}

/// The reference fleet with the failures of our fixtures in place of its healthy objects.
fn failing_fleet() -> Vec<(Kind, Value)> {
    let replaced = |k: Kind, v: &Value| {
        (k == Kind::Cluster && v["metadata"]["name"] == "pg-cluster") || (k == Kind::BackupSchedule)
    };
    let mut objs: Vec<(Kind, Value)> = objects()
        .into_iter()
        .filter(|(k, v)| !replaced(*k, v))
        .collect();
    for file in [
        "cluster-role-probe-timeout.yaml",
        "cluster-donotterminate-deleting.yaml",
        "opsrequest-restart-failed-generic.yaml",
        "backupschedule-failed.yaml",
        "backup-volume-snapshot.yaml",
        "actionsets-postgresql.yaml",
    ] {
        objs.extend(fixture_file(file));
    }
    objs
}

#[test]
fn the_recorded_cause_is_the_reason_everywhere() {
    let mut m = model_with(&failing_fleet(), 160, 40);
    let reasons: Vec<String> = problems(&m)
        .iter()
        .map(|p| format!("{} {}: {}", p.level.word(), p.subject, p.reason))
        .collect();
    let has = |needle: &str| reasons.iter().any(|r| r.contains(needle));
    assert!(
        has(
            "CRIT Cluster demo/pg-cluster: cluster is Failed: postgresql Failed: \
             InstanceSet/pg-cluster-postgresql: Role probe timeout"
        ),
        "{reasons:#?}"
    );
    assert!(
        has(
            "ERROR OpsRequest demo/pg-cluster-restart-q7k4m: Restart Failed: Failed to restart: \
             Pod/pg-cluster-postgresql-1"
        ),
        "{reasons:#?}"
    );
    assert!(
        has(
            "backup schedule pg-cluster-postgresql-backup-schedule Failed: backup method wal-g \
             is not in backup policy"
        ),
        "{reasons:#?}"
    );
    assert!(
        has(
            "WARN Cluster prod/legacy-crm: deletion requested at 16:40:00, held by \
             terminationPolicy DoNotTerminate"
        ),
        "{reasons:#?}"
    );
    assert!(!has("more detailed information"), "{reasons:#?}");

    // The Ops pane's REASON column and the op's detail.
    update(&mut m, ch('3'));
    update(&mut m, ch('/'));
    for c in "restart-q7k4m".chars() {
        update(&mut m, ch(c));
    }
    update(&mut m, key(KeyCode::Enter));
    let ops = render(&m);
    assert!(
        ops.contains("Failed to restart: Pod/pg-cluster-postgresql-1"),
        "{ops}"
    );
    update(&mut m, key(KeyCode::Enter));
    let detail = render(&m);
    assert!(
        detail.contains("Reason            Failed to restart: Pod/pg-cluster-postgresql-1"),
        "{detail}"
    );
    update(&mut m, key(KeyCode::Esc));

    // The cluster's component message, and the held deletion.
    update(&mut m, ch('1'));
    update(&mut m, ch('/'));
    for c in "pg-cluster".chars() {
        update(&mut m, ch(c));
    }
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, ch('d'));
    let detail = render(&m);
    assert!(
        detail.contains(
            "InstanceSet/pg-cluster-postgresql: Role probe timeout, check whether the \
             application is available"
        ),
        "{detail}"
    );
    assert!(
        detail.contains("✗ Failed: backup method wal-g is not in backup policy"),
        "{detail}"
    );

    // The volume snapshot's quantity size.
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, ch('4'));
    let backups = render(&m);
    assert!(backups.contains("20Gi"), "{backups}");
}

#[test]
fn a_deletion_held_by_do_not_terminate_is_in_the_cluster_detail() {
    let mut m = model_with(&failing_fleet(), 160, 40);
    update(&mut m, ch('/'));
    for c in "legacy-crm".chars() {
        update(&mut m, ch(c));
    }
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, ch('d'));
    let detail = render(&m);
    assert!(
        detail.contains(
            "Deletion          requested 2025-06-04 16:40:00 UTC (16h ago): held by \
             terminationPolicy DoNotTerminate until the policy changes"
        ),
        "{detail}"
    );
}
