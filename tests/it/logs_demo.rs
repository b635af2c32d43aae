//! The log view end to end: the real engine and kube client against the demo server's
//! `pods/{name}/log`. Follow, another container, the previous run, a stream the server drops
//! (resumed without a line twice or a line lost), a missing pod or container, the one-shot
//! last lines, and the read-only gate letting the log through and nothing else.

use std::time::Duration;

use chrono::Utc;
use crossterm::event::KeyCode;
use kbdash::k8s::logs::{self, LogEvent, LogRequest, LogSource};
use kbdash::state::logs::{LogStatus, LogView};
use kbdash::state::model::Model;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;
use serde_json::{Value, json};

use crate::resilience_support::{NS, Session, all_live, ch, key};

const POD: &str = "pg-cluster-postgresql-7";

/// A pod of pg-cluster whose first container the demo knows nothing of (it says every second
/// that it runs) and whose `postgresql` restarted once, 30 s ago.
fn pod() -> Value {
    let (pg, side) = (
        (Utc::now() - chrono::Duration::seconds(30)).to_rfc3339(),
        (Utc::now() - chrono::Duration::seconds(4)).to_rfc3339(),
    );
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": POD, "namespace": NS, "creationTimestamp": pg,
            "labels": {"app.kubernetes.io/instance": "pg-cluster",
                "app.kubernetes.io/managed-by": "kubeblocks",
                "apps.kubeblocks.io/component-name": "postgresql",
                "kubeblocks.io/role": "secondary"}},
        "spec": {"containers": [{"name": "sidecar", "image": "x"}, {"name": "postgresql", "image": "y"}]},
        "status": {"phase": "Running", "startTime": pg, "containerStatuses": [
            {"name": "sidecar", "ready": true, "restartCount": 0, "image": "x",
                "state": {"running": {"startedAt": side}}},
            {"name": "postgresql", "ready": true, "restartCount": 1, "image": "y",
                "state": {"running": {"startedAt": pg}}}]}})
}

fn view(m: &Model) -> &LogView {
    m.logs.as_deref().expect("the log view is open")
}

fn texts(m: &Model) -> Vec<String> {
    view(m).buffer.iter().map(|(_, l)| l.text.clone()).collect()
}

/// The seconds the sidecar's lines count, in order.
fn ticks(m: &Model) -> Vec<u64> {
    texts(m)
        .iter()
        .filter_map(|t| t.strip_prefix("sidecar: running for "))
        .filter_map(|t| t.strip_suffix('s'))
        .filter_map(|n| n.parse().ok())
        .collect()
}

#[tokio::test]
async fn follow_another_container_the_previous_run_and_a_dropped_stream() {
    let mut s = Session::start_with("logs-e2e", 120, 40, |server| {
        server.store.create(Kind::Pod, pod()).unwrap();
    })
    .await;
    let key_of = ObjKey::new(NS, POD);
    s.until("initial sync", |m| {
        all_live(m) && m.store.pods.get(&key_of).is_some()
    })
    .await;
    s.press(ch('2'));
    s.model.store.pods.select_key(&key_of);
    s.press(ch('l'));
    s.until("the postgresql log", |m| {
        texts(m)
            .iter()
            .any(|t| t.contains("database system is ready"))
    })
    .await;
    assert_eq!(
        view(&s.model).containers,
        ["postgresql", "sidecar"],
        "postgresql first"
    );
    assert_eq!(view(&s.model).container.as_deref(), Some("postgresql"));
    assert!(view(&s.model).following());

    // Another container: its log, followed as it grows.
    s.press(key(KeyCode::Tab));
    s.until("the sidecar's lines, more than there were", |m| {
        ticks(m).last().is_some_and(|t| *t >= 6)
    })
    .await;
    assert!(texts(&s.model)[0].ends_with("sidecar: started"));

    // The server drops the stream: it resumes from sinceTime, no line twice, none lost.
    s.server.faults.drop_log_streams();
    s.until("the stream dropped", |m| {
        matches!(view(m).status, LogStatus::Reconnecting { .. })
    })
    .await;
    let before = *ticks(&s.model).last().unwrap();
    s.until("lines after the reconnection", |m| {
        ticks(m).last().is_some_and(|t| *t >= before + 2)
    })
    .await;
    let all = ticks(&s.model);
    let expected: Vec<u64> = (1..=*all.last().unwrap()).collect();
    assert_eq!(all, expected, "every second once, in order");
    assert_eq!(view(&s.model).status, LogStatus::Streaming);

    // The previous run of postgresql: read whole, it ended with the restart.
    s.press(key(KeyCode::Tab));
    s.press(ch('p'));
    s.until("the previous run read whole", |m| {
        view(m).status == LogStatus::Ended
    })
    .await;
    let last = texts(&s.model).last().cloned().unwrap();
    assert!(
        last.ends_with("LOG:  database system is shut down"),
        "{last}"
    );
    let screen = s.render();
    assert!(screen.contains("(previous run)"), "{screen}");

    // The sidecar never restarted: no previous run, said in the API server's words.
    s.press(key(KeyCode::Tab));
    s.press(ch('p'));
    s.until("the refusal", |m| {
        matches!(view(m).status, LogStatus::Failed(_))
    })
    .await;
    let LogStatus::Failed(e) = &view(&s.model).status else {
        unreachable!()
    };
    assert!(
        e.contains("previous terminated container \"sidecar\"") && e.contains("not found"),
        "{e}"
    );
    s.press(key(KeyCode::Esc));
    assert!(s.model.logs.is_none());
}

/// A kube client of the session's demo server.
async fn client(s: &Session) -> kube::Client {
    let source = kbdash::k8s::client::Source::Url(s.server.url.clone());
    kbdash::k8s::client::connect(&source, None)
        .await
        .unwrap()
        .client
}

/// Runs a stream of `req` to its first failure or end, and returns what it reported.
async fn events(s: &Session, req: LogRequest) -> Vec<LogEvent> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let client = client(s).await;
    tokio::spawn(logs::stream(client, req, move |e| {
        let tx = tx.clone();
        async move { tx.send(e).await.is_ok() }
    }));
    let mut out = Vec::new();
    while let Ok(Some(e)) = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
        let last = matches!(e, LogEvent::Failed(_) | LogEvent::Ended);
        out.push(e);
        if last {
            break;
        }
    }
    out
}

#[tokio::test]
async fn a_missing_pod_or_container_is_a_clear_message() {
    let s = Session::start_with("logs-missing", 120, 40, |server| {
        server.store.create(Kind::Pod, pod()).unwrap();
    })
    .await;
    let req = |pod: &str, container: Option<&str>| LogRequest {
        source: LogSource::Pod(ObjKey::new(NS, pod)),
        container: container.map(str::to_string),
        previous: false,
        tail: Some(10),
    };
    let got = events(&s, req("no-such-pod", None)).await;
    assert_eq!(
        got,
        [LogEvent::Failed(format!("pod {NS}/no-such-pod not found"))]
    );
    let got = events(&s, req(POD, Some("pgbouncer"))).await;
    assert_eq!(
        got,
        [LogEvent::Failed(format!(
            "pod {NS}/{POD} has no container pgbouncer (it has: postgresql, sidecar)"
        ))]
    );
    let got = events(
        &s,
        LogRequest {
            source: LogSource::Backup {
                backup: ObjKey::new(NS, "pg-cluster-20250603020000"),
                continuous: false,
            },
            container: None,
            previous: false,
            tail: None,
        },
    )
    .await;
    assert!(
        matches!(&got[..], [LogEvent::Failed(e)] if e.contains("no pod labelled dataprotection.kubeblocks.io/backup-name=pg-cluster-20250603020000")),
        "{got:?}"
    );
}

#[tokio::test]
async fn the_read_only_gate_lets_the_log_through_and_nothing_else() {
    let s = Session::start_with("logs-readonly", 120, 40, |server| {
        server.store.create(Kind::Pod, pod()).unwrap();
    })
    .await;
    let guarded = kbdash::k8s::gate::guard(client(&s).await, true);
    let pod = ObjKey::new(NS, POD);
    let lines = logs::last_lines(guarded.clone(), &pod, "postgresql", true, 2)
        .await
        .unwrap();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].text.ends_with("database system is shut down"),
        "{lines:?}"
    );
    assert!(lines.iter().all(|l| l.at.is_some()), "stamped");
    // The same client refuses a write before it leaves the process.
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> =
        kube::Api::namespaced(guarded.clone(), NS);
    let err = pods
        .delete(POD, &Default::default())
        .await
        .expect_err("the gate refuses a DELETE");
    assert!(
        err.to_string().contains("read-only mode: refused DELETE"),
        "{err}"
    );
    assert!(s.server.store.get(Kind::Pod, Some(NS), POD).is_some());
    let missing = logs::last_lines(guarded, &pod, "nope", false, 2)
        .await
        .unwrap_err();
    assert_eq!(
        missing,
        format!("container nope is not valid for pod {POD}")
    );
}
