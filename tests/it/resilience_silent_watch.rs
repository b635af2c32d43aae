//! A watch that stops answering without closing (a hung proxy, a stuck watch) while the API
//! server still answers requests: the stream's watchdog notices that neither an event nor a
//! bookmark came within the limit, marks it not answering since it last answered, suspends
//! verdicts on its data and restarts it. Bookmarks alone keep an idle stream live. The demo
//! server's `freeze_watches` fault holds a kind's watches open and silent.

use std::time::Duration;

use chrono::TimeDelta;
use kbdash::k8s::watch::{StreamError, WatchEvent, WatchTiming};
use kbdash::state::model::StreamState;
use kbdash::state::msg::Msg;
use kbdash::state::store::WATCHED;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;

use crate::resilience_support::{NS, Session, all_live, t0};

/// How long a watch may be silent. The demo server sends bookmarks twenty times as often.
const QUIET: Duration = Duration::from_secs(2);
const BOOKMARKS: Duration = Duration::from_millis(100);

/// The watchdog at [`QUIET`]; the server never ends a watch within a test.
fn timing() -> WatchTiming {
    WatchTiming {
        quiet_limit: QUIET,
        server_timeout: Duration::from_secs(600),
    }
}

fn not_answering(msg: &Msg, kind: Kind) -> bool {
    matches!(msg, Msg::Watch {
        kind: k,
        event: WatchEvent::Error(StreamError::NotAnswering { quiet }),
        ..
    } if *k == kind && *quiet == QUIET)
}

/// A finished backup of the fixtures (the simulated operator leaves it alone).
const BACKUP: &str = "pg-cluster-20250603020000";

fn has_backup(s: &Session) -> bool {
    s.model
        .store
        .backups
        .get(&ObjKey::new(NS, BACKUP))
        .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_watch_is_marked_not_answering_and_restarted() {
    let mut s =
        Session::start_watching("silent-frozen", 120, 30, timing(), BOOKMARKS, |_| {}).await;
    s.until("initial sync", all_live).await;
    assert!(has_backup(&s));

    // Behind the frozen watch, the backup is deleted.
    s.server.faults.freeze_watches(Kind::Backup);
    s.server
        .store
        .delete(Kind::Backup, Some(NS), BACKUP)
        .unwrap();
    s.until("the backup stream is noticed", |m| {
        matches!(
            m.streams.get(&(kbdash_core::rows::Ctx(0), Kind::Backup)),
            Some(StreamState::Reconnecting { .. })
        )
    })
    .await;
    // Watch events are stamped with the virtual clock at t0: the watch last answered QUIET
    // before.
    let since = t0() - TimeDelta::from_std(QUIET).unwrap();
    let Some(StreamState::Reconnecting {
        since: shown,
        error,
        ..
    }) = s
        .model
        .streams
        .get(&(kbdash_core::rows::Ctx(0), Kind::Backup))
        .cloned()
    else {
        unreachable!()
    };
    assert_eq!(shown, since);
    assert_eq!(
        error,
        "not answering since 08:59:58: no event and no bookmark for 2s"
    );
    assert_eq!(
        s.model
            .triage
            .down
            .get(&kbdash_core::rows::Ctx(0))
            .and_then(|d| d.get(&Kind::Backup)),
        Some(&since)
    );
    assert_eq!(
        s.model.triage.down.values().map(|d| d.len()).sum::<usize>(),
        1,
        "the other streams are live"
    );
    assert!(has_backup(&s), "nothing came through the frozen watch");
    let stream_problem = s
        .model
        .triage
        .problems
        .iter()
        .find(|p| p.reason.contains("not answering since 08:59:58"));
    assert!(
        stream_problem.is_some(),
        "{:?}",
        s.model.triage.problems.iter().collect::<Vec<_>>()
    );

    // Restarted: the stream lists again, and the list has what the watch withheld.
    s.until("the restarted stream's list", |m| {
        m.streams.get(&(kbdash_core::rows::Ctx(0), Kind::Backup)) == Some(&StreamState::Live)
            && m.store.backups.get(&ObjKey::new(NS, BACKUP)).is_none()
    })
    .await;
    assert!(s.model.triage.down.is_empty());
    assert_eq!(s.engine.watch_tasks(), WATCHED.len());
    s.server.faults.clear();
    assert!(s.matches_server());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookmarks_keep_idle_streams_live_and_only_the_silent_one_is_restarted() {
    let mut s = Session::start_watching("silent-idle", 120, 30, timing(), BOOKMARKS, |_| {}).await;
    s.until("initial sync", all_live).await;
    // Nothing changes on the server from here: every stream is idle, and only the pods'
    // watches lose their bookmarks.
    s.server.faults.freeze_watches(Kind::Pod);
    let mut seen: Vec<Msg> = Vec::new();
    let twice = tokio::time::timeout(Duration::from_secs(30), async {
        while seen.iter().filter(|m| not_answering(m, Kind::Pod)).count() < 2 {
            let msg = s.engine.recv().await.expect("no background task panics");
            seen.push(msg.clone());
            s.engine.handle(&mut s.model, msg).await;
        }
    })
    .await;
    assert!(
        twice.is_ok(),
        "the pods' stream was not noticed twice: {seen:?}"
    );
    // Between the freeze and the second notice more than QUIET passed twice: the other
    // streams, with nothing to say but bookmarks, said nothing at all to the model.
    let others: Vec<&Msg> = seen
        .iter()
        .filter(|m| {
            !matches!(
                m,
                Msg::Watch {
                    kind: Kind::Pod,
                    ..
                }
            )
        })
        .collect();
    assert!(others.is_empty(), "{others:?}");
    for kind in WATCHED.iter().filter(|k| **k != Kind::Pod) {
        assert_eq!(
            s.model.streams.get(&(kbdash_core::rows::Ctx(0), *kind)),
            Some(&StreamState::Live),
            "{kind}"
        );
    }
    // The pods' stream was restarted in between: listed again, and live until noticed again.
    assert!(
        seen.iter().any(|m| matches!(
            m,
            Msg::Watch {
                kind: Kind::Pod,
                event: WatchEvent::InitDone,
                ..
            }
        )),
        "{seen:?}"
    );
    assert!(matches!(
        s.model.streams.get(&(kbdash_core::rows::Ctx(0), Kind::Pod)),
        Some(StreamState::Reconnecting { .. })
    ));
}
