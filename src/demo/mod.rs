//! The embedded demo: a loopback Kubernetes API server and a simulated KubeBlocks operator.

pub mod operator;
pub mod seed;
pub mod store;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;

use crate::cli::DemoServerArgs;
use store::Store;

/// How to start the demo.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    pub clusters: usize,
    pub seed: u64,
    pub speed: f64,
    pub request_log: Option<PathBuf>,
}

/// A running demo API server with its simulated operator.
pub struct DemoServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub store: Arc<Store>,
}

impl DemoServer {
    /// Seeds the store, starts the operator and serves the API on 127.0.0.1.
    pub async fn start(config: DemoConfig) -> Result<DemoServer> {
        let _ = config;
        anyhow::bail!("the demo server is not built yet")
    }
}

/// `kbdash demo-server`: serves until Ctrl-C.
pub fn run_headless(args: DemoServerArgs) -> Result<()> {
    let _ = args;
    anyhow::bail!("the demo server is not built yet")
}
