//! Wall mode survives the API going away: the demo server refuses connections for a while,
//! the wall turns stale (banner, dimmed tiles), then goes live again by itself, with the same
//! watch tasks and model, never restarted.

use std::time::Duration;

use chrono::Utc;
use kbdash::k8s::client::{Source, connect};
use kbdash::k8s::gate;
use kbdash::k8s::watch::{self, Sink};
use kbdash::state::launch::Launch;
use kbdash::state::model::{Model, StreamState};
use kbdash::state::msg::Msg;
use kbdash::state::store::WATCHED;
use kbdash::update::update;
use kbdash_demo::{DemoConfig, DemoServer};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::{mpsc, watch as follow};
use tokio::task::JoinSet;

fn render(m: &Model) -> String {
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| kbdash::view::view(m, f)).unwrap();
    t.backend().to_string()
}

fn all_live(m: &Model) -> bool {
    WATCHED
        .iter()
        .all(|k| m.streams.get(&(kbdash_core::rows::Ctx(0), *k)) == Some(&StreamState::Live))
}

/// Feeds messages (and the clock) to `update` until `cond` holds, 30 s at most.
async fn until(
    m: &mut Model,
    rx: &mut mpsc::Receiver<Msg>,
    what: &str,
    cond: impl Fn(&Model) -> bool,
) {
    let reached = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            while let Ok(msg) = rx.try_recv() {
                update(m, msg);
            }
            update(m, Msg::Tick(Utc::now()));
            if cond(m) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(reached.is_ok(), "timed out waiting for: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goes_stale_and_recovers_by_itself() {
    let server = DemoServer::start(DemoConfig {
        clusters: 2,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let conn = connect(&Source::Url(server.url.clone()), None)
        .await
        .unwrap();
    let client = gate::guard(conn.client, true);
    let (tx, mut rx) = mpsc::channel(8192);
    let (_follow_tx, follow) = follow::channel(None);
    let mut tasks = JoinSet::new();
    watch::spawn_all(
        &mut tasks,
        &client,
        None,
        &WATCHED,
        watch::WatchTiming::default(),
        &Sink {
            ctx: kbdash_core::rows::Ctx(0),
            tx,
            follow,
        },
    );
    let mut m = Model::new("demo", None, Utc::now());
    m.readonly = true;
    m.size = (120, 40);
    Launch {
        wall_cycle: Some(10),
        ..Launch::default()
    }
    .apply(&mut m);

    until(&mut m, &mut rx, "initial sync", |m| {
        all_live(m) && m.store.clusters.len() == 2
    })
    .await;
    assert!(!render(&m).contains("STALE"));

    server.faults.refuse_connections(Duration::from_secs(2));
    until(&mut m, &mut rx, "stale", |m| m.stale_since().is_some()).await;
    let screen = render(&m);
    assert!(screen.contains("STALE: last update "), "{screen}");
    assert!(screen.contains("min ago)"), "{screen}");

    until(&mut m, &mut rx, "live again", |m| {
        all_live(m) && m.stale_since().is_none()
    })
    .await;
    let screen = render(&m);
    assert!(!screen.contains("STALE"), "{screen}");
    assert!(screen.contains("all 8 streams live"), "{screen}");
    assert_eq!(m.store.clusters.len(), 2, "rows are back");
    assert_eq!(
        tasks.len(),
        WATCHED.len(),
        "the same watch tasks, still running"
    );
    assert!(tasks.try_join_next().is_none(), "no watch task ended");
}
