//! The API server's liveness probe: a cheap `GET /version` every few seconds with a short
//! timeout. kube's client sets no read timeout, so a server that stops answering (a paused
//! process, a hung node, a connection held open by a dead middlebox) leaves every watch open and
//! silent: without the probe the screen would go on saying "live" over frozen data.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kube::Client;
use tokio::sync::mpsc;

use crate::k8s::cause;
use crate::k8s::credentials::Plugin;
use kbdash_core::rows::Ctx;

/// One answer of the probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Probe {
    /// The context whose API server was asked.
    pub(crate) ctx: Ctx,
    /// When the answer came (or the wait for it ended).
    pub(crate) at: DateTime<Utc>,
    /// Why not, when the server did not answer in time or answered with an error: the cause
    /// in words ([`cause::describe`], "GET /version got no answer within 4s", the credential
    /// plugin waited for).
    pub(crate) result: Result<(), String>,
}

/// How often the probe asks, and how long it waits for the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeTiming {
    /// Time between two probes.
    pub interval: Duration,
    /// How long a probe waits for the answer.
    pub timeout: Duration,
}

impl Default for ProbeTiming {
    /// Every 5 s, answered within 4 s: a frozen server is noticed within 10 s, and a healthy
    /// one answers `/version` in milliseconds.
    fn default() -> ProbeTiming {
        ProbeTiming {
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(4),
        }
    }
}

/// Probes the API server of context `ctx` until the receiver goes away, sending each answer as
/// an `M`. A probe that waits on the context's credential plugin says so.
pub(crate) async fn run<M: From<Probe>>(
    ctx: Ctx,
    client: Client,
    plugin: Option<Arc<Plugin>>,
    timing: ProbeTiming,
    tx: mpsc::Sender<M>,
) {
    loop {
        let result = match tokio::time::timeout(timing.timeout, client.apiserver_version()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(cause::describe(&e)),
            Err(_) => Err(
                match plugin.as_ref().and_then(|p| Some((p, p.running_since()?))) {
                    Some((plugin, since)) => format!(
                        "waiting for the credential plugin {} since {}",
                        plugin.name(),
                        since.format("%H:%M:%S")
                    ),
                    None => format!(
                        "GET /version got no answer within {}s",
                        timing.timeout.as_secs_f32()
                    ),
                },
            ),
        };
        let probe = Probe {
            ctx,
            at: Utc::now(),
            result,
        };
        if tx.send(M::from(probe)).await.is_err() {
            return;
        }
        tokio::time::sleep(timing.interval).await;
    }
}
