//! Integration tests of this crate, as one test binary: each module is one concern.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod examples_files;
mod fixture_rows;
mod forms_context;
mod forms_schema;
mod forms_validation;
mod health_metrics;
mod incident_log;
mod restore_form;
mod row_decoding;
mod schema_admission;
mod schema_fuzz;
