//! kbdash: a terminal dashboard for PostgreSQL clusters that KubeBlocks runs on Kubernetes.
//!
//! The crate is a library so that integration tests reach every part; `main.rs` only parses the
//! command line and hands over to [`cli::run`]. The pure core lives in `kbdash-core`, the
//! embedded demo API server in `kbdash-demo`.

pub mod app;
pub mod cli;
pub mod config;
pub mod k8s;
pub mod view;
