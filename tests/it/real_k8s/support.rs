//! What the real-server tests share besides the server: objects written as kbdash's fixtures,
//! the server's view of them, raw HTTP exchanges, and a dashboard session (the real engine
//! with a virtual clock) on the server.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{AsyncBufReadExt, FutureExt, StreamExt};
use hyper::http::{Request, header};
use kbdash::k8s::client::api_resource;
use kbdash::k8s::watch::POD_SELECTOR;
use kbdash::runtime::engine::{Engine, EngineConfig};
use kbdash::state::model::Model;
use kbdash::state::msg::Msg;
use kbdash::state::readonly::Policy;
use kbdash::state::store::WATCHED;
use kbdash::update::set_pages;
use kbdash_core::kinds::Kind;
use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use super::server::RealK8s;

/// The API of `kind` in `ns` (all namespaces, or cluster-scoped, with `None`).
pub fn api(client: &Client, kind: Kind, ns: Option<&str>) -> Api<DynamicObject> {
    let ar = api_resource(kind);
    match ns {
        Some(ns) if kind.info().namespaced => Api::namespaced_with(client.clone(), ns, &ar),
        _ => Api::all_with(client.clone(), &ar),
    }
}

/// Creates namespace `name` (every test works in its own).
pub async fn namespace(client: &Client, name: &str) {
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
    api(client, Kind::Namespace, None)
        .create(&PostParams::default(), &serde_json::from_value(ns).unwrap())
        .await
        .unwrap();
}

/// A reference fixture (`tests/fixtures/kubeblocks/`) moved to namespace `ns`.
pub fn fixture(kind: Kind, name: &str, ns: &str) -> Value {
    let mut v = crate::resilience_support::fixture(kind, name);
    if kind.info().namespaced {
        v["metadata"]["namespace"] = json!(ns);
    }
    v
}

/// Creates `obj`, then writes its `status` through the status subresource (a create drops
/// it, as for every kind with that subresource); answers the object as stored. A
/// cluster-scoped object that exists already (another test made it) is left as it is.
pub async fn put(client: &Client, kind: Kind, mut obj: Value) -> Value {
    let status = obj.as_object_mut().and_then(|m| m.remove("status"));
    let ns = obj["metadata"]["namespace"].as_str().map(str::to_string);
    let api = api(client, kind, ns.as_deref());
    let dynamic: DynamicObject = serde_json::from_value(obj).unwrap();
    let name = dynamic.metadata.name.clone().unwrap();
    match api.create(&PostParams::default(), &dynamic).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 409 && !kind.info().namespaced => {
            return serde_json::to_value(api.get(&name).await.unwrap()).unwrap();
        }
        Err(e) => panic!("creating {kind} {name}: {e}"),
    }
    let stored = match status {
        Some(status) if kind.info().has_status => api
            .patch_status(
                &name,
                &PatchParams::default(),
                &Patch::Merge(json!({"status": status})),
            )
            .await
            .unwrap_or_else(|e| panic!("status of {kind} {name}: {e}")),
        _ => api.get(&name).await.unwrap(),
    };
    serde_json::to_value(stored).unwrap()
}

/// Merge-patches `kind` `name`'s status.
pub async fn patch_status(client: &Client, kind: Kind, ns: &str, name: &str, status: Value) {
    api(client, kind, Some(ns))
        .patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({"status": status})),
        )
        .await
        .unwrap();
}

/// Merge-patches `kind` `name`.
pub async fn patch(client: &Client, kind: Kind, ns: &str, name: &str, patch: Value) {
    api(client, kind, Some(ns))
        .patch(name, &PatchParams::default(), &Patch::Merge(patch))
        .await
        .unwrap();
}

/// Deletes `kind` `name` at once (pods have no kubelet to wait for).
pub async fn delete(client: &Client, kind: Kind, ns: &str, name: &str) {
    api(client, kind, Some(ns))
        .delete(name, &DeleteParams::default().grace_period(0))
        .await
        .unwrap();
}

/// The objects the dashboard starts with: a cluster and its two pods, what its forms read
/// (its ComponentVersion, BackupPolicy, BackupSchedule), two finished OpsRequests and its
/// backups.
pub const SEEDED: &[(Kind, &str)] = &[
    (Kind::Cluster, "pg-cluster"),
    (Kind::Pod, "pg-cluster-postgresql-0"),
    (Kind::Pod, "pg-cluster-postgresql-1"),
    (Kind::ComponentVersion, "postgresql"),
    (Kind::BackupPolicy, "pg-cluster-postgresql-backup-policy"),
    (
        Kind::BackupSchedule,
        "pg-cluster-postgresql-backup-schedule",
    ),
    (Kind::OpsRequest, "pg-cluster-restart-b9f2s"),
    (Kind::OpsRequest, "pg-cluster-switchover-m5c3t"),
    (Kind::Backup, "pg-cluster-20250603020000"),
    (Kind::Backup, "5f8e2c1a-pg-cluster-postgresql-archive-wal"),
];

/// Creates namespace `ns` holding [`SEEDED`].
pub async fn seed(client: &Client, ns: &str) {
    namespace(client, ns).await;
    for (kind, name) in SEEDED {
        put(client, *kind, fixture(*kind, name, ns)).await;
    }
}

/// Names of the server's objects of `kind` in `ns` that kbdash watches (pods: only those
/// KubeBlocks manages).
pub async fn server_names(client: &Client, kind: Kind, ns: &str) -> BTreeSet<String> {
    let params = if kind == Kind::Pod {
        ListParams::default().labels(POD_SELECTOR)
    } else {
        ListParams::default()
    };
    api(client, kind, Some(ns))
        .list(&params)
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|o| o.metadata.name)
        .collect()
}

/// Names of the model's rows of `kind`.
pub fn model_names(m: &Model, kind: Kind) -> BTreeSet<String> {
    let s = &m.store;
    match kind {
        Kind::Cluster => s.clusters.iter().map(|r| r.key.name.to_string()).collect(),
        Kind::Pod => s.pods.iter().map(|r| r.key.name.to_string()).collect(),
        Kind::OpsRequest => s.ops.iter().map(|r| r.key.name.to_string()).collect(),
        Kind::Backup => s.backups.iter().map(|r| r.key.name.to_string()).collect(),
        Kind::BackupSchedule => s.schedules.keys().map(|k| k.name.to_string()).collect(),
        Kind::BackupPolicy => s.policies.keys().map(|k| k.name.to_string()).collect(),
        Kind::ActionSet => s.action_sets.keys().map(|k| k.name.to_string()).collect(),
        other => panic!("{other} is not watched in a namespace"),
    }
}

/// The watched kinds whose objects live in a namespace: the cluster-scoped ActionSets are
/// shared by every test on a shared server, so they say nothing of one test's namespace; the
/// store keeps Warning Events only, and beyond the server's TTL, so they mirror nothing.
fn namespaced_watched() -> impl Iterator<Item = Kind> {
    WATCHED
        .into_iter()
        .filter(|k| k.info().namespaced && *k != Kind::Event)
}

/// The server's objects of every namespaced watched kind in `ns`, by name.
pub async fn server_state(client: &Client, ns: &str) -> Vec<(Kind, BTreeSet<String>)> {
    let mut out = Vec::new();
    for kind in namespaced_watched() {
        out.push((kind, server_names(client, kind, ns).await));
    }
    out
}

/// The model's rows of every namespaced watched kind, by name.
pub fn model_state(m: &Model) -> Vec<(Kind, BTreeSet<String>)> {
    namespaced_watched()
        .map(|k| (k, model_names(m, k)))
        .collect()
}

/// One answer of the API server, as a client sees it.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status code.
    pub code: u16,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
    /// The `Warning` headers' texts.
    pub warnings: Vec<String>,
}

/// A raw HTTP request through a kube client (which adds the server's address and
/// credentials): `method`, path and query, content type and body.
pub async fn call(
    client: &Client,
    method: &str,
    uri: &str,
    content_type: Option<&str>,
    accept: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    req = req.header(header::ACCEPT, accept.unwrap_or("application/json"));
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let resp = client
        .send(req.body(kube::client::Body::from(bytes)).unwrap())
        .await
        .unwrap_or_else(|e| panic!("{method} {uri}: {e}"));
    let code = resp.status().as_u16();
    let warnings = resp
        .headers()
        .get_all(header::WARNING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect();
    let bytes = resp.into_body().collect_bytes().await.unwrap();
    Answer {
        code,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        warnings,
    }
}

/// The events of a watch request (`uri` with `watch=1`), until `enough` says so or the stream
/// ends; 20 s at most.
pub async fn watch_events(
    client: &Client,
    uri: &str,
    enough: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let req = Request::builder().uri(uri).body(Vec::new()).unwrap();
    let stream = client
        .request_stream(req)
        .await
        .unwrap_or_else(|e| panic!("watch {uri}: {e}"));
    let mut lines = stream.lines();
    let mut events = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        while !enough(&events) {
            match lines.next().await {
                Some(Ok(line)) if line.trim().is_empty() => {}
                Some(Ok(line)) => events.push(serde_json::from_str(&line).unwrap()),
                Some(Err(e)) => panic!("watch {uri}: {e}"),
                None => break,
            }
        }
    })
    .await;
    assert!(read.is_ok(), "watch {uri}: timed out with {events:#?}");
    events
}

/// The dashboard on the real server: the engine (watch layer, form effects, read-only gate),
/// a model with a virtual clock, and the namespace it shows.
pub struct Session {
    pub engine: Engine,
    pub model: Model,
    pub ns: String,
    /// Every message the engine sent, in order.
    pub seen: Vec<Msg>,
}

/// The virtual clock's start.
pub fn t0() -> DateTime<Utc> {
    crate::resilience_support::t0()
}

impl Session {
    /// The engine on `server` as kubeconfig context `context`, watching `ns`; `readonly` as
    /// `--readonly` sets it. The model is 120 x 40.
    pub async fn start(server: &RealK8s, context: &str, ns: &str, readonly: bool) -> Session {
        let connection = server.connection(context).await;
        let engine = Engine::start(EngineConfig {
            source: server.source(),
            connection,
            namespace: Some(ns.into()),
            readonly: Policy {
                always: readonly,
                contexts: Vec::new(),
            },
            audit_log: None,
            probe: None,
            watch: Default::default(),
        });
        let mut model = Model::new(context, Some(ns.into()), t0());
        model.readonly = readonly;
        model.size = (120, 40);
        set_pages(&mut model);
        Session {
            engine,
            model,
            ns: ns.to_string(),
            seen: Vec::new(),
        }
    }

    /// The screen at the model's size.
    pub fn render(&self) -> String {
        crate::resilience_support::render_model(&self.model)
    }

    /// Hands `msg` to the engine, which must be done with it at once.
    pub fn press(&mut self, msg: Msg) {
        let what = format!("{msg:?}");
        self.engine
            .handle(&mut self.model, msg)
            .now_or_never()
            .unwrap_or_else(|| panic!("handling {what} waited instead of returning at once"));
    }

    /// A message of the engine, watch events stamped with the virtual clock.
    fn stamped(&self, msg: Msg) -> Msg {
        match msg {
            Msg::Watch { kind, event, .. } => Msg::Watch {
                ctx: kbdash_core::rows::Ctx(0),
                kind,
                at: self.model.now,
                event,
            },
            other => other,
        }
    }

    /// Hands the engine's messages to the model until `done` holds of the session (`secs`
    /// seconds at most).
    pub async fn wait(&mut self, secs: u64, what: &str, done: impl Fn(&Session) -> bool) {
        let reached = tokio::time::timeout(Duration::from_secs(secs), async {
            while !done(self) {
                self.step().await;
            }
        })
        .await;
        assert!(
            reached.is_ok(),
            "timed out waiting for: {what}; streams: {:?}",
            self.model.streams
        );
    }

    /// Hands the engine's next message to the model.
    pub async fn step(&mut self) {
        let msg = self.engine.recv().await.expect("no background task panics");
        self.take(msg).await;
    }

    /// Hands one message of the engine to the model, and notes it.
    pub async fn take(&mut self, msg: Msg) {
        let msg = self.stamped(msg);
        self.seen.push(msg.clone());
        self.engine.handle(&mut self.model, msg).await;
    }

    /// Hands every message already queued to the model, without waiting for more.
    pub async fn drain(&mut self) {
        while let Some(msg) = self.engine.try_recv() {
            self.take(msg).await;
        }
    }

    /// Hands the engine's messages to the model until `cond` holds (`secs` seconds at most).
    pub async fn until_within(&mut self, secs: u64, what: &str, cond: impl Fn(&Model) -> bool) {
        self.wait(secs, what, |s| cond(&s.model)).await;
    }

    /// [`Session::until_within`] 30 s.
    pub async fn until(&mut self, what: &str, cond: impl Fn(&Model) -> bool) {
        self.until_within(30, what, cond).await;
    }

    /// Waits until every stream is live and the model holds exactly the server's objects of
    /// the session's namespace (30 s at most, the server asked again after each message).
    pub async fn until_in_sync(&mut self, client: &Client, what: &str) {
        let reached = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                if crate::resilience_support::all_live(&self.model)
                    && model_state(&self.model) == server_state(client, &self.ns).await
                {
                    return;
                }
                self.step().await;
            }
        })
        .await;
        assert!(
            reached.is_ok(),
            "timed out waiting for: {what}; streams: {:?}\nmodel: {:?}\nserver: {:?}",
            self.model.streams,
            model_state(&self.model),
            server_state(client, &self.ns).await
        );
    }
}
