//! Everything that talks to, or describes, the Kubernetes API.

pub mod atom;
pub mod client;
pub mod kinds;
pub mod liveness;
pub mod resources;
pub mod submit;
pub mod watch;
