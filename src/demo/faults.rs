//! Fault injection for resilience tests: broken watches, expired history, refused connections,
//! 403 answers, hidden API groups, failing writes and added latency.
//!
//! Tests hold a [`Faults`] handle (`DemoServer::faults`). The same switches are reachable over
//! HTTP on the demo server, so a person can break a running `kbdash demo-server` by hand:
//!
//! | request | effect |
//! | --- | --- |
//! | `GET /kbdash-demo/faults` | the current faults as JSON |
//! | `POST /kbdash-demo/faults/drop-watches` | ends every open watch stream now |
//! | `POST /kbdash-demo/faults/expire-history` | the next watch resuming from an older resourceVersion gets 410 |
//! | `POST /kbdash-demo/faults/refuse-connections?seconds=N` | shortly after answering, closes every connection and stops accepting for N seconds |
//! | `POST /kbdash-demo/faults/forbid?resource=opsrequests` | answers 403 Forbidden for that plural (or `plural.group`) |
//! | `POST /kbdash-demo/faults/hide-group?group=operations.kubeblocks.io` | 404 for the group in discovery and on its paths |
//! | `POST /kbdash-demo/faults/latency?ms=N` | delays every API request by N ms |
//! | `POST /kbdash-demo/faults/fail-writes?status=500` | answers every write (POST, PUT, PATCH, DELETE, dry runs included) with that status (400-599) |
//! | `POST /kbdash-demo/faults/clear` | removes every fault (latency, 403, hidden groups, failing writes, refusal) |
//!
//! For example: `curl -X POST 'http://127.0.0.1:PORT/kbdash-demo/faults/forbid?resource=opsrequests'`.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use super::status::ApiError;
use super::store::Store;
use crate::k8s::kinds::{KINDS, Kind};

/// The path prefix of the fault admin endpoints.
pub const ADMIN_PREFIX: &str = "/kbdash-demo/faults";

/// How long the refusal endpoint waits before cutting connections, so its own answer gets out.
const ANSWER_GRACE: Duration = Duration::from_millis(100);

#[derive(Debug, Default)]
struct FaultState {
    forbidden: BTreeSet<Kind>,
    hidden_groups: BTreeSet<String>,
    latency: Duration,
    refuse_until: Option<Instant>,
    /// The HTTP status every write is answered with.
    failing_writes: Option<u16>,
}

struct Shared {
    state: Mutex<FaultState>,
    /// Bumped to end every open watch stream.
    drop_watches: watch::Sender<u64>,
    /// Bumped to close every open connection.
    kill_connections: watch::Sender<u64>,
    /// Wakes the listener so it stops accepting at once.
    refuse: Notify,
    store: Arc<Store>,
}

/// A handle on the server's faults; clones share them.
#[derive(Clone)]
pub struct Faults {
    shared: Arc<Shared>,
}

impl Faults {
    /// No faults, over `store` (whose history [`Faults::expire_history`] forgets).
    pub fn new(store: Arc<Store>) -> Self {
        Faults {
            shared: Arc::new(Shared {
                state: Mutex::new(FaultState::default()),
                drop_watches: watch::channel(0).0,
                kill_connections: watch::channel(0).0,
                refuse: Notify::new(),
                store,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Ends every open watch stream now; clients see the stream close and watch again.
    pub fn drop_watches(&self) {
        self.shared.drop_watches.send_modify(|g| *g += 1);
    }

    /// A receiver that changes when watches must end.
    pub fn watch_dropper(&self) -> watch::Receiver<u64> {
        self.shared.drop_watches.subscribe()
    }

    /// A receiver that changes when connections must close.
    pub fn connection_killer(&self) -> watch::Receiver<u64> {
        self.shared.kill_connections.subscribe()
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

    /// Until when connections are refused, if they are.
    pub fn refusing_until(&self) -> Option<Instant> {
        self.state().refuse_until.filter(|t| *t > Instant::now())
    }

    /// Waits until a refusal is requested or the faults are cleared.
    pub async fn refusal_requested(&self) {
        self.shared.refuse.notified().await;
    }

    /// Answers 403 Forbidden for every request on `kind`.
    pub fn forbid(&self, kind: Kind) {
        self.state().forbidden.insert(kind);
    }

    /// Whether requests on `kind` are refused with 403.
    pub fn is_forbidden(&self, kind: Kind) -> bool {
        self.state().forbidden.contains(&kind)
    }

    /// Makes an API group vanish: absent from discovery, 404 on its paths.
    pub fn hide_group(&self, group: &str) {
        self.state().hidden_groups.insert(group.to_string());
    }

    /// Whether `group` is hidden.
    pub fn is_hidden(&self, group: &str) -> bool {
        !group.is_empty() && self.state().hidden_groups.contains(group)
    }

    /// Delays every API request by `d`.
    pub fn set_latency(&self, d: Duration) {
        self.state().latency = d;
    }

    /// The delay added to each request.
    pub fn latency(&self) -> Duration {
        self.state().latency
    }

    /// Answers every write (POST, PUT, PATCH, DELETE, dry runs included) with `status`
    /// (400-599), as an API server in trouble or an admission webhook refusing everything does.
    pub fn fail_writes(&self, status: u16) {
        self.state().failing_writes = Some(status);
    }

    /// The injected refusal of a request with `method`, if writes are failing.
    pub fn write_failure(&self, method: &Method) -> Option<ApiError> {
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

    /// Removes every standing fault.
    pub fn clear(&self) {
        *self.state() = FaultState::default();
        // Wakes a listener sitting out a refusal so it binds again now.
        self.shared.refuse.notify_one();
    }

    /// The current faults, for the admin endpoint.
    pub fn describe(&self) -> Value {
        let s = self.state();
        json!({
            "forbidden": s.forbidden.iter().map(|k| k.info().plural).collect::<Vec<_>>(),
            "hiddenGroups": s.hidden_groups.iter().collect::<Vec<_>>(),
            "latencyMs": s.latency.as_millis() as u64,
            "failingWrites": s.failing_writes,
            "refusingForMs": s.refuse_until
                .map(|t| t.saturating_duration_since(Instant::now()).as_millis() as u64)
                .unwrap_or(0),
        })
    }
}

/// Finds a kind by `plural` or `plural.group`.
fn kind_by_resource(resource: &str) -> Option<Kind> {
    KINDS
        .iter()
        .find(|k| {
            k.plural == resource
                || (!k.group.is_empty() && format!("{}.{}", k.plural, k.group) == resource)
        })
        .map(|k| k.kind)
}

fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> Result<&'a str, ApiError> {
    q.get(name)
        .map(String::as_str)
        .ok_or_else(|| ApiError::bad_request(format!("missing query parameter \"{name}\"")))
}

fn number(q: &HashMap<String, String>, name: &str) -> Result<u64, ApiError> {
    param(q, name)?
        .parse()
        .map_err(|_| ApiError::bad_request(format!("\"{name}\" must be a whole number")))
}

/// `GET /kbdash-demo/faults`.
pub async fn admin_show(State(faults): State<Faults>) -> Response {
    axum::Json(faults.describe()).into_response()
}

/// `POST /kbdash-demo/faults/{action}`.
pub async fn admin_apply(
    State(faults): State<Faults>,
    Path(action): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = match action.as_str() {
        "drop-watches" => {
            faults.drop_watches();
            Ok(())
        }
        "expire-history" => {
            faults.expire_history();
            Ok(())
        }
        "refuse-connections" => number(&q, "seconds").map(|s| {
            // This very connection is among those cut: answer first, then cut.
            let faults = faults.clone();
            tokio::spawn(async move {
                tokio::time::sleep(ANSWER_GRACE).await;
                faults.refuse_connections(Duration::from_secs(s));
            });
        }),
        "forbid" => param(&q, "resource").and_then(|r| {
            kind_by_resource(r)
                .map(|k| faults.forbid(k))
                .ok_or_else(|| ApiError::bad_request(format!("unknown resource \"{r}\"")))
        }),
        "hide-group" => param(&q, "group").map(|g| faults.hide_group(g)),
        "latency" => number(&q, "ms").map(|ms| faults.set_latency(Duration::from_millis(ms))),
        "fail-writes" => number(&q, "status").and_then(|code| match u16::try_from(code) {
            Ok(code @ 400..=599) => {
                faults.fail_writes(code);
                Ok(())
            }
            _ => Err(ApiError::bad_request(
                "\"status\" must be an HTTP error status (400-599)",
            )),
        }),
        "clear" => {
            faults.clear();
            Ok(())
        }
        _ => Err(ApiError::path_not_found()),
    };
    match result {
        Ok(()) => axum::Json(faults.describe()).into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_by_plural_or_qualified_name() {
        assert_eq!(kind_by_resource("opsrequests"), Some(Kind::OpsRequest));
        assert_eq!(
            kind_by_resource("backups.dataprotection.kubeblocks.io"),
            Some(Kind::Backup)
        );
        assert_eq!(kind_by_resource("widgets"), None);
    }

    #[test]
    fn failing_writes_refuse_writes_only_until_cleared() {
        let faults = Faults::new(Arc::new(Store::new(
            16,
            crate::demo::store::system_clock(),
            1,
        )));
        assert!(faults.write_failure(&Method::POST).is_none());
        faults.fail_writes(422);
        assert!(faults.write_failure(&Method::GET).is_none());
        let e = faults.write_failure(&Method::PATCH).unwrap();
        assert_eq!((e.code, e.reason), (422, "Invalid"));
        assert_eq!(faults.write_failure(&Method::POST).unwrap().code, 422);
        faults.clear();
        assert!(faults.write_failure(&Method::POST).is_none());
    }
}
