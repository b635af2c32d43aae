//! The incident timeline (issue 16 item 3): `t` on a cluster shows what happened to it (role
//! changes, pods, OpsRequests, backups, Warning events, phases, stream outages), each with its
//! time and source, newest first, filterable by kind, the last hour by default.

use crate::app_fixtures::{ch, cluster, key, model_with, now, objects, pod, render};
use chrono::{DateTime, Duration, Utc};
use crossterm::event::KeyCode;
use kbdash::k8s::watch::{StreamError, WatchEvent};
use kbdash::state::model::{Model, Overlay, Pane};
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Ctx, ObjKey, Row};
use serde_json::{Value, json};

fn at(kind: Kind, v: &Value, when: DateTime<Utc>) -> Msg {
    Msg::Watch {
        ctx: Ctx(0),
        kind,
        at: when,
        event: WatchEvent::Apply(Box::new(Row::from_value(kind, v).unwrap())),
    }
}

/// A model of the fixtures with billing's history: a restart and failover two hours ago, then
/// within the hour a crash loop, its BackOff, a failing restart and a stream outage.
fn history() -> Model {
    let mut objs = objects();
    objs.push((
        Kind::Cluster,
        cluster("ops", "billing", "Running", 2, "2025-06-04T12:00:00Z"),
    ));
    objs.push((Kind::Pod, pod("ops", "billing", 0, "primary", true)));
    objs.push((Kind::Pod, pod("ops", "billing", 1, "secondary", true)));
    let mut m = model_with(&objs, 150, 30);
    let early = now() - Duration::hours(2);
    let mut p0 = pod("ops", "billing", 0, "secondary", true);
    p0["status"]["containerStatuses"][0]["restartCount"] = json!(1);
    update(&mut m, at(Kind::Pod, &p0, early));
    update(
        &mut m,
        at(Kind::Pod, &pod("ops", "billing", 1, "primary", true), early),
    );

    let crash = now() - Duration::minutes(20);
    let mut p1 = pod("ops", "billing", 1, "primary", false);
    p1["status"]["containerStatuses"][0]["state"] =
        json!({"waiting": {"reason": "CrashLoopBackOff"}});
    update(&mut m, at(Kind::Pod, &p1, crash));
    let mut failed = cluster("ops", "billing", "Failed", 2, "2025-06-04T12:00:00Z");
    failed["status"]["components"] = json!({"postgresql": {"phase": "Failed",
        "message": {"InstanceSet/billing-postgresql": "Role probe timeout, check whether the application is available"}}});
    update(
        &mut m,
        at(Kind::Cluster, &failed, crash + Duration::seconds(30)),
    );
    let backoff = json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "billing-postgresql-1.1", "namespace": "ops"},
        "involvedObject": {"kind": "Pod", "name": "billing-postgresql-1"},
        "type": "Warning", "reason": "BackOff", "count": 5,
        "message": "Back-off restarting failed container postgresql",
        "lastTimestamp": (crash + Duration::minutes(5)).to_rfc3339(),
        "source": {"component": "kubelet"}});
    update(
        &mut m,
        at(Kind::Event, &backoff, now() - Duration::minutes(2)),
    );
    let restart = json!({"apiVersion": "operations.kubeblocks.io/v1alpha1", "kind": "OpsRequest",
        "metadata": {"name": "billing-restart-x1", "namespace": "ops",
            "labels": {"app.kubernetes.io/instance": "billing"}},
        "spec": {"clusterName": "billing", "type": "Restart"}, "status": {"phase": "Running"}});
    update(
        &mut m,
        at(Kind::OpsRequest, &restart, crash + Duration::minutes(8)),
    );
    let down = Msg::Watch {
        ctx: Ctx(0),
        kind: Kind::ActionSet,
        at: crash + Duration::minutes(9),
        event: WatchEvent::Error(StreamError::Other("connection refused".into())),
    };
    update(&mut m, down);
    for event in [WatchEvent::Init, WatchEvent::InitDone] {
        let back = Msg::Watch {
            ctx: Ctx(0),
            kind: Kind::ActionSet,
            at: crash + Duration::minutes(10),
            event,
        };
        update(&mut m, back);
    }
    m
}

fn open(m: &mut Model) {
    m.focus = Pane::Clusters;
    m.store.clusters.select_key(&ObjKey::new("ops", "billing"));
    update(m, ch('t'));
}

#[test]
fn t_shows_the_last_hour_newest_first_with_times_and_sources() {
    let mut m = history();
    open(&mut m);
    assert!(
        matches!(&m.overlay, Overlay::Incidents(v) if v.cluster == ObjKey::new("ops", "billing"))
    );
    let s = render(&m);
    for needle in [
        "Running → CrashLoopBackOff",
        "Pod/billing-postgresql-1",
        "cluster Running → Failed",
        "none → Failed: InstanceSet/billing-postgresql: Role probe timeout",
        "BackOff ×5: Back-off restarting failed container postgresql",
        "Restart created (Running)",
        "stream down: connection refused",
        "stream live again",
    ] {
        assert!(s.contains(needle), "{needle}: {s}");
    }
    assert!(
        !s.contains("primary billing-postgresql-0 → billing-postgresql-1"),
        "two hours ago"
    );
    let pos = |needle: &str| s.find(needle).unwrap();
    assert!(
        pos("stream live again") < pos("Restart created"),
        "newest first"
    );
    assert!(
        pos("BackOff ×5") < pos("cluster Running → Failed"),
        "at the event's own time"
    );
    insta::assert_snapshot!("incident_timeline_last_hour", s);

    // Everything kept: the failover two hours ago too.
    update(&mut m, ch('a'));
    let s = render(&m);
    assert!(
        s.contains("primary billing-postgresql-0 → billing-postgresql-1"),
        "{s}"
    );
    assert!(s.contains("restarted (1 restarts)"), "{s}");
}

#[test]
fn numbers_filter_the_kinds_and_esc_closes() {
    let mut m = history();
    open(&mut m);
    update(&mut m, ch('2'));
    update(&mut m, ch('7'));
    let s = render(&m);
    assert!(
        !s.contains("Running → CrashLoopBackOff"),
        "pods hidden: {s}"
    );
    assert!(!s.contains("stream down"), "streams hidden: {s}");
    assert!(s.contains("BackOff ×5"), "{s}");
    insta::assert_snapshot!("incident_timeline_filtered", s);
    update(&mut m, ch('2'));
    assert!(render(&m).contains("Running → CrashLoopBackOff"));
    assert_eq!(
        m.focus,
        Pane::Clusters,
        "the number filtered, it did not change panes"
    );
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.overlay, Overlay::None);
}

#[test]
fn t_in_a_pods_detail_opens_its_clusters_timeline() {
    let mut m = history();
    m.focus = Pane::Pods;
    m.store
        .pods
        .select_key(&ObjKey::new("ops", "billing-postgresql-1"));
    update(&mut m, ch('d'));
    let cmds = update(&mut m, ch('t'));
    assert!(
        matches!(&m.overlay, Overlay::Incidents(v) if v.cluster == ObjKey::new("ops", "billing"))
    );
    assert!(
        cmds.contains(&kbdash::state::cmd::Cmd::StopObjectEvents),
        "the detail it came from closed: {cmds:?}"
    );
}
