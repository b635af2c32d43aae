//! Exec credential plugins, with the real binary in a pseudo-terminal ([`crate::pty_support`])
//! and fake plugins (shell scripts) in the kubeconfig:
//!
//! - a plugin that prints a token and fails: kbdash says it failed, and the token is nowhere:
//!   not on the terminal, not in the log file; at start and, after a first token that expires,
//!   under the dashboard;
//! - a plugin that hangs: kbdash says it is waiting for it (instead of a blank screen), stops it
//!   when `--credential-timeout` passes and says so; under the dashboard (the engine on the demo
//!   server) the liveness probe names the plugin as what it waits for.

use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kbdash::k8s::client::{Source, connect};
use kbdash::k8s::liveness::ProbeTiming;
use kbdash::runtime::engine::{Engine, EngineConfig};
use kbdash::state::model::Model;
use kbdash::state::readonly::Policy;
use kbdash_demo::{DemoConfig, DemoServer};

use crate::pty_support::{
    KBDASH, scratch, screen, script_available, start_script, tail, typescript, wait_for,
};

const FIRST_TOKEN: &str = "TOKEN-FIRST-a1b2c3d4e5f6";
const SECRET_TOKEN: &str = "TOKEN-SECRET-9z8y7x6w5v";

/// Writes an executable plugin script `body` (sh) into `dir`.
fn plugin(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("plugin.sh");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

/// A kubeconfig whose user gets its credential from `plugin`, for the server at `url`.
fn kubeconfig(dir: &Path, url: &str, plugin: &Path) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {url}\n\
             users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      \
             command: {}\n      interactiveMode: Never\n\
             contexts:\n- name: ctx\n  context:\n    cluster: c\n    user: u\n    namespace: demo\n\
             current-context: ctx\n",
            plugin.display()
        ),
    )
    .unwrap();
    path
}

/// An ExecCredential with `token`, expiring in `seconds` (GNU date).
fn credential(token: &str, seconds: u32) -> String {
    format!(
        "echo '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\
         \"status\":{{\"token\":\"{token}\",\"expirationTimestamp\":\"'$(date -u -d '+{seconds} seconds' +%Y-%m-%dT%H:%M:%SZ)'\"}}}}'"
    )
}

/// Fails when the secret token is on the terminal or in the log.
fn assert_token_nowhere(dir: &Path) {
    let screen = typescript(dir);
    assert!(
        !screen.contains(SECRET_TOKEN),
        "the terminal got the token: {screen:?}"
    );
    let log = std::fs::read_to_string(dir.join("kbdash.log")).unwrap_or_default();
    assert!(!log.contains(SECRET_TOKEN), "the log got the token: {log}");
    assert!(!log.contains(FIRST_TOKEN), "the log got a token: {log}");
}

#[test]
fn a_failing_plugin_is_said_without_its_output() {
    if !script_available() {
        return;
    }
    let dir = scratch("plugin-fails");
    let plugin = plugin(
        &dir,
        &format!(
            "{}\necho 'login expired' >&2\nexit 3",
            credential(SECRET_TOKEN, 3600)
        ),
    );
    let kubeconfig = kubeconfig(&dir, "http://127.0.0.1:9", &plugin);
    let shell = format!(
        "{KBDASH} --kubeconfig {} --log-file {}; echo EXIT=$?",
        kubeconfig.display(),
        dir.join("kbdash.log").display()
    );
    let mut pty = start_script(&dir, &shell);
    assert!(
        pty.finished(),
        "kbdash did not end: {:?}",
        tail(&typescript(&dir), 500)
    );
    let screen = typescript(&dir);
    assert!(screen.contains("EXIT=1"), "{screen:?}");
    assert!(
        screen.contains(&format!(
            "the credential plugin {} failed (exit status: 3)",
            plugin.display()
        )),
        "{screen:?}"
    );
    assert_token_nowhere(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_plugin_that_hangs_is_waited_for_then_stopped() {
    if !script_available() {
        return;
    }
    let dir = scratch("plugin-hangs");
    // A sleep no other process runs, to find it afterwards.
    let marker = 7000 + std::process::id() % 1000;
    let plugin = plugin(&dir, &format!("exec sleep {marker}"));
    let kubeconfig = kubeconfig(&dir, "http://127.0.0.1:9", &plugin);
    let shell = format!(
        "{KBDASH} --kubeconfig {} --credential-timeout 3 --log-file {}; echo EXIT=$?",
        kubeconfig.display(),
        dir.join("kbdash.log").display()
    );
    let mut pty = start_script(&dir, &shell);
    assert!(
        wait_for(Duration::from_secs(5), || typescript(&dir).contains(
            &format!("waiting for the credential plugin {}", plugin.display())
        )),
        "nothing says what kbdash waits for: {:?}",
        typescript(&dir)
    );
    assert!(
        pty.finished(),
        "kbdash did not give up: {:?}",
        typescript(&dir)
    );
    let screen = typescript(&dir);
    assert!(screen.contains("EXIT=1"), "{screen:?}");
    assert!(
        screen.contains("gave no credentials within 3 s; it was stopped"),
        "{screen:?}"
    );
    let running = std::fs::read_dir("/proc").unwrap().any(|e| {
        let cmdline = std::fs::read(e.unwrap().path().join("cmdline")).unwrap_or_default();
        cmdline == format!("sleep\0{marker}\0").as_bytes()
    });
    assert!(!running, "the plugin was left running");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The terminal `a_plugin_failing_under_the_dashboard_is_said_without_its_output` sets up.
const ROWS: NonZeroU16 = NonZeroU16::new(30).unwrap();
const COLS: NonZeroU16 = NonZeroU16::new(200).unwrap();

#[test]
fn a_plugin_failing_under_the_dashboard_is_said_without_its_output() {
    if !script_available() {
        return;
    }
    let dir = scratch("plugin-fails-later");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(DemoServer::start(DemoConfig {
            clusters: 1,
            churn: 0.0,
            ..DemoConfig::default()
        }))
        .unwrap();
    // The first run gives a token that is soon stale; every later run prints a token and fails.
    let runs = dir.join("runs");
    let plugin = plugin(
        &dir,
        &format!(
            "if [ -e {runs} ]; then\n{}\necho 'refresh token revoked' >&2\nexit 3\nfi\ntouch {runs}\n{}",
            credential(SECRET_TOKEN, 3600),
            credential(FIRST_TOKEN, 12),
            runs = runs.display()
        ),
    );
    let kubeconfig = kubeconfig(&dir, &server.url, &plugin);
    let shell = format!(
        "stty rows {ROWS} cols {COLS}; {KBDASH} --kubeconfig {} --log-file {}",
        kubeconfig.display(),
        dir.join("kbdash.log").display()
    );
    let mut pty = start_script(&dir, &shell);
    // Read off the emulated screen: a frame only writes the cells that changed, so the bytes
    // alone may lack a letter that was already there.
    assert!(
        wait_for(Duration::from_secs(30), || {
            let screen = screen(&dir, ROWS, COLS);
            screen.contains("credential plugin") && screen.contains("refresh token revoked")
        }),
        "the failure is not shown:\n{}",
        screen(&dir, ROWS, COLS)
    );
    pty.type_keys("q");
    assert!(pty.finished(), "kbdash did not quit");
    assert_token_nowhere(&dir);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn under_the_dashboard_a_plugin_that_hangs_is_named_as_what_is_waited_for() {
    let dir = scratch("plugin-hangs-later");
    let server = DemoServer::start(DemoConfig {
        clusters: 1,
        churn: 0.0,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let marker = 8000 + std::process::id() % 1000;
    let plugin = plugin(&dir, &format!("exec sleep {marker}"));
    let source = Source::Kubeconfig {
        path: Some(kubeconfig(&dir, &server.url, &plugin)),
        plugin_timeout: Duration::from_secs(60),
    };
    let connection = connect(&source, None).await.unwrap();
    let mut m = Model::new("ctx", Some("demo".into()), chrono::Utc::now());
    m.server = connection.server.clone();
    let mut engine = Engine::start(EngineConfig {
        source,
        connection,
        namespace: Some("demo".into()),
        readonly: Policy::default(),
        audit_log: None,
        probe: Some(ProbeTiming {
            interval: Duration::from_millis(100),
            timeout: Duration::from_millis(400),
        }),
        watch: Default::default(),
    });
    let noticed = tokio::time::timeout(Duration::from_secs(20), async {
        while m.api_down.is_empty() {
            let msg = engine.recv().await.unwrap();
            engine.handle(&mut m, msg).await;
        }
    })
    .await;
    assert!(noticed.is_ok(), "the probe never failed: {:?}", m.streams);
    let down = m.api_down.values().next().unwrap();
    assert!(
        down.error.starts_with(&format!(
            "waiting for the credential plugin {} since ",
            plugin.display()
        )),
        "{down:?}"
    );
    // The engine's tasks end with it, and the plugin with them (once the runtime runs).
    drop(engine);
    let sleeping = || {
        std::fs::read_dir("/proc").unwrap().any(|e| {
            let cmdline = std::fs::read(e.unwrap().path().join("cmdline")).unwrap_or_default();
            cmdline == format!("sleep\0{marker}\0").as_bytes()
        })
    };
    let mut gone = false;
    for _ in 0..250 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if !sleeping() {
            gone = true;
            break;
        }
    }
    assert!(gone, "the plugin was left running");
    let _ = std::fs::remove_dir_all(&dir);
}
