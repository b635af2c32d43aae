//! The demo server's REST protocol, as kube-rs and raw HTTP clients see it.

use crate::demo_server_support::{api, create, object, raw, start};
use k8s_openapi::api::core::v1::Pod;
use kbdash_core::kinds::{KINDS, Kind};
use kube::api::{DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::{Api, ResourceExt};
use serde_json::{Value, json};

fn api_error(e: kube::Error) -> (u16, String, String) {
    match e {
        kube::Error::Api(s) => (s.code, s.reason.clone(), s.message.clone()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn discovery_serves_every_kind() {
    let server = start().await;
    let client = server.client().expect("client");
    let version = client.apiserver_version().await.expect("version");
    assert_eq!(version.major, "1");
    let discovery = kube::Discovery::new(client).run().await.expect("discovery");
    for k in KINDS {
        let group = discovery
            .get(k.group)
            .unwrap_or_else(|| panic!("group {:?} discovered", k.group));
        let (ar, caps) = group
            .recommended_kind(k.kind_name)
            .unwrap_or_else(|| panic!("{} discovered", k.kind_name));
        assert_eq!(ar.plural, k.plural);
        assert_eq!(
            caps.scope == kube::discovery::Scope::Namespaced,
            k.namespaced
        );
        assert!(caps.supports_operation(kube::discovery::verbs::WATCH));
    }
    let (code, body) = raw(
        &server,
        "GET",
        "/apis/operations.kubeblocks.io/v1alpha1",
        &[],
        "",
    )
    .await;
    assert_eq!(code, 200);
    let doc: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(doc["resources"][0]["shortNames"], json!(["ops"]));
    assert_eq!(doc["resources"][1]["name"], "opsrequests/status");
    // Aggregated discovery is answered with the plain document, which clients fall back to.
    let accept =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    let (code, body) = raw(&server, "GET", "/apis", &[("Accept", accept)], "").await;
    assert_eq!(code, 200);
    assert!(body.contains("\"kind\":\"APIGroupList\""));
    let (code, _) = raw(&server, "GET", "/openapi/v2", &[], "").await;
    assert_eq!(code, 404);
    // A group the server does not serve answers plain text, as kube-apiserver does; a
    // resource it does not know in a group it serves answers a Status.
    let (code, body) = raw(&server, "GET", "/apis/apps/v1/deployments", &[], "").await;
    assert_eq!((code, body.as_str()), (404, "404 page not found\n"));
    let (code, body) = raw(&server, "GET", "/api/v1/widgets", &[], "").await;
    assert_eq!(code, 404);
    assert!(body.contains("\"reason\":\"NotFound\""));
}

#[tokio::test]
async fn create_get_update_patch_delete_round_trip() {
    let server = start().await;
    let pods: Api<Pod> = Api::namespaced(server.client().expect("client"), "t");
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "p-0", "labels": {"app": "x"}},
        "spec": {"containers": [{"name": "c", "image": "pg"}]},
    }))
    .expect("pod");
    let created = pods
        .create(&PostParams::default(), &pod)
        .await
        .expect("created");
    let meta = &created.metadata;
    assert!(meta.uid.is_some() && meta.creation_timestamp.is_some());
    assert!(meta.managed_fields.is_none());
    let rv1: u64 = meta
        .resource_version
        .as_deref()
        .and_then(|r| r.parse().ok())
        .expect("rv");

    let err = pods
        .create(&PostParams::default(), &pod)
        .await
        .expect_err("duplicate");
    assert_eq!(api_error(err).0, 409);

    let got = pods.get("p-0").await.expect("get");
    assert_eq!(
        got.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("app"))
            .map(String::as_str),
        Some("x")
    );

    let patched = pods
        .patch(
            "p-0",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"b": "2"}}})),
        )
        .await
        .expect("merge patch");
    let rv2: u64 = patched
        .metadata
        .resource_version
        .as_deref()
        .and_then(|r| r.parse().ok())
        .expect("rv");
    assert!(rv2 > rv1, "resourceVersion increases");

    let status = pods
        .patch_status(
            "p-0",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"phase": "Running"}})),
        )
        .await
        .expect("status patch");
    assert_eq!(
        status.status.and_then(|s| s.phase).as_deref(),
        Some("Running")
    );

    // A main-resource update keeps the stored status.
    let mut current = pods.get("p-0").await.expect("get");
    current.status = None;
    current
        .metadata
        .labels
        .get_or_insert_default()
        .insert("c".into(), "3".into());
    let replaced = pods
        .replace("p-0", &PostParams::default(), &current)
        .await
        .expect("replace");
    assert_eq!(
        replaced.status.and_then(|s| s.phase).as_deref(),
        Some("Running")
    );

    // A stale resourceVersion conflicts.
    let mut stale = current.clone();
    stale.metadata.resource_version = Some(rv1.to_string());
    let err = pods
        .replace("p-0", &PostParams::default(), &stale)
        .await
        .expect_err("stale");
    assert_eq!(api_error(err).1, "Conflict");

    let (code, body) = raw(
        &server,
        "PATCH",
        "/api/v1/namespaces/t/pods/p-0",
        &[("Content-Type", "application/json-patch+json")],
        r#"[{"op": "add", "path": "/metadata/labels/kubeblocks.io~1role", "value": "primary"}]"#,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let p = pods.get("p-0").await.expect("get");
    assert_eq!(
        p.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("kubeblocks.io/role"))
            .map(String::as_str),
        Some("primary")
    );

    let deleted = pods
        .delete("p-0", &DeleteParams::default())
        .await
        .expect("delete");
    assert!(
        deleted
            .left()
            .is_some_and(|p| p.metadata.name.as_deref() == Some("p-0"))
    );
    let err = pods.get("p-0").await.expect_err("gone");
    let (code, reason, message) = api_error(err);
    assert_eq!(
        (code, reason.as_str(), message.as_str()),
        (404, "NotFound", "pods \"p-0\" not found")
    );
}

#[tokio::test]
async fn server_side_apply_creates_and_requires_a_field_manager() {
    let server = start().await;
    let ops = api(&server, Kind::OpsRequest, Some("t"));
    let body = object(Kind::OpsRequest, "t", "o-1", json!({}));
    let applied = ops
        .patch(
            "o-1",
            &PatchParams::apply("kbdash-test"),
            &Patch::Apply(body.clone()),
        )
        .await
        .expect("apply creates");
    assert_eq!(applied.metadata.name.as_deref(), Some("o-1"));
    let (code, _) = raw(
        &server,
        "PATCH",
        "/apis/operations.kubeblocks.io/v1alpha1/namespaces/t/opsrequests/o-1",
        &[("Content-Type", "application/apply-patch+yaml")],
        &body.to_string(),
    )
    .await;
    assert_eq!(code, 422, "apply without fieldManager is invalid");
}

#[tokio::test]
async fn dry_run_create_stores_nothing() {
    let server = start().await;
    let ops = api(&server, Kind::OpsRequest, Some("t"));
    let mut obj = object(Kind::OpsRequest, "t", "", json!({}));
    obj["metadata"] = json!({"generateName": "pg-restart-", "namespace": "t"});
    let obj: DynamicObject = serde_json::from_value(obj).expect("object");
    let pp = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    let answered = ops.create(&pp, &obj).await.expect("dry run");
    assert!(
        answered
            .metadata
            .name
            .as_deref()
            .is_some_and(|n| n.starts_with("pg-restart-"))
    );
    assert!(
        ops.list(&ListParams::default())
            .await
            .expect("list")
            .items
            .is_empty()
    );
    assert_eq!(server.store.count(Kind::OpsRequest), 0);
}

#[tokio::test]
async fn lists_filter_by_label_and_field_and_page() {
    let server = start().await;
    for i in 0..7 {
        let role = if i == 0 { "primary" } else { "secondary" };
        create(
            &server,
            Kind::Pod,
            if i < 5 { "a" } else { "b" },
            &format!("pg-{i}"),
            json!({"kubeblocks.io/role": role, "app.kubernetes.io/instance": "pg"}),
        )
        .await;
    }
    create(&server, Kind::Pod, "a", "other", json!({})).await;
    let all = api(&server, Kind::Pod, None);
    let names = |l: kube::core::ObjectList<DynamicObject>| -> Vec<String> {
        l.items
            .into_iter()
            .filter_map(|o| o.metadata.name)
            .collect()
    };
    let lp = ListParams::default();
    assert_eq!(all.list(&lp).await.expect("list").items.len(), 8);
    assert_eq!(
        names(
            all.list(&lp.clone().labels("kubeblocks.io/role=primary"))
                .await
                .expect("list")
        ),
        vec!["pg-0"]
    );
    assert_eq!(
        all.list(&lp.clone().labels("kubeblocks.io/role!=primary"))
            .await
            .expect("list")
            .items
            .len(),
        7
    );
    assert_eq!(
        all.list(
            &lp.clone()
                .labels("kubeblocks.io/role in (primary,secondary)")
        )
        .await
        .expect("list")
        .items
        .len(),
        7
    );
    assert_eq!(
        names(
            all.list(
                &lp.clone()
                    .labels("kubeblocks.io/role notin (primary,secondary)")
            )
            .await
            .expect("list")
        ),
        vec!["other"]
    );
    assert_eq!(
        all.list(&lp.clone().labels("app.kubernetes.io/instance"))
            .await
            .expect("list")
            .items
            .len(),
        7
    );
    assert_eq!(
        names(
            all.list(&lp.clone().labels("!app.kubernetes.io/instance"))
                .await
                .expect("list")
        ),
        vec!["other"]
    );
    assert_eq!(
        names(
            all.list(&lp.clone().fields("metadata.name=pg-6"))
                .await
                .expect("list")
        ),
        vec!["pg-6"]
    );
    assert_eq!(
        all.list(&lp.clone().fields("metadata.namespace==b"))
            .await
            .expect("list")
            .items
            .len(),
        2
    );
    assert_eq!(
        all.list(&lp.clone().fields("metadata.namespace!=b"))
            .await
            .expect("list")
            .items
            .len(),
        6
    );
    let in_a = api(&server, Kind::Pod, Some("a"));
    assert_eq!(in_a.list(&lp).await.expect("list").items.len(), 6);

    // Pages of 3 cover every object exactly once, at the first page's resourceVersion.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut rvs = Vec::new();
    loop {
        let mut p = lp.clone().limit(3);
        if let Some(t) = &token {
            p = p.continue_token(t);
        }
        let page = all.list(&p).await.expect("page");
        rvs.push(page.metadata.resource_version.clone());
        seen.extend(names(page.clone()));
        token = page.metadata.continue_.filter(|c| !c.is_empty());
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 8);
    assert_eq!(rvs.len(), 3);
    assert!(rvs.windows(2).all(|w| w[0] == w[1]));

    // A continue token older than the history is expired.
    let first = all.list(&lp.clone().limit(3)).await.expect("page");
    create(&server, Kind::Pod, "a", "later", json!({})).await;
    server.faults.expire_history();
    let token = first.metadata.continue_.expect("more pages");
    let err = all
        .list(&lp.clone().limit(3).continue_token(&token))
        .await
        .expect_err("expired");
    assert_eq!(api_error(err).0, 410);

    let err = all
        .list(&lp.clone().labels("a in b"))
        .await
        .expect_err("bad selector");
    assert_eq!(api_error(err).0, 400);
}

#[tokio::test]
async fn errors_are_status_objects() {
    let server = start().await;
    let (code, body) = raw(&server, "DELETE", "/api/v1/pods", &[], "").await;
    assert_eq!(code, 405);
    let status: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        (status["kind"].as_str(), status["reason"].as_str()),
        (Some("Status"), Some("MethodNotAllowed"))
    );
    let (code, body) = raw(
        &server,
        "POST",
        "/api/v1/namespaces/t/pods",
        &[("Content-Type", "application/json")],
        "{\"metadata\":{\"name\":\"Bad_Name\"}}",
    )
    .await;
    assert_eq!(code, 422);
    let status: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(status["reason"], "Invalid");
    assert_eq!(status["details"]["causes"][0]["field"], "metadata.name");
    let (code, _) = raw(
        &server,
        "POST",
        "/api/v1/namespaces/t/pods",
        &[],
        "not json {",
    )
    .await;
    assert_eq!(code, 400);
    let (code, _) = raw(
        &server,
        "POST",
        "/api/v1/namespaces/t/pods",
        &[],
        "{\"metadata\":{\"name\":\"p\",\"namespace\":\"other\"}}",
    )
    .await;
    assert_eq!(code, 400, "namespace mismatch");
}

#[tokio::test]
async fn status_subresource_changes_only_status() {
    let server = start().await;
    // Component versions are cluster-scoped KubeBlocks objects the operator leaves alone.
    let cmpv = api(&server, Kind::ComponentVersion, None);
    let mut body = object(Kind::ComponentVersion, "", "pg-test", json!({}));
    body["status"] = json!({"phase": "Available"});
    let obj: DynamicObject = serde_json::from_value(body).expect("object");
    let created = cmpv
        .create(&PostParams::default(), &obj)
        .await
        .expect("created");
    assert!(
        created.data.get("status").is_none(),
        "status is not set on create"
    );
    let spec = created.data["spec"].clone();
    let patched = cmpv
        .patch_status(
            "pg-test",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"releases": []}, "status": {"phase": "Unavailable"}})),
        )
        .await
        .expect("status patch");
    assert_eq!(patched.data["status"]["phase"], "Unavailable");
    assert_eq!(
        patched.data["spec"], spec,
        "a status write leaves spec alone"
    );
    let patched = cmpv
        .patch(
            "pg-test",
            &PatchParams::default(),
            &Patch::Merge(
                json!({"metadata": {"labels": {"x": "y"}}, "status": {"phase": "Available"}}),
            ),
        )
        .await
        .expect("main patch");
    assert_eq!(
        patched.data["status"]["phase"], "Unavailable",
        "a main write keeps the status"
    );
    assert_eq!(patched.labels().get("x").map(String::as_str), Some("y"));
    assert_eq!(
        patched.metadata.generation,
        Some(1),
        "no spec change, same generation"
    );
    let mut replaced = patched.clone();
    replaced.data["status"] = json!({"phase": "Available"});
    let replaced = cmpv
        .replace("pg-test", &PostParams::default(), &replaced)
        .await
        .expect("replace");
    assert_eq!(replaced.data["status"]["phase"], "Unavailable");
}

#[tokio::test]
async fn request_log_and_kubeconfig() {
    let dir = std::env::temp_dir().join(format!("kbdash-srv-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let log = dir.join("requests.log");
    let server = kbdash_demo::DemoServer::start(kbdash_demo::DemoConfig {
        clusters: 0,
        request_log: Some(log.clone()),
        ..Default::default()
    })
    .await
    .expect("start");
    let kc_path = dir.join("kubeconfig");
    server.write_kubeconfig(&kc_path).expect("written");
    let kubeconfig = kube::config::Kubeconfig::read_from(&kc_path).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("kube accepts it");
    let client = kube::Client::try_from(config).expect("client");
    let pods: Api<Pod> = Api::namespaced(client, "t");
    pods.list(&ListParams::default().labels("a=b"))
        .await
        .expect("list");
    let _ = pods.get("missing").await;
    let text = std::fs::read_to_string(&log).expect("log");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.iter().any(|l| l
            .ends_with(" GET /api/v1/namespaces/t/pods?&labelSelector=a%3Db 200")
            || (l.contains(" GET /api/v1/namespaces/t/pods?")
                && l.contains("labelSelector=a%3Db")
                && l.ends_with(" 200"))),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("GET /api/v1/namespaces/t/pods/missing") && l.ends_with(" 404")),
        "{text}"
    );
    let time = lines[0].split(' ').next().expect("time");
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{time}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn malformed_opsrequest_is_invalid_with_causes() {
    let server = start().await;
    let ops = api(&server, Kind::OpsRequest, Some("t"));
    let mut body = object(Kind::OpsRequest, "t", "bad", json!({}));
    body["spec"]["type"] = json!("Bogus");
    let obj: DynamicObject = serde_json::from_value(body).expect("object");
    let err = ops
        .create(&PostParams::default(), &obj)
        .await
        .expect_err("invalid");
    let kube::Error::Api(status) = err else {
        panic!("expected an API error, got {err:?}");
    };
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
    assert!(
        status
            .message
            .starts_with("OpsRequest.operations.kubeblocks.io \"bad\" is invalid: "),
        "{}",
        status.message
    );
    assert!(status.message.contains("spec.type"), "{}", status.message);
    let causes = status.details.map(|d| d.causes).unwrap_or_default();
    assert!(causes.iter().any(|c| c.field == "spec.type"), "{causes:?}");
    assert_eq!(server.store.count(Kind::OpsRequest), 0);
}

#[tokio::test]
async fn shutdown_ends_watches_and_closes_the_port() {
    use futures::StreamExt;
    let server = start().await;
    let addr = server.url.trim_start_matches("http://").to_string();
    let pods = api(&server, Kind::Pod, Some("t"));
    let mut w = pods
        .watch(&kube::api::WatchParams::default(), "0")
        .await
        .expect("watch")
        .boxed();
    tokio::time::timeout(crate::demo_server_support::WAIT, server.shutdown())
        .await
        .expect("shuts down in time");
    let ended = tokio::time::timeout(crate::demo_server_support::WAIT, async {
        while let Some(Ok(_)) = w.next().await {}
    })
    .await;
    assert!(ended.is_ok(), "the watch ends");
    assert!(
        tokio::net::TcpStream::connect(&addr).await.is_err(),
        "the port is closed"
    );
}

#[tokio::test]
async fn dry_run_patch_and_delete_change_nothing() {
    let server = start().await;
    // A kind the simulated operator leaves alone, so that nothing else writes meanwhile.
    create(&server, Kind::Service, "t", "pg", json!({"a": "1"})).await;
    let clusters = api(&server, Kind::Service, Some("t"));
    let before = server.store.resource_version();
    let answered = clusters
        .patch(
            "pg",
            &PatchParams::default().dry_run(),
            &Patch::Merge(json!({"metadata": {"labels": {"a": "2"}}})),
        )
        .await
        .expect("dry-run patch");
    assert_eq!(
        answered
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("a"))
            .map(String::as_str),
        Some("2")
    );
    let dp = DeleteParams {
        dry_run: true,
        ..DeleteParams::default()
    };
    clusters.delete("pg", &dp).await.expect("dry-run delete");
    assert_eq!(
        server.store.resource_version(),
        before,
        "nothing was written"
    );
    let stored = clusters.get("pg").await.expect("still there");
    assert_eq!(
        stored
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("a"))
            .map(String::as_str),
        Some("1")
    );
}

#[tokio::test]
async fn events_select_by_involved_object_type_and_reason() {
    let server = start().await;
    let events = api(&server, Kind::Event, Some("t"));
    let cases = [
        ("pg.1", "pg", "Normal", "Test"),
        ("pg.2", "pg", "Warning", "DoNotTerminate"),
        ("other.1", "other", "Warning", "BackOff"),
    ];
    for (name, involved, type_, reason) in cases {
        let ev: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": "t"},
            "involvedObject": {"kind": "Cluster", "name": involved, "namespace": "t"},
            "reason": reason, "type": type_,
        }))
        .expect("event");
        events
            .create(&PostParams::default(), &ev)
            .await
            .expect("created");
    }
    let lp = ListParams::default().fields("involvedObject.kind=Cluster,involvedObject.name=pg");
    assert_eq!(events.list(&lp).await.expect("list").items.len(), 2);
    // The store's Warning watch and a reason: kbdash's selectors.
    let warnings = ListParams::default().fields("type=Warning");
    assert_eq!(events.list(&warnings).await.expect("list").items.len(), 2);
    let reason = ListParams::default().fields("type=Warning,reason=BackOff");
    let listed = events.list(&reason).await.expect("list").items;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].metadata.name.as_deref(), Some("other.1"));
    let err = events
        .list(&ListParams::default().fields("spec.nodeName=x"))
        .await
        .expect_err("not an event field");
    let kube::Error::Api(status) = err else {
        panic!("expected an API error, got {err:?}");
    };
    assert_eq!(status.code, 400);
}

#[tokio::test]
async fn protobuf_bodies_are_refused_with_415() {
    let server = start().await;
    let (code, body) = raw(
        &server,
        "POST",
        "/api/v1/namespaces",
        &[("Content-Type", "application/vnd.kubernetes.protobuf")],
        "k8s\u{0}\n",
    )
    .await;
    assert_eq!(code, 415, "{body}");
    assert!(body.contains("UnsupportedMediaType"), "{body}");
    assert!(body.contains("does not read protobuf"), "{body}");
}
