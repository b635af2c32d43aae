//! Read-only mode follows the context: `:ctx` into a context the config marks read-only turns
//! it on (keys, commands and the client's request gate), and back into a writable one turns it
//! off, unless the whole session is read-only.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kbdash::k8s::client::{Source, connect};
use kbdash::runtime::engine::{Engine, EngineConfig};
use kbdash::state::model::Model;
use kbdash::state::msg::Msg;
use kbdash::state::readonly::Policy;
use kbdash_demo::{DemoConfig, DemoServer};

fn kubeconfig(url: &str) -> String {
    let mut contexts = String::new();
    for name in ["dev", "prod-eu"] {
        contexts.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: demo\n    user: demo\n    namespace: demo\n"
        ));
    }
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: demo\n  cluster:\n    server: {url}\n\
         contexts:\n{contexts}current-context: dev\nusers:\n- name: demo\n  user: {{}}\n"
    )
}

pub(crate) async fn type_line(engine: &mut Engine, m: &mut Model, line: &str) {
    let key = |code| Msg::Key(KeyEvent::new(code, KeyModifiers::NONE));
    engine.handle(m, key(KeyCode::Char(':'))).await;
    for c in line.chars() {
        engine.handle(m, key(KeyCode::Char(c))).await;
    }
    engine.handle(m, key(KeyCode::Enter)).await;
}

async fn session(policy: Policy) -> (DemoServer, Engine, Model, std::path::PathBuf) {
    let server = DemoServer::start(DemoConfig {
        clusters: 1,
        churn: 0.0,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let path = std::env::temp_dir().join(format!(
        "kbdash-ctx-switch-{}-{}.yaml",
        std::process::id(),
        policy.always
    ));
    std::fs::write(&path, kubeconfig(&server.url)).unwrap();
    let source = Source::kubeconfig(Some(path.clone()));
    let connection = connect(&source, None).await.unwrap();
    assert_eq!(connection.context, "dev");
    let mut m = Model::new("dev", Some("demo".into()), chrono::Utc::now());
    m.contexts = connection.contexts.clone();
    m.readonly = policy.applies_to("dev");
    let engine = Engine::start(EngineConfig {
        source,
        connection,
        namespace: Some("demo".into()),
        readonly: policy,
        audit_log: None,
        probe: None,
        watch: Default::default(),
    });
    (server, engine, m, path)
}

#[tokio::test]
async fn switching_into_a_production_context_turns_read_only_on_and_back_off() {
    let policy = Policy {
        always: false,
        contexts: vec!["prod-*".into()],
    };
    let (_server, mut engine, mut m, path) = session(policy).await;
    assert!(!m.readonly);
    type_line(&mut engine, &mut m, "ctx prod-eu").await;
    assert_eq!(m.context, "prod-eu");
    assert!(m.readonly, "prod-* is read-only by the config");
    // A mutating command is refused in the model before any request is built.
    type_line(&mut engine, &mut m, "restart").await;
    assert!(m.forms.modal.is_none(), "no form opens in read-only mode");
    let notice = m
        .notice
        .as_ref()
        .map(|(t, _)| t.clone())
        .unwrap_or_default();
    assert!(notice.contains("read-only"), "{notice}");
    type_line(&mut engine, &mut m, "ctx dev").await;
    assert_eq!(m.context, "dev");
    assert!(!m.readonly);
    type_line(&mut engine, &mut m, "restart").await;
    let notice = m
        .notice
        .as_ref()
        .map(|(t, _)| t.clone())
        .unwrap_or_default();
    assert!(!notice.contains("read-only"), "{notice}");
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn a_read_only_session_stays_read_only_in_every_context() {
    let (_server, mut engine, mut m, path) = session(Policy {
        always: true,
        ..Policy::default()
    })
    .await;
    assert!(m.readonly);
    type_line(&mut engine, &mut m, "ctx prod-eu").await;
    assert!(m.readonly);
    type_line(&mut engine, &mut m, "ctx dev").await;
    assert_eq!(m.context, "dev");
    assert!(m.readonly);
    let _ = std::fs::remove_file(path);
}
