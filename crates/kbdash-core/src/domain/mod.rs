//! Pure KubeBlocks and PostgreSQL logic: no I/O, no UI.

pub mod archive;
pub mod backup_methods;
pub mod cron;
pub mod evidence;
pub mod health;
pub mod incident;
pub mod pg_params;
pub mod pitr;
pub mod quantity;
pub mod restore_time;
pub mod restore_wizard;
pub mod role_probe;
pub mod triage;
