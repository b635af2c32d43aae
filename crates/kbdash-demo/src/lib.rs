//! The embedded demo: a loopback Kubernetes API server and a simulated KubeBlocks operator.
//!
//! [`DemoServer::start`] seeds an object [`store::Store`], starts the operator on it and serves
//! the Kubernetes REST and watch protocol on 127.0.0.1, so kubectl and kube-rs clients talk to
//! it exactly as to a real cluster. [`faults::Faults`] breaks it on purpose for resilience tests.

mod api;
mod defaults;
mod discovery;
pub mod faults;
mod kubeconfig;
mod list;
mod listener;
mod logs;
mod openapi;
pub mod operator;
mod patch;
mod proxy;
mod request_log;
mod route;
pub mod seed;
mod server;
mod status;
pub mod store;
mod table;
mod watch;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::sync::watch as signal;
use tokio::task::JoinHandle;

use faults::Faults;
use listener::FaultyListener;
use request_log::RequestLog;
use store::Store;

/// Events kept for resuming watches; older resumes get 410.
pub(crate) const HISTORY_CAPACITY: usize = 20_000;

/// Background changes per second when nothing else is said: enough to keep every pane moving.
pub const DEFAULT_CHURN: f64 = 20.0;

/// How to start the demo.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// PostgreSQL clusters to seed.
    pub clusters: usize,
    /// Seed of the simulation: the same seed gives the same fleet and behaviour.
    pub seed: u64,
    /// Which fleet of the same names to seed ([`seed::SeedConfig::fleet`]): 0 but for the
    /// further contexts of a several-context demo.
    pub fleet: usize,
    /// How much faster than real time the simulated operator works.
    pub speed: f64,
    /// Background changes per second (see [`operator::Pacing::updates_per_sec`]); 0 turns
    /// them off.
    pub churn: f64,
    /// Where to append one line per request, if anywhere.
    pub request_log: Option<PathBuf>,
    /// Whether the simulated operator runs. Without it the server only keeps what clients
    /// write, as a bare API server does (the protocol tests compare it with one).
    pub operator: bool,
    /// How often a watch that allows bookmarks gets one (kube-apiserver: about every minute;
    /// tests of a client's watchdog want it often).
    pub bookmark_interval: Duration,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            port: 0,
            clusters: 8,
            seed: 1,
            fleet: 0,
            speed: 1.0,
            churn: DEFAULT_CHURN,
            request_log: None,
            operator: true,
            bookmark_interval: watch::BOOKMARK_INTERVAL,
        }
    }
}

/// A running demo API server with its simulated operator. Dropping it stops both.
pub struct DemoServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The object store the server serves and the operator works on.
    pub store: Arc<Store>,
    /// Fault injection switches.
    pub faults: Faults,
    shutdown: signal::Sender<bool>,
    server: Option<JoinHandle<()>>,
    operator: Option<JoinHandle<()>>,
}

impl DemoServer {
    /// Seeds the store, starts the operator and serves the API on 127.0.0.1.
    pub async fn start(config: DemoConfig) -> Result<DemoServer> {
        let store = Arc::new(Store::new(
            HISTORY_CAPACITY,
            store::system_clock(),
            config.seed,
        ));
        // A fleet-scale seed takes seconds: keep it off the async workers.
        let seeded = store.clone();
        let seed_config = seed::SeedConfig {
            clusters: config.clusters,
            seed: config.seed,
            fleet: config.fleet,
        };
        tokio::task::spawn_blocking(move || seed::seed(&seeded, &seed_config))
            .await
            .context("seeding the demo fleet failed")?;
        let faults = Faults::new(store.clone());
        let listener = FaultyListener::bind(config.port, faults.clone())
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{}", config.port))?;
        let addr = axum::serve::Listener::local_addr(&listener)?;
        let log = match &config.request_log {
            None => None,
            Some(p) => Some(
                RequestLog::open(p)
                    .with_context(|| format!("cannot open the request log {}", p.display()))?,
            ),
        };
        let (shutdown, shutdown_rx) = signal::channel(false);
        let app = server::router(
            store.clone(),
            faults.clone(),
            addr.to_string(),
            shutdown_rx.clone(),
            log,
            config.bookmark_interval,
        );
        let server = tokio::spawn(server::serve(listener, app, shutdown_rx));
        let operator = config.operator.then(|| {
            operator::spawn_paced(
                store.clone(),
                operator::OperatorConfig {
                    speed: config.speed,
                    seed: config.seed,
                },
                operator::Pacing {
                    updates_per_sec: config.churn,
                    ..operator::Pacing::default()
                },
            )
        });
        Ok(DemoServer {
            url: format!("http://{addr}"),
            store,
            faults,
            shutdown,
            server: Some(server),
            operator,
        })
    }

    /// Writes a kubeconfig for this server (no credentials) to `path`.
    pub fn write_kubeconfig(&self, path: &Path) -> Result<()> {
        std::fs::write(path, kubeconfig::kubeconfig_yaml(&self.url))
            .with_context(|| format!("cannot write the kubeconfig {}", path.display()))
    }

    /// A kube client for this server, over plain HTTP like any API server.
    #[cfg(feature = "testing")]
    pub fn client(&self) -> Result<kube::Client> {
        let uri = self.url.parse().context("the server URL is not a URI")?;
        kube::Client::try_from(kube::Config::new(uri)).context("cannot build a kube client")
    }

    /// Stops serving (open watches end) and stops the operator.
    pub async fn shutdown(mut self) {
        self.stop();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    fn stop(&self) {
        let _ = self.shutdown.send(true);
        if let Some(operator) = &self.operator {
            operator.abort();
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The kind as a `kube` dynamic API resource, for the demo server's clients in tests.
#[cfg(feature = "testing")]
pub fn api_resource(kind: kbdash_core::kinds::Kind) -> kube::discovery::ApiResource {
    let i = kind.info();
    let gvk = kube::api::GroupVersionKind::gvk(i.group, i.version, i.kind_name);
    kube::discovery::ApiResource::from_gvk_with_plural(&gvk, i.plural)
}
