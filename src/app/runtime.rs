//! The runtime: owns the model and the terminal, feeds messages to `update`, runs the commands
//! it returns, and draws when something changed.
//!
//! One loop selects over terminal events, one channel of messages (watch streams and command
//! results), a 1 Hz clock for ages, and the background tasks' completions (to notice a panic).
//! After a message it drains whatever else is queued, then draws once, at most every
//! `FRAME` (~30 frames per second); nothing redraws on a timer except the clock tick.

use std::io::{Stdout, stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context as _, Result};
use chrono::Utc;
use crossterm::event::{Event, EventStream};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::{mpsc, watch as follow};
use tokio::task::{JoinError, JoinSet};
use tokio::time::Instant;

use crate::app::cmd::Cmd;
use crate::app::form_effects;
use crate::app::model::Model;
use crate::app::msg::Msg;
use crate::app::readonly;
use crate::app::update::{set_pages, update};
use crate::k8s::client::{Connection, Source, connect};
use crate::k8s::resources::ObjRef;
use crate::k8s::watch::{self, Sink};
use crate::view::theme::Theme;

/// Shortest time between two frames.
const FRAME: Duration = Duration::from_millis(33);
/// Messages handled before drawing even if more are queued, so a flood cannot starve the screen.
const DRAIN_LIMIT: usize = 20_000;
/// Capacity of the message channel; watch tasks wait when it is full.
const CHANNEL: usize = 8192;

/// Whether the terminal is in raw mode on the alternate screen (and may be drawn on).
static TERMINAL_ACTIVE: AtomicBool = AtomicBool::new(false);

/// Leaves the alternate screen and raw mode, once, from whichever path gets here first.
pub fn restore_terminal() {
    if TERMINAL_ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = crossterm::execute!(stdout(), LeaveAlternateScreen, crossterm::cursor::Show);
    }
}

/// Restores the terminal before the default panic report, from any thread (including a
/// spawned task's worker thread), so the report lands on the normal screen.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

/// The terminal in dashboard mode; restored when dropped (normal exit and errors).
struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    fn enter() -> Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode().context("switching the terminal to raw mode")?;
        TERMINAL_ACTIVE.store(true, Ordering::SeqCst);
        crossterm::execute!(stdout(), EnterAlternateScreen)
            .context("entering the alternate screen")?;
        let terminal =
            Terminal::new(CrosstermBackend::new(stdout())).context("opening the terminal")?;
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// How the dashboard starts.
pub struct Start {
    pub source: Source,
    pub connection: Connection,
    /// `None`: all namespaces.
    pub namespace: Option<String>,
    pub theme: Theme,
    pub readonly: bool,
    /// Triage view, wall mode and thresholds.
    pub launch: crate::app::triage::Launch,
}

/// The state the loop works with besides the model.
struct Runtime {
    /// Results of commands.
    tx: mpsc::Sender<Msg>,
    /// Messages of the current watches. Replaced on every restart, so that whatever the old
    /// watches had queued is dropped with the old receiver.
    watch_rx: mpsc::Receiver<Msg>,
    follow_tx: follow::Sender<Option<ObjRef>>,
    watchers: JoinSet<()>,
    effects: JoinSet<()>,
    source: Source,
    connection: Connection,
    namespace: Option<String>,
    /// Every request goes through the read-only gate and mutating commands are refused.
    readonly: bool,
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

impl Runtime {
    fn restart_watches(&mut self) {
        self.watchers.abort_all();
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
            &sink,
        );
    }

    /// Carries out one command. A message that must reach `update` before anything the
    /// restarted watches send (the new context or namespace) is returned instead of queued.
    async fn run_cmd(&mut self, cmd: Cmd) -> Option<Msg> {
        if self.readonly && readonly::cmd_mutates(&cmd) {
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
                        let _ = tx.send(watch::fetch(client, target).await).await;
                    });
                }
                None
            }
            Cmd::Watch { namespace } => {
                self.namespace = namespace.clone();
                self.restart_watches();
                Some(Msg::Connected {
                    context: self.connection.context.clone(),
                    namespace,
                })
            }
            Cmd::SwitchContext(ctx) => match connect(&self.source, Some(&ctx)).await {
                Ok(mut conn) => {
                    self.namespace = Some(conn.default_namespace.clone());
                    conn.client = readonly::guard(conn.client, self.readonly);
                    self.connection = conn;
                    self.restart_watches();
                    Some(Msg::Connected {
                        context: ctx,
                        namespace: self.namespace.clone(),
                    })
                }
                Err(e) => Some(Msg::Failed(format!("{e:#}"))),
            },
            Cmd::LoadTheme(name) => Some(Msg::ThemeLoaded(
                Theme::load(&name).map(Box::new).map_err(|e| e.to_string()),
            )),
            Cmd::Form(cmd) => {
                let client = self.connection.client.clone();
                let context = self.connection.context.clone();
                let tx = self.tx.clone();
                self.effects.spawn(async move {
                    let audit = form_effects::default_audit_log();
                    let msg = form_effects::run(&client, &context, audit.as_deref(), cmd).await;
                    let _ = tx.send(Msg::Form(msg)).await;
                });
                None
            }
        }
    }

    /// Runs `update` on `msg` and every command it leads to.
    async fn handle(&mut self, model: &mut Model, msg: Msg) {
        let mut next = Some(msg);
        while let Some(msg) = next.take() {
            for cmd in update(model, msg) {
                if let Some(follow_up) = self.run_cmd(cmd).await {
                    next = Some(follow_up);
                }
            }
        }
    }
}

/// Runs the dashboard until the user quits; the terminal is restored on every way out.
pub async fn run(start: Start) -> Result<()> {
    let mut guard = TerminalGuard::enter()?;
    let result = run_loop(&mut guard, start).await;
    drop(guard);
    result
}

async fn run_loop(guard: &mut TerminalGuard, start: Start) -> Result<()> {
    let (tx, mut rx) = mpsc::channel(CHANNEL);
    let (follow_tx, _) = follow::channel(None);
    let mut model = Model::new(
        &start.connection.context,
        start.namespace.clone(),
        Utc::now(),
    );
    model.contexts = start.connection.contexts.clone();
    model.theme = start.theme;
    model.readonly = start.readonly;
    start.launch.apply(&mut model);
    let mut connection = start.connection;
    connection.client = readonly::guard(connection.client, start.readonly);
    let size = guard.terminal.size().context("reading the terminal size")?;
    model.size = (size.width, size.height);
    set_pages(&mut model);

    let mut rt = Runtime {
        tx,
        watch_rx: mpsc::channel(1).1,
        follow_tx,
        watchers: JoinSet::new(),
        effects: JoinSet::new(),
        source: start.source,
        connection,
        namespace: start.namespace,
        readonly: start.readonly,
    };
    rt.restart_watches();

    let mut events = EventStream::new();
    let mut hangup = Hangup::new()?;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_draw = Instant::now() - FRAME;
    let mut draw_at: Option<Instant> = None;

    loop {
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(key))) => Some(Msg::Key(key)),
                Some(Ok(Event::Resize(w, h))) => Some(Msg::Resize(w, h)),
                Some(Ok(_)) => None,
                Some(Err(e)) => return Err(e).context("reading terminal input"),
                // The terminal is gone (hang-up): nothing left to show things on.
                None => return Ok(()),
            },
            // The terminal went away (SIGHUP) or we are asked to stop (SIGTERM).
            () = hangup.recv() => return Ok(()),
            Some(msg) = rt.watch_rx.recv() => Some(msg),
            Some(msg) = rx.recv() => Some(msg),
            _ = tick.tick() => Some(Msg::Tick(Utc::now())),
            Some(res) = rt.watchers.join_next() => {
                check_task(res)?;
                None
            }
            Some(res) = rt.effects.join_next() => {
                check_task(res)?;
                None
            }
            _ = tokio::time::sleep_until(draw_at.unwrap_or_else(Instant::now)), if draw_at.is_some() => None,
        };
        if let Some(msg) = msg {
            rt.handle(&mut model, msg).await;
            let mut drained = 0;
            while drained < DRAIN_LIMIT {
                let Ok(msg) = rx.try_recv().or_else(|_| rt.watch_rx.try_recv()) else {
                    break;
                };
                rt.handle(&mut model, msg).await;
                drained += 1;
            }
        }
        if model.quit {
            return Ok(());
        }
        if model.dirty {
            let now = Instant::now();
            if now.duration_since(last_draw) >= FRAME {
                if TERMINAL_ACTIVE.load(Ordering::SeqCst) {
                    guard
                        .terminal
                        .draw(|f| crate::view::view(&model, f))
                        .context("drawing")?;
                }
                model.dirty = false;
                last_draw = now;
                draw_at = None;
            } else {
                draw_at = Some(last_draw + FRAME);
            }
        }
    }
}

/// SIGHUP and SIGTERM: losing the terminal ends the process instead of leaving it running.
#[cfg(unix)]
struct Hangup {
    hup: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Hangup {
    fn new() -> Result<Hangup> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Hangup {
            hup: signal(SignalKind::hangup()).context("listening for SIGHUP")?,
            term: signal(SignalKind::terminate()).context("listening for SIGTERM")?,
        })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.hup.recv() => {}
            _ = self.term.recv() => {}
        }
    }
}

/// Elsewhere there is no hang-up signal to wait for.
#[cfg(not(unix))]
struct Hangup;

#[cfg(not(unix))]
impl Hangup {
    fn new() -> Result<Hangup> {
        Ok(Hangup)
    }

    async fn recv(&mut self) {
        std::future::pending::<()>().await
    }
}

/// Turns a background task's panic into an error that ends the program.
fn check_task(res: std::result::Result<(), JoinError>) -> Result<()> {
    match res {
        Err(e) if e.is_panic() => {
            restore_terminal();
            anyhow::bail!("a background task panicked: {}", panic_text(e))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
