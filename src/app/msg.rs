//! Messages: everything that can change the model, from the terminal, the watch streams, the
//! clock and the results of commands.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use serde_json::Value;

use crate::app::forms::effects::FormMsg;
use crate::view::theme::Theme;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, ObjRef, Row};

/// Why a watch stream failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamError {
    /// 403: the API's message.
    Forbidden(String),
    /// 404 on the resource: its API group is not served.
    NotFound(String),
    /// Anything else (network, 5xx, 410 handled by relisting): retried with backoff.
    Other(String),
}

/// One event of a watch stream, objects already converted to rows.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchEvent {
    /// A (re)list starts: rows until `InitDone` replace the whole set.
    Init,
    /// An object of the list.
    InitRow(Box<Row>),
    /// The list is complete and the watch runs.
    InitDone,
    /// An object was added or changed.
    Apply(Box<Row>),
    /// An object was deleted.
    Delete(ObjKey),
    /// The stream failed; it retries by itself.
    Error(StreamError),
}

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
