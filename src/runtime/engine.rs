//! The dashboard without its terminal: runs the commands `update` returns (watch restarts,
//! follows, form effects, context switches), owns the watch and effect tasks, and hands their
//! messages back. The runtime drives it with terminal events and the clock; resilience tests
//! drive it the same way against a faulty demo server.
//!
//! Handling a message never waits on the network: everything that talks to the API runs in a
//! spawned task whose answer comes back as a message, so a dead or slow API server cannot
//! freeze key handling.

use std::path::PathBuf;

use anyhow::Result;
use tokio::sync::{mpsc, watch as follow};
use tokio::task::{AbortHandle, JoinError, JoinSet};

use crate::k8s::client::{Connection, Source, connect};
use crate::k8s::gate;
use crate::k8s::liveness::{self, ProbeTiming};
use crate::k8s::logs;
use crate::k8s::lookup;
use crate::k8s::proxy_scrape;
use crate::k8s::watch::{self, Sink, WatchTiming};
use crate::runtime::exec::{self, CommandLine};
use crate::runtime::form_effects;
use crate::state::cmd::Cmd;
use crate::state::logs::{LogsCmd, LogsMsg};
use crate::state::model::Model;
use crate::state::msg::Msg;
use crate::state::readonly::Policy;
use crate::state::store::WATCHED;
use crate::update::update;
use kbdash_core::domain::evidence::TAIL_LINES;
use kbdash_core::rows::ObjRef;

/// Capacity of the message channels; watch tasks wait when theirs is full, so a flood of
/// events cannot grow memory without bound.
const CHANNEL: usize = 8192;

/// Where the engine works: the API server, the namespace, the read-only gate, the audit log.
pub struct EngineConfig {
    /// Where the API server is, for context switches.
    pub source: Source,
    /// The client of the current context.
    pub connection: Connection,
    /// `None`: all namespaces.
    pub namespace: Option<String>,
    /// Which contexts are read-only: there every request goes through the read-only gate and
    /// mutating commands are refused.
    pub readonly: Policy,
    /// Where submits are audited (JSON lines), if anywhere.
    pub audit_log: Option<PathBuf>,
    /// How the API server's liveness is probed; `None` turns the probe off, for tests whose
    /// subject is what the streams alone do.
    pub probe: Option<ProbeTiming>,
    /// How the watches are timed: how long one may stay silent.
    pub watch: WatchTiming,
}

/// The watch and effect tasks and the channels their messages come back on.
pub struct Engine {
    /// Results of commands.
    tx: mpsc::Sender<Msg>,
    rx: mpsc::Receiver<Msg>,
    /// Messages of the current watches. Replaced on every restart, so that whatever the old
    /// watches had queued is dropped with the old receiver.
    watch_rx: mpsc::Receiver<Msg>,
    follow_tx: follow::Sender<Option<ObjRef>>,
    watchers: JoinSet<()>,
    /// The open detail's Events streams.
    object_events: JoinSet<()>,
    /// The liveness probe of the current context.
    probe: JoinSet<()>,
    probe_timing: Option<ProbeTiming>,
    watch_timing: WatchTiming,
    effects: JoinSet<()>,
    source: Source,
    connection: Connection,
    namespace: Option<String>,
    policy: Policy,
    /// Whether the current context is read-only.
    readonly: bool,
    audit_log: Option<PathBuf>,
    /// A `kubectl exec` waiting for the terminal.
    exec: Option<CommandLine>,
    /// Text for the clipboard, waiting for the terminal (OSC 52).
    clipboard: Option<String>,
    /// The log view's stream, while one is open.
    log_stream: Option<AbortHandle>,
}

fn panic_text(e: JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic payload".into()),
        Err(e) => e.to_string(),
    }
}

/// Turns a background task's panic into an error that ends the program. The terminal is the
/// runtime's to restore: its panic hook already has, before the panic's report, and it restores
/// it again on the way out with this error.
pub(crate) fn check_task(res: std::result::Result<(), JoinError>) -> Result<()> {
    match res {
        Err(e) if e.is_panic() => {
            anyhow::bail!("a background task panicked: {}", panic_text(e))
        }
        _ => Ok(()),
    }
}

impl Engine {
    /// Connects the watches of `config.namespace` (must run inside a tokio runtime).
    pub fn start(config: EngineConfig) -> Engine {
        let (tx, rx) = mpsc::channel(CHANNEL);
        let (follow_tx, _) = follow::channel(None);
        let mut connection = config.connection;
        let readonly = config.readonly.applies_to(&connection.context);
        connection.client = gate::guard(connection.client, readonly);
        let mut engine = Engine {
            tx,
            rx,
            watch_rx: mpsc::channel(1).1,
            follow_tx,
            watchers: JoinSet::new(),
            object_events: JoinSet::new(),
            probe: JoinSet::new(),
            probe_timing: config.probe,
            watch_timing: config.watch,
            effects: JoinSet::new(),
            source: config.source,
            connection,
            namespace: config.namespace,
            policy: config.readonly,
            readonly,
            audit_log: config.audit_log,
            exec: None,
            clipboard: None,
            log_stream: None,
        };
        engine.restart_watches();
        engine.restart_probe();
        engine
    }

    fn restart_probe(&mut self) {
        self.probe.abort_all();
        if let Some(timing) = self.probe_timing {
            self.probe.spawn(liveness::run(
                self.connection.client.clone(),
                self.connection.plugin.clone(),
                timing,
                self.tx.clone(),
            ));
        }
    }

    /// How many watch tasks run (one per watched kind while all is well).
    #[cfg(feature = "testing")]
    pub fn watch_tasks(&self) -> usize {
        self.watchers.len()
    }

    fn restart_watches(&mut self) {
        self.watchers.abort_all();
        // A new context or namespace closes the detail whose events they were.
        self.object_events.abort_all();
        let (tx, rx) = mpsc::channel(CHANNEL);
        self.watch_rx = rx;
        let sink = Sink {
            tx,
            follow: self.follow_tx.subscribe(),
        };
        watch::spawn_all(
            &mut self.watchers,
            &self.connection.client,
            self.namespace.as_deref(),
            &WATCHED,
            self.watch_timing,
            &sink,
        );
    }

    /// Carries out one command. A message that must reach `update` before anything the
    /// restarted watches send (the new context or namespace) is returned instead of queued.
    async fn run_cmd(&mut self, cmd: Cmd) -> Option<Msg> {
        if self.readonly && cmd.mutates() {
            return Some(Msg::Failed(format!("read-only mode: refused {cmd:?}")));
        }
        match cmd {
            Cmd::Quit => None,
            Cmd::Follow(target) => {
                self.follow_tx.send_replace(target.clone());
                if let Some(target) = target {
                    let client = self.connection.client.clone();
                    let tx = self.tx.clone();
                    self.effects.spawn(async move {
                        let _ = tx.send(watch::fetch(client, target).await.into()).await;
                    });
                }
                None
            }
            Cmd::LoadClusterFacts {
                cluster,
                components,
            } => {
                let client = self.connection.client.clone();
                let tx = self.tx.clone();
                self.effects.spawn(async move {
                    let (services, restores) = tokio::join!(
                        lookup::services(client.clone(), &cluster),
                        lookup::restores(client, &cluster, &components),
                    );
                    let msg = Msg::ClusterFacts {
                        cluster,
                        services,
                        restores,
                    };
                    let _ = tx.send(msg).await;
                });
                None
            }
            Cmd::Scrape {
                context,
                targets,
                limits,
            } => {
                let client = self.connection.client.clone();
                let tx = self.tx.clone();
                self.effects.spawn(async move {
                    let results = proxy_scrape::scrape(client, targets, limits).await;
                    let _ = tx.send(Msg::Scraped { context, results }).await;
                });
                None
            }
            Cmd::RestartWatches => {
                self.restart_watches();
                None
            }
            Cmd::WatchObjectEvents {
                id,
                namespace,
                subjects,
            } => {
                self.object_events.abort_all();
                let sink = Sink {
                    tx: self.tx.clone(),
                    follow: self.follow_tx.subscribe(),
                };
                watch::object_events::spawn(
                    &mut self.object_events,
                    &self.connection.client,
                    &namespace,
                    &subjects,
                    id,
                    self.watch_timing,
                    &sink,
                );
                None
            }
            Cmd::StopObjectEvents => {
                self.object_events.abort_all();
                None
            }
            Cmd::FetchLogTail {
                object,
                namespace,
                plan,
            } => {
                let client = self.connection.client.clone();
                let tx = self.tx.clone();
                self.effects.spawn(async move {
                    let result = logs::evidence(client, &namespace, &plan, TAIL_LINES).await;
                    let _ = tx.send(Msg::LogTail { object, result }).await;
                });
                None
            }
            Cmd::Watch { namespace } => {
                self.namespace = namespace.clone();
                self.restart_watches();
                Some(Msg::Connected {
                    context: self.connection.context.clone(),
                    server: self.connection.server.clone(),
                    namespace,
                    readonly: self.readonly,
                })
            }
            // Reading a kubeconfig and building a client touch no network.
            Cmd::SwitchContext(ctx) => match connect(&self.source, Some(&ctx)).await {
                Ok(mut conn) => {
                    // All namespaces stay all namespaces, and the current context keeps the one
                    // shown; another context opens on its own namespace (`update` says so).
                    if self.namespace.is_some() && ctx != self.connection.context {
                        self.namespace = Some(conn.default_namespace.clone());
                    }
                    self.readonly = self.policy.applies_to(&ctx);
                    conn.client = gate::guard(conn.client, self.readonly);
                    self.connection = conn;
                    // The log view closes with the model the new context starts.
                    self.close_log_stream();
                    self.restart_watches();
                    self.restart_probe();
                    Some(Msg::Connected {
                        context: ctx,
                        server: self.connection.server.clone(),
                        namespace: self.namespace.clone(),
                        readonly: self.readonly,
                    })
                }
                Err(e) => Some(Msg::Failed(format!("{e:#}"))),
            },
            Cmd::LoadTheme(name) => Some(Msg::ThemeLoaded(
                crate::state::theme::Theme::load(&name)
                    .map(Box::new)
                    .map_err(|e| e.to_string()),
            )),
            Cmd::Copy(text) => {
                self.clipboard = Some(text);
                None
            }
            Cmd::Exec(target) => {
                let path = std::env::var_os("PATH");
                match exec::command_line(
                    &self.source,
                    &self.connection.context,
                    &target,
                    path.as_deref(),
                ) {
                    Ok(line) => {
                        self.exec = Some(line);
                        None
                    }
                    Err(e) => Some(Msg::Failed(e)),
                }
            }
            Cmd::Logs(cmd) => {
                self.run_logs(cmd);
                None
            }
            Cmd::Form(cmd) => {
                let client = self.connection.client.clone();
                let context = self.connection.context.clone();
                let audit = self.audit_log.clone();
                let tx = self.tx.clone();
                self.effects.spawn(async move {
                    let msg = form_effects::run(&client, &context, audit.as_deref(), cmd).await;
                    let _ = tx.send(Msg::Form(msg)).await;
                });
                None
            }
        }
    }

    fn close_log_stream(&mut self) {
        if let Some(task) = self.log_stream.take() {
            task.abort();
        }
    }

    /// Opens or closes the log view's stream (one at a time), or writes its lines to a file.
    fn run_logs(&mut self, cmd: LogsCmd) {
        match cmd {
            LogsCmd::Open { session, request } => {
                self.close_log_stream();
                let client = self.connection.client.clone();
                let tx = self.tx.clone();
                let task = self
                    .effects
                    .spawn(logs::stream(client, request, move |event| {
                        let tx = tx.clone();
                        async move {
                            let msg = Msg::Logs(LogsMsg::Event { session, event });
                            tx.send(msg).await.is_ok()
                        }
                    }));
                self.log_stream = Some(task);
            }
            LogsCmd::Close => self.close_log_stream(),
            LogsCmd::Write { path, text } => {
                let tx = self.tx.clone();
                self.effects.spawn(async move {
                    let written = tokio::task::spawn_blocking(move || write_new(&path, &text))
                        .await
                        .unwrap_or_else(|e| Err(e.to_string()));
                    let _ = tx.send(Msg::Logs(LogsMsg::Written(written))).await;
                });
            }
        }
    }

    /// Runs `update` on `msg` and every command it leads to.
    pub async fn handle(&mut self, model: &mut Model, msg: Msg) {
        let mut next = Some(msg);
        while let Some(msg) = next.take() {
            for cmd in update(model, msg) {
                if let Some(follow_up) = self.run_cmd(cmd).await {
                    next = Some(follow_up);
                }
            }
        }
    }

    /// The next message of a watch or a command; an error when a background task panicked.
    pub async fn recv(&mut self) -> Result<Msg> {
        loop {
            tokio::select! {
                Some(msg) = self.watch_rx.recv() => return Ok(msg),
                Some(msg) = self.rx.recv() => return Ok(msg),
                Some(res) = self.watchers.join_next() => check_task(res)?,
                Some(res) = self.object_events.join_next() => check_task(res)?,
                Some(res) = self.probe.join_next() => check_task(res)?,
                Some(res) = self.effects.join_next() => check_task(res)?,
            }
        }
    }

    /// The text asked to be put on the clipboard, if any: the runtime writes it to the
    /// terminal.
    pub fn take_clipboard(&mut self) -> Option<String> {
        self.clipboard.take()
    }

    /// The `kubectl exec` asked for, if any: the runtime hands the terminal over to it.
    pub fn take_exec(&mut self) -> Option<CommandLine> {
        self.exec.take()
    }

    /// A message already queued, if any (command results first).
    pub fn try_recv(&mut self) -> Option<Msg> {
        self.rx
            .try_recv()
            .or_else(|_| self.watch_rx.try_recv())
            .ok()
    }
}

/// Writes `text` to a new file at `path` (relative: in the current directory) and returns its
/// absolute path. A file (or a symbolic link) already there is left alone and reported.
fn write_new(path: &std::path::Path, text: &str) -> std::result::Result<PathBuf, String> {
    use std::io::Write;
    let path = std::env::current_dir()
        .map_err(|e| e.to_string())?
        .join(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_is_written_to_a_new_file_only() {
        let dir = std::env::temp_dir().join(format!("kbdash-write-new-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pod-postgresql.log");
        assert_eq!(write_new(&path, "a\n"), Ok(path.clone()));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a\n");
        let again = write_new(&path, "b\n").unwrap_err();
        assert!(again.contains("exists"), "{again}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a\n", "left alone");
        #[cfg(unix)]
        {
            let link = dir.join("link.log");
            std::os::unix::fs::symlink(dir.join("elsewhere.log"), &link).unwrap();
            assert!(
                write_new(&link, "c\n").is_err(),
                "never through a symbolic link"
            );
            assert!(!dir.join("elsewhere.log").exists());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_panicking_task_ends_the_loop_with_its_message() {
        let mut tasks: JoinSet<()> = JoinSet::new();
        tasks.spawn(async { panic!("boom in a watch task") });
        let res = tasks.join_next().await.unwrap();
        let err = check_task(res).unwrap_err().to_string();
        assert!(err.contains("boom in a watch task"), "{err}");
        let mut tasks: JoinSet<()> = JoinSet::new();
        tasks.spawn(std::future::pending());
        tasks.abort_all();
        assert!(
            check_task(tasks.join_next().await.unwrap()).is_ok(),
            "aborts are not panics"
        );
    }
}
