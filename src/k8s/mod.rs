//! Everything that talks to the Kubernetes API: the client, the watch streams, the one write
//! path, the liveness probe and the read-only gate.

pub mod client;
pub mod gate;
pub mod liveness;
pub(crate) mod submit;
pub mod watch;
