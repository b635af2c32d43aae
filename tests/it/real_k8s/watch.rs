//! kbdash's watch layer and engine against a real kube-apiserver: the initial sync, live
//! updates (no relist), a relist forced by etcd compaction (410), recovery after the API
//! server is killed and restarted, and bookmarks from the watch cache. Every wait is on a
//! condition with a bound.

use std::time::Duration;

use kbdash::k8s::watch::{StreamError, WatchEvent};
use kbdash::state::msg::Msg;
use kbdash::state::store::WATCHED;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;
use serde_json::json;

use super::server::{ADMIN, Options, RealK8s, own, shared};
use super::support::{
    SEEDED, Session, call, delete, fixture, model_names, patch, patch_status, put, seed,
};

/// Whether `msg` is an event of `kind`'s stream matching `pick`.
fn is_event(msg: &Msg, kind: Kind, pick: impl Fn(&WatchEvent) -> bool) -> bool {
    matches!(msg, Msg::Watch { kind: k, event, .. } if *k == kind && pick(event))
}

/// Whether any stream relisted or failed among `msgs`.
fn relisted_or_failed(msgs: &[Msg]) -> Vec<String> {
    msgs.iter()
        .filter(|m| {
            matches!(
                m,
                Msg::Watch {
                    event: WatchEvent::Init | WatchEvent::Error(_),
                    ..
                }
            )
        })
        .map(|m| format!("{m:?}"))
        .collect()
}

fn ops_phase(s: &Session, name: &str) -> Option<String> {
    s.model
        .store
        .ops
        .get(&ObjKey::new(&s.ns, name))
        .map(|o| o.phase.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_sync_then_live_updates_without_relisting() {
    let Some(k8s) = shared("real_k8s::watch::initial_sync") else {
        return;
    };
    let admin = k8s.admin().await;
    let ns = "watch-live";
    seed(&admin, ns).await;
    let mut s = Session::start(k8s, ADMIN, ns, false).await;
    s.until_in_sync(&admin, "the initial sync").await;
    for (kind, name) in SEEDED.iter().filter(|(k, _)| *k != Kind::ComponentVersion) {
        assert!(
            model_names(&s.model, *kind).contains(*name),
            "{kind} {name}"
        );
    }
    let synced = s.seen.len();

    // A switchover as the operator writes it: the roles change on the pods.
    let role = |r: &str| json!({"metadata": {"labels": {"kubeblocks.io/role": r}}});
    patch(
        &admin,
        Kind::Pod,
        ns,
        "pg-cluster-postgresql-0",
        role("secondary"),
    )
    .await;
    patch(
        &admin,
        Kind::Pod,
        ns,
        "pg-cluster-postgresql-1",
        role("primary"),
    )
    .await;
    let cluster = ObjKey::new(ns, "pg-cluster");
    s.until("the role change", |m| {
        m.store
            .roles
            .history
            .get(&cluster)
            .is_some_and(|h| !h.is_empty())
    })
    .await;
    let change = &s.model.store.roles.history[&cluster][0];
    assert_eq!(
        (change.old_primary.as_str(), change.new_primary.as_str()),
        ("pg-cluster-postgresql-0", "pg-cluster-postgresql-1")
    );

    // A new op runs, a finished one's phase is rewritten, a backup goes.
    put(
        &admin,
        Kind::OpsRequest,
        fixture(Kind::OpsRequest, "pg-cluster-volumeexpansion-p6z4k", ns),
    )
    .await;
    patch_status(
        &admin,
        Kind::OpsRequest,
        ns,
        "pg-cluster-restart-b9f2s",
        json!({"phase": "Failed"}),
    )
    .await;
    delete(&admin, Kind::Backup, ns, "pg-cluster-20250603020000").await;
    s.until_in_sync(&admin, "the live updates").await;
    s.until("the rewritten phase", |m| {
        m.store
            .ops
            .get(&ObjKey::new(ns, "pg-cluster-restart-b9f2s"))
            .is_some_and(|o| o.phase.as_str() == "Failed")
    })
    .await;
    assert_eq!(
        ops_phase(&s, "pg-cluster-volumeexpansion-p6z4k").as_deref(),
        Some("Running")
    );
    assert_eq!(
        relisted_or_failed(&s.seen[synced..]),
        Vec::<String>::new(),
        "live updates arrive on the open watches"
    );
}

/// The resourceVersion of a list of `kind` in `ns`.
async fn list_rv(client: &kube::Client, kind: Kind, ns: &str) -> String {
    let i = kind.info();
    let uri = format!(
        "/apis/{}/{}/namespaces/{ns}/{}",
        i.group, i.version, i.plural
    );
    let a = call(client, "GET", &uri, None, None, None).await;
    a.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Polls (every 200 ms, `secs` at most) until the history at `rv` is compacted: an exact
/// list at `rv` answers 410. Compaction runs on the server's own schedule, so this is a
/// real-time wait, bounded.
async fn until_compacted(client: &kube::Client, kind: Kind, ns: &str, rv: &str, secs: u64) {
    let i = kind.info();
    let uri = format!(
        "/apis/{}/{}/namespaces/{ns}/{}?resourceVersion={rv}&resourceVersionMatch=Exact",
        i.group, i.version, i.plural
    );
    let compacted = tokio::time::timeout(Duration::from_secs(secs), async {
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        loop {
            tick.tick().await;
            if call(client, "GET", &uri, None, None, None).await.code == 410 {
                return;
            }
        }
    })
    .await;
    assert!(
        compacted.is_ok(),
        "resourceVersion {rv} was not compacted within {secs} s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_resumed_after_compaction_relists_to_the_servers_state() {
    let Some(k8s) = own(
        "watch-compaction",
        Options {
            compaction_interval: Some("5s"),
            ..Options::default()
        },
    ) else {
        return;
    };
    let admin = k8s.admin().await;
    let ns = "watch-compaction";
    seed(&admin, ns).await;
    let mut s = Session::start(&k8s, ADMIN, ns, false).await;
    s.until_in_sync(&admin, "the initial sync").await;

    // Changing a CRD ends the watches of its resource cleanly; kube-runtime's watcher then
    // resumes from its last version, which compaction has passed: 410, and kbdash relists
    // from scratch. Should the resumed watch meet the CRD's storage still being replaced
    // (another error, after which kbdash relists too), the scenario is played again.
    let mut seen = s.seen.len();
    let mut expired = false;
    for attempt in 0..3 {
        // The OpsRequest watch resumes from at most this version; a later write (to another
        // kind) lets compaction pass it.
        let rv = list_rv(&admin, Kind::OpsRequest, ns).await;
        let note = json!({"metadata": {"annotations": {"attempt": attempt.to_string()}}});
        patch(&admin, Kind::Cluster, ns, "pg-cluster", note).await;
        until_compacted(&admin, Kind::OpsRequest, ns, &rv, 60).await;
        s.until_in_sync(&admin, "live before the CRD changes").await;
        seen = s.seen.len();
        let category = json!([{"op": "add", "path": "/spec/names/categories/-",
            "value": format!("kbdash-test-{attempt}")}]);
        call(
            &admin,
            "PATCH",
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/opsrequests.operations.kubeblocks.io",
            Some("application/json-patch+json"),
            None,
            Some(&category),
        )
        .await;
        let failed = |m: &Msg| is_event(m, Kind::OpsRequest, |e| matches!(e, WatchEvent::Error(_)));
        s.wait(60, "an error on the OpsRequest stream", |s| {
            s.seen[seen..].iter().any(failed)
        })
        .await;
        expired = s.seen[seen..].iter().any(|m| {
            is_event(m, Kind::OpsRequest, |e| {
                matches!(e, WatchEvent::Error(StreamError::Other(text)) if text.contains("too old"))
            })
        });
        if expired {
            break;
        }
    }
    assert!(expired, "the resumed watch never got 410");
    // While the stream relists, the server's state moves on.
    put(
        &admin,
        Kind::OpsRequest,
        fixture(Kind::OpsRequest, "pg-cluster-volumeexpansion-p6z4k", ns),
    )
    .await;
    delete(&admin, Kind::OpsRequest, ns, "pg-cluster-restart-b9f2s").await;
    s.until_in_sync(&admin, "the relisted state").await;
    assert!(
        s.seen[seen..]
            .iter()
            .any(|m| is_event(m, Kind::OpsRequest, |e| *e == WatchEvent::InitDone)),
        "the OpsRequest stream relisted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_api_server_is_killed_and_restarted_the_model_is_the_servers_state() {
    let Some(k8s) = own("watch-restart", Options::default()) else {
        return;
    };
    let admin = k8s.admin().await;
    let ns = "watch-restart";
    seed(&admin, ns).await;
    let mut s = Session::start(&k8s, ADMIN, ns, false).await;
    s.until_in_sync(&admin, "the initial sync").await;

    let state = k8s.env.state_dir.clone();
    let restart = tokio::task::spawn_blocking(move || {
        RealK8s::restart_apiserver(&state, &["--signal", "KILL", "--down-for", "2"]);
    });
    s.until_within(60, "every stream notices", |m| {
        WATCHED.iter().all(|k| {
            !matches!(
                m.streams.get(&(kbdash_core::rows::Ctx(0), *k)),
                Some(kbdash::state::model::StreamState::Live)
            )
        })
    })
    .await;
    restart.await.unwrap();
    // Back up: the world changed while kbdash was away (and goes on changing as it returns).
    let admin = k8s.admin().await;
    delete(&admin, Kind::Pod, ns, "pg-cluster-postgresql-1").await;
    put(
        &admin,
        Kind::OpsRequest,
        fixture(Kind::OpsRequest, "pg-cluster-volumeexpansion-p6z4k", ns),
    )
    .await;
    patch_status(
        &admin,
        Kind::Cluster,
        ns,
        "pg-cluster",
        json!({"phase": "Updating"}),
    )
    .await;
    delete(
        &admin,
        Kind::BackupSchedule,
        ns,
        "pg-cluster-postgresql-backup-schedule",
    )
    .await;
    s.until_in_sync(&admin, "recovery").await;
    s.until("the cluster's new phase", |m| {
        m.store
            .clusters
            .get(&ObjKey::new(ns, "pg-cluster"))
            .is_some_and(|c| c.phase.as_str() == "Updating")
    })
    .await;
}

/// The API server's count of watch events sent for `resource` of `group` (bookmarks
/// included), from its metrics.
async fn watch_events_sent(client: &kube::Client, group: &str, resource: &str) -> u64 {
    let req = hyper::http::Request::builder()
        .uri("/metrics")
        .body(Vec::new())
        .unwrap();
    let text = client.request_text(req).await.unwrap();
    let wanted =
        format!("apiserver_watch_events_total{{group=\"{group}\",resource=\"{resource}\",");
    text.lines()
        .filter(|l| l.starts_with(&wanted))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookmarks_from_the_watch_cache_keep_the_streams_live() {
    let Some(k8s) = own(
        "watch-bookmarks",
        Options {
            watch_cache: true,
            ..Options::default()
        },
    ) else {
        return;
    };
    let admin = k8s.admin().await;
    let ns = "watch-bookmarks";
    seed(&admin, ns).await;
    let mut s = Session::start(&k8s, ADMIN, ns, false).await;
    s.until_in_sync(&admin, "the initial sync").await;
    // The sync above compares the namespaced kinds; a cluster-scoped stream (ActionSets) whose
    // first list came before its CRD was served is still retrying, and its late relist would be
    // taken for the bookmark's doing.
    s.until("every stream live", crate::resilience_support::all_live)
        .await;
    // A change gives the cache a version to mark for OpsRequests (periodic bookmarks need one).
    patch_status(
        &admin,
        Kind::OpsRequest,
        ns,
        "pg-cluster-restart-b9f2s",
        json!({"phase": "Failed"}),
    )
    .await;
    s.until("the change", |m| {
        m.store
            .ops
            .get(&ObjKey::new(ns, "pg-cluster-restart-b9f2s"))
            .is_some_and(|o| o.phase.as_str() == "Failed")
    })
    .await;
    let sent = watch_events_sent(&admin, "operations.kubeblocks.io", "opsrequests").await;
    let seen = s.seen.len();

    // kbdash's is the only watch of OpsRequests and nothing writes them now, so the next
    // event the server sends for them is a bookmark (the cache sends one about every minute;
    // on a loaded two-core machine it was seen to take over 150 s, hence the margin).
    let bookmarked = tokio::time::timeout(Duration::from_secs(300), async {
        let mut poll = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                msg = s.engine.recv() => s.take(msg.expect("no background task panics")).await,
                _ = poll.tick() => {
                    if watch_events_sent(&admin, "operations.kubeblocks.io", "opsrequests").await > sent {
                        return;
                    }
                }
            }
        }
    })
    .await;
    assert!(bookmarked.is_ok(), "no bookmark within 300 s");
    s.drain().await;
    assert_eq!(
        relisted_or_failed(&s.seen[seen..]),
        Vec::<String>::new(),
        "a bookmark changes nothing on screen"
    );
    assert!(crate::resilience_support::all_live(&s.model));

    // The watch goes on from the bookmark.
    patch_status(
        &admin,
        Kind::OpsRequest,
        ns,
        "pg-cluster-restart-b9f2s",
        json!({"phase": "Succeed"}),
    )
    .await;
    s.until("a change after the bookmark", |m| {
        m.store
            .ops
            .get(&ObjKey::new(ns, "pg-cluster-restart-b9f2s"))
            .is_some_and(|o| o.phase.as_str() == "Succeed")
    })
    .await;
    assert_eq!(relisted_or_failed(&s.seen[seen..]), Vec::<String>::new());
}
