//! A dashboard session for the resilience tests: the demo server holding the reference
//! fixtures (whose timestamps are fixed, so ages on screen are too), the real engine on it
//! (watch layer, form effect executor, audit log), and a model whose clock is virtual.
//!
//! Keys go through [`Session::press`], which requires the engine to handle them without
//! waiting on anything: a key whose handling awaited the network would fail the test on the
//! spot, however fast the network happened to answer. Watch events are stamped with the
//! virtual clock as they are handed to the model (the runtime stamps them with the wall
//! clock), so "since" times on screen are deterministic.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures::FutureExt;
use kbdash::k8s::client::{Source, connect};
use kbdash::k8s::liveness::ProbeTiming;
use kbdash::k8s::watch::WatchTiming;
use kbdash::runtime::engine::{Engine, EngineConfig};
use kbdash::state::forms::StageKind;
use kbdash::state::model::{Model, StreamState};
use kbdash::state::msg::Msg;
use kbdash::state::store::WATCHED;
use kbdash::update::set_pages;
use kbdash_core::kinds::Kind;
use kbdash_demo::{DemoConfig, DemoServer};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde::Deserialize;
use serde_json::Value;

/// The namespace of the fixtures.
pub const NS: &str = "demo";
/// The fixture cluster.
pub const CLUSTER: &str = "pg-cluster";

/// The objects the server starts with: the cluster, its pods, what its forms read, and
/// finished OpsRequests and backups (finished, so the simulated operator leaves them alone).
const SEEDED: &[(Kind, &str)] = &[
    (Kind::Cluster, "pg-cluster"),
    (Kind::Pod, "pg-cluster-postgresql-0"),
    (Kind::Pod, "pg-cluster-postgresql-1"),
    (Kind::ComponentVersion, "postgresql"),
    (Kind::BackupPolicy, "pg-cluster-postgresql-backup-policy"),
    (Kind::OpsRequest, "pg-cluster-restart-b9f2s"),
    (Kind::OpsRequest, "pg-cluster-switchover-m5c3t"),
    (Kind::Backup, "pg-cluster-20250603020000"),
];

/// The virtual clock's start: after the newest fixture.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 5, 9, 0, 0).unwrap()
}

/// A reference fixture, without the identity the store assigns.
pub fn fixture(kind: Kind, name: &str) -> Value {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kubeblocks");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Our own fixtures show other states of the same objects: the reference ones only.
        if !text.starts_with("# kbdash reference fixture") {
            continue;
        }
        for doc in serde_yaml_ng::Deserializer::from_str(&text) {
            let mut v = Value::deserialize(doc).unwrap();
            if v["metadata"]["name"] != name || !kind_matches(kind, &v) {
                continue;
            }
            let meta = v["metadata"].as_object_mut().unwrap();
            meta.remove("resourceVersion");
            meta.remove("uid");
            return v;
        }
    }
    panic!("no fixture {kind:?} {name}");
}

fn kind_matches(kind: Kind, v: &Value) -> bool {
    let api_version = v["apiVersion"].as_str().unwrap_or_default();
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    Kind::from_group_kind(group, v["kind"].as_str().unwrap_or_default()) == Some(kind)
}

/// A key press.
pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A character key press.
pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

/// Every watched stream is live.
pub fn all_live(m: &Model) -> bool {
    WATCHED
        .iter()
        .all(|k| m.streams.get(&(kbdash_core::rows::Ctx(0), *k)) == Some(&StreamState::Live))
}

/// The demo server, the engine on it, the model and a scratch directory (audit log).
pub struct Session {
    pub server: DemoServer,
    pub engine: Engine,
    pub model: Model,
    pub dir: PathBuf,
}

/// The screen of `m` at its size.
pub fn render_model(m: &Model) -> String {
    let (w, h) = m.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| kbdash::view::view(m, f)).unwrap();
    t.backend().to_string()
}

impl Session {
    /// Starts the server with the fixtures and the engine on namespace `demo`; the model is
    /// `w` x `h` at [`t0`]. `name` names the scratch directory.
    pub async fn start(name: &str, w: u16, h: u16) -> Session {
        Session::start_with(name, w, h, |_| {}).await
    }

    /// [`Session::start`], with `prepare` run on the seeded server before the engine starts.
    pub async fn start_with(
        name: &str,
        w: u16,
        h: u16,
        prepare: impl FnOnce(&DemoServer),
    ) -> Session {
        Session::start_probing(name, w, h, None, prepare).await
    }

    /// [`Session::start_with`], the API server's liveness probed with `probe` (`None`: the
    /// streams alone say whether the API answers).
    pub async fn start_probing(
        name: &str,
        w: u16,
        h: u16,
        probe: Option<ProbeTiming>,
        prepare: impl FnOnce(&DemoServer),
    ) -> Session {
        let config = DemoConfig::default();
        Session::launch(
            name,
            (w, h),
            probe,
            WatchTiming::default(),
            config.bookmark_interval,
            prepare,
        )
        .await
    }

    /// [`Session::start_with`] without the liveness probe, the watches timed by `watch` and
    /// the server sending bookmarks every `bookmarks`.
    pub async fn start_watching(
        name: &str,
        w: u16,
        h: u16,
        watch: WatchTiming,
        bookmarks: Duration,
        prepare: impl FnOnce(&DemoServer),
    ) -> Session {
        Session::launch(name, (w, h), None, watch, bookmarks, prepare).await
    }

    async fn launch(
        name: &str,
        (w, h): (u16, u16),
        probe: Option<ProbeTiming>,
        watch: WatchTiming,
        bookmarks: Duration,
        prepare: impl FnOnce(&DemoServer),
    ) -> Session {
        let server = DemoServer::start(DemoConfig {
            clusters: 0,
            churn: 0.0,
            speed: 100.0,
            bookmark_interval: bookmarks,
            ..DemoConfig::default()
        })
        .await
        .unwrap();
        for (kind, obj) in SEEDED {
            server.store.create(*kind, fixture(*kind, obj)).unwrap();
        }
        prepare(&server);
        let dir = std::env::temp_dir().join(format!("kbdash-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let source = Source::Url(server.url.clone());
        let connection = connect(&source, None).await.unwrap();
        let engine = Engine::start(EngineConfig {
            source,
            connection,
            namespace: Some(NS.into()),
            readonly: kbdash::state::readonly::Policy::default(),
            audit_log: Some(dir.join("audit.jsonl")),
            probe,
            watch,
        });
        let mut model = Model::new("demo", Some(NS.into()), t0());
        model.size = (w, h);
        set_pages(&mut model);
        Session {
            server,
            engine,
            model,
            dir,
        }
    }

    /// Hands `msg` to the engine, which must be done with it at once: nothing it does for a
    /// key may wait (on the network or anything else).
    pub fn press(&mut self, msg: Msg) {
        let what = format!("{msg:?}");
        self.engine
            .handle(&mut self.model, msg)
            .now_or_never()
            .unwrap_or_else(|| panic!("handling {what} waited instead of returning at once"));
    }

    /// Types `text` key by key.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(ch(c));
        }
    }

    /// Advances the virtual clock by `secs` seconds, as the runtime's 1 Hz tick would.
    pub fn tick(&mut self, secs: i64) {
        let now = self.model.now + TimeDelta::seconds(secs);
        self.press(Msg::Tick(now));
    }

    /// A message of the engine, with watch events stamped by the virtual clock.
    fn stamped(&self, msg: Msg) -> Msg {
        match msg {
            Msg::Watch {
                ctx, kind, event, ..
            } => Msg::Watch {
                ctx,
                kind,
                at: self.model.now,
                event,
            },
            Msg::Probe { ctx, result, .. } => Msg::Probe {
                ctx,
                at: self.model.now,
                result,
            },
            other => other,
        }
    }

    /// Hands every message already queued to the model, without waiting for more.
    pub fn drain(&mut self) {
        while let Some(msg) = self.engine.try_recv() {
            let msg = self.stamped(msg);
            self.press(msg);
        }
    }

    /// Hands the engine's messages to the model until `cond` holds (20 s at most).
    pub async fn until(&mut self, what: &str, cond: impl Fn(&Model) -> bool) {
        let reached = tokio::time::timeout(Duration::from_secs(20), async {
            while !cond(&self.model) {
                let msg = self.engine.recv().await.expect("no background task panics");
                let msg = self.stamped(msg);
                self.engine.handle(&mut self.model, msg).await;
            }
        })
        .await;
        assert!(
            reached.is_ok(),
            "timed out waiting for: {what}; streams: {:?}",
            self.model.streams
        );
    }

    /// The screen at the model's size.
    pub fn render(&self) -> String {
        render_model(&self.model)
    }

    /// Names of the server's objects of `kind` in the fixtures' namespace.
    pub fn server_names(&self, kind: Kind) -> BTreeSet<String> {
        let ns = kind.info().namespaced.then_some(NS);
        self.server
            .store
            .list(kind, ns)
            .0
            .iter()
            .map(|o| o.name.to_string())
            .collect()
    }

    /// Names of the model's rows of `kind`.
    pub fn model_names(&self, kind: Kind) -> BTreeSet<String> {
        let m = &self.model;
        match kind {
            Kind::Cluster => m
                .store
                .clusters
                .iter()
                .map(|r| r.key.name.to_string())
                .collect(),
            Kind::Pod => m
                .store
                .pods
                .iter()
                .map(|r| r.key.name.to_string())
                .collect(),
            Kind::OpsRequest => m.store.ops.iter().map(|r| r.key.name.to_string()).collect(),
            Kind::Backup => m
                .store
                .backups
                .iter()
                .map(|r| r.key.name.to_string())
                .collect(),
            Kind::BackupPolicy => m
                .store
                .policies
                .keys()
                .map(|k| k.name.to_string())
                .collect(),
            Kind::ActionSet => m
                .store
                .action_sets
                .keys()
                .map(|k| k.name.to_string())
                .collect(),
            _ => m
                .store
                .schedules
                .keys()
                .map(|k| k.name.to_string())
                .collect(),
        }
    }

    /// Whether every pane holds exactly the server's objects.
    pub fn matches_server(&self) -> bool {
        WATCHED
            .iter()
            .all(|k| self.model_names(*k) == self.server_names(*k))
    }

    /// The audit log's records, oldest first.
    pub fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The open form's state a failure must leave alone: stage, field values, the YAML preview
/// and the request it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct FormState {
    pub stage: StageKind,
    pub fields: Vec<(String, String)>,
    pub yaml: Vec<String>,
    pub request: Option<Value>,
}

impl FormState {
    /// The open form's state; panics when no form is open.
    pub fn of(m: &Model) -> FormState {
        let f = m.forms.modal.as_ref().expect("a form is open");
        FormState {
            stage: f.stage.kind(),
            fields: f
                .fields()
                .into_iter()
                .map(|f| (f.name.clone(), f.value.clone()))
                .collect(),
            yaml: f
                .stage
                .review()
                .map(|r| r.yaml.lines().to_vec())
                .unwrap_or_default(),
            request: f.stage.review().map(|r| r.request.body.clone()),
        }
    }
}

/// The open form's stage, if a form is open.
pub fn stage(m: &Model) -> Option<StageKind> {
    m.forms.modal.as_ref().map(|f| f.stage.kind())
}

impl Session {
    /// Opens `:vscale` on the fixture cluster, asks for 2 CPUs (request and limit) and waits
    /// for the dry run's preview.
    pub async fn vscale_preview(&mut self) {
        // The user looks at the cluster first, so the form needs no typed name.
        self.press(ch('d'));
        self.press(key(KeyCode::Esc));
        self.press(ch(':'));
        self.type_text("vscale");
        self.press(key(KeyCode::Enter));
        assert_eq!(stage(&self.model), Some(StageKind::Loading));
        self.until("the form loaded", |m| stage(m) == Some(StageKind::Edit))
            .await;
        for _ in 0..2 {
            self.press(key(KeyCode::Tab));
            self.press(key(KeyCode::Backspace));
            self.type_text("2");
        }
        self.press(key(KeyCode::Enter));
        assert_eq!(stage(&self.model), Some(StageKind::DryRun));
        self.until("the dry run's preview", |m| {
            stage(m) == Some(StageKind::Preview)
        })
        .await;
    }
}
