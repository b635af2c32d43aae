//! Watch streams broken on purpose in the middle of a session, with the screen checked after:
//! every watch dropped while the history they would resume from expires (410), with objects
//! deleted, created and changed meanwhile; and one kind forbidden (403) while an API group goes
//! missing (404); and the API unreachable from the very start. The model must match the server
//! exactly afterwards and each pane must say what it knows. Clock virtual, fixtures' timestamps
//! fixed: the snapshots are deterministic.

use std::time::Duration;

use crate::resilience_support::{NS, Session, all_live, ch, fixture, key};
use crossterm::event::KeyCode;
use kbdash::state::model::{Overlay, Pane, StreamState};
use kbdash::state::store::WATCHED;
use kbdash_core::kinds::Kind;
use regex::Regex;
use serde_json::json;

const WATCHED_KINDS: [Kind; 4] = [Kind::Cluster, Kind::Pod, Kind::OpsRequest, Kind::Backup];

fn matches_server(s: &Session) -> bool {
    WATCHED_KINDS
        .iter()
        .all(|k| s.model_names(*k) == s.server_names(*k))
}

#[tokio::test]
async fn dropped_watches_over_expired_history_relist_to_exactly_the_server() {
    let mut s = Session::start("streams-drop", 100, 24).await;
    s.until("initial sync", |m| all_live(m) && m.store.pods.len() == 2)
        .await;
    assert!(matches_server(&s));

    // The streams break and cannot resume: what happens meanwhile is only seen by relisting.
    s.server.faults.expire_history();
    s.server.faults.drop_watches();
    let store = s.server.store.clone();
    store
        .delete(Kind::Pod, Some(NS), "pg-cluster-postgresql-1")
        .unwrap();
    let mut extra = fixture(Kind::Pod, "pg-cluster-postgresql-1");
    extra["metadata"]["name"] = json!("pg-cluster-postgresql-2");
    store.create(Kind::Pod, extra).unwrap();
    store
        .delete(Kind::OpsRequest, Some(NS), "pg-cluster-restart-b9f2s")
        .unwrap();
    store
        .modify(Kind::Cluster, Some(NS), "pg-cluster", |c| {
            c["status"]["phase"] = json!("Updating");
            Ok(())
        })
        .unwrap();

    s.until("every stream relisted to the server's objects", |m| {
        all_live(m)
            && m.store
                .pods
                .get(&kbdash_core::rows::ObjKey::new(
                    NS,
                    "pg-cluster-postgresql-2",
                ))
                .is_some()
            && m.store.ops.len() == 1
            && m.store.clusters.iter().all(|c| c.phase == "Updating")
    })
    .await;
    s.drain();
    assert!(matches_server(&s), "no ghosts, nothing missing");
    assert_eq!(s.model.store.pods.len(), 2, "no duplicates");

    s.press(ch('2'));
    insta::assert_snapshot!("after_relist_pods_100x24", s.render());
    s.press(ch('1'));
    insta::assert_snapshot!("after_relist_clusters_100x24", s.render());
}

#[tokio::test]
async fn a_forbidden_kind_and_a_missing_group_say_so_and_the_rest_works() {
    let mut s = Session::start("streams-forbidden", 100, 24).await;
    s.until("initial sync", |m| all_live(m) && m.store.pods.len() == 2)
        .await;

    s.server.faults.forbid(Kind::OpsRequest);
    s.server.faults.hide_group("dataprotection.kubeblocks.io");
    s.server.faults.drop_watches();
    s.until("ops forbidden, data protection missing, pods live", |m| {
        matches!(
            m.streams
                .get(&(kbdash_core::rows::Ctx(0), Kind::OpsRequest)),
            Some(StreamState::Forbidden(_))
        ) && [
            Kind::Backup,
            Kind::BackupPolicy,
            Kind::BackupSchedule,
            Kind::ActionSet,
        ]
        .iter()
        .all(|k| {
            matches!(
                m.streams.get(&(kbdash_core::rows::Ctx(0), *k)),
                Some(StreamState::NotInstalled(_))
            )
        }) && m.streams.get(&(kbdash_core::rows::Ctx(0), Kind::Pod)) == Some(&StreamState::Live)
            && m.streams.get(&(kbdash_core::rows::Ctx(0), Kind::Cluster))
                == Some(&StreamState::Live)
    })
    .await;
    s.drain();
    assert_eq!(s.model.store.pods.len(), 2);

    s.press(ch('3'));
    let ops = s.render();
    assert!(ops.contains("forbidden"), "{ops}");
    insta::assert_snapshot!("forbidden_ops_100x24", ops);
    s.press(ch('4'));
    let backups = s.render();
    assert!(backups.contains("not installed"), "{backups}");
    insta::assert_snapshot!("missing_backups_100x24", backups);
    s.press(ch('2'));
    insta::assert_snapshot!("pods_still_live_100x24", s.render());
}

#[tokio::test]
async fn an_api_unreachable_at_start_is_said_keys_work_and_recovery_is_automatic() {
    let mut s = Session::start_with("streams-unreachable", 100, 24, |server| {
        server.faults.refuse_connections(Duration::from_secs(3600));
    })
    .await;
    s.until("every stream reconnecting", |m| {
        WATCHED.iter().all(|k| {
            matches!(
                m.streams.get(&(kbdash_core::rows::Ctx(0), *k)),
                Some(StreamState::Reconnecting { .. })
            )
        })
    })
    .await;
    // Keys are handled while nothing answers (`press` fails if handling waited).
    s.press(ch('2'));
    assert_eq!(s.model.focus, Pane::Pods);
    s.press(ch('?'));
    assert!(matches!(s.model.overlay, Overlay::Help { .. }));
    s.press(key(KeyCode::Esc));
    assert_eq!(s.model.overlay, Overlay::None);
    s.tick(30);
    // The retry count depends on real backoff timing: masked.
    let screen = Regex::new(r"attempt \d+")
        .unwrap()
        .replace_all(&s.render(), "attempt #")
        .into_owned();
    assert!(screen.contains("reconnecting"), "{screen}");
    insta::assert_snapshot!("unreachable_at_start_pods_100x24", screen);

    s.server.faults.clear();
    s.until("live and listed without a restart", |m| {
        all_live(m) && m.store.pods.len() == 2
    })
    .await;
    s.drain();
    assert!(matches_server(&s));
}
