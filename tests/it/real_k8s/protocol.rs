//! The protocol side by side: the same requests to the demo server and to a real
//! kube-apiserver, compared on what clients rely on (status codes, Status reasons and
//! details, list metadata, watch event types and order, Table columns and cells), not on
//! bytes. Where the demo differs on purpose, the observation leaves the difference out and
//! the README lists it ("Deliberate differences of the demo server").

use std::fmt::Write as _;

use kbdash_core::kinds::Kind;
use kbdash_demo::{DemoConfig, DemoServer};
use serde_json::{Value, json};

use super::server::{READER, RealK8s, shared};
use super::support::{Answer, call, watch_events};

/// One of the two servers, with the namespace the scenario works in.
struct Side {
    /// `demo` or `real`.
    name: &'static str,
    client: kube::Client,
    ns: String,
    /// The demo server, kept running (`None` for the real one).
    demo: Option<DemoServer>,
}

/// What a scenario saw: labelled observations, in order.
#[derive(Default)]
struct Seen(Vec<(String, Value)>);

impl Seen {
    fn note(&mut self, label: &str, v: Value) {
        self.0.push((label.to_string(), v));
    }
}

/// The demo server (empty, quiet) and the shared real server, each with namespace `ns`;
/// `None` when the real tier is skipped.
async fn sides(test: &str, ns: &str) -> Option<(Side, Side, &'static RealK8s)> {
    let k8s = shared(test)?;
    let demo = DemoServer::start(DemoConfig {
        clusters: 0,
        churn: 0.0,
        operator: false,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let mut out = Vec::new();
    for (name, client, server) in [
        ("demo", demo.client().unwrap(), Some(demo)),
        ("real", k8s.admin().await, None),
    ] {
        let ns_obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
        let a = call(
            &client,
            "POST",
            "/api/v1/namespaces",
            Some(JSON),
            None,
            Some(&ns_obj),
        )
        .await;
        assert_eq!(a.code, 201, "{name}: namespace {ns}: {:#}", a.body);
        out.push(Side {
            name,
            client,
            ns: ns.to_string(),
            demo: server,
        });
    }
    let real = out.pop()?;
    let demo = out.pop()?;
    Some((demo, real, k8s))
}

/// Asserts both sides saw the same, listing every difference.
fn same(demo: &Seen, real: &Seen) {
    let mut report = String::new();
    for ((dl, dv), (rl, rv)) in demo.0.iter().zip(&real.0) {
        assert_eq!(dl, rl, "the scenarios diverged");
        if dv != rv {
            let _ = writeln!(report, "{dl}:\n  demo: {dv}\n  real: {rv}");
        }
    }
    assert_eq!(demo.0.len(), real.0.len(), "the scenarios diverged");
    assert!(
        report.is_empty(),
        "the demo answers unlike the real server:\n{report}"
    );
}

const JSON: &str = "application/json";

fn pods_path(ns: &str) -> String {
    format!("/api/v1/namespaces/{ns}/pods")
}

fn collection(kind: Kind, ns: &str) -> String {
    let i = kind.info();
    if i.group.is_empty() {
        format!("/api/{}/namespaces/{ns}/{}", i.version, i.plural)
    } else {
        format!(
            "/apis/{}/{}/namespaces/{ns}/{}",
            i.group, i.version, i.plural
        )
    }
}

fn pod(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "x"}]}})
}

fn ops(name: &str, op_type: &str) -> Value {
    json!({"apiVersion": "operations.kubeblocks.io/v1alpha1", "kind": "OpsRequest",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/instance": "c"}},
        "spec": {"clusterName": "c", "type": op_type, "restart": [{"componentName": "postgresql"}]}})
}

async fn post(side: &Side, kind: Kind, obj: &Value) -> Answer {
    call(
        &side.client,
        "POST",
        &collection(kind, &side.ns),
        Some(JSON),
        None,
        Some(obj),
    )
    .await
}

/// The names of a list's items, in order.
fn names(a: &Answer) -> Value {
    a.body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["metadata"]["name"].clone())
                .collect()
        })
        .unwrap_or(Value::Null)
}

/// What a client reads of an error: code, reason, details and message. The real server lists
/// the causes of an invalid object in no fixed order (it walks Go maps): they are compared as
/// a set, and the message up to where it lists them.
fn status(a: &Answer) -> Value {
    let mut message = a.body["message"].as_str().unwrap_or_default().to_string();
    let mut details = a.body["details"].clone();
    if let Some(causes) = details.get_mut("causes").and_then(Value::as_array_mut) {
        causes.sort_by_key(|c| c.to_string());
        if let Some(at) = message.find(" is invalid: ") {
            message.truncate(at + " is invalid:".len());
        }
    }
    json!({"code": a.code, "status": a.body["status"], "reason": a.body["reason"],
        "details": details, "message": message})
}

/// What a client reads of a list answer.
fn list_shape(a: &Answer) -> Value {
    let meta = &a.body["metadata"];
    json!({"code": a.code, "kind": a.body["kind"], "apiVersion": a.body["apiVersion"],
        "names": names(a),
        "resourceVersion": meta["resourceVersion"].as_str().is_some_and(|v| !v.is_empty()),
        // An empty `continue` means none, as for clients.
        "continue": meta["continue"].as_str().is_some_and(|c| !c.is_empty()),
        "remainingItemCount": meta["remainingItemCount"]})
}

#[tokio::test]
async fn lists_with_label_and_field_selectors_and_pages() {
    let Some((demo, real, _)) = sides("real_k8s::protocol::lists", "protocol-lists").await else {
        return;
    };
    let mut seen = Vec::new();
    for side in [&demo, &real] {
        let mut s = Seen::default();
        for (i, (app, tier)) in [
            ("a", "web"),
            ("b", "db"),
            ("a", "db"),
            ("b", "web"),
            ("a", "web"),
        ]
        .iter()
        .enumerate()
        {
            let a = post(
                side,
                Kind::Pod,
                &pod(&format!("p-{i}"), json!({"app": app, "tier": tier})),
            )
            .await;
            assert_eq!(a.code, 201, "{}: {:#}", side.name, a.body);
        }
        let path = pods_path(&side.ns);
        for query in [
            "",
            "labelSelector=app%3Da",
            "labelSelector=app%20in%20(a,b),tier!%3Ddb",
            "labelSelector=!tier",
            "labelSelector=tier",
            "labelSelector=app%3Da,app%3Db",
            "fieldSelector=metadata.name%3Dp-2",
            "fieldSelector=metadata.name!%3Dp-2,metadata.namespace%3Dprotocol-lists",
            "limit=2",
        ] {
            let a = call(
                &side.client,
                "GET",
                &format!("{path}?{query}"),
                None,
                None,
                None,
            )
            .await;
            s.note(&format!("list ?{query}"), list_shape(&a));
        }
        for bad in [
            "labelSelector=app%20in%20(",
            "fieldSelector=spec.bogus%3Dx",
            "continue=bogus",
        ] {
            let a = call(
                &side.client,
                "GET",
                &format!("{path}?{bad}"),
                None,
                None,
                None,
            )
            .await;
            s.note(
                &format!("bad list ?{bad}"),
                json!({"code": a.code, "reason": a.body["reason"]}),
            );
        }
        // Pages: each names the next until the last; all report the first page's version.
        let mut token = String::new();
        let mut versions = Vec::new();
        for page in 0..3 {
            let uri = format!("{path}?limit=2&continue={token}");
            let a = call(&side.client, "GET", &uri, None, None, None).await;
            s.note(&format!("page {page}"), list_shape(&a));
            versions.push(a.body["metadata"]["resourceVersion"].clone());
            token = a.body["metadata"]["continue"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        }
        s.note(
            "pages share a version",
            json!(versions.windows(2).all(|w| w[0] == w[1])),
        );
        // A custom resource: labels select; only name and namespace are fields.
        for (name, t) in [("o-1", "Restart"), ("o-2", "Stop"), ("o-3", "Start")] {
            let a = post(side, Kind::OpsRequest, &ops(name, t)).await;
            assert_eq!(a.code, 201, "{}: {:#}", side.name, a.body);
        }
        let path = collection(Kind::OpsRequest, &side.ns);
        for query in [
            "labelSelector=app.kubernetes.io/instance%3Dc",
            "fieldSelector=metadata.name%3Do-2",
            "limit=1",
        ] {
            let a = call(
                &side.client,
                "GET",
                &format!("{path}?{query}"),
                None,
                None,
                None,
            )
            .await;
            s.note(&format!("ops ?{query}"), list_shape(&a));
        }
        let a = call(
            &side.client,
            "GET",
            &format!("{path}?fieldSelector=spec.type%3DStop"),
            None,
            None,
            None,
        )
        .await;
        s.note("ops by spec.type", status(&a));
        seen.push(s);
    }
    same(&seen[0], &seen[1]);
}

/// What a client reads of a watch event: its type, and the object's kind and name (or the
/// Status of an ERROR, or the annotations of a BOOKMARK).
fn event_shape(e: &Value) -> Value {
    let o = &e["object"];
    match e["type"].as_str() {
        Some("ERROR") => json!({"type": "ERROR", "kind": o["kind"], "code": o["code"],
            "reason": o["reason"], "status": o["status"], "message": o["message"]}),
        Some("BOOKMARK") => json!({"type": "BOOKMARK", "kind": o["kind"],
            "apiVersion": o["apiVersion"],
            "resourceVersion": o["metadata"]["resourceVersion"].is_string(),
            "annotations": o["metadata"]["annotations"]}),
        t => json!({"type": t, "kind": o["kind"], "name": o["metadata"]["name"],
            "app": o["metadata"]["labels"]["app"]}),
    }
}

async fn list_version(side: &Side, path: &str) -> String {
    let a = call(&side.client, "GET", path, None, None, None).await;
    a.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn write(side: &Side, method: &str, uri: &str, ct: &str, body: &Value) -> Answer {
    let a = call(&side.client, method, uri, Some(ct), None, Some(body)).await;
    assert!(a.code < 300, "{}: {method} {uri}: {:#}", side.name, a.body);
    a
}

#[tokio::test]
async fn watches_resume_from_a_version_and_follow_label_selectors() {
    let Some((demo, real, _)) = sides("real_k8s::protocol::watch", "protocol-watch").await else {
        return;
    };
    let mut seen = Vec::new();
    for side in [&demo, &real] {
        let mut s = Seen::default();
        // An OpsRequest: a pod would first be MODIFIED with a deletionTimestamp when deleted
        // (the demo deletes pods at once, see README).
        let path = collection(Kind::OpsRequest, &side.ns);
        let rv = list_version(side, &path).await;
        let mut op = ops("w-1", "Restart");
        op["metadata"]["labels"] = json!({"app": "x"});
        post(side, Kind::OpsRequest, &op).await;
        let merge = "application/merge-patch+json";
        let labels = |app: &str| json!({"metadata": {"labels": {"app": app}}});
        write(side, "PATCH", &format!("{path}/w-1"), merge, &labels("y")).await;
        write(side, "PATCH", &format!("{path}/w-1"), merge, &labels("x")).await;
        let a = call(
            &side.client,
            "DELETE",
            &format!("{path}/w-1"),
            None,
            None,
            None,
        )
        .await;
        s.note(
            "delete answers",
            json!({"code": a.code, "kind": a.body["kind"],
            "status": a.body["status"]}),
        );
        let replay =
            |query: &str| format!("{path}?watch=1&resourceVersion={rv}&timeoutSeconds=10{query}");
        let events = watch_events(&side.client, &replay(""), |e| e.len() >= 4).await;
        s.note("resumed watch", events.iter().map(event_shape).collect());
        // With a label selector, an object that stops matching is DELETED for the watcher,
        // and ADDED when it matches again.
        let events = watch_events(&side.client, &replay("&labelSelector=app%3Dx"), |e| {
            e.len() >= 4
        })
        .await;
        s.note(
            "resumed watch app=x",
            events.iter().map(event_shape).collect(),
        );
        // A watch from now with the state first, then a bookmark marking its end.
        post(side, Kind::OpsRequest, &ops("w-2", "Stop")).await;
        let uri = format!(
            "{path}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=10"
        );
        let events = watch_events(&side.client, &uri, |e| e.len() >= 2).await;
        s.note("initial events", events.iter().map(event_shape).collect());
        seen.push(s);
    }
    same(&seen[0], &seen[1]);
}

/// Polls (every 200 ms, 40 s at most) until `rv` of `path` is compacted on the real server:
/// an exact list at it answers 410. Compaction runs on the server's schedule (every 5 s on
/// the shared server), so this is a real-time wait, bounded.
async fn until_expired(side: &Side, path: &str, rv: &str) {
    let uri = format!("{path}?resourceVersion={rv}&resourceVersionMatch=Exact");
    let expired = tokio::time::timeout(std::time::Duration::from_secs(40), async {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
        loop {
            tick.tick().await;
            if call(&side.client, "GET", &uri, None, None, None).await.code == 410 {
                return;
            }
        }
    })
    .await;
    assert!(expired.is_ok(), "{rv} was not compacted within 40 s");
}

#[tokio::test]
async fn an_expired_version_gives_410_to_watches_lists_and_pages() {
    let Some((demo, real, _)) = sides("real_k8s::protocol::expired", "protocol-expired").await
    else {
        return;
    };
    let mut seen = Vec::new();
    for side in [&demo, &real] {
        let mut s = Seen::default();
        let path = pods_path(&side.ns);
        for i in 0..3 {
            post(
                side,
                Kind::Pod,
                &pod(&format!("e-{i}"), json!({"app": "x"})),
            )
            .await;
        }
        let first = call(
            &side.client,
            "GET",
            &format!("{path}?limit=1"),
            None,
            None,
            None,
        )
        .await;
        let token = first.body["metadata"]["continue"]
            .as_str()
            .unwrap()
            .to_string();
        let rv = first.body["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_string();
        post(side, Kind::Pod, &pod("e-late", json!({"app": "x"}))).await;
        // The history before the write goes: the demo is told to forget it, the real server
        // compacts it on its own schedule.
        match &side.demo {
            Some(demo) => demo.faults.expire_history(),
            None => until_expired(side, &path, &rv).await,
        }
        let uri = format!("{path}?watch=1&resourceVersion={rv}&timeoutSeconds=10");
        let events = watch_events(&side.client, &uri, |e| !e.is_empty()).await;
        s.note(
            "watch from an expired version",
            events.iter().map(event_shape).collect(),
        );
        let a = call(
            &side.client,
            "GET",
            &format!("{path}?resourceVersion={rv}&resourceVersionMatch=Exact"),
            None,
            None,
            None,
        )
        .await;
        s.note(
            "exact list at an expired version",
            json!({"code": a.code, "reason": a.body["reason"]}),
        );
        let a = call(
            &side.client,
            "GET",
            &format!("{path}?limit=1&continue={token}"),
            None,
            None,
            None,
        )
        .await;
        s.note(
            "next page of an expired list",
            json!({"code": a.code, "reason": a.body["reason"],
            "message": a.body["message"]}),
        );
        seen.push(s);
    }
    same(&seen[0], &seen[1]);
}

/// What a client reads of a written object: code, kind, name (or whether it has the
/// generated name's shape), generation, and the parts of spec and status the scenario
/// changes.
fn object_shape(a: &Answer, generated_from: Option<&str>) -> Value {
    let meta = &a.body["metadata"];
    let name = match generated_from {
        Some(prefix) => json!(meta["name"].as_str().is_some_and(|n| {
            n.len() == prefix.len() + 5
                && n.starts_with(prefix)
                && n[prefix.len()..]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })),
        None => meta["name"].clone(),
    };
    if a.code >= 300 {
        return status(a);
    }
    json!({"code": a.code, "kind": a.body["kind"], "name": name,
        "uid": meta["uid"].is_string(), "creationTimestamp": meta["creationTimestamp"].is_string(),
        "resourceVersion": meta["resourceVersion"].is_string(),
        "generation": meta["generation"], "labels": meta["labels"],
        "spec": a.body["spec"], "status": a.body["status"]})
}

#[tokio::test]
async fn writes_dry_runs_generated_names_patches_and_field_validation() {
    let Some((demo, real, _)) = sides("real_k8s::protocol::writes", "protocol-writes").await else {
        return;
    };
    let mut seen = Vec::new();
    for side in [&demo, &real] {
        let mut s = Seen::default();
        let path = collection(Kind::OpsRequest, &side.ns);
        let one = format!("{path}/o-1");
        let get =
            |uri: String| async move { call(&side.client, "GET", &uri, None, None, None).await };
        // Dry runs store nothing.
        let a = call(
            &side.client,
            "POST",
            &format!("{path}?dryRun=All"),
            Some(JSON),
            None,
            Some(&ops("o-1", "Restart")),
        )
        .await;
        s.note("dry-run create", object_shape(&a, None));
        s.note("after a dry-run create", json!(get(one.clone()).await.code));
        let mut generated = ops("", "Restart");
        generated["metadata"] = json!({"generateName": "o-gen-"});
        let a = call(
            &side.client,
            "POST",
            &format!("{path}?dryRun=All"),
            Some(JSON),
            None,
            Some(&generated),
        )
        .await;
        s.note("dry-run generateName", object_shape(&a, Some("o-gen-")));
        let a = post(side, Kind::OpsRequest, &generated).await;
        s.note("generateName", object_shape(&a, Some("o-gen-")));
        let a = post(side, Kind::OpsRequest, &ops("o-1", "Restart")).await;
        s.note("create", object_shape(&a, None));
        let a = post(side, Kind::OpsRequest, &ops("o-1", "Restart")).await;
        s.note("create again", status(&a));
        let merge = "application/merge-patch+json";
        let a = call(
            &side.client,
            "PATCH",
            &format!("{one}?dryRun=All"),
            Some(merge),
            None,
            Some(&json!({"metadata": {"labels": {"dry": "run"}}})),
        )
        .await;
        s.note("dry-run patch", object_shape(&a, None));
        s.note(
            "after a dry-run patch",
            get(one.clone()).await.body["metadata"]["labels"].clone(),
        );
        let a = call(
            &side.client,
            "DELETE",
            &format!("{one}?dryRun=All"),
            None,
            None,
            None,
        )
        .await;
        s.note(
            "dry-run delete",
            json!({"code": a.code, "kind": a.body["kind"], "status": a.body["status"]}),
        );
        s.note("after a dry-run delete", json!(get(one.clone()).await.code));
        // Merge patches: null removes; the CRD's transition rules keep most of the spec as
        // it was created.
        let a = call(&side.client, "PATCH", &one, Some(merge), None, Some(&json!({"metadata": {"labels":
            {"app.kubernetes.io/instance": null, "team": "a"}}, "spec": {"ttlSecondsAfterSucceed": 60}}))).await;
        s.note("merge patch", object_shape(&a, None));
        let a = call(
            &side.client,
            "PATCH",
            &one,
            Some(merge),
            None,
            Some(&json!({"spec": {"restart": [{"componentName": "pgbouncer"}]}})),
        )
        .await;
        s.note("merge patch of an immutable field", status(&a));
        // JSON patches: add, replace, remove; a failed test and a missing path refuse.
        let jp = "application/json-patch+json";
        let a = call(
            &side.client,
            "PATCH",
            &one,
            Some(jp),
            None,
            Some(&json!([
            {"op": "add", "path": "/metadata/labels/tier", "value": "db"},
            {"op": "replace", "path": "/spec/ttlSecondsAfterSucceed", "value": 30},
            {"op": "remove", "path": "/metadata/labels/team"}])),
        )
        .await;
        s.note("json patch", object_shape(&a, None));
        let a = call(
            &side.client,
            "PATCH",
            &one,
            Some(jp),
            None,
            Some(&json!([
            {"op": "test", "path": "/spec/type", "value": "Start"},
            {"op": "replace", "path": "/spec/ttlSecondsAfterSucceed", "value": 1}])),
        )
        .await;
        s.note(
            "json patch failing its test",
            json!({"code": a.code, "reason": a.body["reason"]}),
        );
        let a = call(
            &side.client,
            "PATCH",
            &one,
            Some(jp),
            None,
            Some(&json!([
            {"op": "remove", "path": "/spec/nothing"}])),
        )
        .await;
        s.note(
            "json patch removing nothing",
            json!({"code": a.code, "reason": a.body["reason"]}),
        );
        let a = call(
            &side.client,
            "PATCH",
            &one,
            Some("application/strategic-merge-patch+json"),
            None,
            Some(&json!({"metadata": {"labels": {"s": "m"}}})),
        )
        .await;
        s.note("strategic merge patch of a custom resource", status(&a));
        // A stale resourceVersion conflicts.
        let a = call(
            &side.client,
            "PATCH",
            &one,
            Some(merge),
            None,
            Some(&json!({"metadata": {"resourceVersion": "1", "labels": {"x": "y"}}})),
        )
        .await;
        s.note("stale patch", status(&a));
        let mut stale = get(one.clone()).await.body;
        stale["metadata"]["resourceVersion"] = json!("1");
        let a = call(&side.client, "PUT", &one, Some(JSON), None, Some(&stale)).await;
        s.note("stale update", status(&a));
        // Unknown fields: refused under Strict, dropped with a warning by default (Warn),
        // dropped silently under Ignore.
        let mut unknown = ops("o-2", "Restart");
        unknown["spec"]["bogus"] = json!(1);
        for (label, query) in [
            ("Strict", "?fieldValidation=Strict"),
            ("Ignore", "?fieldValidation=Ignore"),
            ("default", ""),
        ] {
            let a = call(
                &side.client,
                "POST",
                &format!("{path}{query}"),
                Some(JSON),
                None,
                Some(&unknown),
            )
            .await;
            s.note(
                &format!("unknown field, {label}"),
                json!({"answer": object_shape(&a, None),
                "warnings": a.warnings}),
            );
            if a.code == 201 {
                call(
                    &side.client,
                    "DELETE",
                    &format!("{path}/o-2"),
                    None,
                    None,
                    None,
                )
                .await;
            }
        }
        seen.push(s);
    }
    same(&seen[0], &seen[1]);
}

#[tokio::test]
async fn the_status_subresource_keeps_spec_and_status_apart() {
    let Some((demo, real, _)) = sides("real_k8s::protocol::status", "protocol-status").await else {
        return;
    };
    let mut seen = Vec::new();
    for side in [&demo, &real] {
        let mut s = Seen::default();
        let path = collection(Kind::OpsRequest, &side.ns);
        let one = format!("{path}/o-1");
        let merge = "application/merge-patch+json";
        let mut with_status = ops("o-1", "Restart");
        with_status["status"] = json!({"phase": "Running"});
        let a = post(side, Kind::OpsRequest, &with_status).await;
        s.note("create drops status", object_shape(&a, None));
        let a = call(&side.client, "PATCH", &format!("{one}/status"), Some(merge), None,
            Some(&json!({"spec": {"ttlSecondsAfterSucceed": 5}, "status": {"phase": "Running", "progress": "0/1"}}))).await;
        s.note("a status patch changes only status", object_shape(&a, None));
        let a = call(
            &side.client,
            "PATCH",
            &one,
            Some(merge),
            None,
            Some(&json!({"spec": {"ttlSecondsAfterSucceed": 5}, "status": {"phase": "Failed"}})),
        )
        .await;
        s.note("a main patch changes only the rest", object_shape(&a, None));
        let mut whole = call(&side.client, "GET", &one, None, None, None).await.body;
        whole["status"]["phase"] = json!("Succeed");
        whole["spec"]["ttlSecondsAfterSucceed"] = json!(7);
        let a = call(
            &side.client,
            "PUT",
            &format!("{one}/status"),
            Some(JSON),
            None,
            Some(&whole),
        )
        .await;
        s.note(
            "a status update changes only status",
            object_shape(&a, None),
        );
        let a = call(
            &side.client,
            "PATCH",
            &format!("{one}/status"),
            Some(merge),
            None,
            Some(&json!({"status": {"progress": "1 of 2"}})),
        )
        .await;
        s.note("status is validated", status(&a));
        seen.push(s);
    }
    same(&seen[0], &seen[1]);
}

/// What a client reads of a Table: its columns (name, type, format, priority) and the cells
/// and object kinds of its rows.
fn table_shape(a: &Answer) -> Value {
    let columns: Vec<Value> = a.body["columnDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| json!([c["name"], c["type"], c["format"], c["priority"]]))
        .collect();
    let rows: Vec<Value> = a.body["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            json!({"cells": r["cells"], "object": r["object"]["kind"],
            "name": r["object"]["metadata"]["name"]})
        })
        .collect();
    json!({"code": a.code, "kind": a.body["kind"], "apiVersion": a.body["apiVersion"],
        "resourceVersion": a.body["metadata"]["resourceVersion"].is_string(),
        "columns": columns, "rows": rows})
}

const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

#[tokio::test]
async fn tables_have_the_crds_printer_columns() {
    let Some((demo, real, _)) = sides("real_k8s::protocol::tables", "protocol-tables").await else {
        return;
    };
    let mut seen = Vec::new();
    for side in [&demo, &real] {
        let mut s = Seen::default();
        let mut running = ops("o-1", "Restart");
        running["status"] = json!({"phase": "Running", "progress": "1/2"});
        post(side, Kind::OpsRequest, &running).await;
        let status = json!({"status": {"phase": "Running", "progress": "1/2"}});
        call(
            &side.client,
            "PATCH",
            &format!("{}/o-1/status", collection(Kind::OpsRequest, &side.ns)),
            Some("application/merge-patch+json"),
            None,
            Some(&status),
        )
        .await;
        post(side, Kind::OpsRequest, &ops("o-2", "Stop")).await;
        for kind in [
            Kind::OpsRequest,
            Kind::Cluster,
            Kind::Backup,
            Kind::Restore,
            Kind::BackupSchedule,
        ] {
            let path = collection(kind, &side.ns);
            let a = call(&side.client, "GET", &path, None, Some(TABLE), None).await;
            // Ages depend on when each server stamped the object: left out.
            let mut t = table_shape(&a);
            for row in t["rows"].as_array_mut().into_iter().flatten() {
                if let Some(cells) = row["cells"].as_array_mut()
                    && kind != Kind::Backup
                {
                    cells.pop();
                }
            }
            s.note(&format!("{kind} table"), t);
        }
        // A pod as created (the server fills in its status), and the namespace.
        post(side, Kind::Pod, &pod("p-1", json!({"app": "x"}))).await;
        for (label, uri) in [
            ("Pod table", pods_path(&side.ns)),
            ("Namespace table", format!("/api/v1/namespaces/{}", side.ns)),
        ] {
            let a = call(&side.client, "GET", &uri, None, Some(TABLE), None).await;
            let mut t = table_shape(&a);
            let age = t["columns"]
                .as_array()
                .and_then(|c| c.iter().position(|c| c[0] == "Age"));
            for row in t["rows"].as_array_mut().into_iter().flatten() {
                if let (Some(cells), Some(i)) = (row["cells"].as_array_mut(), age) {
                    cells.remove(i);
                }
            }
            s.note(label, t);
        }
        let a = call(
            &side.client,
            "GET",
            &format!("{}/p-1", pods_path(&side.ns)),
            None,
            None,
            None,
        )
        .await;
        s.note("a created pod's status", a.body["status"].clone());
        let path = collection(Kind::OpsRequest, &side.ns);
        for include in ["None", "Object"] {
            let a = call(
                &side.client,
                "GET",
                &format!("{path}?includeObject={include}"),
                None,
                Some(TABLE),
                None,
            )
            .await;
            s.note(
                &format!("includeObject={include}"),
                json!(a.body["rows"].as_array().map(|r| {
                    r.iter()
                        .map(|r| json!([r.get("object").is_some(), r["object"]["kind"]]))
                        .collect::<Vec<_>>()
                })),
            );
        }
        let a = call(
            &side.client,
            "GET",
            &format!("{path}/o-2"),
            None,
            Some(TABLE),
            None,
        )
        .await;
        s.note(
            "one object's table",
            json!({"code": a.code, "rows": a.body["rows"].as_array().map(Vec::len)}),
        );
        seen.push(s);
    }
    same(&seen[0], &seen[1]);
}

#[tokio::test]
async fn errors_are_status_bodies_with_their_reasons() {
    let Some((demo, real, k8s)) = sides("real_k8s::protocol::errors", "protocol-errors").await
    else {
        return;
    };
    let reader = k8s.connection(READER).await.client;
    let mut seen = Vec::new();
    for side in [&demo, &real] {
        let mut s = Seen::default();
        let path = collection(Kind::OpsRequest, &side.ns);
        for (label, method, uri) in [
            ("missing object", "GET", format!("{path}/nothing")),
            (
                "missing pod",
                "GET",
                format!("{}/nothing", pods_path(&side.ns)),
            ),
            (
                "unknown group",
                "GET",
                "/apis/nothing.example.com/v1/things".to_string(),
            ),
            ("unknown resource", "GET", "/api/v1/things".to_string()),
            ("delete missing", "DELETE", format!("{path}/nothing")),
        ] {
            let a = call(&side.client, method, &uri, None, None, None).await;
            s.note(label, status(&a));
        }
        let mut other_ns = ops("o-1", "Restart");
        other_ns["metadata"]["namespace"] = json!("elsewhere");
        let a = post(side, Kind::OpsRequest, &other_ns).await;
        s.note(
            "namespace mismatch",
            json!({"code": a.code, "reason": a.body["reason"]}),
        );
        let mut invalid = ops("o-1", "Reboot");
        invalid["spec"]["force"] = json!("yes");
        let a = post(side, Kind::OpsRequest, &invalid).await;
        s.note("invalid", status(&a));
        let a = call(
            &side.client,
            "POST",
            &path,
            Some(JSON),
            None,
            Some(&json!("not an object")),
        )
        .await;
        s.note(
            "not an object",
            json!({"code": a.code, "reason": a.body["reason"]}),
        );
        // Forbidden: the real reader may not create; the demo is told to forbid.
        let (client, user) = match &side.demo {
            Some(demo) => {
                demo.faults.forbid(Kind::OpsRequest);
                (&side.client, "demo")
            }
            None => (&reader, "reader"),
        };
        let a = call(
            client,
            "POST",
            &path,
            Some(JSON),
            None,
            Some(&ops("o-9", "Restart")),
        )
        .await;
        let mut forbidden = status(&a);
        forbidden["message"] = json!(
            forbidden["message"]
                .as_str()
                .unwrap_or_default()
                .replace(user, "USER")
        );
        s.note("forbidden", forbidden);
        seen.push(s);
    }
    same(&seen[0], &seen[1]);
}

/// The demo's deliberate differences (README, "Deliberate differences of the demo server"),
/// each side asserted as documented.
#[tokio::test]
async fn the_deliberate_differences_are_as_documented() {
    let Some((demo, real, _)) =
        sides("real_k8s::protocol::differences", "protocol-differences").await
    else {
        return;
    };
    for side in [&demo, &real] {
        let is_demo = side.demo.is_some();
        let path = pods_path(&side.ns);
        // Bookmarks: the demo sends one every 5 s and at the timeout to watches that allow
        // them; a real server without the watch cache sends none (with it: about once a
        // minute, and 2 s before the timeout).
        let rv = list_version(side, &path).await;
        let uri = format!(
            "{path}?watch=1&allowWatchBookmarks=true&resourceVersion={rv}&timeoutSeconds=2"
        );
        let events = watch_events(&side.client, &uri, |_| false).await;
        let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
        assert_eq!(
            types,
            if is_demo { vec!["BOOKMARK"] } else { vec![] },
            "{}",
            side.name
        );
        // Pods: the demo deletes one at once; a real server first marks it for deletion.
        post(side, Kind::Pod, &pod("d-1", json!({}))).await;
        let rv = list_version(side, &path).await;
        let a = call(
            &side.client,
            "DELETE",
            &format!("{path}/d-1"),
            None,
            None,
            None,
        )
        .await;
        assert_eq!(a.code, 200, "{}", side.name);
        let uri = format!("{path}?watch=1&resourceVersion={rv}&timeoutSeconds=5");
        let events = watch_events(&side.client, &uri, |e| {
            e.last().is_some_and(|e| e["type"] == "DELETED")
        })
        .await;
        let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
        let expected = if is_demo {
            vec!["DELETED"]
        } else {
            vec!["MODIFIED", "DELETED"]
        };
        assert_eq!(types, expected, "{}", side.name);
        // Collections: the demo does not delete them whole.
        let a = call(
            &side.client,
            "DELETE",
            &collection(Kind::OpsRequest, &side.ns),
            None,
            None,
            None,
        )
        .await;
        assert_eq!(
            a.code,
            if is_demo { 405 } else { 200 },
            "{}: {:#}",
            side.name,
            a.body
        );
        // Protobuf: the demo reads JSON and YAML only.
        let a = call(
            &side.client,
            "POST",
            &path,
            Some("application/vnd.kubernetes.protobuf"),
            None,
            Some(&json!({})),
        )
        .await;
        if is_demo {
            assert_eq!(
                (a.code, a.body["reason"].as_str()),
                (415, Some("UnsupportedMediaType"))
            );
        } else {
            assert_ne!(a.code, 415, "{:#}", a.body);
        }
    }
}
