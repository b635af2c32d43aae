//! The API server unreachable for two minutes in the middle of a session.
//!
//! How "two minutes" is done without waiting two minutes: the demo server really closes its
//! port (every connection cut, every new one refused) for as long as the test needs, and the
//! real watch layer really fails and retries with its backoff against it; what is simulated is
//! only the dashboard's clock, advanced by 130 one-second ticks while the port stays closed.
//! Everything the screen says about time ("reconnecting since", the clock, ages) comes from that
//! clock, so the screen after the outage is the screen after two minutes of it. Tokio's paused
//! time was not used: with real sockets it auto-advances whenever the runtime waits on I/O,
//! which fires hyper's and kube's timers at random points and would test something else.
//!
//! "Key handling never waits on the network" is measured, not assumed: every key (one per
//! virtual second of the outage) goes through the real engine and must be handled without the
//! engine's future ever returning `Pending` (see `Session::press`), and its effect on the model
//! is checked right after; the server is checked to be refusing at each key.

use std::time::Duration;

use crate::resilience_support::{NS, Session, all_live, ch, fixture, key, t0};
use crossterm::event::KeyCode;
use kbdash::state::forms::StageKind;
use kbdash::state::model::{InputKind, Model, Overlay, Pane, StreamState};
use kbdash::state::store::WATCHED;
use kbdash_core::kinds::Kind;
use regex::Regex;

/// Virtual seconds the API stays away.
const OUTAGE_SECONDS: i64 = 130;

/// A key (or a few typed characters), what it is for, and whether it did it.
type Step = (
    Vec<kbdash::state::msg::Msg>,
    &'static str,
    fn(&Model) -> bool,
);

/// One step per virtual second during the outage, with what it must have done.
fn script() -> Vec<Step> {
    let one = |m| vec![m];
    vec![
        (one(ch('2')), "Pods pane", |m| m.focus == Pane::Pods),
        (one(ch('j')), "second pod", |m| m.store.pods.cursor() == 1),
        (one(ch('k')), "first pod", |m| m.store.pods.cursor() == 0),
        (one(ch('?')), "help", |m| {
            matches!(m.overlay, Overlay::Help { .. })
        }),
        (one(key(KeyCode::Esc)), "help closed", |m| {
            m.overlay == Overlay::None
        }),
        (one(ch('/')), "filter line", |m| {
            m.input
                .as_ref()
                .is_some_and(|i| i.kind == InputKind::Filter)
        }),
        (
            "ql-0".chars().map(ch).collect(),
            "filtered to one pod",
            |m| m.store.pods.visible_len() == 1,
        ),
        (one(key(KeyCode::Esc)), "filter cleared", |m| {
            m.input.is_none() && m.store.pods.visible_len() == 2
        }),
        (one(ch('3')), "OpsRequests pane", |m| m.focus == Pane::Ops),
        (one(ch('4')), "Backups pane", |m| m.focus == Pane::Backups),
        (one(ch('1')), "Clusters pane", |m| m.focus == Pane::Clusters),
        (one(ch('d')), "cluster detail", |m| {
            matches!(m.overlay, Overlay::Detail(_))
        }),
        (one(key(KeyCode::Esc)), "detail closed", |m| {
            m.overlay == Overlay::None
        }),
        (one(ch('!')), "triage", |m| {
            matches!(m.overlay, Overlay::Triage { .. })
        }),
        (one(ch('!')), "triage closed", |m| {
            m.overlay == Overlay::None
        }),
    ]
}

fn reconnecting_since_t0(m: &Model, min_attempt: u32) -> bool {
    WATCHED.iter().all(|k| {
        matches!(m.streams.get(&(kbdash_core::rows::Ctx(0), *k)), Some(StreamState::Reconnecting { since, attempt, .. })
            if *since == t0() && *attempt >= min_attempt)
    })
}

/// The screen with the retry count, which depends on real backoff timing, masked (the model
/// assertions check it).
fn screen(s: &Session) -> String {
    Regex::new(r"attempt \d+")
        .unwrap()
        .replace_all(&s.render(), "attempt #")
        .into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_minutes_unreachable_keys_keep_working_and_it_recovers_by_itself() {
    let mut s = Session::start("outage", 100, 24).await;
    s.until("initial sync", |m| all_live(m) && m.store.pods.len() == 2)
        .await;
    assert!(s.matches_server());

    s.server
        .faults
        .refuse_connections(Duration::from_secs(3600));
    // The watch layer fails, backs off and fails again before the clock moves on.
    s.until("every stream failing, and retried", |m| {
        reconnecting_since_t0(m, 2)
    })
    .await;

    let script = script();
    for second in 0..OUTAGE_SECONDS {
        s.tick(1);
        let (msg, what, done) = &script[second as usize % script.len()];
        assert!(
            s.server.faults.refusing_until().is_some(),
            "the API is still away"
        );
        for m in msg {
            s.press(m.clone());
        }
        assert!(done(&s.model), "second {second}: {what}");
        s.drain();
    }
    assert_eq!(
        s.model.now,
        t0() + chrono::TimeDelta::seconds(OUTAGE_SECONDS)
    );
    assert!(reconnecting_since_t0(&s.model, 2), "{:?}", s.model.streams);
    assert_eq!(
        (
            s.model.store.clusters.len(),
            s.model.store.pods.len(),
            s.model.store.ops.len()
        ),
        (1, 2, 2),
        "what was known stays on screen"
    );

    // The panes say what is wrong and since when.
    s.press(ch('2'));
    let pods = screen(&s);
    assert!(
        pods.contains("reconnecting since 09:00:00 (attempt #)"),
        "{pods}"
    );
    assert!(pods.contains("0/8 live"), "{pods}");
    insta::assert_snapshot!("outage_pods_100x24", pods);
    s.press(ch('!'));
    insta::assert_snapshot!("outage_triage_100x24", screen(&s));
    s.press(ch('!'));

    // A form during the outage: the menu opens at once, the load fails and says why.
    s.press(ch('1'));
    s.press(ch('o'));
    assert_eq!(
        s.model.forms.modal.as_ref().map(|f| f.stage.kind()),
        Some(StageKind::Menu)
    );
    s.until("the form's load fails", |m| m.forms.modal.is_none())
        .await;
    let notice = s.model.notice.clone().unwrap().0;
    assert!(
        notice.starts_with("cannot read cluster demo/pg-cluster"),
        "{notice}"
    );

    // Meanwhile the world moved on: a pod went away, an OpsRequest came.
    let store = s.server.store.clone();
    store
        .delete(Kind::Pod, Some(NS), "pg-cluster-postgresql-1")
        .unwrap();
    store
        .create(
            Kind::OpsRequest,
            fixture(Kind::OpsRequest, "pg-cluster-upgrade-c7j5m"),
        )
        .unwrap();

    s.server.faults.clear();
    s.until("live again and equal to the server", |m| {
        all_live(m) && m.store.pods.len() == 1 && m.store.ops.len() == 3
    })
    .await;
    assert!(s.matches_server(), "no ghost rows, nothing missing");
    assert_eq!(s.engine.watch_tasks(), WATCHED.len(), "same watch tasks");
    // The failed load's notice has had its time.
    s.tick(10);
    s.press(ch('2'));
    let pods = s.render();
    assert!(pods.contains("all 8 streams live"), "{pods}");
    assert!(!pods.contains("reconnecting"), "{pods}");
    insta::assert_snapshot!("recovered_pods_100x24", pods);
}
