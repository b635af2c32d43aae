//! Triage on the demo fleet, through the watch layer: the broken cluster and the failed
//! OpsRequest are at the top with their evidence one key away, each with the cause the
//! operator recorded; what the sources show to be normal (an idle database, another engine)
//! raises nothing.

use std::time::Duration;

use crate::app_fixtures::problems;
use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kbdash::k8s::client::{Source, connect};
use kbdash::k8s::watch::{self, Sink};
use kbdash::state::model::{Model, Overlay, StreamState};
use kbdash::state::msg::Msg;
use kbdash::state::store::WATCHED;
use kbdash::update::update;
use kbdash_core::domain::triage::Level;
use kbdash_demo::{DemoConfig, DemoServer};
use tokio::sync::{mpsc, watch as follow};
use tokio::task::JoinSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demos_problems_come_first() {
    let server = DemoServer::start(DemoConfig::default()).await.unwrap();
    let conn = connect(&Source::Url(server.url.clone()), None)
        .await
        .unwrap();
    let (tx, mut rx) = mpsc::channel(8192);
    let (_follow_tx, follow) = follow::channel(None);
    let mut tasks = JoinSet::new();
    watch::spawn_all(
        &mut tasks,
        &conn.client,
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
    let synced = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            while let Ok(msg) = rx.try_recv() {
                update(&mut m, msg);
            }
            if WATCHED.iter().all(|k| {
                m.streams.get(&(kbdash_core::rows::Ctx(0), *k)) == Some(&StreamState::Live)
            }) && !m.store.clusters.is_empty()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(synced.is_ok(), "demo synced");
    update(&mut m, Msg::Tick(Utc::now()));
    let found = problems(&m);
    let text: Vec<String> = found
        .iter()
        .map(|p| format!("{:?} {} — {}", p.level, p.subject, p.reason))
        .collect();
    assert_eq!(found[0].level, Level::Critical, "{text:#?}");
    assert!(
        found[0].subject.starts_with("Cluster "),
        "the broken cluster leads: {text:#?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("OpsRequest") && t.contains("Failed")),
        "{text:#?}"
    );
    let has = |needle: &str| text.iter().any(|t| t.contains(needle));
    assert!(
        has(
            "auth-db — cluster is Failed: postgresql Failed: InstanceSet/auth-db-postgresql: \
             Role probe timeout"
        ),
        "the component message is the cause: {text:#?}"
    );
    assert!(
        has("Restart Failed: Failed to restart: Pod/analytics-postgresql-"),
        "the cause in the progress detail, not the generic condition: {text:#?}"
    );
    assert!(
        has("reporting — deletion requested at") && has("held by terminationPolicy DoNotTerminate"),
        "{text:#?}"
    );
    assert!(
        !has("billing") && !has("WAL"),
        "the idle database's old end is no problem: {text:#?}"
    );
    assert!(
        !has("shop-mysql") && !has("more detailed information"),
        "another engine's crash loop is not judged: {text:#?}"
    );
    assert!(
        !has("one was due by"),
        "daily full backups are up to date in the demo: {text:#?}"
    );
    assert_eq!(
        m.store.other_clusters.len(),
        1,
        "the MySQL cluster is counted"
    );

    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('!'), KeyModifiers::NONE)),
    );
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    let Overlay::Detail(d) = &m.overlay else {
        panic!("Enter opens the evidence: {:?}", m.overlay);
    };
    assert_eq!(Some(&d.target), found[0].object.as_ref());
}
