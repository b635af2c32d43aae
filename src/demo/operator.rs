//! The simulated KubeBlocks operator.

use std::sync::Arc;

use super::store::Store;

/// How the simulated operator behaves.
#[derive(Debug, Clone)]
pub struct OperatorConfig {
    /// How much faster than real time the operator works.
    pub speed: f64,
    pub seed: u64,
}

/// Starts the operator on the current tokio runtime.
pub fn spawn(store: Arc<Store>, config: OperatorConfig) -> tokio::task::JoinHandle<()> {
    let _ = (store, config);
    tokio::spawn(async {})
}
