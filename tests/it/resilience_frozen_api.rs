//! An API server that stops answering without closing its connections (a paused process, a
//! hung node) is noticed by the liveness probe: the header says since when, every stream is
//! down and restarted, verdicts on their data are suspended, and it all comes back by itself.
//! Once with the demo server's latency fault (answers later than the probe waits), once with a
//! real `kbdash demo-server` process stopped with SIGSTOP.

use std::process::Stdio;
use std::time::Duration;

use crate::resilience_support::{Session, all_live, t0};
use kbdash::k8s::client::{Source, connect};
use kbdash::k8s::liveness::ProbeTiming;
use kbdash::runtime::engine::{Engine, EngineConfig};
use kbdash::state::model::{Model, StreamState};
use kbdash_core::domain::triage::Level;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// Probed often and impatiently, so the tests take a second, not ten.
const FAST: ProbeTiming = ProbeTiming {
    interval: Duration::from_millis(100),
    timeout: Duration::from_millis(400),
};

fn all_down(m: &Model) -> bool {
    m.streams
        .values()
        .all(|s| matches!(s, StreamState::Reconnecting { .. }))
}

/// What every frozen API must look like on screen and in triage.
fn assert_frozen(m: &Model, screen: &str) {
    let down = m
        .api_down
        .values()
        .next()
        .expect("the API is marked not answering");
    assert!(down.error.contains("GET /version"), "{down:?}");
    assert!(all_down(m), "{:?}", m.streams);
    assert_eq!(
        m.triage.down.values().map(|d| d.len()).sum::<usize>(),
        m.streams.len(),
        "every stream is down"
    );
    let problems: Vec<_> = m.triage.problems.iter().collect();
    assert_eq!(problems[0].level, Level::Critical, "{problems:?}");
    assert!(
        problems[0].subject.starts_with("API server"),
        "{problems:?}"
    );
    assert!(
        problems[0].reason.contains("not answering since"),
        "{problems:?}"
    );
    assert!(
        screen.contains("API not answering since"),
        "the header says so:\n{screen}"
    );
    assert!(!screen.contains("8/8 live"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_answering_too_late_is_not_shown_as_live() {
    let mut s = Session::start_probing("frozen-latency", 120, 30, Some(FAST), |_| {}).await;
    s.until("initial sync", |m| all_live(m) && m.api_down.is_empty())
        .await;
    s.server.faults.set_latency(Duration::from_secs(3));
    s.until("the probe gives up", |m| !m.api_down.is_empty())
        .await;
    let screen = s.render();
    assert_frozen(&s.model, &screen);
    // Half an hour passes with the API frozen: nothing new is concluded from its data.
    for _ in 0..30 {
        s.tick(60);
    }
    assert!(
        s.model
            .triage
            .problems
            .iter()
            .all(|p| p.object.is_none() || p.level == Level::Stale),
        "{:?}",
        s.model.triage.problems.iter().collect::<Vec<_>>()
    );
    s.server.faults.set_latency(Duration::ZERO);
    s.until("recovery", |m| all_live(m) && m.api_down.is_empty())
        .await;
    assert!(s.model.triage.down.is_empty());
    assert!(s.matches_server(), "the panes match the server again");
}

/// Stops the child process for as long as it lives, and lets it go on and kills it after.
struct Paused(u32);

impl Paused {
    fn signal(&self, sig: libc::c_int) {
        let pid = libc::pid_t::try_from(self.0).expect("a pid");
        // SAFETY: kill(2) on our own child's pid; no memory is shared.
        let rc = unsafe { libc::kill(pid, sig) };
        assert_eq!(rc, 0, "kill({pid}, {sig})");
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        self.signal(libc::SIGCONT);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_server_process_is_noticed_and_recovers() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kbdash"))
        .args(["demo-server", "--clusters", "3", "--churn", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("kbdash demo-server starts");
    let stdout = child.stdout.take().expect("stdout");
    let url = tokio::time::timeout(Duration::from_secs(20), async {
        BufReader::new(stdout).lines().next_line().await
    })
    .await
    .expect("the URL in time")
    .expect("readable")
    .expect("a first line");
    let source = Source::Url(url);
    let connection = connect(&source, None).await.expect("a client");
    let mut engine = Engine::start(EngineConfig {
        source,
        connection,
        namespace: None,
        readonly: kbdash::state::readonly::Policy::default(),
        audit_log: None,
        probe: Some(FAST),
        watch: Default::default(),
    });
    let mut m = Model::new("demo", None, t0());
    let mut run_until = async |m: &mut Model, what: &str, cond: fn(&Model) -> bool| {
        let reached = tokio::time::timeout(Duration::from_secs(20), async {
            while !cond(m) {
                let msg = engine.recv().await.expect("no background task panics");
                engine.handle(m, msg).await;
            }
        })
        .await;
        assert!(
            reached.is_ok(),
            "timed out waiting for: {what}; {:?}",
            m.streams
        );
    };
    run_until(&mut m, "initial sync", |m| {
        all_live(m) && m.store.clusters.len() == 3
    })
    .await;

    let pid = child.id().expect("a running child");
    let paused = Paused(pid);
    paused.signal(libc::SIGSTOP);
    run_until(&mut m, "the probe gives up", |m| !m.api_down.is_empty()).await;
    let screen = crate::resilience_support::render_model(&m);
    assert_frozen(&m, &screen);

    drop(paused);
    run_until(&mut m, "recovery", |m| {
        all_live(m) && m.api_down.is_empty() && m.store.clusters.len() == 3
    })
    .await;
    assert!(m.triage.down.is_empty());
    child.kill().await.expect("the server stops");
}
