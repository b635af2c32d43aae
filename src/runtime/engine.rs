//! The dashboard without its terminal: runs the commands `update` returns (watch restarts,
//! follows, form effects, context switches), owns the watch and effect tasks, and hands their
//! messages back. The runtime drives it with terminal events and the clock; resilience tests
//! drive it the same way against a faulty demo server.
//!
//! Handling a message never waits on the network: everything that talks to the API runs in a
//! spawned task whose answer comes back as a message, so a dead or slow API server cannot
//! freeze key handling.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::task::{Context, Poll};

use anyhow::Result;
use tokio::sync::{mpsc, watch as follow};
use tokio::task::{AbortHandle, JoinError, JoinSet};

use crate::k8s::client::{Connection, Source, connect};
use crate::k8s::liveness::ProbeTiming;
use crate::k8s::logs;
use crate::k8s::lookup;
use crate::k8s::proxy_scrape;
use crate::k8s::watch::{self, WatchTiming};
use crate::runtime::context_part::{Part, Timing};
use crate::runtime::exec::{self, CommandLine};
use crate::runtime::form_effects;
use crate::state::cmd::Cmd;
use crate::state::logs::{LogsCmd, LogsMsg};
use crate::state::model::Model;
use crate::state::msg::Msg;
use crate::state::readonly::Policy;
use crate::state::shown::Shown;
use crate::update::update;
use kbdash_core::domain::evidence::TAIL_LINES;
use kbdash_core::rows::{Ctx, ObjRef};

/// Capacity of the command results' channel.
const CHANNEL: usize = 8192;

/// Where the engine works: the API server, the namespace, the read-only gate, the audit log.
pub struct EngineConfig {
    /// Where the API server is, for context switches.
    pub source: Source,
    /// The client of the first (or only) context shown; more are added with
    /// [`Engine::add_context`].
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

/// The contexts' parts (client, watches, probe each), the effect tasks, and the channels their
/// messages come back on.
pub struct Engine {
    /// Results of commands, and the probes' answers.
    tx: mpsc::Sender<Msg>,
    rx: mpsc::Receiver<Msg>,
    follow_tx: follow::Sender<Option<ObjRef>>,
    /// The contexts shown, by id: [`Engine::route`] is the one place a command meets one.
    parts: BTreeMap<Ctx, Part>,
    /// The id the next context added gets.
    next_ctx: u16,
    /// Which part's messages are taken first next time, so that a busy context cannot starve
    /// the others.
    turn: usize,
    timing: Timing,
    effects: JoinSet<()>,
    source: Source,
    namespace: Option<String>,
    policy: Policy,
    audit_log: Option<PathBuf>,
    /// A `kubectl exec` waiting for the terminal.
    exec: Option<CommandLine>,
    /// Text for the clipboard, waiting for the terminal (OSC 52).
    clipboard: Option<String>,
    /// The log view's stream and the context it streams from, while one is open.
    log_stream: Option<(Ctx, AbortHandle)>,
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
        let mut engine = Engine {
            tx,
            rx,
            follow_tx,
            parts: BTreeMap::new(),
            next_ctx: 0,
            turn: 0,
            timing: Timing {
                probe: config.probe,
                watch: config.watch,
            },
            effects: JoinSet::new(),
            source: config.source,
            namespace: config.namespace,
            policy: config.readonly,
            audit_log: config.audit_log,
            exec: None,
            clipboard: None,
            log_stream: None,
        };
        engine.add_context(config.connection);
        engine
    }

    /// Shows one more context: starts its part under the next id, read-only as the policy
    /// says. The model learns of it from the returned [`Shown`] (`Msg::ContextAdded`).
    pub fn add_context(&mut self, connection: Connection) -> Shown {
        let ctx = Ctx(self.next_ctx);
        self.next_ctx = self.next_ctx.wrapping_add(1);
        let readonly = self.policy.applies_to(&connection.context);
        let part = Part::start(
            ctx,
            connection,
            readonly,
            self.namespace.as_deref(),
            &self.follow_tx,
            self.timing,
            &self.tx,
        );
        let shown = part.shown.clone();
        self.parts.insert(ctx, part);
        shown
    }

    /// How many watch tasks run (one per watched kind and context while all is well).
    #[cfg(feature = "testing")]
    pub fn watch_tasks(&self) -> usize {
        self.parts.values().map(Part::watch_tasks).sum()
    }

    /// A command carried out as `update` would have it carried out, its follow-up message
    /// returned: tests of the engine's routing and refusals go around `update`'s own.
    #[cfg(feature = "testing")]
    pub async fn run(&mut self, cmd: Cmd) -> Option<Msg> {
        self.run_cmd(cmd).await
    }

    /// The client a context's commands go through (behind its gate), for tests that try a
    /// write around the engine too.
    #[cfg(feature = "testing")]
    pub fn client_of(&self, ctx: Ctx) -> Option<kube::Client> {
        self.parts.get(&ctx).map(|p| p.connection.client.clone())
    }

    /// The contexts shown, as `Msg::Connected` names them.
    pub fn shown(&self) -> Vec<Shown> {
        self.parts.values().map(|p| p.shown.clone()).collect()
    }

    /// The one place a command meets a context: the part of the context it names
    /// ([`Cmd::ctx`]), whose client (behind that context's own read-only gate) carries it.
    /// `Err` refuses it: its context is no longer shown, or it would change a read-only one.
    fn route(&self, cmd: &Cmd) -> std::result::Result<Option<&Part>, String> {
        let part = match cmd.ctx() {
            Some(ctx) => match self.parts.get(&ctx) {
                Some(part) => Some(part),
                None => return Err(format!("that context is no longer shown: refused {cmd:?}")),
            },
            None => None,
        };
        let readonly = match part {
            Some(part) => part.shown.readonly,
            None => self.parts.values().any(|p| p.shown.readonly),
        };
        if readonly && cmd.mutates() {
            let what = match part {
                Some(part) if self.parts.len() > 1 => format!("context {}", part.shown.name),
                _ => "read-only mode".into(),
            };
            return Err(format!("{what}: refused {cmd:?}"));
        }
        Ok(part)
    }

    /// Carries out one command. A message that must reach `update` before anything the
    /// restarted watches send (the new context or namespace) is returned instead of queued.
    async fn run_cmd(&mut self, cmd: Cmd) -> Option<Msg> {
        let (client, context) = match self.route(&cmd) {
            Ok(part) => (
                part.map(|p| p.connection.client.clone()),
                part.map(|p| p.connection.context.clone()),
            ),
            Err(refused) => return Some(Msg::Failed(refused)),
        };
        match cmd {
            Cmd::Quit => None,
            Cmd::Follow(target) => {
                self.follow_tx.send_replace(target.clone());
                if let (Some(target), Some(client)) = (target, client) {
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
                let client = client?;
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
            Cmd::RestartWatches(ctx) => {
                let (namespace, watch) = (self.namespace.clone(), self.timing.watch);
                if let Some(part) = self.parts.get_mut(&ctx) {
                    part.restart_watches(namespace.as_deref(), &self.follow_tx, watch);
                }
                None
            }
            Cmd::Scrape {
                ctx,
                targets,
                limits,
            } => {
                let (client, context) = (client?, context?);
                let tx = self.tx.clone();
                self.effects.spawn(async move {
                    let results = proxy_scrape::scrape(client, targets, limits).await;
                    let msg = Msg::Scraped {
                        ctx,
                        context,
                        results,
                    };
                    let _ = tx.send(msg).await;
                });
                None
            }
            Cmd::WatchObjectEvents {
                ctx,
                id,
                namespace,
                subjects,
            } => {
                // One detail is open at a time: whatever streams another started stop, in
                // whichever context they ran.
                for part in self.parts.values_mut() {
                    part.stop_object_events();
                }
                let (follow, watch) = (&self.follow_tx, self.timing.watch);
                if let Some(part) = self.parts.get_mut(&ctx) {
                    part.watch_object_events(id, &namespace, &subjects, follow, watch, &self.tx);
                }
                None
            }
            Cmd::StopObjectEvents => {
                for part in self.parts.values_mut() {
                    part.stop_object_events();
                }
                None
            }
            Cmd::FetchLogTail {
                object,
                namespace,
                plan,
            } => {
                let client = client?;
                let tx = self.tx.clone();
                self.effects.spawn(async move {
                    let result = logs::evidence(client, &namespace, &plan, TAIL_LINES).await;
                    let _ = tx.send(Msg::LogTail { object, result }).await;
                });
                None
            }
            Cmd::Watch { namespace } => {
                self.namespace = namespace.clone();
                for part in self.parts.values_mut() {
                    part.restart_watches(namespace.as_deref(), &self.follow_tx, self.timing.watch);
                }
                Some(Msg::Connected {
                    contexts: self.shown(),
                    namespace,
                })
            }
            // Reading a kubeconfig and building a client touch no network.
            Cmd::SwitchContext(name) => match connect(&self.source, Some(&name)).await {
                Ok(conn) => {
                    // All namespaces stay all namespaces, and the current context keeps the one
                    // shown; another context opens on its own namespace (`update` says so).
                    let current = self.parts.values().next().map(|p| p.shown.name.clone());
                    if self.namespace.is_some() && current.as_deref() != Some(name.as_str()) {
                        self.namespace = Some(conn.default_namespace.clone());
                    }
                    // The log view closes with the model the new context starts; the detail's
                    // Events streams end with the parts they ran in.
                    self.close_log_stream();
                    // Shown alone, under a new id: an answer still on its way from the old
                    // parts (a log tail, a lookup) names the old id, and is dropped rather
                    // than taken for an object of the new context with the same name.
                    self.parts.clear();
                    self.add_context(conn);
                    Some(Msg::Connected {
                        contexts: self.shown(),
                        namespace: self.namespace.clone(),
                    })
                }
                Err(e) => Some(Msg::Failed(format!("{e:#}"))),
            },
            Cmd::AddContext(name) => match connect(&self.source, Some(&name)).await {
                Ok(conn) => Some(Msg::ContextAdded(self.add_context(conn))),
                Err(e) => Some(Msg::Failed(format!("{e:#}"))),
            },
            Cmd::RemoveContext(ctx) => {
                // Dropping the part aborts its tasks and drops what they had queued; a log
                // streamed from the context ends with it.
                self.parts.remove(&ctx);
                if self.log_stream.as_ref().is_some_and(|(of, _)| *of == ctx) {
                    self.close_log_stream();
                }
                None
            }
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
                let context = context?;
                match exec::command_line(&self.source, &context, &target, path.as_deref()) {
                    Ok(line) => {
                        self.exec = Some(line);
                        None
                    }
                    Err(e) => Some(Msg::Failed(e)),
                }
            }
            Cmd::Logs(cmd) => {
                self.run_logs(cmd, client);
                None
            }
            Cmd::Form(cmd) => {
                // A YAML written to a file names no context and needs no client.
                let client = client.or_else(|| {
                    self.parts
                        .values()
                        .next()
                        .map(|p| p.connection.client.clone())
                })?;
                let context = context.unwrap_or_default();
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
        if let Some((_, task)) = self.log_stream.take() {
            task.abort();
        }
    }

    /// Opens or closes the log view's stream (one at a time), or writes its lines to a file.
    /// `client` is that of the context of the pod streamed ([`Engine::route`]).
    fn run_logs(&mut self, cmd: LogsCmd, client: Option<kube::Client>) {
        match cmd {
            LogsCmd::Open { session, request } => {
                self.close_log_stream();
                let Some(client) = client else { return };
                let ctx = request.source.ctx();
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
                self.log_stream = Some((ctx, task));
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
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    /// Command results first, then the contexts' watches, each context in turn.
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Result<Msg>> {
        loop {
            if let Poll::Ready(Some(res)) = self.effects.poll_join_next(cx) {
                if let Err(e) = check_task(res) {
                    return Poll::Ready(Err(e));
                }
                continue;
            }
            let ended = self
                .parts
                .values_mut()
                .find_map(|p| match p.poll_ended(cx) {
                    Poll::Ready(Some(res)) => Some(res),
                    _ => None,
                });
            if let Some(res) = ended {
                if let Err(e) = check_task(res) {
                    return Poll::Ready(Err(e));
                }
                continue;
            }
            if let Poll::Ready(Some(msg)) = self.rx.poll_recv(cx) {
                return Poll::Ready(Ok(msg));
            }
            let msg = self.in_turn(|part| match part.poll_recv(cx) {
                Poll::Ready(Some(msg)) => Some(msg),
                _ => None,
            });
            return match msg {
                Some(msg) => Poll::Ready(Ok(msg)),
                None => Poll::Pending,
            };
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

    /// A message already queued, if any (command results first, then each context in turn).
    pub fn try_recv(&mut self) -> Option<Msg> {
        if let Ok(msg) = self.rx.try_recv() {
            return Some(msg);
        }
        self.in_turn(Part::try_recv)
    }

    /// The first answer of `f` over the parts, starting from a different part each time so
    /// that a busy context cannot starve the others.
    fn in_turn<T>(&mut self, mut f: impl FnMut(&mut Part) -> Option<T>) -> Option<T> {
        self.turn = self.turn.wrapping_add(1);
        let k = self.turn % self.parts.len().max(1);
        if let Some(found) = self.parts.values_mut().skip(k).find_map(&mut f) {
            return Some(found);
        }
        self.parts.values_mut().take(k).find_map(f)
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
