//! Everything that talks to the Kubernetes API: the client (and its exec credential plugins),
//! the watch streams, one-shot lookups for detail views, container logs (`logs`), the one write path, the liveness
//! probe, the read-only gate, and what a failed request is said to be (`cause`).

pub(crate) mod cause;
pub mod client;
pub mod credentials;
pub mod gate;
pub mod liveness;
pub mod logs;
pub mod lookup;
pub mod proxy_scrape;
pub(crate) mod submit;
pub mod watch;
