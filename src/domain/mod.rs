//! Pure KubeBlocks and PostgreSQL logic: no I/O, no UI.

pub mod cron;
pub mod pitr;
pub mod restore_time;
