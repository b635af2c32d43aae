//! The switches that break the server, for tests (the `faults` feature).

use std::time::Duration;

use kbdash_core::kinds::Kind;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{FaultState, Faults};

impl Faults {
    /// Ends every open watch stream now; clients see the stream close and watch again.
    pub fn drop_watches(&self) {
        self.shared.drop_watches.send_modify(|g| *g += 1);
    }

    /// Ends every followed log stream now; clients see the stream close, as when a kubelet or
    /// a proxy between drops it.
    pub fn drop_log_streams(&self) {
        self.shared.drop_logs.send_modify(|g| *g += 1);
    }

    /// Forgets the watch history: resuming from any older resourceVersion now gets 410.
    pub fn expire_history(&self) {
        self.shared.store.expire_history();
    }

    /// Closes every open connection and refuses new ones for `d` (the port is really closed,
    /// then bound again).
    pub fn refuse_connections(&self, d: Duration) {
        // Set first: the listener refuses whatever it accepts from now on.
        self.state().refuse_until = Some(Instant::now() + d);
        self.shared.kill_connections.send_modify(|g| *g += 1);
        // A cut connection notices only when it is next read or written: an idle watch stream
        // would go on looking open until its next event. End the watches now as well.
        self.drop_watches();
        self.shared.refuse.notify_one();
    }

    /// Answers 403 Forbidden for every request through the pod proxy, as to a role without
    /// `get` on `pods/proxy`.
    pub fn forbid_proxy(&self) {
        self.state().proxy_forbidden = true;
    }

    /// Answers 403 Forbidden for every request on `kind`.
    pub fn forbid(&self, kind: Kind) {
        self.state().forbidden.insert(kind);
    }

    /// Freezes the watches of `kind`, open and new: they send nothing more (no event, no
    /// bookmark, no end at their timeout) while their connections stay open. Lists still
    /// answer. Clearing the faults lets new watches work; a frozen one stays silent until its
    /// client gives it up.
    pub fn freeze_watches(&self, kind: Kind) {
        self.state().frozen_watches.insert(kind);
    }

    /// Answers every watch of `kind` that resumes from a resourceVersion with 410 Gone at
    /// once, as an API server whose watch cache lags behind its lists does: each relist's
    /// version is already too old for the watch that follows it.
    pub fn expire_watches(&self, kind: Kind) {
        self.state().expiring_watches.insert(kind);
    }

    /// Makes an API group vanish: absent from discovery, 404 on its paths.
    pub fn hide_group(&self, group: &str) {
        self.state().hidden_groups.insert(group.to_string());
    }

    /// Delays every API request by `d`.
    pub fn set_latency(&self, d: Duration) {
        self.state().latency = d;
    }

    /// Answers every write (POST, PUT, PATCH, DELETE, dry runs included) with `status`
    /// (400-599), as an API server in trouble or an admission webhook refusing everything does.
    pub fn fail_writes(&self, status: u16) {
        self.state().failing_writes = Some(status);
    }

    /// Removes every standing fault.
    pub fn clear(&self) {
        *self.state() = FaultState::default();
        // Wakes a listener sitting out a refusal so it binds again now.
        self.shared.refuse.notify_one();
    }

    /// The current faults, for the admin endpoint.
    pub(crate) fn describe(&self) -> Value {
        let s = self.state();
        json!({
            "forbidden": s.forbidden.iter().map(|k| k.info().plural).collect::<Vec<_>>(),
            "hiddenGroups": s.hidden_groups.iter().collect::<Vec<_>>(),
            "latencyMs": s.latency.as_millis() as u64,
            "failingWrites": s.failing_writes,
            "frozenWatches": s.frozen_watches.iter().map(|k| k.info().plural).collect::<Vec<_>>(),
            "expiringWatches": s.expiring_watches.iter().map(|k| k.info().plural).collect::<Vec<_>>(),
            "refusingForMs": s.refuse_until
                .map(|t| t.saturating_duration_since(Instant::now()).as_millis() as u64)
                .unwrap_or(0),
        })
    }
}
