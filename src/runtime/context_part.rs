//! One context's part of the engine: its client behind its own read-only gate, its watch
//! tasks and the channel their messages come on, its liveness probe, and the Events streams
//! of a detail open on one of its objects. A part that is slow,
//! unreachable or forbidden holds up nothing of the others': each has its own tasks and
//! channel, and the engine polls them all.

use std::task::{Context, Poll};

use tokio::sync::{mpsc, watch as follow};
use tokio::task::{JoinError, JoinSet};

use crate::k8s::client::Connection;
use crate::k8s::gate;
use crate::k8s::liveness::{self, ProbeTiming};
use crate::k8s::watch::object_events::EventSubject;
use crate::k8s::watch::{self, Sink, WatchTiming};
use crate::state::msg::Msg;
use crate::state::shown::Shown;
use crate::state::store::WATCHED;
use kbdash_core::rows::{Ctx, ObjRef};

/// Capacity of a part's watch channel; its watch tasks wait when it is full, so a flood of
/// events cannot grow memory without bound.
const CHANNEL: usize = 8192;

/// How a part's tasks are timed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    pub(crate) probe: Option<ProbeTiming>,
    pub(crate) watch: WatchTiming,
}

/// One context's client, watches and probe.
pub(crate) struct Part {
    /// The context as the model knows it.
    pub(crate) shown: Shown,
    /// Its connection; the client is behind the read-only gate when the context is read-only.
    pub(crate) connection: Connection,
    /// Messages of the current watches. Replaced on every restart, so that whatever the old
    /// watches had queued is dropped with the old receiver.
    watch_rx: mpsc::Receiver<Msg>,
    watchers: JoinSet<()>,
    probe: JoinSet<()>,
    /// The open detail's Events streams, when the detail's object is of this context.
    object_events: JoinSet<()>,
}

impl Part {
    /// Connects the watches and probe of context `ctx` (must run inside a tokio runtime).
    pub(crate) fn start(
        ctx: Ctx,
        mut connection: Connection,
        readonly: bool,
        namespace: Option<&str>,
        follow: &follow::Sender<Option<ObjRef>>,
        timing: Timing,
        probe_tx: &mpsc::Sender<Msg>,
    ) -> Part {
        connection.client = gate::guard(connection.client, readonly);
        let shown = Shown {
            ctx,
            name: connection.context.clone(),
            server: connection.server.clone(),
            readonly,
        };
        let mut part = Part {
            shown,
            connection,
            watch_rx: mpsc::channel(1).1,
            watchers: JoinSet::new(),
            probe: JoinSet::new(),
            object_events: JoinSet::new(),
        };
        part.restart_watches(namespace, follow, timing.watch);
        if let Some(probe) = timing.probe {
            part.probe.spawn(liveness::run(
                ctx,
                part.connection.client.clone(),
                part.connection.plugin.clone(),
                probe,
                probe_tx.clone(),
            ));
        }
        part
    }

    /// Restarts every watch of the context on `namespace` (`None`: all).
    pub(crate) fn restart_watches(
        &mut self,
        namespace: Option<&str>,
        follow: &follow::Sender<Option<ObjRef>>,
        timing: WatchTiming,
    ) {
        self.watchers.abort_all();
        // A new namespace closes the detail whose events they were.
        self.object_events.abort_all();
        let (tx, rx) = mpsc::channel(CHANNEL);
        self.watch_rx = rx;
        let sink = Sink {
            ctx: self.shown.ctx,
            tx,
            follow: follow.subscribe(),
        };
        watch::spawn_all(
            &mut self.watchers,
            &self.connection.client,
            namespace,
            &WATCHED,
            timing,
            &sink,
        );
    }

    /// Lists and watches the Events of `subjects` in `namespace` for detail `id`, reporting
    /// on `tx` (the engine's results, not the store's channel), instead of those it watched.
    pub(crate) fn watch_object_events(
        &mut self,
        id: u64,
        namespace: &str,
        subjects: &[EventSubject],
        follow: &follow::Sender<Option<ObjRef>>,
        timing: WatchTiming,
        tx: &mpsc::Sender<Msg>,
    ) {
        self.object_events.abort_all();
        let sink = Sink {
            ctx: self.shown.ctx,
            tx: tx.clone(),
            follow: follow.subscribe(),
        };
        watch::object_events::spawn(
            &mut self.object_events,
            &self.connection.client,
            namespace,
            subjects,
            id,
            timing,
            &sink,
        );
    }

    /// Stops the detail's Events streams, if they run here.
    pub(crate) fn stop_object_events(&mut self) {
        self.object_events.abort_all();
    }

    /// How many watch tasks run.
    #[cfg(feature = "testing")]
    pub(crate) fn watch_tasks(&self) -> usize {
        self.watchers.len()
    }

    /// A message of the context's watches, if one is queued.
    pub(crate) fn try_recv(&mut self) -> Option<Msg> {
        self.watch_rx.try_recv().ok()
    }

    /// A message of the context's watches.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Msg>> {
        self.watch_rx.poll_recv(cx)
    }

    /// A task of the context that ended (a panic ends the program).
    pub(crate) fn poll_ended(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(), JoinError>>> {
        if let Poll::Ready(Some(res)) = self.watchers.poll_join_next(cx) {
            return Poll::Ready(Some(res));
        }
        if let Poll::Ready(Some(res)) = self.object_events.poll_join_next(cx) {
            return Poll::Ready(Some(res));
        }
        self.probe.poll_join_next(cx)
    }
}
