//! The embedded demo: a loopback Kubernetes API server and a simulated KubeBlocks operator.

pub mod store;
