//! Shared helpers of the demo server integration tests.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use kbdash_core::kinds::Kind;
use kbdash_demo::{DemoConfig, DemoServer};
use kube::Api;
use kube::api::{DynamicObject, PostParams};
use serde_json::{Value, json};

/// How long any condition may take before a test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// A demo server on a free port with no seeded clusters: each test creates what it needs.
pub async fn start() -> DemoServer {
    DemoServer::start(DemoConfig {
        clusters: 0,
        ..DemoConfig::default()
    })
    .await
    .expect("the demo server starts")
}

/// Every stored object of `kind` in `ns` (all namespaces when `None`), as trees.
pub fn values(server: &DemoServer, kind: Kind, ns: Option<&str>) -> Vec<Value> {
    server
        .store
        .list(kind, ns)
        .0
        .iter()
        .map(|o| o.value())
        .collect()
}

/// A dynamic API for `kind` in `ns` (all namespaces or cluster scope when `None`).
pub fn api(server: &DemoServer, kind: Kind, ns: Option<&str>) -> Api<DynamicObject> {
    let client = server.client().expect("client");
    let ar = kbdash_demo::api_resource(kind);
    match ns {
        Some(ns) if kind.info().namespaced => Api::namespaced_with(client, ns, &ar),
        _ => Api::all_with(client, &ar),
    }
}

/// The reference fixture whose `spec` is a schema-valid example of a KubeBlocks kind.
fn fixture(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Cluster => "cluster-pg-cluster.yaml",
        Kind::Component => "component-pg-cluster-postgresql.yaml",
        Kind::ComponentVersion => "componentversion-postgresql.yaml",
        Kind::OpsRequest => "opsrequest-restart-succeed.yaml",
        Kind::Backup => "backup-full-pg-basebackup.yaml",
        Kind::BackupPolicy => "backuppolicy-pg-cluster.yaml",
        Kind::BackupSchedule => "backupschedule-pg-cluster.yaml",
        Kind::Restore => "restore-preparedata-pitr.yaml",
        _ => return None,
    })
}

/// A valid `spec` for `kind`: a reference fixture's for KubeBlocks kinds, empty otherwise.
pub fn valid_spec(kind: Kind) -> Value {
    let Some(file) = fixture(kind) else {
        return json!({});
    };
    let text = std::fs::read_to_string(format!(
        "{}/../../tests/fixtures/kubeblocks/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let first = serde_yaml_ng::Deserializer::from_str(&text)
        .next()
        .expect("a document");
    let doc: Value = serde::Deserialize::deserialize(first).expect("yaml");
    doc["spec"].clone()
}

/// A schema-valid object of `kind` as JSON.
pub fn object(kind: Kind, ns: &str, name: &str, labels: Value) -> Value {
    let mut meta = json!({"name": name, "labels": labels});
    if kind.info().namespaced {
        meta["namespace"] = json!(ns);
    }
    json!({
        "apiVersion": kind.api_version(),
        "kind": kind.info().kind_name,
        "metadata": meta,
        "spec": valid_spec(kind),
    })
}

/// Creates an object through the API.
pub async fn create(
    server: &DemoServer,
    kind: Kind,
    ns: &str,
    name: &str,
    labels: Value,
) -> DynamicObject {
    let obj: DynamicObject =
        serde_json::from_value(object(kind, ns, name, labels)).expect("object");
    api(server, kind, Some(ns))
        .create(&PostParams::default(), &obj)
        .await
        .expect("created")
}

/// Polls `check` every 10 ms until it yields a value, failing the test after [`WAIT`].
pub async fn eventually<T, F, Fut>(what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    poll(what, WAIT, check).await
}

/// How long the simulated operator may take over a request's whole course.
pub const OPERATOR_WAIT: Duration = Duration::from_secs(20);

/// Polls `check` (of the store, as the operator leaves it) every 10 ms until it yields a
/// value, failing the test after [`OPERATOR_WAIT`].
pub async fn until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    poll(what, OPERATOR_WAIT, || std::future::ready(check())).await
}

async fn poll<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    tokio::time::timeout(limit, async {
        loop {
            if let Some(v) = check().await {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// A raw HTTP request to the server, returning status and body.
pub async fn raw(
    server: &DemoServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = server.url.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    tokio::time::timeout(WAIT, s.read_to_end(&mut out))
        .await
        .expect("response in time")
        .expect("read");
    let text = String::from_utf8_lossy(&out).to_string();
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, dechunk(&body))
}

/// Undoes chunked transfer encoding when present (best effort, for test bodies).
fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    loop {
        let Some((size_line, after)) = rest.split_once("\r\n") else {
            return if out.is_empty() {
                body.to_string()
            } else {
                out
            };
        };
        let Ok(size) = usize::from_str_radix(size_line.trim(), 16) else {
            return if out.is_empty() {
                body.to_string()
            } else {
                out
            };
        };
        if size == 0 || after.len() < size {
            return out;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
}
