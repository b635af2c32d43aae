//! End to end on the demo server: restores built by the restore form from live objects (read
//! through the kube client) are sent, run by the simulated operator and reach Running; a time
//! outside the recoverable window is refused by validation and nothing is sent (the demo's
//! request log shows no POST). Polls are bounded; nothing sleeps to synchronize.

use std::path::PathBuf;

use chrono::{FixedOffset, Utc};
use kbdash_core::domain::restore_wizard::{RestoreOutcome, follow};
use kbdash_core::forms::{Request, RestoreContext, RestoreInput};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ClusterRow, OpsRow};
use kbdash_demo::{DemoConfig, DemoServer};
use kube::Api;
use kube::api::{DynamicObject, ListParams, PostParams};
use serde_json::Value;

use crate::demo_server_support::until;

async fn start(log: Option<PathBuf>) -> DemoServer {
    DemoServer::start(DemoConfig {
        clusters: 6,
        seed: 7,
        speed: 200.0,
        request_log: log,
        ..DemoConfig::default()
    })
    .await
    .unwrap()
}

/// Every object of `kind`, read through the kube client as the dashboard reads them.
async fn list(server: &DemoServer, kind: Kind) -> Vec<Value> {
    let api: Api<DynamicObject> = Api::all_with(
        server.client().expect("client"),
        &kbdash_demo::api_resource(kind),
    );
    api.list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|o| serde_json::to_value(o).unwrap())
        .collect()
}

/// The restore context of the first Running continuous backup that has a recoverable window.
async fn pitr_context(server: &DemoServer) -> RestoreContext {
    let backups = list(server, Kind::Backup).await;
    let clusters = list(server, Kind::Cluster).await;
    let utc = FixedOffset::east_opt(0).unwrap();
    backups
        .iter()
        .filter(|b| b.pointer("/status/phase").and_then(Value::as_str) == Some("Running"))
        .filter_map(|b| {
            let ns = b.pointer("/metadata/namespace")?.as_str()?;
            let same_ns: Vec<Value> = backups
                .iter()
                .filter(|o| o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns))
                .cloned()
                .collect();
            RestoreContext::from_objects(b, &same_ns, &clusters, Utc::now(), utc)
        })
        .find(|ctx| ctx.is_continuous() && ctx.window().is_ok())
        .expect("a seeded continuous backup with a recoverable window")
}

async fn submit(server: &DemoServer, request: &Request) -> String {
    let api: Api<DynamicObject> = Api::namespaced_with(
        server.client().expect("client"),
        &request.namespace,
        &kbdash_demo::api_resource(request.kind),
    );
    let obj: DynamicObject = serde_json::from_value(request.body.clone()).unwrap();
    api.create(&PostParams::default(), &obj)
        .await
        .unwrap()
        .metadata
        .name
        .unwrap()
}

/// Follows the restore of `ns/cluster` (and its OpsRequest, if any) until it ends.
async fn follow_until_done(
    server: &DemoServer,
    ns: &str,
    cluster: &str,
    ops: Option<&str>,
) -> RestoreOutcome {
    until(&format!("the restore of {cluster} to end"), || {
        let cluster_row = server
            .store
            .get_value(Kind::Cluster, Some(ns), cluster)
            .map(|v| ClusterRow::from_value(&v));
        let ops_row = ops
            .and_then(|o| server.store.get_value(Kind::OpsRequest, Some(ns), o))
            .map(|v| OpsRow::from_value(&v));
        let outcome = follow(cluster_row.as_ref(), ops_row.as_ref());
        outcome.is_final().then_some(outcome)
    })
    .await
}

fn phase(server: &DemoServer, kind: Kind, ns: &str, name: &str) -> Option<String> {
    server
        .store
        .get_value(kind, Some(ns), name)?
        .pointer("/status/phase")?
        .as_str()
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pitr_restore_inside_the_window_reaches_running_in_both_forms() {
    let server = start(None).await;
    let ctx = pitr_context(&server).await;
    let window = ctx.window().unwrap();
    let middle = window.start + (window.end - window.start) / 2;

    // The OpsRequest form, as kbcli builds it.
    let mut input = RestoreInput::initial(&ctx);
    input.set_time(middle);
    let request = input.validate(&ctx).unwrap();
    assert_eq!(request.kind, Kind::OpsRequest);
    let ns = request.namespace.clone();
    let name = submit(&server, &request).await;
    assert_eq!(
        follow_until_done(&server, &ns, &input.name, Some(&name)).await,
        RestoreOutcome::Running
    );
    let ops_phase = until("the Restore OpsRequest to succeed", || {
        phase(&server, Kind::OpsRequest, &ns, &name).filter(|p| p == "Succeed" || p == "Failed")
    })
    .await;
    assert_eq!(ops_phase, "Succeed");
    assert_eq!(
        phase(&server, Kind::Cluster, &ns, &input.name).as_deref(),
        Some("Running")
    );
    let restored = server
        .store
        .get_value(Kind::Cluster, Some(&ns), &input.name)
        .unwrap();
    // The restore is done: the annotation is gone, and the Restore object keeps the time.
    assert_eq!(
        restored.pointer("/metadata/annotations/kubeblocks.io~1restore-from-backup"),
        None
    );
    let uid8: String = restored
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap()
        .chars()
        .take(8)
        .collect();
    let prepare = server
        .store
        .get_value(
            Kind::Restore,
            Some(&ns),
            &format!("{}-postgresql-{uid8}-preparedata", input.name),
        )
        .unwrap();
    assert_eq!(
        prepare["spec"]["restoreTime"],
        middle.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    );

    // The Cluster form, from the same live objects (the first restore's name is now taken).
    let ctx = pitr_context(&server).await;
    let mut input = RestoreInput::initial(&ctx);
    input.set("form", "Cluster").unwrap();
    input.set("replicas", "1").unwrap();
    input.set_time(window.start);
    assert_ne!(input.name, name, "the form picks a free name");
    let request = input.validate(&ctx).unwrap();
    assert_eq!(request.kind, Kind::Cluster);
    let created = submit(&server, &request).await;
    assert_eq!(
        follow_until_done(&server, &ns, &created, None).await,
        RestoreOutcome::Running
    );
    let restores = server.store.list(Kind::Restore, Some(&ns)).0;
    assert!(
        restores.iter().any(|r| r
            .value()
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.starts_with(&format!("{created}-")))),
        "the cluster controller made Restore objects for {created}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_outside_the_window_is_refused_before_anything_is_sent() {
    let log = std::env::temp_dir().join(format!("kbdash-restore-e2e-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let server = start(Some(log.clone())).await;
    let ctx = pitr_context(&server).await;
    let window = ctx.window().unwrap();
    let ops_before = server.store.count(Kind::OpsRequest);
    let clusters_before = server.store.count(Kind::Cluster);
    for form in ["OpsRequest", "Cluster"] {
        let mut input = RestoreInput::initial(&ctx);
        input.set("form", form).unwrap();
        input.set_time(window.end + chrono::Duration::hours(1));
        let errors = input.validate(&ctx).unwrap_err();
        assert_eq!(errors[0].field, "time");
        assert!(
            errors[0]
                .message
                .starts_with("restore-to-time is out of time range"),
            "{errors:?}"
        );
        input.set_time(window.start - chrono::Duration::seconds(1));
        assert_eq!(input.validate(&ctx).unwrap_err()[0].field, "time");
    }
    assert_eq!(server.store.count(Kind::OpsRequest), ops_before);
    assert_eq!(server.store.count(Kind::Cluster), clusters_before);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.lines().any(|l| l.contains(" GET ")),
        "the log records the reads: {text}"
    );
    assert!(
        !text.lines().any(|l| l.contains(" POST ")),
        "nothing was sent: {text}"
    );
    server.shutdown().await;
    let _ = std::fs::remove_file(&log);
}
