//! The runtime: owns the model and the terminal, feeds messages to `update`, runs the commands
//! it returns, and draws when something changed.
//!
//! One loop selects over terminal events, the [`Engine`]'s messages (watch streams, command
//! results and background tasks' panics), a 1 Hz clock for ages, and SIGINT/SIGTERM/SIGHUP.
//! After a message it drains whatever else is queued, then draws once, at most every
//! `FRAME` (~30 frames per second); nothing redraws on a timer except the clock tick.
//!
//! Above every layer but the config file and the command line: it alone owns the terminal, and
//! its [`engine`] alone runs effects.

mod clipboard;
mod context_part;
pub mod engine;
pub mod exec;
pub mod form_effects;
mod hangup;

use std::io::{Stdout, stdout};
use std::path::PathBuf;
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
use tokio::time::Instant;

use crate::k8s::client::{Connection, Source};
use crate::state::launch::Launch;
use crate::state::model::Model;
use crate::state::msg::Msg;
use crate::state::readonly::Policy;
use crate::state::shown::Shown;
use crate::state::theme::Theme;
use crate::update::set_pages;
use engine::{Engine, EngineConfig};
use exec::CommandLine;

/// Shortest time between two frames.
const FRAME: Duration = Duration::from_millis(33);
/// Shortest time between two frames of the wall: it is read from across a room, every tile
/// and the triage strip redraw on any change, and at 5,000 clusters under churn a frame per
/// event cost 6% of a core. Four frames a second keeps it current to the eye.
const WALL_FRAME: Duration = Duration::from_millis(250);
/// Messages handled before drawing even if more are queued, so a flood cannot starve the screen.
const DRAIN_LIMIT: usize = 20_000;

/// Whether the terminal is in raw mode on the alternate screen (and may be drawn on).
static TERMINAL_ACTIVE: AtomicBool = AtomicBool::new(false);

/// Leaves the alternate screen and raw mode, once, from whichever path gets here first.
fn restore_terminal() {
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

impl TerminalGuard {
    /// Takes the terminal back after a program had it: raw mode, the alternate screen, and
    /// everything drawn anew on the next frame.
    fn resume(&mut self) -> Result<()> {
        enable_raw_mode().context("switching the terminal to raw mode")?;
        TERMINAL_ACTIVE.store(true, Ordering::SeqCst);
        crossterm::execute!(stdout(), EnterAlternateScreen)
            .context("entering the alternate screen")?;
        self.terminal.clear().context("clearing the screen")?;
        self.terminal.hide_cursor().context("hiding the cursor")?;
        Ok(())
    }
}

/// Runs `line` with the terminal handed over: kbdash leaves its screen and raw mode first and
/// takes them back after. Returns the message saying how it ended, and the signal that is to
/// end kbdash too, if one came. Meanwhile SIGINT is the program's (the terminal sends Ctrl-C to
/// both, and psql cancels its query); SIGTERM or SIGHUP end the program, then kbdash.
async fn hand_over(
    guard: &mut TerminalGuard,
    signals: &mut Signals,
    line: CommandLine,
) -> Result<(Msg, Option<i32>)> {
    restore_terminal();
    println!(
        "kbdash: {}; exit it to come back to the dashboard",
        line.what
    );
    let mut command = tokio::process::Command::new(&line.program);
    command
        .args(&line.args)
        .envs(line.env.iter().map(|(k, v)| (k, v)));
    let mut ending = None;
    let result = match command.spawn() {
        Err(e) => Err(format!("could not run {}: {e}", line.program.display())),
        Ok(mut child) => loop {
            tokio::select! {
                status = child.wait() => break status.map(|s| s.code()).map_err(|e| e.to_string()),
                signal = signals.recv() => if signal != SIGINT {
                    ending = Some(signal);
                    let _ = child.start_kill();
                },
            }
        },
    };
    guard.resume()?;
    Ok((
        Msg::Exited {
            what: line.what,
            result,
        },
        ending,
    ))
}

#[cfg(unix)]
const SIGINT: i32 = libc::SIGINT;
/// Never received where there are no signals (see [`Signals`]).
#[cfg(not(unix))]
const SIGINT: i32 = 2;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// How the dashboard starts.
pub(crate) struct Start {
    pub(crate) source: Source,
    pub(crate) connection: Connection,
    /// The further contexts shown beside the first (`--context a --context b`).
    pub(crate) more: Vec<Connection>,
    /// `None`: all namespaces.
    pub(crate) namespace: Option<String>,
    pub(crate) theme: Theme,
    pub(crate) readonly: Policy,
    /// Triage view, wall mode and thresholds.
    pub(crate) launch: Launch,
    /// Where submits are audited (JSON lines), if anywhere.
    pub(crate) audit_log: Option<PathBuf>,
}

/// How the dashboard ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The user quit, or the terminal went away.
    Quit,
    /// A signal asked it to stop: its number.
    Signal(i32),
}

/// Runs the dashboard until the user quits or a signal stops it; the terminal is restored on
/// every way out.
pub(crate) async fn run(start: Start) -> Result<Ending> {
    // Listening before the terminal changes: a signal from then on restores it.
    let signals = Signals::new()?;
    hangup::watch().context("starting the terminal hang-up watch")?;
    let mut guard = TerminalGuard::enter()?;
    let result = run_loop(&mut guard, signals, start).await;
    drop(guard);
    result
}

async fn run_loop(guard: &mut TerminalGuard, mut signals: Signals, start: Start) -> Result<Ending> {
    let mut model = Model::new(
        &start.connection.context,
        start.namespace.clone(),
        Utc::now(),
    );
    model.contexts = start.connection.contexts.clone();
    model.server = start.connection.server.clone();
    model.theme = start.theme;
    model.readonly = start.readonly.applies_to(&start.connection.context);
    model.shown = vec![Shown::first(
        &start.connection.context,
        &start.connection.server,
        model.readonly,
    )];
    start.launch.apply(&mut model);
    let size = guard.terminal.size().context("reading the terminal size")?;
    model.size = (size.width, size.height);
    set_pages(&mut model);

    let mut engine = Engine::start(EngineConfig {
        source: start.source,
        connection: start.connection,
        namespace: start.namespace,
        readonly: start.readonly,
        audit_log: start.audit_log,
        probe: Some(Default::default()),
        watch: Default::default(),
    });
    for connection in start.more {
        let shown = engine.add_context(connection);
        engine.handle(&mut model, Msg::ContextAdded(shown)).await;
    }

    let mut events = EventStream::new();
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
                None => return Ok(Ending::Quit),
            },
            // Interrupted (SIGINT from outside: in raw mode Ctrl-C is a key), asked to stop
            // (SIGTERM), or the terminal went away (SIGHUP).
            signal = signals.recv() => return Ok(Ending::Signal(signal)),
            msg = engine.recv() => Some(msg?),
            _ = tick.tick() => Some(Msg::Tick(Utc::now())),
            _ = tokio::time::sleep_until(draw_at.unwrap_or_else(Instant::now)), if draw_at.is_some() => None,
        };
        if let Some(msg) = msg {
            engine.handle(&mut model, msg).await;
            let mut drained = 0;
            while drained < DRAIN_LIMIT {
                let Some(msg) = engine.try_recv() else {
                    break;
                };
                engine.handle(&mut model, msg).await;
                drained += 1;
            }
        }
        if let Some(line) = engine.take_exec() {
            // The program reads the terminal: no reader of kbdash's may compete for its keys.
            drop(events);
            let (msg, ending) = hand_over(guard, &mut signals, line).await?;
            events = EventStream::new();
            if let Some(signal) = ending {
                return Ok(Ending::Signal(signal));
            }
            let size = guard.terminal.size().context("reading the terminal size")?;
            engine
                .handle(&mut model, Msg::Resize(size.width, size.height))
                .await;
            engine.handle(&mut model, msg).await;
            last_draw = Instant::now() - FRAME;
        }
        if let Some(text) = engine.take_clipboard()
            && TERMINAL_ACTIVE.load(Ordering::SeqCst)
        {
            clipboard::write(guard.terminal.backend_mut(), &text)
                .context("writing to the clipboard")?;
        }
        if model.quit {
            return Ok(Ending::Quit);
        }
        if model.dirty {
            let now = Instant::now();
            let frame = if model.wall.is_some() {
                WALL_FRAME
            } else {
                FRAME
            };
            if now.duration_since(last_draw) >= frame {
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
                draw_at = Some(last_draw + frame);
            }
        }
    }
}

/// SIGINT, SIGTERM and SIGHUP: each ends the dashboard through the same way out as `q`, so the
/// terminal is restored whichever arrives (their default action would kill the process with the
/// screen still in dashboard mode).
#[cfg(unix)]
struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            int: signal(SignalKind::interrupt()).context("listening for SIGINT")?,
            term: signal(SignalKind::terminate()).context("listening for SIGTERM")?,
            hup: signal(SignalKind::hangup()).context("listening for SIGHUP")?,
        })
    }

    /// The number of the next of them to arrive.
    async fn recv(&mut self) -> i32 {
        tokio::select! {
            _ = self.int.recv() => libc::SIGINT,
            _ = self.term.recv() => libc::SIGTERM,
            _ = self.hup.recv() => libc::SIGHUP,
        }
    }
}

/// Elsewhere Ctrl-C arrives as a key; there is no other signal to wait for.
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> Result<Signals> {
        Ok(Signals)
    }

    async fn recv(&mut self) -> i32 {
        std::future::pending::<i32>().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::engine::check_task;
    use tokio::task::JoinSet;

    /// Set by the panic report that follows kbdash's hook: whether the terminal was still in
    /// dashboard mode when the report was written.
    static REPORT_SAW_ACTIVE: AtomicBool = AtomicBool::new(true);
    const MARKER: &str = "boom in a spawned task (runtime test)";

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_in_a_spawned_task_restores_the_terminal_before_the_report() {
        // Stands in for the default report (and still prints it), noting the terminal's state.
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.to_string().contains(MARKER) {
                REPORT_SAW_ACTIVE.store(TERMINAL_ACTIVE.load(Ordering::SeqCst), Ordering::SeqCst);
            }
            report(info);
        }));
        install_panic_hook();
        // Pretend the dashboard is up: the restore then writes its two escape sequences (leave
        // the alternate screen, show the cursor) to the test's stdout, which is harmless.
        TERMINAL_ACTIVE.store(true, Ordering::SeqCst);

        let mut tasks: JoinSet<()> = JoinSet::new();
        tasks.spawn(async { panic!("{MARKER}") });
        let res = tasks.join_next().await.unwrap();
        assert!(
            !TERMINAL_ACTIVE.load(Ordering::SeqCst),
            "the hook restored the terminal, from the task's thread"
        );
        assert!(
            !REPORT_SAW_ACTIVE.load(Ordering::SeqCst),
            "the report came after the restore"
        );
        let err = check_task(res).unwrap_err().to_string();
        assert!(
            err.contains(MARKER),
            "the loop ends with the panic's message: {err}"
        );
    }
}
