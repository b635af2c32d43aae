//! Database health read through the API server's pod proxy: the PostgreSQL exporter's metrics
//! (`exporter`) and Patroni's view of the cluster (`patroni`), what kbdash remembers of them
//! between scrapes (`memory`: rates, bounded histories), and the triage rules they feed
//! (`rules`). Pure: the scrapes arrive as text with the time they were taken.

pub mod exporter;
pub mod memory;
pub mod patroni;
pub mod rate;
pub mod rules;
pub mod series;

pub use memory::{ClusterHealth, ClusterScrape, FetchError, PodHealth};
pub use rules::HealthLimits;
