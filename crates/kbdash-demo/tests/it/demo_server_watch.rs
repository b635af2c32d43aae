//! Watches on the demo server through kube-rs: raw watch streams and `kube_runtime::watcher`.

use std::time::Duration;

use crate::demo_server_support::{WAIT, api, create, start};
use futures::{Stream, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kbdash_core::kinds::{KINDS, Kind};
use kube::api::{DynamicObject, ListParams, Patch, PatchParams, WatchEvent, WatchParams};
use kube::runtime::watcher;
use kube::{Api, ResourceExt};
use serde_json::json;

/// The next item of a stream, failing the test after [`WAIT`].
async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    tokio::time::timeout(WAIT, s.next())
        .await
        .expect("an event in time")
}

fn name_of(ev: &WatchEvent<DynamicObject>) -> String {
    match ev {
        WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => o.name_any(),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn every_kind_lists_and_watches() {
    let server = start().await;
    for k in KINDS {
        create(&server, k.kind, "t", "one", json!({"k": "v"})).await;
        let a = api(&server, k.kind, Some("t"));
        // The seed may hold objects of the kind already (namespaces, component versions).
        let lp = ListParams::default().fields("metadata.name=one");
        let list = a.list(&lp).await.expect("list");
        assert_eq!(list.items.len(), 1, "{}", k.kind_name);
        let rv = list.metadata.resource_version.clone().expect("list rv");
        let wp = WatchParams::default().fields("metadata.name=one");
        let mut w = a.watch(&wp, "0").await.expect("watch").boxed();
        match next(&mut w).await {
            Some(Ok(WatchEvent::Added(o))) => assert_eq!(o.name_any(), "one"),
            other => panic!("{}: {other:?}", k.kind_name),
        }
        // Resuming from the list's version sees the next change (the simulated operator
        // may change the object too: skip its changes).
        let mut w = a.watch(&wp, &rv).await.expect("watch").boxed();
        a.patch(
            "one",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"k": "w"}}})),
        )
        .await
        .expect("patched");
        loop {
            match next(&mut w).await {
                Some(Ok(WatchEvent::Modified(o)))
                    if o.labels().get("k").map(String::as_str) == Some("w") =>
                {
                    break;
                }
                Some(Ok(WatchEvent::Modified(_) | WatchEvent::Bookmark(_))) => {}
                other => panic!("{}: {other:?}", k.kind_name),
            }
        }
    }
}

#[tokio::test]
async fn watcher_sees_added_modified_deleted() {
    let server = start().await;
    let pods: Api<Pod> = Api::namespaced(server.client().expect("client"), "t");
    create(&server, Kind::Pod, "t", "before", json!({})).await;
    let mut events = watcher(pods.clone(), watcher::Config::default()).boxed();
    let mut init = Vec::new();
    loop {
        match next(&mut events).await.expect("open").expect("ok") {
            watcher::Event::Init => {}
            watcher::Event::InitApply(p) => init.push(p.name_any()),
            watcher::Event::InitDone => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(init, vec!["before"]);
    create(&server, Kind::Pod, "t", "p", json!({})).await;
    assert!(
        matches!(next(&mut events).await, Some(Ok(watcher::Event::Apply(p))) if p.name_any() == "p")
    );
    pods.patch_status(
        "p",
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {"phase": "Running"}})),
    )
    .await
    .expect("status");
    match next(&mut events).await {
        Some(Ok(watcher::Event::Apply(p))) => {
            assert_eq!(p.status.and_then(|s| s.phase).as_deref(), Some("Running"))
        }
        other => panic!("{other:?}"),
    }
    pods.delete("p", &Default::default())
        .await
        .expect("deleted");
    assert!(
        matches!(next(&mut events).await, Some(Ok(watcher::Event::Delete(p))) if p.name_any() == "p")
    );
}

#[tokio::test]
async fn resume_from_an_old_version_and_expiry() {
    let server = start().await;
    let a = api(&server, Kind::Service, Some("t"));
    let first = create(&server, Kind::Service, "t", "s1", json!({})).await;
    let rv1 = first.resource_version().expect("rv");
    create(&server, Kind::Service, "t", "s2", json!({})).await;
    create(&server, Kind::Pod, "t", "noise", json!({})).await;
    create(&server, Kind::Service, "t", "s3", json!({})).await;
    let mut w = a
        .watch(&WatchParams::default(), &rv1)
        .await
        .expect("watch")
        .boxed();
    let mut added = Vec::new();
    while added.len() < 2 {
        match next(&mut w).await.expect("open").expect("ok") {
            WatchEvent::Added(o) => added.push(o.name_any()),
            WatchEvent::Modified(_) | WatchEvent::Bookmark(_) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        added,
        vec!["s2", "s3"],
        "only later objects, and only services"
    );

    create(&server, Kind::Service, "t", "s4", json!({})).await;
    server.faults.expire_history();
    let mut w = a
        .watch(&WatchParams::default(), &rv1)
        .await
        .expect("watch")
        .boxed();
    match next(&mut w).await {
        Some(Ok(WatchEvent::Error(s))) => {
            assert_eq!((s.code, s.reason.as_str()), (410, "Expired"));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        next(&mut w).await.is_none(),
        "the stream ends after the error"
    );
}

#[tokio::test]
async fn watcher_relists_after_expiry() {
    let server = start().await;
    let a = api(&server, Kind::Backup, Some("t"));
    create(&server, Kind::Backup, "t", "b1", json!({})).await;
    let mut events = watcher(a, watcher::Config::default()).boxed();
    loop {
        if let watcher::Event::InitDone = next(&mut events).await.expect("open").expect("ok") {
            break;
        }
    }
    // Changes the watcher misses while its watch is down, then a history that no longer
    // reaches back to its version: the next watch gets 410 and the watcher lists again.
    server.faults.drop_watches();
    create(&server, Kind::Backup, "t", "b2", json!({})).await;
    create(&server, Kind::Pod, "t", "p", json!({})).await;
    server.faults.expire_history();
    let mut relisted = Vec::new();
    let mut saw_init = false;
    let mut saw_b2 = false;
    while !saw_b2 {
        match next(&mut events).await.expect("open") {
            Ok(watcher::Event::Init) => saw_init = true,
            Ok(watcher::Event::InitApply(o)) => relisted.push(o.name_any()),
            Ok(watcher::Event::Apply(o)) if o.name_any() == "b2" => saw_b2 = true,
            Ok(watcher::Event::InitDone) => saw_b2 = relisted.contains(&"b2".to_string()),
            Ok(_) => {}
            // The 410 surfaces once as an error before the watcher relists.
            Err(e) => assert!(
                e.to_string().contains("410") || e.to_string().contains("Expired"),
                "{e}"
            ),
        }
    }
    assert!(saw_init, "the watcher relisted");
}

#[tokio::test]
async fn streaming_list_ends_with_an_annotated_bookmark() {
    let server = start().await;
    let mut last_rv = 0;
    for i in 0..3 {
        let o = create(&server, Kind::Service, "t", &format!("c{i}"), json!({})).await;
        last_rv = o
            .resource_version()
            .and_then(|r| r.parse().ok())
            .expect("rv");
    }
    let a = api(&server, Kind::Service, Some("t"));
    let mut w = a
        .watch(&WatchParams::streaming_lists(), "")
        .await
        .expect("watch")
        .boxed();
    let mut added = Vec::new();
    loop {
        match next(&mut w).await.expect("open").expect("ok") {
            WatchEvent::Added(o) => added.push(o.name_any()),
            WatchEvent::Bookmark(b) => {
                assert_eq!(
                    b.metadata
                        .annotations
                        .get("k8s.io/initial-events-end")
                        .map(String::as_str),
                    Some("true")
                );
                let rv: u64 = b.metadata.resource_version.parse().expect("numeric rv");
                assert!(rv >= last_rv, "the bookmark covers every object sent");
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(added, vec!["c0", "c1", "c2"]);
    // The runtime watcher's streaming-list strategy works end to end.
    let mut events = watcher(a, watcher::Config::default().streaming_lists()).boxed();
    let mut init = 0;
    loop {
        match next(&mut events).await.expect("open").expect("ok") {
            watcher::Event::InitApply(_) => init += 1,
            watcher::Event::InitDone => break,
            _ => {}
        }
    }
    assert_eq!(init, 3);
}

#[tokio::test]
async fn timeout_ends_with_a_bookmark() {
    let server = start().await;
    let a = api(&server, Kind::Pod, Some("t"));
    let p = create(&server, Kind::Pod, "t", "p", json!({})).await;
    let rv = p.resource_version().expect("rv");
    let started = tokio::time::Instant::now();
    let events: Vec<_> = tokio::time::timeout(
        WAIT,
        a.watch(&WatchParams::default().timeout(1), &rv)
            .await
            .expect("watch")
            .try_collect::<Vec<_>>(),
    )
    .await
    .expect("ends in time")
    .expect("ok");
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert!(
        matches!(events.last(), Some(WatchEvent::Bookmark(b)) if b.metadata.resource_version == rv)
    );
}

#[tokio::test]
async fn label_selected_watch_sees_objects_leave_the_selection() {
    let server = start().await;
    let a = api(&server, Kind::Pod, Some("t"));
    create(
        &server,
        Kind::Pod,
        "t",
        "primary",
        json!({"kubeblocks.io/role": "primary"}),
    )
    .await;
    create(
        &server,
        Kind::Pod,
        "t",
        "secondary",
        json!({"kubeblocks.io/role": "secondary"}),
    )
    .await;
    let wp = WatchParams::default().labels("kubeblocks.io/role=primary");
    let mut w = a.watch(&wp, "0").await.expect("watch").boxed();
    let ev = next(&mut w).await.expect("open").expect("ok");
    assert!(matches!(ev, WatchEvent::Added(_)) && name_of(&ev) == "primary");
    let role = |r: &str| Patch::Merge(json!({"metadata": {"labels": {"kubeblocks.io/role": r}}}));
    a.patch("primary", &PatchParams::default(), &role("secondary"))
        .await
        .expect("patched");
    a.patch("secondary", &PatchParams::default(), &role("primary"))
        .await
        .expect("patched");
    let ev = next(&mut w).await.expect("open").expect("ok");
    assert!(
        matches!(ev, WatchEvent::Deleted(_)) && name_of(&ev) == "primary",
        "{ev:?}"
    );
    let ev = next(&mut w).await.expect("open").expect("ok");
    assert!(
        matches!(ev, WatchEvent::Added(_)) && name_of(&ev) == "secondary",
        "{ev:?}"
    );
}

/// Found side by side with a real kube-apiserver: a watch resumed from a version tells
/// objects leaving and entering its selection too, from the object before each change; the
/// DELETED event carries the object as it was, at the version of the change.
#[tokio::test]
async fn a_resumed_label_selected_watch_sees_objects_leave_and_return() {
    let server = start().await;
    let a = api(&server, Kind::Pod, Some("t"));
    let rv = a
        .list(&ListParams::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("rv");
    create(&server, Kind::Pod, "t", "p", json!({"app": "x"})).await;
    let app = |v: &str| Patch::Merge(json!({"metadata": {"labels": {"app": v}}}));
    let left = a
        .patch("p", &PatchParams::default(), &app("y"))
        .await
        .expect("patched");
    a.patch("p", &PatchParams::default(), &app("x"))
        .await
        .expect("patched");
    let wp = WatchParams::default().labels("app=x");
    let mut w = a.watch(&wp, &rv).await.expect("watch").boxed();
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(next(&mut w).await.expect("open").expect("ok"));
    }
    assert!(matches!(seen[0], WatchEvent::Added(_)), "{seen:?}");
    let WatchEvent::Deleted(gone) = &seen[1] else {
        panic!("{seen:?}");
    };
    assert_eq!(gone.labels().get("app").map(String::as_str), Some("x"));
    assert_eq!(gone.resource_version(), left.resource_version());
    assert!(matches!(seen[2], WatchEvent::Added(_)), "{seen:?}");
}
