//! The detail views' facts that no row keeps (issue 14, items 13, 16 and 17): a pod's
//! containers from the followed object; a cluster's Services, account secret and where it was
//! restored from, listed when its detail opens; the parameters Reconfiguring requests changed;
//! and LAST OP keeping a deleted request's outcome.

use crate::app_fixtures::{apply, fixture_file, key, model_with, objects, render, watch};
use crossterm::event::KeyCode;
use kbdash::k8s::watch::WatchEvent;
use kbdash::state::cmd::Cmd;
use kbdash::state::model::{Model, Pane};
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::detail::restored::{RestoreSource, SeenOn};
use kbdash_core::detail::services::ServiceFacts;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, ObjRef};
use serde_json::{Value, json};

/// Opens the detail of `name` in `pane`, returning the commands it asked for.
fn open(m: &mut Model, pane: Pane, name: &str) -> Vec<Cmd> {
    m.focus = pane;
    let obj = ObjKey::new("demo", name);
    match pane {
        Pane::Clusters => m.store.clusters.select_key(&obj),
        Pane::Pods => m.store.pods.select_key(&obj),
        Pane::Ops => m.store.ops.select_key(&obj),
        Pane::Backups => m.store.backups.select_key(&obj),
    }
    update(m, key(KeyCode::Char('d')))
}

fn fixture(kind: Kind, name: &str) -> Value {
    objects()
        .into_iter()
        .find(|(k, v)| *k == kind && v["metadata"]["name"] == name)
        .map(|(_, v)| v)
        .unwrap()
}

/// Text of the rendered screen, with no escape sequence or other control character in it.
fn screen(m: &Model) -> String {
    let s = render(m);
    assert!(!s.chars().any(|c| c.is_control() && c != '\n'), "{s}");
    s
}

const HOSTILE: &str = "\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}evil\u{202e}";

#[test]
fn a_pod_detail_shows_each_container_state_last_termination_and_restarts() {
    let mut m = model_with(&objects(), 120, 45);
    let name = "pg-cluster-postgresql-1";
    let cmds = open(&mut m, Pane::Pods, name);
    let target = ObjRef {
        kind: Kind::Pod,
        key: ObjKey::new("demo", name),
    };
    assert_eq!(cmds[0], Cmd::Follow(Some(target.clone())));
    assert!(
        matches!(&cmds[1..], [Cmd::WatchObjectEvents { .. }]),
        "its Events"
    );
    assert!(screen(&m).contains("loading…"));

    let mut pod = fixture(Kind::Pod, name);
    pod["status"]["containerStatuses"][0] = json!({"name": "postgresql", "ready": false,
        "restartCount": 3,
        "state": {"waiting": {"reason": "CrashLoopBackOff",
            "message": format!("back-off 40s restarting failed container {HOSTILE}")}},
        "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
            "finishedAt": "2025-06-05T08:58:00Z"}}});
    pod["status"]["containerStatuses"][1]["lastState"] = json!({"terminated": {"exitCode": 1,
        "reason": HOSTILE, "finishedAt": "2025-06-05T07:00:00Z"}});
    pod["status"]["containerStatuses"][1]["restartCount"] = json!(1);
    update(
        &mut m,
        Msg::Raw {
            target,
            result: Ok(pod),
        },
    );
    let s = screen(&m);
    assert!(s.contains("Waiting: CrashLoopBackOff"), "{s}");
    assert!(
        s.contains("last termination: exit 137 (OOMKilled) at 2025-06-05 08:58:00 UTC"),
        "{s}"
    );
    insta::assert_snapshot!("pod_containers", s);

    let cmds = update(&mut m, key(KeyCode::Esc));
    assert_eq!(cmds, vec![Cmd::Follow(None), Cmd::StopObjectEvents]);
    assert_eq!(m.followed_pod, None);
}

fn services() -> Vec<ServiceFacts> {
    let service = |name: &str, kind: &str, ip: &str, extra: Value| {
        let mut v = json!({"metadata": {"name": name}, "spec": {"type": kind, "clusterIP": ip,
            "selector": {"kubeblocks.io/role": "primary"},
            "ports": [{"name": "tcp-postgresql", "port": 5432},
                {"name": "tcp-pgbouncer", "port": 6432}]}});
        if let Some(extra) = extra.as_object() {
            for (k, val) in extra {
                v[k] = val.clone();
            }
        }
        ServiceFacts::from_value(&v)
    };
    vec![
        service(
            "pg-cluster-pitr-postgresql",
            "ClusterIP",
            "10.96.4.20",
            json!({}),
        ),
        service(
            "pg-cluster-pitr-postgresql-internet",
            "LoadBalancer",
            "10.96.7.31",
            json!({"status": {"loadBalancer": {"ingress": [
                {"hostname": "pg-cluster-pitr-postgresql-internet.elb.example.com"}]}}}),
        ),
    ]
}

#[test]
fn a_restored_cluster_keeps_its_source_after_the_annotation_and_the_request_are_gone() {
    let mut objs = objects();
    // The annotation as the guide writes it, with a password the detail must not show.
    let cluster = objs
        .iter_mut()
        .find(|(k, v)| *k == Kind::Cluster && v["metadata"]["name"] == "pg-cluster-pitr")
        .unwrap();
    let annotation = "/metadata/annotations/kubeblocks.io~1restore-from-backup";
    let mut entries: Value =
        serde_json::from_str(cluster.1.pointer(annotation).unwrap().as_str().unwrap()).unwrap();
    entries["postgresql"]["connectionPassword"] = json!("PASSWORD-IN-THE-ANNOTATION");
    *cluster.1.pointer_mut(annotation).unwrap() = json!(entries.to_string());
    let restored = cluster.1.clone();
    let mut m = model_with(&objs, 130, 60);

    let ck = ObjKey::new("demo", "pg-cluster-pitr");
    let mut cmds = open(&mut m, Pane::Clusters, "pg-cluster-pitr");
    assert!(
        matches!(cmds.pop(), Some(Cmd::WatchObjectEvents { .. })),
        "its Events"
    );
    assert_eq!(
        cmds,
        vec![Cmd::LoadClusterFacts {
            cluster: ck.clone(),
            components: vec!["postgresql".into()],
        }]
    );
    let s = screen(&m);
    assert!(s.contains("Services: loading…"), "{s}");
    update(
        &mut m,
        Msg::ClusterFacts {
            cluster: ck.clone(),
            services: Ok(services()),
            restores: Ok(Vec::new()),
        },
    );
    let s = screen(&m);
    assert!(
        s.contains(
            "backup 5f8e2c1a-pg-cluster-postgresql-archive-wal, point in time 2025-06-03T09:30:00Z"
        ),
        "{s}"
    );
    assert!(
        s.contains("Secret pg-cluster-pitr-postgresql-account-postgres"),
        "{s}"
    );
    assert!(!s.contains("PASSWORD-IN-THE-ANNOTATION"), "{s}");
    insta::assert_snapshot!("restored_cluster", s);

    // The restore is done: the operator removes the annotation, and the request's ttl deletes
    // it (kbcli: 30 s).
    let mut done = restored;
    done["metadata"]["annotations"]
        .as_object_mut()
        .unwrap()
        .remove("kubeblocks.io/restore-from-backup");
    done["status"]["phase"] = json!("Running");
    update(&mut m, apply(Kind::Cluster, &done));
    let mut op = fixture(Kind::OpsRequest, "pg-cluster-pitr");
    op["status"]["phase"] = json!("Succeed");
    op["status"]["completionTimestamp"] = json!("2025-06-04T19:02:00Z");
    update(&mut m, apply(Kind::OpsRequest, &op));
    update(
        &mut m,
        watch(
            Kind::OpsRequest,
            WatchEvent::Delete(ObjKey::new("demo", "pg-cluster-pitr")),
        ),
    );
    let s = screen(&m);
    assert!(s.contains("Restored from"), "{s}");
    assert!(
        s.contains("seen on the cluster's restore-from-backup annotation"),
        "{s}"
    );
    assert!(
        s.contains("ended 2025-06-04 19:02:00 UTC, since deleted (its ttl)"),
        "{s}"
    );
    update(&mut m, key(KeyCode::Esc));
    m.store.clusters.select_key(&ck);
    let s = screen(&m);
    let row = s.lines().find(|l| l.contains("pg-cluster-pitr")).unwrap();
    assert!(
        row.contains("Restore ✓ Succeed") || row.contains("Restore Succeed"),
        "{row}"
    );
}

#[test]
fn a_restore_seen_only_on_its_restore_object_and_lookups_that_fail() {
    let mut objs = objects();
    objs.retain(|(k, v)| !(*k == Kind::OpsRequest && v["metadata"]["name"] == "pg-cluster-pitr"));
    let cluster = objs
        .iter_mut()
        .find(|(k, v)| *k == Kind::Cluster && v["metadata"]["name"] == "pg-cluster-pitr")
        .unwrap();
    cluster.1["metadata"]["annotations"]
        .as_object_mut()
        .unwrap()
        .remove("kubeblocks.io/restore-from-backup");
    let mut m = model_with(&objs, 130, 60);
    let ck = ObjKey::new("demo", "pg-cluster-pitr");
    open(&mut m, Pane::Clusters, "pg-cluster-pitr");
    assert!(!screen(&m).contains("Restored from"));
    update(
        &mut m,
        Msg::ClusterFacts {
            cluster: ck.clone(),
            services: Err(format!("403 Forbidden: services is forbidden {HOSTILE}")),
            restores: Ok(vec![RestoreSource {
                backup: format!("b-{HOSTILE}"),
                namespace: "demo".into(),
                time: "2025-06-03T09:30:00Z".into(),
                seen_on: SeenOn::RestoreObject,
            }]),
        },
    );
    let s = screen(&m);
    assert!(s.contains("seen on the cluster's Restore object"), "{s}");
    assert!(
        s.contains("Services: unknown (cannot list them: 403 Forbidden"),
        "{s}"
    );
    // An answer for a cluster whose detail is not open is dropped.
    update(&mut m, key(KeyCode::Esc));
    update(
        &mut m,
        Msg::ClusterFacts {
            cluster: ck,
            services: Ok(services()),
            restores: Ok(Vec::new()),
        },
    );
    assert_eq!(m.cluster_facts, None);
}

#[test]
fn an_expose_that_ends_lists_the_services_again() {
    let mut m = model_with(&objects(), 130, 60);
    let ck = ObjKey::new("demo", "pg-cluster");
    open(&mut m, Pane::Clusters, "pg-cluster");
    let mut op = fixture(Kind::OpsRequest, "pg-cluster-expose-r1g6w");
    op["metadata"]["name"] = json!("pg-cluster-expose-again");
    op["status"]["phase"] = json!("Running");
    assert_eq!(update(&mut m, apply(Kind::OpsRequest, &op)), vec![]);
    op["status"]["phase"] = json!("Succeed");
    let cmds = update(&mut m, apply(Kind::OpsRequest, &op));
    assert!(
        matches!(cmds.as_slice(), [Cmd::LoadClusterFacts { cluster, .. }] if *cluster == ck),
        "{cmds:?}"
    );
    // The same ended request seen again asks for nothing.
    assert_eq!(update(&mut m, apply(Kind::OpsRequest, &op)), vec![]);
}

#[test]
fn reconfiguring_shows_old_and_new_values_and_the_cluster_the_values_that_hold() {
    let mut objs = objects();
    let mut second = fixture(Kind::OpsRequest, "pg-cluster-reconfiguring-t8w1r");
    second["metadata"]["name"] = json!("pg-cluster-reconfiguring-z2k9q");
    second["metadata"]["creationTimestamp"] = json!("2025-06-04T12:00:00Z");
    second["spec"]["reconfigures"][0]["parameters"] = json!([
        {"key": "max_connections", "value": "300"},
        {"key": "shared_buffers", "value": format!("1GB{HOSTILE}")}]);
    second["status"]["phase"] = json!("Running");
    second["status"]
        .as_object_mut()
        .unwrap()
        .remove("completionTimestamp");
    objs.push((Kind::OpsRequest, second));
    let mut m = model_with(&objs, 130, 60);

    open(&mut m, Pane::Ops, "pg-cluster-reconfiguring-z2k9q");
    let s = screen(&m);
    assert!(s.contains("max_connections"), "{s}");
    let line = s.lines().find(|l| l.contains("max_connections")).unwrap();
    assert!(line.contains("200 → 300"), "{line}");
    let line = s.lines().find(|l| l.contains("shared_buffers")).unwrap();
    assert!(line.contains("unknown → 1GB"), "{line}");
    insta::assert_snapshot!("reconfiguring_request", s);
    update(&mut m, key(KeyCode::Esc));

    open(&mut m, Pane::Clusters, "pg-cluster");
    let s = screen(&m);
    let line = s
        .lines()
        .find(|l| l.contains("max_connections") && l.contains('='))
        .unwrap();
    assert!(
        line.contains("= 200") && line.contains("pg-cluster-reconfiguring-t8w1r"),
        "{line}"
    );
    let line = s
        .lines()
        .find(|l| l.contains("max_connections") && l.contains('→'))
        .unwrap();
    assert!(line.contains("→ 300"), "{line}");
    assert!(
        s.contains("every other parameter has the addon's value"),
        "{s}"
    );
}

#[test]
fn last_op_outlives_a_request_deleted_while_the_stream_was_down() {
    let objs = fixture_file("opsrequest-restore-pitr.yaml");
    let mut m = model_with(&objects(), 130, 40);
    let cluster = ObjKey::new("demo", "pg-cluster-pitr");
    let before = m.store.ops.len();
    // A relist without the request: it was deleted while the stream was down.
    update(&mut m, watch(Kind::OpsRequest, WatchEvent::Init));
    for (k, v) in objects().iter().filter(|(k, v)| {
        *k == Kind::OpsRequest && v["metadata"]["name"] != objs[0].1["metadata"]["name"]
    }) {
        let row = kbdash_core::rows::Row::from_value(*k, v).unwrap();
        update(
            &mut m,
            watch(Kind::OpsRequest, WatchEvent::InitRow(Box::new(row))),
        );
    }
    update(&mut m, watch(Kind::OpsRequest, WatchEvent::InitDone));
    assert_eq!(m.store.ops.len(), before - 1);
    m.focus = Pane::Clusters;
    m.store.clusters.select_key(&cluster);
    let s = screen(&m);
    let row = s.lines().find(|l| l.contains("pg-cluster-pitr")).unwrap();
    assert!(row.contains("Restore"), "{row}");
    // Deleting the cluster forgets it all.
    update(
        &mut m,
        watch(Kind::Cluster, WatchEvent::Delete(cluster.clone())),
    );
    assert!(!m.store.restored.contains_key(&cluster));
}

/// Through the real engine and client: opening a cluster's detail lists its Services and
/// Restore objects from the API server (the demo operator makes the Services as KubeBlocks
/// does), and the detail shows them.
#[tokio::test]
async fn the_engine_lists_the_services_and_restores_of_the_opened_cluster() {
    use crate::resilience_support::{Session, all_live, ch, fixture as seeded};
    let mut s = Session::start_with("detail-facts", 130, 60, |server| {
        let mut cluster = seeded(Kind::Cluster, "pg-cluster-pitr");
        cluster["metadata"]["annotations"]
            .as_object_mut()
            .unwrap()
            .remove("kubeblocks.io/restore-from-backup");
        server.store.create(Kind::Cluster, cluster).unwrap();
        let restore = seeded(
            Kind::Restore,
            "pg-cluster-pitr-postgresql-9c4d7e21-preparedata",
        );
        server.store.create(Kind::Restore, restore).unwrap();
        // The Services the operator makes for a cluster (here, for this and for another one).
        for cluster in ["pg-cluster-pitr", "pg-cluster"] {
            let service = json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": format!("{cluster}-postgresql"), "namespace": "demo",
                    "labels": {"app.kubernetes.io/instance": cluster,
                        "app.kubernetes.io/managed-by": "kubeblocks",
                        "apps.kubeblocks.io/component-name": "postgresql"}},
                "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10",
                    "selector": {"app.kubernetes.io/instance": cluster,
                        "kubeblocks.io/role": "primary"},
                    "ports": [{"name": "tcp-postgresql", "port": 5432}]}});
            server.store.create(Kind::Service, service).unwrap();
        }
    })
    .await;
    let ck = ObjKey::new("demo", "pg-cluster-pitr");
    s.until("initial sync", |m| {
        all_live(m) && m.store.clusters.get(&ck).is_some()
    })
    .await;
    s.press(ch('1'));
    s.model.store.clusters.select_key(&ck);
    s.press(ch('d'));
    s.until("the cluster's Services and Restores listed", |m| {
        m.cluster_facts.as_ref().is_some_and(|f| {
            f.restores.is_some()
                && matches!(&f.services, Some(Ok(found))
                    if found.iter().any(|svc| svc.name == "pg-cluster-pitr-postgresql"))
        })
    })
    .await;
    let facts = s.model.cluster_facts.clone().unwrap();
    let services = facts.services.unwrap().unwrap();
    assert!(
        services
            .iter()
            .all(|svc| svc.name.starts_with("pg-cluster-pitr-")),
        "only this cluster's: {services:?}"
    );
    let restores = facts.restores.unwrap().unwrap();
    assert_eq!(restores.len(), 1, "{restores:?}");
    assert_eq!(restores[0].seen_on, SeenOn::RestoreObject);
    let screen = s.render();
    assert!(
        screen.contains("pg-cluster-pitr-postgresql.demo.svc"),
        "{screen}"
    );
    assert!(
        screen.contains("seen on the cluster's Restore object"),
        "{screen}"
    );
}

/// Against the demo operator: a Restore request with kbcli's ttl succeeds and is deleted, the
/// operator removes the new cluster's restore annotation, and the cluster still says where it
/// came from and LAST OP still shows the restore.
#[tokio::test]
async fn a_restore_request_deleted_by_its_ttl_leaves_its_evidence() {
    use crate::resilience_support::{Session, all_live, ch};
    let mut s = Session::start_with("detail-restore-ttl", 130, 40, |server| {
        let backup = crate::resilience_support::fixture(Kind::Backup, "pg-cluster-20250603020000");
        let _ = server.store.create(Kind::Backup, backup);
    })
    .await;
    s.until("initial sync", all_live).await;
    let restore = json!({"apiVersion": "operations.kubeblocks.io/v1alpha1", "kind": "OpsRequest",
        "metadata": {"name": "restored", "namespace": "demo"},
        "spec": {"clusterName": "restored", "type": "Restore", "force": false,
            "ttlSecondsAfterSucceed": 30,
            "restore": {"backupName": "pg-cluster-20250603020000", "backupNamespace": "demo",
                "volumeRestorePolicy": "Parallel"}}});
    s.server.store.create(Kind::OpsRequest, restore).unwrap();
    let ck = ObjKey::new("demo", "restored");
    let op = ObjKey::new("demo", "restored");
    s.until("the restore to succeed", |m| {
        m.store.ops.get(&op).is_some_and(|o| o.phase == "Succeed")
    })
    .await;
    s.until(
        "its ttl to delete the request and the annotation to go",
        |m| {
            m.store.ops.get(&op).is_none()
                && m.store
                    .clusters
                    .get(&ck)
                    .is_some_and(|c| c.restored_from.is_none() && c.phase == "Running")
        },
    )
    .await;
    let source = s.model.store.restored.get(&ck).expect("the source is kept");
    assert_eq!(source.backup, "pg-cluster-20250603020000");
    s.press(ch('1'));
    s.model.store.clusters.select_key(&ck);
    let screen = s.render();
    let row = screen.lines().find(|l| l.contains("restored")).unwrap();
    assert!(row.contains("Restore") && row.contains("Succeed"), "{row}");
    s.press(ch('d'));
    let screen = s.render();
    assert!(
        screen.contains("backup pg-cluster-20250603020000, the whole backup"),
        "{screen}"
    );
}

#[test]
fn a_restore_request_says_what_it_restores() {
    let mut m = model_with(&objects(), 130, 40);
    open(&mut m, Pane::Ops, "pg-cluster-pitr");
    let s = screen(&m);
    let line = s.lines().find(|l| l.contains("Restores")).unwrap();
    assert!(
        line.contains(
            "backup 5f8e2c1a-pg-cluster-postgresql-archive-wal, point in time 2025-06-03T09:30:00Z"
        ),
        "{line}"
    );
}
