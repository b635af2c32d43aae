//! kbdash: a terminal dashboard for PostgreSQL clusters that KubeBlocks runs on Kubernetes.
//!
//! The crate is a library so that integration tests and benchmarks reach the dashboard;
//! `main.rs` only parses the command line and hands over to [`cli::run`]. The pure core lives
//! in `kbdash-core`, the embedded demo API server in `kbdash-demo`.
//!
//! The modules are layers, lowest first. A module imports nothing from a layer above its own
//! nor from one beside it (`tests/it/layers.rs` checks every `crate::` path):
//!
//! 1. [`k8s`]: the kube client, the watch streams, the one write path, the liveness probe and
//!    the read-only gate, reporting in their own types.
//! 2. [`state`]: the model and what it is made of (the store of watch data, the forms' and
//!    triage's state), messages and commands, and as data the key bindings, the `:` commands,
//!    the theme and the read-only policy.
//! 3. [`update`] and [`view`], side by side over the state: `update` changes the model, `view`
//!    draws it and never changes it; neither imports the other.
//! 4. [`runtime`]: the engine that runs the commands and owns the background tasks, and the
//!    loop that owns the terminal.
//! 5. [`config`]: the config file.
//! 6. [`cli`]: the command line, which reads the config file and starts the runtime.

pub mod cli;
pub mod config;
pub mod k8s;
pub mod runtime;
pub mod state;
pub mod update;
pub mod view;
