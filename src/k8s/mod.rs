//! Everything that talks to, or describes, the Kubernetes API.

pub mod kinds;
