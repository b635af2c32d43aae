//! The demo's initial fleet of KubeBlocks PostgreSQL clusters.

use super::store::Store;

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedConfig {
    pub clusters: usize,
    pub seed: u64,
}

/// Fills an empty store with the fleet.
pub fn seed(store: &Store, config: &SeedConfig) {
    let _ = (store, config);
}
