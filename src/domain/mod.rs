//! Pure KubeBlocks and PostgreSQL logic: no I/O, no UI.
pub mod pg_params;
pub mod quantity;
