//! Fault injection for resilience tests: broken watches, expired history, refused connections,
//! 403 answers, hidden API groups, failing writes, added latency, frozen watches and watches that
//! always expire.
//!
//! The server checks the handle on every request; the switches that break it exist only with
//! the `faults` cargo feature, which tests enable and `kbdash demo` does not. With it, tests hold
//! a [`Faults`] handle (`DemoServer::faults`) and the same switches are reachable over HTTP, so
//! a person can break a running `kbdash demo-server` (built with `--features faults`) by hand:
//!
//! | request | effect |
//! | --- | --- |
//! | `GET /kbdash-demo/faults` | the current faults as JSON |
//! | `POST /kbdash-demo/faults/drop-watches` | ends every open watch stream now |
//! | `POST /kbdash-demo/faults/drop-log-streams` | ends every open followed log stream now (`pods/{name}/log?follow=true`) |
//! | `POST /kbdash-demo/faults/expire-history` | the next watch resuming from an older resourceVersion gets 410 |
//! | `POST /kbdash-demo/faults/refuse-connections?seconds=N` | shortly after answering, closes every connection and stops accepting for N seconds |
//! | `POST /kbdash-demo/faults/forbid?resource=opsrequests` | answers 403 Forbidden for that plural (or `plural.group`; `pods/proxy` for the pod proxy) |
//! | `POST /kbdash-demo/faults/hide-group?group=operations.kubeblocks.io` | 404 for the group in discovery and on its paths |
//! | `POST /kbdash-demo/faults/latency?ms=N` | delays every API request by N ms |
//! | `POST /kbdash-demo/faults/freeze-watches?resource=pods` | watches of that resource, open and new, send nothing more (no event, no bookmark, no end) but stay open, as behind a hung proxy |
//! | `POST /kbdash-demo/faults/expire-watches?resource=pods` | every watch of that resource resuming from a resourceVersion gets 410 Gone at once, as from a watch cache lagging its lists |
//! | `POST /kbdash-demo/faults/fail-writes?status=500` | answers every write (POST, PUT, PATCH, DELETE, dry runs included) with that status (400-599) |
//! | `POST /kbdash-demo/faults/clear` | removes every fault (latency, 403, hidden groups, failing writes, refusal, frozen and expiring watches) |
//!
//! For example: `curl -X POST 'http://127.0.0.1:PORT/kbdash-demo/faults/forbid?resource=opsrequests'`.

#[cfg(feature = "faults")]
mod admin;
#[cfg(feature = "faults")]
mod inject;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::Method;
use kbdash_core::kinds::Kind;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use super::status::ApiError;
use super::store::Store;
#[cfg(feature = "faults")]
pub(crate) use admin::{admin_apply, admin_show};

/// The path prefix of the fault admin endpoints (exempt from the injected latency).
pub(crate) const ADMIN_PREFIX: &str = "/kbdash-demo/faults";

#[derive(Debug, Default)]
struct FaultState {
    forbidden: BTreeSet<Kind>,
    hidden_groups: BTreeSet<String>,
    latency: Duration,
    refuse_until: Option<Instant>,
    /// The HTTP status every write is answered with.
    failing_writes: Option<u16>,
    /// Kinds whose watches send nothing (no event, no bookmark, no end) while staying open.
    frozen_watches: BTreeSet<Kind>,
    /// The pod proxy (`pods/proxy`) answers 403.
    proxy_forbidden: bool,
    /// Kinds whose every watch resuming from a version is answered 410 Gone at once.
    expiring_watches: BTreeSet<Kind>,
}

struct Shared {
    state: Mutex<FaultState>,
    /// Bumped to end every open watch stream.
    drop_watches: watch::Sender<u64>,
    /// Bumped to end every followed log stream.
    drop_logs: watch::Sender<u64>,
    /// Bumped to close every open connection.
    kill_connections: watch::Sender<u64>,
    /// Wakes the listener so it stops accepting at once.
    refuse: Notify,
    /// Whose watch history the `expire_history` switch forgets.
    #[cfg_attr(not(feature = "faults"), allow(dead_code))]
    store: Arc<Store>,
}

/// A handle on the server's faults; clones share them.
#[derive(Clone)]
pub struct Faults {
    shared: Arc<Shared>,
}

impl Faults {
    /// No faults, over `store` (whose history [`Faults::expire_history`] forgets).
    pub(crate) fn new(store: Arc<Store>) -> Self {
        Faults {
            shared: Arc::new(Shared {
                state: Mutex::new(FaultState::default()),
                drop_watches: watch::channel(0).0,
                drop_logs: watch::channel(0).0,
                kill_connections: watch::channel(0).0,
                refuse: Notify::new(),
                store,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A receiver that changes when watches must end.
    pub(crate) fn watch_dropper(&self) -> watch::Receiver<u64> {
        self.shared.drop_watches.subscribe()
    }

    /// A receiver that changes when followed log streams must end.
    pub(crate) fn log_dropper(&self) -> watch::Receiver<u64> {
        self.shared.drop_logs.subscribe()
    }

    /// A receiver that changes when connections must close.
    pub(crate) fn connection_killer(&self) -> watch::Receiver<u64> {
        self.shared.kill_connections.subscribe()
    }

    /// Until when connections are refused, if they are.
    pub fn refusing_until(&self) -> Option<Instant> {
        self.state().refuse_until.filter(|t| *t > Instant::now())
    }

    /// Waits until a refusal is requested or the faults are cleared.
    pub(crate) async fn refusal_requested(&self) {
        self.shared.refuse.notified().await;
    }

    /// Whether requests on `kind` are refused with 403.
    pub(crate) fn is_forbidden(&self, kind: Kind) -> bool {
        self.state().forbidden.contains(&kind)
    }

    /// Whether the pod proxy answers 403 (a role without `pods/proxy`).
    pub(crate) fn is_proxy_forbidden(&self) -> bool {
        self.state().proxy_forbidden
    }

    /// Whether watches of `kind` are frozen.
    pub(crate) fn is_frozen(&self, kind: Kind) -> bool {
        self.state().frozen_watches.contains(&kind)
    }

    /// Whether watches of `kind` resuming from a version get 410 at once.
    pub(crate) fn is_expiring(&self, kind: Kind) -> bool {
        self.state().expiring_watches.contains(&kind)
    }

    /// Whether `group` is hidden.
    pub(crate) fn is_hidden(&self, group: &str) -> bool {
        !group.is_empty() && self.state().hidden_groups.contains(group)
    }

    /// The delay added to each request.
    pub(crate) fn latency(&self) -> Duration {
        self.state().latency
    }

    /// The injected refusal of a request with `method`, if writes are failing.
    pub(crate) fn write_failure(&self, method: &Method) -> Option<ApiError> {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return None;
        }
        let code = self.state().failing_writes?;
        let reason = match code {
            409 => "Conflict",
            422 => "Invalid",
            429 => "TooManyRequests",
            503 => "ServiceUnavailable",
            504 => "Timeout",
            500..=599 => "InternalError",
            _ => "BadRequest",
        };
        Some(ApiError {
            code,
            reason,
            message: format!("injected fault: every write is answered with {code}"),
            details: None,
        })
    }
}
