//! Integration tests of this crate, as one test binary: each module is one concern.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod demo_operator_http;
mod demo_operator_ops;
mod demo_operator_seed;
mod demo_server_faults;
mod demo_server_logs;
mod demo_server_protocol;
mod demo_server_support;
mod demo_server_watch;
mod examples_kubectl;
mod forms_e2e;
mod kubectl_demo_server;
mod lifecycle_e2e;
mod restore_e2e;
mod schema_pitr_fleet;
mod schema_seed;
