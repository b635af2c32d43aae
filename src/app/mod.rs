//! The Elm core: model (with the store of watch data), messages, the pure update, commands, key
//! bindings and the runtime.

pub mod cmd;
pub mod columns;
pub mod command;
pub mod engine;
pub mod forms;
pub mod keymap;
pub mod model;
pub mod msg;
pub mod problem_index;
pub mod readonly;
pub mod redraw;
pub mod runtime;
pub mod store;
pub mod table;
pub mod theme;
pub mod triage;
pub mod update;
