//! Messages: everything that can change the model, from the terminal, the watch streams, the
//! clock and the results of commands.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use serde_json::Value;

use crate::k8s::liveness::Probe;
use crate::k8s::watch::{Report, WatchEvent};
use crate::state::theme::Theme;
use kbdash_core::forms::{FormContext, RestoreContext};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, ObjRef};

/// An input to `update`.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The clock, once a second.
    Tick(DateTime<Utc>),
    /// A watch event of `kind`, stamped with when it arrived.
    Watch {
        kind: Kind,
        at: DateTime<Utc>,
        event: WatchEvent,
    },
    /// The full object followed for the YAML view (fetched, or seen on its watch stream).
    Raw {
        target: ObjRef,
        result: Result<Value, String>,
    },
    /// A theme asked for with `:theme`.
    ThemeLoaded(Result<Box<Theme>, String>),
    /// Watches restarted on a new context or namespace; `readonly` is the new context's mode.
    Connected {
        context: String,
        namespace: Option<String>,
        readonly: bool,
    },
    /// A command failed; shown in the status line.
    Failed(String),
    /// The API server's answer to the liveness probe (an error: it did not answer in time).
    Probe {
        at: DateTime<Utc>,
        result: Result<(), String>,
    },
    /// The result of a form effect.
    Form(FormMsg),
}

impl From<Report> for Msg {
    fn from(report: Report) -> Msg {
        match report {
            Report::Watch { kind, at, event } => Msg::Watch { kind, at, event },
            Report::Raw { target, result } => Msg::Raw { target, result },
        }
    }
}

impl From<Probe> for Msg {
    fn from(Probe { at, result }: Probe) -> Msg {
        Msg::Probe { at, result }
    }
}

/// The result of a form effect ([`crate::state::cmd::FormCmd`]).
#[derive(Debug, Clone, PartialEq)]
pub enum FormMsg {
    Context {
        cluster: ObjKey,
        result: Result<Box<FormContext>, String>,
    },
    /// The restore wizard's context, built from the backup `backup`.
    RestoreContext {
        backup: ObjKey,
        result: Result<Box<RestoreContext>, String>,
    },
    DryRun {
        attempt: u64,
        result: Result<(), String>,
    },
    /// The created or patched object's name, or the API's refusal.
    Submitted {
        attempt: u64,
        kind: Kind,
        namespace: String,
        result: Result<String, String>,
    },
    Written(Result<PathBuf, String>),
}
