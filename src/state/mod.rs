//! The state layer: the model (with the store of watch data, the forms' and triage's state),
//! the messages that change it and the commands `update` returns, the key bindings and `:`
//! commands as data, the theme and the read-only policy. Nothing here draws, runs an effect or
//! knows of `update`; every layer above reads these types.

pub mod cmd;
pub mod columns;
pub mod command;
pub(crate) mod completion;
pub mod evidence;
pub mod exec;
pub mod forms;
pub mod health;
pub mod incident_timeline;
pub mod keymap;
pub mod launch;
pub mod logs;
pub mod model;
pub mod msg;
pub mod object_events;
pub(crate) mod problem_index;
pub mod readonly;
pub mod search;
pub mod shown;
pub mod store;
pub(crate) mod table;
pub mod theme;
pub(crate) mod triage;
pub(crate) mod wall_layout;
