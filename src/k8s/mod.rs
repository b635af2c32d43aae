//! Everything that talks to the Kubernetes API: the client, the watch streams, the one write
//! path and the liveness probe.

pub mod client;
pub mod liveness;
pub mod submit;
pub mod watch;
