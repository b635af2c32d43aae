//! Read-only mode end to end: a scripted session drives the real engine in a read-only
//! context, presses every key of every view and runs every `:` command against the demo server
//! with its request log on; the log proves that only GET requests reached the server, and the
//! status line that the engine never had to refuse a write `update` asked for. The gate itself
//! is tested directly with create, replace, patch and delete.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kbdash::k8s::client::{Source, connect};
use kbdash::k8s::gate;
use kbdash::runtime::engine::{Engine, EngineConfig};
use kbdash::state::command::COMMANDS;
use kbdash::state::keymap::{self, BINDINGS};
use kbdash::state::model::{Model, StreamState};
use kbdash::state::msg::Msg;
use kbdash::state::readonly::Policy;
use kbdash::state::store::WATCHED;
use kbdash_core::kinds::Kind;
use kbdash_demo::{DemoConfig, DemoServer};
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::json;

/// The dashboard's side of the session: the model and the real engine (watches, follows,
/// effects) in a read-only context, as the runtime drives them.
struct Session {
    engine: Engine,
    model: Model,
}

impl Session {
    /// `update` on `msg` and every command it leads to, run by the engine, then on every
    /// message already queued (watch events, follows' answers), one after the other: a loop,
    /// not a recursion, since a busy server can queue thousands. A command that would write is
    /// refused by the engine with a message that ends up in the status line: `update` must
    /// never ask for one in read-only mode.
    async fn send(&mut self, msg: Msg) {
        let mut next = Some(msg);
        while let Some(msg) = next.take() {
            let what = format!("{msg:?}");
            self.engine.handle(&mut self.model, msg).await;
            let notice = self.model.notice.as_ref().map(|n| n.0.as_str());
            assert!(
                !notice.is_some_and(|n| n.contains("read-only mode: refused")),
                "update asked for a write in read-only mode after {what}: {notice:?}"
            );
            // Quitting is a key like any other here: the session goes on.
            self.model.quit = false;
            next = self.engine.try_recv();
        }
    }

    async fn press(&mut self, key: KeyEvent) {
        self.send(Msg::Key(key)).await;
    }

    /// Back to the Clusters pane with nothing open.
    async fn reset(&mut self) {
        for _ in 0..4 {
            self.press(code(KeyCode::Esc)).await;
        }
        self.press(ch('1')).await;
    }

    /// Hands the engine's messages to the model until `cond` holds (10 s at most).
    async fn until(&mut self, what: &str, cond: impl Fn(&Model) -> bool) {
        let reached = tokio::time::timeout(Duration::from_secs(10), async {
            while !cond(&self.model) {
                let msg = self.engine.recv().await.expect("no background task panics");
                self.send(msg).await;
            }
        })
        .await;
        assert!(reached.is_ok(), "timed out waiting for: {what}");
    }
}

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    code(KeyCode::Char(c))
}

fn all_live(m: &Model) -> bool {
    WATCHED
        .iter()
        .all(|k| m.streams.get(&(kbdash_core::rows::Ctx(0), *k)) == Some(&StreamState::Live))
}

/// Every bound key plus every printable ASCII character and the usual special keys.
/// Every bound key plus every printable ASCII character and the usual special keys, without
/// Ctrl-C (which quits); the real tier's read-only test presses them too.
pub(crate) fn every_key() -> Vec<KeyEvent> {
    let mut keys: Vec<KeyEvent> = BINDINGS
        .iter()
        .flat_map(|b| b.keys.iter().map(|k| KeyEvent::new(k.code, k.mods)))
        .filter(|k| !(k.code == KeyCode::Char('c') && k.modifiers == KeyModifiers::CONTROL))
        .collect();
    keys.extend((b' '..=b'~').map(|b| ch(char::from(b))));
    keys.extend(
        [
            KeyCode::Enter,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Backspace,
            KeyCode::Delete,
            KeyCode::Insert,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::F(1),
        ]
        .map(code),
    );
    for c in 'a'..='z' {
        keys.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    }
    keys.retain(|k| !(k.code == KeyCode::Char('c') && k.modifiers == KeyModifiers::CONTROL));
    keys
}

fn log_lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_session_sends_only_gets() {
    let dir = std::env::temp_dir().join(format!("kbdash-readonly-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("requests.log");
    let _ = std::fs::remove_file(&log);
    let server = DemoServer::start(DemoConfig {
        clusters: 3,
        request_log: Some(log.clone()),
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let source = Source::Url(server.url.clone());
    let connection = connect(&source, None).await.unwrap();
    // The gated client that direct writes are tried through, the one the engine talks through.
    let gated = gate::guard(connection.client.clone(), true);
    let mut model = Model::new("demo", None, crate::app_fixtures::now());
    model.readonly = true;
    model.size = (120, 40);
    let engine = Engine::start(EngineConfig {
        source,
        connection,
        namespace: None,
        readonly: Policy {
            always: true,
            ..Policy::default()
        },
        audit_log: None,
        probe: None,
        watch: Default::default(),
    });
    let mut s = Session { engine, model };
    s.until("initial sync", |m| {
        all_live(m) && !m.store.clusters.is_empty()
    })
    .await;

    // Every view: the four panes, a detail, its YAML, help, triage and its evidence.
    let views: Vec<Vec<KeyEvent>> = vec![
        vec![ch('1')],
        vec![ch('2')],
        vec![ch('3')],
        vec![ch('4')],
        vec![ch('2'), ch('d')],
        vec![ch('3'), ch('d'), ch('y')],
        vec![ch('4'), ch('d'), ch('y')],
        vec![ch('?')],
        vec![ch('!')],
        vec![ch('!'), code(KeyCode::Enter)],
        vec![ch('1'), code(KeyCode::Enter)],
    ];
    let keys = every_key();
    for view in &views {
        for key in &keys {
            s.reset().await;
            for k in view {
                s.press(*k).await;
            }
            s.press(*key).await;
        }
    }
    // Every command of the `:` line, with an argument where it takes one.
    for (name, _) in COMMANDS {
        let line = match *name {
            "ns" => vec!["ns all".to_string(), "ns demo".into(), "ns all".into()],
            "ctx" => vec!["ctx demo".into()],
            "theme" => vec!["theme light".into(), "theme high-contrast".into()],
            other => vec![other.to_string()],
        };
        for text in line {
            s.reset().await;
            s.press(ch(':')).await;
            for c in text.chars() {
                s.press(ch(c)).await;
            }
            s.press(code(KeyCode::Enter)).await;
        }
    }
    s.until("live again after the commands", all_live).await;

    // Writes asked for directly are refused before they leave the process.
    let api: Api<DynamicObject> = Api::namespaced_with(
        gated,
        "demo",
        &kbdash::k8s::client::api_resource(Kind::OpsRequest),
    );
    let obj: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "operations.kubeblocks.io/v1alpha1", "kind": "OpsRequest",
        "metadata": {"name": "ro-test", "namespace": "demo"},
        "spec": {"clusterName": "x", "type": "Restart", "restart": [{"componentName": "postgresql"}]}
    }))
    .unwrap();
    let errors = [
        api.create(&PostParams::default(), &obj).await.err(),
        api.replace("ro-test", &PostParams::default(), &obj)
            .await
            .err(),
        api.patch(
            "ro-test",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"a": "b"}}})),
        )
        .await
        .err(),
        api.delete("ro-test", &DeleteParams::default()).await.err(),
    ];
    for e in errors {
        let e = e.expect("a write went through the read-only gate");
        assert!(e.to_string().contains("read-only mode: refused"), "{e}");
    }

    let lines = log_lines(&log);
    assert!(
        lines.len() > 20,
        "the session reached the server: {lines:?}"
    );
    let methods: std::collections::BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(
        methods,
        ["GET"].into_iter().collect(),
        "only GETs reach the server"
    );
    assert!(lines.iter().any(|l| l.contains("watch=true")), "{lines:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_gate_allows_only_reads() {
    use hyper::Method;
    for (m, ok) in [
        (Method::GET, true),
        (Method::HEAD, true),
        (Method::POST, false),
        (Method::PUT, false),
        (Method::PATCH, false),
        (Method::DELETE, false),
        (Method::OPTIONS, false),
    ] {
        assert_eq!(gate::method_allowed(&m), ok, "{m}");
    }
}

#[test]
fn nothing_mutating_is_offered_in_read_only_mode() {
    for b in keymap::active(true) {
        assert!(!b.action.mutates(), "{:?}", b.action);
    }
    for (name, _) in kbdash::state::command::offered(true) {
        assert!(!kbdash::state::command::word_mutates(name), ":{name}");
    }
    // The form commands exist and are offered when changes are allowed.
    assert!(kbdash::state::command::offered(false).any(|(n, _)| *n == "restart"));
}
