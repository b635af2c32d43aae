//! What `:ctx` does to the namespace shown: all namespaces (`-A`) stay all namespaces, the
//! current context keeps the namespace shown, and another context opens on its own namespace
//! with a notice saying that the namespace changed.

use std::time::Duration;

use kbdash::k8s::client::{Source, connect};
use kbdash::runtime::engine::{Engine, EngineConfig};
use kbdash::state::model::Model;
use kbdash::state::readonly::Policy;
use kbdash_demo::{DemoConfig, DemoServer};

use crate::readonly_context_switch::type_line;

/// Two contexts on the demo server: `dev` in namespace `demo` (where the demo's clusters are),
/// `ops` in namespace `ops`.
fn kubeconfig(url: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: demo\n  cluster:\n    server: {url}\n\
         contexts:\n\
         - name: dev\n  context:\n    cluster: demo\n    user: demo\n    namespace: demo\n\
         - name: ops\n  context:\n    cluster: demo\n    user: demo\n    namespace: ops\n\
         current-context: dev\nusers:\n- name: demo\n  user: {{}}\n"
    )
}

struct Session {
    _server: DemoServer,
    engine: Engine,
    m: Model,
    path: std::path::PathBuf,
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A session on context `dev` showing `namespace` (`None`: all).
async fn session(name: &str, namespace: Option<&str>) -> Session {
    let server = DemoServer::start(DemoConfig {
        clusters: 1,
        churn: 0.0,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let path =
        std::env::temp_dir().join(format!("kbdash-ctx-ns-{name}-{}.yaml", std::process::id()));
    std::fs::write(&path, kubeconfig(&server.url)).unwrap();
    let source = Source::kubeconfig(Some(path.clone()));
    let connection = connect(&source, None).await.unwrap();
    let namespace = namespace.map(str::to_string);
    let mut m = Model::new("dev", namespace.clone(), chrono::Utc::now());
    m.contexts = connection.contexts.clone();
    let engine = Engine::start(EngineConfig {
        source,
        connection,
        namespace,
        readonly: Policy::default(),
        audit_log: None,
        probe: None,
        watch: Default::default(),
    });
    Session {
        _server: server,
        engine,
        m,
        path,
    }
}

impl Session {
    /// Hands the engine's messages to the model until it lists a cluster (20 s at most).
    async fn until_clusters(&mut self) {
        let listed = tokio::time::timeout(Duration::from_secs(20), async {
            while self.m.store.clusters.is_empty() {
                let msg = self.engine.recv().await.unwrap();
                self.engine.handle(&mut self.m, msg).await;
            }
        })
        .await;
        assert!(listed.is_ok(), "no cluster listed: {:?}", self.m.streams);
    }

    fn notice(&self) -> String {
        self.m
            .notice
            .as_ref()
            .map(|(t, _)| t.clone())
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn switching_to_the_current_context_keeps_all_namespaces() {
    let mut s = session("same", None).await;
    s.until_clusters().await;
    let before = s.m.shown[0].ctx;
    type_line(&mut s.engine, &mut s.m, "ctx dev").await;
    assert_eq!(s.m.context, "dev");
    assert_eq!(s.m.namespace, None, "-A is kept");
    // A new id: an answer still on its way from the old watches cannot pass for the new's.
    let after = s.m.shown[0].ctx;
    assert_ne!(after, before);
    s.until_clusters().await;
    assert!(s.m.store.clusters.iter().all(|c| c.key.ctx == after));
    assert_eq!(s.notice(), "", "nothing changed to tell about");
}

#[tokio::test]
async fn switching_to_another_context_keeps_all_namespaces() {
    let mut s = session("other-all", None).await;
    type_line(&mut s.engine, &mut s.m, "ctx ops").await;
    assert_eq!(s.m.context, "ops");
    assert_eq!(s.m.namespace, None, "-A is kept");
    s.until_clusters().await;
}

#[tokio::test]
async fn the_current_context_keeps_the_namespace_shown() {
    let mut s = session("same-ns", Some("demo")).await;
    type_line(&mut s.engine, &mut s.m, "ns kube-system").await;
    type_line(&mut s.engine, &mut s.m, "ctx dev").await;
    assert_eq!(s.m.namespace.as_deref(), Some("kube-system"));
}

#[tokio::test]
async fn another_context_opens_on_its_namespace_and_says_so() {
    let mut s = session("other-ns", Some("demo")).await;
    type_line(&mut s.engine, &mut s.m, "ctx ops").await;
    assert_eq!(s.m.context, "ops");
    assert_eq!(s.m.namespace.as_deref(), Some("ops"));
    let notice = s.notice();
    assert!(
        notice.contains("namespace ops (was demo"),
        "the change is said: {notice:?}"
    );
}
