//! Database health through the API server's pod proxy (docs/kubeblocks.md#metrics, #patroni):
//! `GET /api/v1/namespaces/NS/pods/NAME:9187/proxy/metrics` (the exporter sidecar; the port's
//! number, since the proxy does not take its name) and `NAME:8008/proxy/cluster` (Patroni's
//! REST API). Reads only, so they pass the read-only gate; they need `get` on `pods/proxy`.
//!
//! Requests run with bounded concurrency, each within a timeout, and only for the pods the
//! update loop asks for (the clusters on screen or in scope), never the fleet.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt as _;
use kube::Client;
use tokio::sync::Semaphore;

use kbdash_core::domain::health::{ClusterScrape, FetchError};
use kbdash_core::rows::{ObjKey, PodRow};

/// The exporter's port (`http-metrics`).
pub const EXPORTER_PORT: u16 = 9187;
/// Patroni's REST port.
pub const PATRONI_PORT: u16 = 8008;

/// What to scrape of one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrapeTarget {
    /// The cluster.
    pub cluster: ObjKey,
    /// Its pods with an exporter sidecar.
    pub exporter_pods: Vec<String>,
    /// Its pods to ask Patroni's view from, in order (the labelled primary first): the first
    /// that answers gives the whole cluster's view.
    pub patroni_pods: Vec<String>,
}

impl ScrapeTarget {
    /// What to scrape of `cluster` through `pods`: the exporter of each pod that has one
    /// (none when `exporter` is false: the cluster disables it), and Patroni on every pod, the
    /// labelled primary first. `None` without pods.
    pub fn of(cluster: ObjKey, pods: &[&PodRow], exporter: bool) -> Option<ScrapeTarget> {
        let mut pods = pods.to_vec();
        pods.sort_by_key(|p| (!p.is_primary(), p.key.name.clone()));
        let exporter_pods = pods
            .iter()
            .filter(|p| p.exporter && exporter)
            .map(|p| p.key.name.to_string())
            .collect();
        let patroni_pods: Vec<String> = pods.iter().map(|p| p.key.name.to_string()).collect();
        (!patroni_pods.is_empty()).then_some(ScrapeTarget {
            cluster,
            exporter_pods,
            patroni_pods,
        })
    }
}

/// How hard the scrape may press on the API server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScrapeLimits {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// How long one request may take.
    pub timeout: Duration,
}

/// Scrapes `targets` and returns each cluster's answers, stamped with when its scrape began.
/// However many clusters and pods, at most `limits.concurrency` requests are in flight.
pub async fn scrape(
    client: Client,
    targets: Vec<ScrapeTarget>,
    limits: ScrapeLimits,
) -> Vec<(ObjKey, ClusterScrape)> {
    let fetcher = Fetcher {
        client,
        permits: Arc::new(Semaphore::new(limits.concurrency.max(1))),
        timeout: limits.timeout,
    };
    futures::stream::iter(targets)
        .map(|t| scrape_cluster(fetcher.clone(), t))
        .buffer_unordered(limits.concurrency.max(1))
        .collect()
        .await
}

/// What every request of one scrape shares: the client, the permits that bound the requests
/// in flight, the timeout.
#[derive(Clone)]
struct Fetcher {
    client: Client,
    permits: Arc<Semaphore>,
    timeout: Duration,
}

impl Fetcher {
    async fn get(&self, ns: &str, pod: &str, port: u16, path: &str) -> Result<String, FetchError> {
        // The semaphore is never closed; were it, the request would go without a permit.
        let _permit = self.permits.acquire().await.ok();
        get(&self.client, ns, pod, port, path, self.timeout).await
    }
}

async fn scrape_cluster(fetcher: Fetcher, target: ScrapeTarget) -> (ObjKey, ClusterScrape) {
    let at = Utc::now();
    let ns = target.cluster.namespace.to_string();
    let metrics = futures::future::join_all(target.exporter_pods.into_iter().map(|pod| {
        let (fetcher, ns) = (fetcher.clone(), ns.clone());
        async move {
            let answer = fetcher.get(&ns, &pod, EXPORTER_PORT, "metrics").await;
            (pod, answer)
        }
    }))
    .await;
    let mut patroni = None;
    for pod in target.patroni_pods {
        let answer = fetcher.get(&ns, &pod, PATRONI_PORT, "cluster").await;
        // A refusal holds for every pod: asking the next changes nothing.
        let settled = !matches!(
            answer,
            Err(FetchError::Unreachable(_) | FetchError::Failed(_))
        );
        patroni = Some((pod, answer));
        if settled {
            break;
        }
    }
    (
        target.cluster,
        ClusterScrape {
            at,
            metrics,
            patroni,
        },
    )
}

/// The path of a pod's port through the proxy. Names are DNS labels; anything else is refused
/// rather than sent as a path.
pub fn proxy_path(ns: &str, pod: &str, port: u16, path: &str) -> Option<String> {
    let label = |s: &str| {
        !s.is_empty()
            && s.len() <= 253
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    };
    (label(ns) && label(pod))
        .then(|| format!("/api/v1/namespaces/{ns}/pods/{pod}:{port}/proxy/{path}"))
}

async fn get(
    client: &Client,
    ns: &str,
    pod: &str,
    port: u16,
    path: &str,
    timeout: Duration,
) -> Result<String, FetchError> {
    let uri = proxy_path(ns, pod, port, path)
        .ok_or_else(|| FetchError::Failed(format!("not a pod name kbdash asks for: {pod:?}")))?;
    let request = hyper::Request::get(uri)
        .body(Vec::new())
        .map_err(|e| FetchError::Failed(e.to_string()))?;
    match tokio::time::timeout(timeout, client.request_text(request)).await {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(e)) => Err(classify(&e)),
        // A slow API server is not the proxy failing to reach a pod: said as it is.
        Err(_) => Err(FetchError::Failed(format!(
            "no answer within {} s",
            timeout.as_secs()
        ))),
    }
}

/// What a failed proxied GET means: a 403 is the `pods/proxy` permission missing; a 502 or
/// 503 is the API server failing to reach the pod (its message says "error trying to reach
/// service" where pod IPs are not routable from it, docs/kubeblocks.md#metrics).
fn classify(e: &kube::Error) -> FetchError {
    match e {
        kube::Error::Api(s) if s.code == 403 => FetchError::Forbidden(s.message.clone()),
        kube::Error::Api(s) if s.code == 502 || s.code == 503 => {
            FetchError::Unreachable(s.message.clone())
        }
        kube::Error::Api(s) if s.code == 404 => {
            FetchError::Failed(format!("not found through the proxy: {}", s.message))
        }
        other => FetchError::Failed(crate::k8s::cause::describe(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dns_names_make_a_proxy_path() {
        assert_eq!(
            proxy_path("demo", "pg-0", EXPORTER_PORT, "metrics").as_deref(),
            Some("/api/v1/namespaces/demo/pods/pg-0:9187/proxy/metrics")
        );
        assert_eq!(proxy_path("demo", "../x", 1, "m"), None);
        assert_eq!(proxy_path("", "pg-0", 1, "m"), None);
        assert_eq!(proxy_path("demo", "Pg?0", 1, "m"), None);
    }
}
