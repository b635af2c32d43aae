//! The watch layer against the embedded demo server, end to end through the kube client: a
//! switchover's role flip reaches the model, dropped watches and expired history leave no ghost
//! rows, forbidden or missing APIs show as such, and watches that expire in a row do not relist in
//! a tight loop.

use std::time::Duration;

use kbdash::k8s::client::{Source, connect};
use kbdash::k8s::watch::{self, Sink, WatchEvent};
use kbdash::state::model::{Model, StreamState};
use kbdash::state::msg::Msg;
use kbdash::state::store::WATCHED;
use kbdash::update::update;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;
use kbdash_demo::{DemoConfig, DemoServer};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch as follow};
use tokio::task::JoinSet;

struct Harness {
    server: DemoServer,
    model: Model,
    rx: mpsc::Receiver<Msg>,
    _tasks: JoinSet<()>,
}

fn fixture(kind: Kind, name: &str) -> Value {
    let mut v = crate::app_fixtures::objects()
        .into_iter()
        .find(|(k, v)| *k == kind && v["metadata"]["name"] == name)
        .map(|(_, v)| v)
        .unwrap();
    // The store assigns its own identity.
    let meta = v["metadata"].as_object_mut().unwrap();
    meta.remove("resourceVersion");
    meta.remove("uid");
    v
}

fn set_role(v: &mut Value, role: &str) {
    v["metadata"]["labels"]["kubeblocks.io/role"] = json!(role);
}

/// A demo server holding the reference cluster and its two pods, and the watch layer on it.
async fn start(prepare: impl FnOnce(&DemoServer)) -> Harness {
    let server = DemoServer::start(DemoConfig {
        clusters: 0,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let store = &server.store;
    store
        .create(Kind::Cluster, fixture(Kind::Cluster, "pg-cluster"))
        .unwrap();
    for pod in ["pg-cluster-postgresql-0", "pg-cluster-postgresql-1"] {
        store.create(Kind::Pod, fixture(Kind::Pod, pod)).unwrap();
    }
    prepare(&server);
    let conn = connect(&Source::Url(server.url.clone()), None)
        .await
        .unwrap();
    let (tx, rx) = mpsc::channel(1024);
    let (_follow_tx, follow) = follow::channel(None);
    let mut tasks = JoinSet::new();
    watch::spawn_all(
        &mut tasks,
        &conn.client,
        Some("demo"),
        &WATCHED,
        watch::WatchTiming::default(),
        &Sink {
            ctx: kbdash_core::rows::Ctx(0),
            tx,
            follow,
        },
    );
    Harness {
        server,
        model: Model::new("demo", Some("demo".into()), crate::app_fixtures::now()),
        rx,
        _tasks: tasks,
    }
}

impl Harness {
    /// Feeds watch messages to `update` until `cond` holds (10 s at most).
    async fn until(&mut self, what: &str, cond: impl Fn(&Model) -> bool) {
        let reached = tokio::time::timeout(Duration::from_secs(10), async {
            while !cond(&self.model) {
                let msg = self.rx.recv().await.expect("watch tasks ended");
                update(&mut self.model, msg);
            }
        })
        .await;
        assert!(reached.is_ok(), "timed out waiting for: {what}");
    }

    fn pod_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .model
            .store
            .pods
            .iter()
            .map(|p| p.key.name.to_string())
            .collect();
        names.sort();
        names
    }
}

fn all_live(m: &Model) -> bool {
    WATCHED
        .iter()
        .all(|k| m.streams.get(&(kbdash_core::rows::Ctx(0), *k)) == Some(&StreamState::Live))
}

#[tokio::test]
async fn switchover_role_flip_reaches_the_model() {
    let mut h = start(|_| {}).await;
    h.until("initial sync", |m| all_live(m) && m.store.pods.len() == 2)
        .await;
    let cluster = ObjKey::new("demo", "pg-cluster");
    assert_eq!(
        h.model
            .store
            .roles
            .primaries
            .get(&cluster)
            .map(|p| p.as_str()),
        Some("pg-cluster-postgresql-0")
    );
    // What the operator does in a switchover: the old primary steps down, the candidate is promoted.
    let store = h.server.store.clone();
    store
        .modify(Kind::Pod, Some("demo"), "pg-cluster-postgresql-0", |v| {
            set_role(v, "secondary");
            Ok(())
        })
        .unwrap();
    store
        .modify(Kind::Pod, Some("demo"), "pg-cluster-postgresql-1", |v| {
            set_role(v, "primary");
            Ok(())
        })
        .unwrap();
    h.until("role history entry", |m| {
        m.store
            .roles
            .history
            .get(&cluster)
            .is_some_and(|h| !h.is_empty())
    })
    .await;
    let change = &h.model.store.roles.history[&cluster][0];
    assert_eq!(change.old_primary, "pg-cluster-postgresql-0");
    assert_eq!(change.new_primary, "pg-cluster-postgresql-1");
    let new_primary = ObjKey::new("demo", "pg-cluster-postgresql-1");
    assert!(h.model.store.roles.flashes.contains_key(&new_primary));
}

#[tokio::test]
async fn dropped_watches_and_expired_history_leave_no_ghosts() {
    let mut h = start(|_| {}).await;
    h.until("initial sync", |m| all_live(m) && m.store.pods.len() == 2)
        .await;
    // While the streams are down, one pod goes away and a new one appears.
    h.server.faults.expire_history();
    h.server.faults.drop_watches();
    let store = h.server.store.clone();
    store
        .delete(Kind::Pod, Some("demo"), "pg-cluster-postgresql-1")
        .unwrap();
    let mut extra = fixture(Kind::Pod, "pg-cluster-postgresql-1");
    extra["metadata"]["name"] = json!("pg-cluster-postgresql-2");
    store.create(Kind::Pod, extra).unwrap();
    h.until("pods match the server", |m| {
        m.store.pods.len() == 2
            && m.store
                .pods
                .get(&ObjKey::new("demo", "pg-cluster-postgresql-2"))
                .is_some()
    })
    .await;
    assert_eq!(
        h.pod_names(),
        ["pg-cluster-postgresql-0", "pg-cluster-postgresql-2"]
    );
}

#[tokio::test]
async fn forbidden_and_missing_apis_are_reported_per_stream() {
    let mut h = start(|s| {
        s.faults.forbid(Kind::OpsRequest);
        s.faults.hide_group("dataprotection.kubeblocks.io");
    })
    .await;
    h.until("states settle", |m| {
        matches!(
            m.streams
                .get(&(kbdash_core::rows::Ctx(0), Kind::OpsRequest)),
            Some(StreamState::Forbidden(_))
        ) && matches!(
            m.streams.get(&(kbdash_core::rows::Ctx(0), Kind::Backup)),
            Some(StreamState::NotInstalled(_))
        ) && m.streams.get(&(kbdash_core::rows::Ctx(0), Kind::Pod)) == Some(&StreamState::Live)
    })
    .await;
    let Some(StreamState::NotInstalled(msg)) = h
        .model
        .streams
        .get(&(kbdash_core::rows::Ctx(0), Kind::Backup))
    else {
        unreachable!()
    };
    assert!(msg.contains("data-protection"), "{msg}");
    assert_eq!(h.model.store.pods.len(), 2);
}

#[tokio::test]
async fn unreachable_api_shows_reconnecting_then_recovers() {
    let mut h = start(|_| {}).await;
    h.until("initial sync", |m| all_live(m) && m.store.pods.len() == 2)
        .await;
    h.server.faults.refuse_connections(Duration::from_secs(2));
    h.until("reconnecting", |m| {
        matches!(
            m.streams.get(&(kbdash_core::rows::Ctx(0), Kind::Pod)),
            Some(StreamState::Reconnecting { .. })
        )
    })
    .await;
    assert_eq!(h.model.store.pods.len(), 2, "rows stay while reconnecting");
    // Meanwhile a pod goes away; after recovery the model matches the server.
    h.server
        .store
        .delete(Kind::Pod, Some("demo"), "pg-cluster-postgresql-1")
        .unwrap();
    h.until("live again and in sync", |m| {
        all_live(m) && m.store.pods.len() == 1
    })
    .await;
}

#[tokio::test]
async fn watches_that_expire_in_a_row_relist_after_growing_waits() {
    let mut h = start(|s| s.faults.expire_watches(Kind::Pod)).await;
    // The first expiry relists at once (a compacted history); the ones after it wait
    // 0.8 s, then 1.6 s, then 3.2 s at least. Without the waits the five relists take
    // milliseconds.
    let mut expiries = Vec::new();
    let reached = tokio::time::timeout(Duration::from_secs(30), async {
        while expiries.len() < 5 {
            let msg = h.rx.recv().await.expect("watch tasks ended");
            if let Msg::Watch {
                kind: Kind::Pod,
                event: WatchEvent::Error(_),
                ..
            } = &msg
            {
                expiries.push(tokio::time::Instant::now());
            }
            update(&mut h.model, msg);
        }
    })
    .await;
    assert!(reached.is_ok(), "five expiries did not come: {expiries:?}");
    let span = expiries[4] - expiries[0];
    assert!(
        span >= Duration::from_millis(800 + 1600 + 3200),
        "five expiries in {span:?}"
    );
}
