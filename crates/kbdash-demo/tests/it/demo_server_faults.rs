//! Each fault hook of the demo server has its observable effect, through the `Faults` handle
//! and through the admin HTTP endpoints.

use std::time::Duration;

use crate::demo_server_support::{WAIT, api, create, eventually, raw, start};
use futures::StreamExt;
use kbdash_core::kinds::Kind;
use kube::api::{ListParams, WatchEvent, WatchParams};
use serde_json::{Value, json};

fn status_of(e: kube::Error) -> (u16, String) {
    match e {
        kube::Error::Api(s) => (s.code, s.message.clone()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn drop_watches_ends_open_streams() {
    let server = start().await;
    create(&server, Kind::Pod, "t", "p", json!({})).await;
    let pods = api(&server, Kind::Pod, Some("t"));
    let mut w = pods
        .watch(&WatchParams::default(), "0")
        .await
        .expect("watch")
        .boxed();
    assert!(matches!(w.next().await, Some(Ok(WatchEvent::Added(_)))));
    server.faults.drop_watches();
    let end = tokio::time::timeout(WAIT, async {
        loop {
            match w.next().await {
                None => return,
                Some(Ok(WatchEvent::Bookmark(_))) => {}
                Some(other) => panic!("{other:?}"),
            }
        }
    });
    end.await.expect("the watch ends");
    // New watches work as before.
    let mut w = pods
        .watch(&WatchParams::default(), "0")
        .await
        .expect("watch")
        .boxed();
    assert!(matches!(w.next().await, Some(Ok(WatchEvent::Added(_)))));
}

#[tokio::test]
async fn forbid_answers_403_for_one_resource_until_cleared() {
    let server = start().await;
    let ops = api(&server, Kind::OpsRequest, Some("demo"));
    server.faults.forbid(Kind::OpsRequest);
    let (code, message) = status_of(
        ops.list(&ListParams::default())
            .await
            .expect_err("forbidden"),
    );
    assert_eq!(code, 403);
    assert_eq!(
        message,
        "opsrequests.operations.kubeblocks.io is forbidden: User \"demo\" cannot list resource \"opsrequests\" in API group \"operations.kubeblocks.io\" in the namespace \"demo\""
    );
    api(&server, Kind::Pod, Some("demo"))
        .list(&ListParams::default())
        .await
        .expect("pods still served");
    server.faults.clear();
    ops.list(&ListParams::default())
        .await
        .expect("allowed again");
}

#[tokio::test]
async fn hidden_group_vanishes_from_discovery_and_paths() {
    let server = start().await;
    server.faults.hide_group("operations.kubeblocks.io");
    let discovery = kube::Discovery::new(server.client().expect("client"))
        .run()
        .await
        .expect("discovery");
    assert!(discovery.get("operations.kubeblocks.io").is_none());
    assert!(discovery.get("apps.kubeblocks.io").is_some());
    let (code, _) = raw(
        &server,
        "GET",
        "/apis/operations.kubeblocks.io/v1alpha1",
        &[],
        "",
    )
    .await;
    assert_eq!(code, 404);
    let ops = api(&server, Kind::OpsRequest, Some("t"));
    assert_eq!(
        status_of(ops.list(&ListParams::default()).await.expect_err("hidden")).0,
        404
    );
    server.faults.clear();
    ops.list(&ListParams::default())
        .await
        .expect("visible again");
}

#[tokio::test]
async fn latency_delays_requests() {
    let server = start().await;
    let pods = api(&server, Kind::Pod, Some("t"));
    server.faults.set_latency(Duration::from_millis(300));
    let t = tokio::time::Instant::now();
    pods.list(&ListParams::default()).await.expect("list");
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn refused_connections_close_the_port_then_recover() {
    let server = start().await;
    let addr = server.url.trim_start_matches("http://").to_string();
    create(&server, Kind::Pod, "t", "p", json!({})).await;
    let pods = api(&server, Kind::Pod, Some("t"));
    let mut w = pods
        .watch(&WatchParams::default(), "0")
        .await
        .expect("watch")
        .boxed();
    assert!(matches!(w.next().await, Some(Ok(WatchEvent::Added(_)))));

    server.faults.refuse_connections(Duration::from_secs(1));
    // The open watch is cut.
    tokio::time::timeout(WAIT, async { while let Some(Ok(_)) = w.next().await {} })
        .await
        .expect("the watch is cut");
    // New connections are refused while the fault lasts ...
    eventually("the port to close", || async {
        tokio::net::TcpStream::connect(&addr)
            .await
            .is_err()
            .then_some(())
    })
    .await;
    assert!(server.faults.refusing_until().is_some());
    // ... and accepted again afterwards, on the same port.
    eventually("the port to reopen", || async {
        tokio::net::TcpStream::connect(&addr).await.ok().map(|_| ())
    })
    .await;
    eventually("requests to succeed again", || async {
        pods.list(&ListParams::default()).await.ok()
    })
    .await;

    // Clearing the faults ends a long refusal early.
    server.faults.refuse_connections(Duration::from_secs(600));
    eventually("the port to close", || async {
        tokio::net::TcpStream::connect(&addr)
            .await
            .is_err()
            .then_some(())
    })
    .await;
    server.faults.clear();
    eventually("the port to reopen after clear", || async {
        tokio::net::TcpStream::connect(&addr).await.ok().map(|_| ())
    })
    .await;
}

#[tokio::test]
async fn admin_endpoints_switch_faults() {
    let server = start().await;
    let post = |path: &'static str| {
        let server = &server;
        async move { raw(server, "POST", path, &[], "").await }
    };
    let (code, body) =
        post("/kbdash-demo/faults/forbid?resource=backups.dataprotection.kubeblocks.io").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        post("/kbdash-demo/faults/hide-group?group=apps.kubeblocks.io")
            .await
            .0,
        200
    );
    assert_eq!(post("/kbdash-demo/faults/latency?ms=5").await.0, 200);
    assert_eq!(
        post("/kbdash-demo/faults/freeze-watches?resource=opsrequests")
            .await
            .0,
        200
    );
    let (_, shown) = raw(&server, "GET", "/kbdash-demo/faults", &[], "").await;
    let shown: Value = serde_json::from_str(&shown).expect("json");
    assert_eq!(shown["forbidden"], json!(["backups"]));
    assert_eq!(shown["hiddenGroups"], json!(["apps.kubeblocks.io"]));
    assert_eq!(shown["latencyMs"], 5);
    assert_eq!(shown["frozenWatches"], json!(["opsrequests"]));
    let (code, _) = raw(
        &server,
        "GET",
        "/apis/dataprotection.kubeblocks.io/v1alpha1/backups",
        &[],
        "",
    )
    .await;
    assert_eq!(code, 403);
    let (code, _) = raw(
        &server,
        "GET",
        "/apis/apps.kubeblocks.io/v1/clusters",
        &[],
        "",
    )
    .await;
    assert_eq!(code, 404);

    let old = create(&server, Kind::Pod, "t", "p", json!({})).await;
    create(&server, Kind::Pod, "t", "q", json!({})).await;
    assert_eq!(post("/kbdash-demo/faults/expire-history").await.0, 200);
    let rv = old.metadata.resource_version.expect("rv");
    let (code, body) = raw(
        &server,
        "GET",
        &format!("/api/v1/namespaces/t/pods?watch=1&resourceVersion={rv}"),
        &[],
        "",
    )
    .await;
    assert_eq!(code, 200);
    assert!(
        body.contains("\"type\":\"ERROR\"") && body.contains("\"code\":410"),
        "{body}"
    );

    assert_eq!(post("/kbdash-demo/faults/drop-watches").await.0, 200);
    assert_eq!(post("/kbdash-demo/faults/clear").await.0, 200);
    let (code, _) = raw(
        &server,
        "GET",
        "/apis/dataprotection.kubeblocks.io/v1alpha1/backups",
        &[],
        "",
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(
        post("/kbdash-demo/faults/forbid?resource=widgets").await.0,
        400
    );
    assert_eq!(post("/kbdash-demo/faults/latency").await.0, 400);
    assert_eq!(
        post("/kbdash-demo/faults/refuse-connections?seconds=0")
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn the_fail_writes_endpoint_refuses_writes_only_until_cleared() {
    use crate::demo_server_support::{api, create, raw, start};
    use kube::api::{DeleteParams, ListParams};

    let server = start().await;
    create(&server, Kind::Pod, "t", "p", json!({})).await;
    let post = |path: &'static str| raw(&server, "POST", path, &[], "");
    // Not 503: kube's client retries 429, 503 and 504 by itself, for minutes.
    let (code, shown) = post("/kbdash-demo/faults/fail-writes?status=500").await;
    assert_eq!(code, 200);
    assert!(shown.contains("\"failingWrites\":500"), "{shown}");
    for bad in [
        "/kbdash-demo/faults/fail-writes?status=200",
        "/kbdash-demo/faults/fail-writes?status=600",
        "/kbdash-demo/faults/fail-writes",
    ] {
        assert_eq!(post(bad).await.0, 400, "{bad}");
    }

    let pods = api(&server, Kind::Pod, Some("t"));
    match pods.delete("p", &DeleteParams::default()).await {
        Err(kube::Error::Api(s)) => {
            assert_eq!((s.code, s.reason.as_str()), (500, "InternalError"))
        }
        other => panic!("expected a 500, got {other:?}"),
    }
    assert_eq!(
        pods.list(&ListParams::default()).await.unwrap().items.len(),
        1
    );

    assert_eq!(post("/kbdash-demo/faults/clear").await.0, 200);
    pods.delete("p", &DeleteParams::default()).await.unwrap();
}
