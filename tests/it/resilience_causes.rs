//! Say why: when the API server cannot be reached, the screen names the server and the cause
//! (here a refused connection) in the pane's stream banner, in the empty pane and in triage,
//! and the log line says the cause rather than kube's wrapping ("client error (Connect)"); an
//! API server that has not answered yet is waited for by name, since a given time, instead of
//! "no objects yet". A missing kubeconfig is said once (`kbdash` itself, in a pseudo-terminal).

use std::time::Duration;

use kbdash::state::model::StreamState;
use kbdash::state::store::WATCHED;

use crate::pty_support::{
    KBDASH, scratch, script_available, start_script, tail, typescript, wait_for,
};
use crate::resilience_support::{Session, ch, t0};

/// The session's model names the server as the runtime's does (the URL of its connection).
fn named(s: &mut Session) -> String {
    let url = s.server.url.trim_end_matches('/').to_string();
    s.model.server = url.clone();
    url
}

#[tokio::test]
async fn a_refused_connection_names_the_server_and_the_cause_on_screen_and_in_triage() {
    let mut s = Session::start_with("causes-refused", 160, 30, |server| {
        server.faults.refuse_connections(Duration::from_secs(3600));
    })
    .await;
    let url = named(&mut s);
    s.until("every stream reconnecting", |m| {
        WATCHED.iter().all(|k| {
            matches!(
                m.streams.get(&(kbdash_core::rows::Ctx(0), *k)),
                Some(StreamState::Reconnecting { .. })
            )
        })
    })
    .await;
    let why = format!("connection refused (API server {url})");
    let screen = s.render();
    assert!(
        screen.contains(&format!("nothing listed yet: {why}")),
        "the empty pane says why:\n{screen}"
    );
    assert!(
        screen.contains(&format!("): {why}")),
        "the banner says why:\n{screen}"
    );
    s.press(ch('!'));
    let triage = s.render();
    assert!(
        triage.contains("Cluster stream") && triage.contains(&why),
        "triage says why:\n{triage}"
    );
}

#[tokio::test]
async fn an_api_server_that_has_not_answered_yet_is_waited_for_by_name() {
    let mut s = Session::start_with("causes-waiting", 120, 30, |server| {
        server.faults.set_latency(Duration::from_secs(3600));
    })
    .await;
    let url = named(&mut s);
    s.tick(30);
    let screen = s.render();
    assert!(
        screen.contains(&format!(
            "waiting for the API server at {url} since {}",
            t0().format("%H:%M:%S")
        )),
        "{screen}"
    );
    assert!(!screen.contains("no objects yet"), "{screen}");
}

#[test]
fn a_session_on_a_refusing_server_says_so_on_screen_and_in_its_log() {
    if !script_available() {
        return;
    }
    let dir = scratch("refused-session");
    // A port nothing listens on any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {url}\n\
             users:\n- name: u\n  user: {{}}\ncontexts:\n- name: ctx\n  context:\n    \
             cluster: c\n    user: u\n    namespace: demo\ncurrent-context: ctx\n"
        ),
    )
    .unwrap();
    let log = dir.join("kbdash.log");
    let shell = format!(
        "stty rows 30 cols 200; {KBDASH} --kubeconfig {} --log-file {}",
        kubeconfig.display(),
        log.display()
    );
    let mut pty = start_script(&dir, &shell);
    // Drawn text is compared word by word: the terminal may get a cursor move for a space.
    let shown = wait_for(Duration::from_secs(20), || {
        let screen = typescript(&dir);
        screen.contains("refused") && screen.contains(&format!("127.0.0.1:{port}"))
    });
    pty.type_keys("q");
    assert!(
        shown,
        "no cause on screen: {:?}",
        tail(&typescript(&dir), 1500)
    );
    assert!(pty.finished(), "kbdash did not quit");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("connection refused"), "{logged}");
    assert!(!logged.contains("client error (Connect)"), "{logged}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_kubeconfig_is_said_once() {
    if !script_available() {
        return;
    }
    let dir = scratch("no-kubeconfig");
    let missing = dir.join("missing-kubeconfig");
    let log = dir.join("kbdash.log");
    for (how, shell) in [
        (
            "--kubeconfig",
            format!(
                "{KBDASH} --kubeconfig {} --log-file {}",
                missing.display(),
                log.display()
            ),
        ),
        (
            "KUBECONFIG",
            format!(
                "KUBECONFIG={} {KBDASH} --log-file {}",
                missing.display(),
                log.display()
            ),
        ),
    ] {
        let _ = std::fs::remove_file(dir.join("typescript"));
        let mut pty = start_script(&dir, &format!("{shell}; echo EXIT=$?"));
        assert!(pty.finished(), "{how}: kbdash did not end");
        let screen = typescript(&dir);
        assert!(screen.contains("EXIT=1"), "{how}: {screen}");
        assert!(
            screen.contains(&format!(
                "kbdash: reading kubeconfig {}: ",
                missing.display()
            )),
            "{how}: {screen}"
        );
        assert_eq!(
            screen.matches("os error 2").count(),
            1,
            "{how}: said once: {screen}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The header's "API not answering" names the cause in a few words and the server's URL, for
/// each cause the probe can meet.
#[test]
fn the_header_says_why_the_api_is_not_answering_and_where() {
    use crate::app_fixtures::{fleet, model_with, now, render};
    use kbdash::state::msg::Msg;
    use kbdash::update::update;
    for (cause, shown) in [
        ("connection refused", "connection refused"),
        ("timed out", "timed out"),
        (
            "GET /version got no answer within 4s",
            "GET /version got no answer within 4s",
        ),
        (
            "TLS failed: invalid peer certificate: UnknownIssuer",
            "TLS failed",
        ),
        (
            "DNS lookup failed: failed to lookup address",
            "DNS lookup failed",
        ),
        (
            "401 Unauthorized: the API server refused the credentials (Unauthorized)",
            "401 Unauthorized",
        ),
        ("403 Forbidden (forbidden)", "403 Forbidden"),
    ] {
        let mut m = model_with(&fleet(), 200, 30);
        m.server = "https://10.0.0.1:6443".into();
        update(
            &mut m,
            Msg::Probe {
                ctx: kbdash_core::rows::Ctx(0),
                at: now(),
                result: Err(cause.into()),
            },
        );
        let screen = render(&m);
        let header = screen.lines().next().unwrap();
        assert!(
            header.contains(&format!(
                "API not answering since 09:00:00: {shown} · https://10.0.0.1:6443"
            )),
            "{header}"
        );
        let down = m.api_down.values().next().unwrap();
        assert_eq!(
            down.error,
            format!("{cause} (API server https://10.0.0.1:6443)")
        );
    }
}
