//! Events end to end against the demo server, through the real engine and kube client: the
//! namespace's Warning watch (a `type=Warning` field selector) feeds the store and triage's
//! evidence; a detail's Events section fills from its own streams (`involvedObject` field
//! selectors) and follows new events while it is open.

use crate::resilience_support::{CLUSTER, NS, Session, all_live, ch, key};
use crossterm::event::KeyCode;
use kbdash::state::model::{Overlay, Pane};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;
use kbdash_demo::DemoServer;
use serde_json::{Value, json};

fn event(name: &str, kind: &str, object: &str, type_: &str, reason: &str, message: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": NS},
        "involvedObject": {"apiVersion": "v1", "kind": kind, "name": object, "namespace": NS},
        "type": type_, "reason": reason, "message": message, "count": 1,
        "firstTimestamp": "2025-06-05T08:58:00Z", "lastTimestamp": "2025-06-05T08:59:00Z",
        "source": {"component": "kubelet"}})
}

/// pg-cluster's second pod crash-loops, with the kubelet's BackOff, beside a Normal event.
fn crash_loop(server: &DemoServer) {
    let store = &server.store;
    store
        .modify(Kind::Pod, Some(NS), "pg-cluster-postgresql-1", |p| {
            p["status"]["containerStatuses"][0]["ready"] = json!(false);
            p["status"]["containerStatuses"][0]["restartCount"] = json!(7);
            p["status"]["containerStatuses"][0]["state"] =
                json!({"waiting": {"reason": "CrashLoopBackOff"}});
            Ok(())
        })
        .unwrap();
    let backoff = event(
        "pg-cluster-postgresql-1.backoff",
        "Pod",
        "pg-cluster-postgresql-1",
        "Warning",
        "BackOff",
        "Back-off restarting failed container postgresql in pod pg-cluster-postgresql-1_demo",
    );
    let pulled = event(
        "pg-cluster-postgresql-1.pulled",
        "Pod",
        "pg-cluster-postgresql-1",
        "Normal",
        "Pulled",
        "Container image already present on machine",
    );
    store.create(Kind::Event, backoff).unwrap();
    store.create(Kind::Event, pulled).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warning_watch_feeds_triage_and_a_detail_follows_its_events() {
    let mut s = Session::start_with("events-demo", 140, 60, crash_loop).await;
    s.until("synced with the BackOff kept", |m| {
        all_live(m) && !m.store.warnings.is_empty()
    })
    .await;
    let cluster = ObjKey::new(NS, CLUSTER);
    let kept: Vec<String> = s
        .model
        .store
        .cluster_warnings(&cluster)
        .map(|e| e.reason.to_string())
        .collect();
    assert_eq!(kept, ["BackOff"], "the Normal event is not a Warning");

    // Triage's evidence on the crash-looping pod shows the Warning kept about it.
    s.press(ch('!'));
    let index = s
        .model
        .triage
        .problems
        .iter()
        .position(|p| p.subject.contains("pg-cluster-postgresql-1"))
        .expect("the crash loop is a problem");
    if let Overlay::Triage { selected } = &mut s.model.overlay {
        *selected = index;
    }
    s.press(key(KeyCode::Enter));
    s.until("the pod's events listed", |m| {
        m.object_events.as_ref().is_some_and(|e| e.rows.len() == 2)
    })
    .await;
    let screen = s.render();
    assert!(screen.contains("Warning events kept: 1"), "{screen}");
    assert!(screen.contains("⚠ Warning BackOff"), "{screen}");
    assert!(
        screen.contains("Pulled"),
        "the detail's own events include Normal ones: {screen}"
    );
    s.press(key(KeyCode::Esc));
    assert!(s.model.object_events.is_none());

    // A cluster's detail follows new events of its InstanceSet.
    s.press(key(KeyCode::Esc));
    s.model.focus = Pane::Clusters;
    s.model.store.clusters.select_key(&cluster);
    s.press(ch('d'));
    s.until("the cluster's events listed", |m| {
        m.object_events.as_ref().is_some_and(|e| e.is_listed())
    })
    .await;
    let later = event(
        "pg-cluster-postgresql.later",
        "InstanceSet",
        "pg-cluster-postgresql",
        "Warning",
        "FailedCreate",
        "create Pod pg-cluster-postgresql-2 failed: exceeded quota",
    );
    s.server.store.create(Kind::Event, later).unwrap();
    s.until("the new event shown", |m| {
        m.object_events
            .as_ref()
            .is_some_and(|e| e.rows.values().any(|r| r.reason == "FailedCreate"))
    })
    .await;
    let screen = s.render();
    assert!(screen.contains("FailedCreate"), "{screen}");
    assert!(
        screen.contains("InstanceSet/pg-cluster-postgresql"),
        "{screen}"
    );
}
