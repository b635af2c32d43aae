//! Messages: everything that can change the model, from the terminal, the watch streams, the
//! clock and the results of commands.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use serde_json::Value;

use crate::k8s::liveness::Probe;
use crate::k8s::watch::{Report, WatchEvent};
use crate::state::logs::LogsMsg;
use crate::state::shown::Shown;
use crate::state::theme::Theme;
use kbdash_core::detail::restored::RestoreSource;
use kbdash_core::detail::services::ServiceFacts;
use kbdash_core::domain::health::ClusterScrape;
use kbdash_core::forms::{FormContext, RestoreContext};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Ctx, ObjKey, ObjRef};

/// An input to `update`.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A key pressed.
    Key(KeyEvent),
    /// The terminal's new size (columns, rows).
    Resize(u16, u16),
    /// The clock, once a second.
    Tick(DateTime<Utc>),
    /// A watch event of `kind` in context `ctx`, stamped with when it arrived.
    Watch {
        /// The context whose stream it is.
        ctx: Ctx,
        /// The stream's kind.
        kind: Kind,
        /// When the event arrived.
        at: DateTime<Utc>,
        /// What happened.
        event: WatchEvent,
    },
    /// An event of the open detail's Events streams (`id`: which detail's).
    ObjectEvents {
        /// The detail view the streams were started for.
        id: u64,
        /// What happened.
        event: WatchEvent,
        /// When it arrived.
        at: DateTime<Utc>,
    },
    /// The last lines of a log fetched for triage's evidence on `object`.
    LogTail {
        /// The problem's object.
        object: ObjRef,
        /// The lines, or why there are none.
        result: Result<Vec<String>, String>,
    },
    /// The full object followed for the YAML view (fetched, or seen on its watch stream).
    Raw {
        /// The followed object.
        target: ObjRef,
        /// Its body, or why it could not be fetched.
        result: Result<Value, String>,
    },
    /// A cluster's Services and Restore objects, listed for its detail view (each part may
    /// fail on its own: a role may list Services and not Restores).
    ClusterFacts {
        /// The cluster.
        cluster: ObjKey,
        /// Its Services, or why they could not be listed.
        services: Result<Vec<ServiceFacts>, String>,
        /// The sources its Restore objects name, or why they could not be listed.
        restores: Result<Vec<RestoreSource>, String>,
    },
    /// A theme asked for with `:theme`.
    ThemeLoaded(Result<Box<Theme>, String>),
    /// Watches restarted on a new context or namespace: the contexts now shown, from scratch.
    Connected {
        /// The contexts shown (one but for `--context a --context b` or `:ctx +NAME`).
        contexts: Vec<Shown>,
        /// `None`: all namespaces.
        namespace: Option<String>,
    },
    /// One more context is shown (`:ctx +NAME`): its watches are starting.
    ContextAdded(Shown),
    /// A command failed; shown in the status line.
    Failed(String),
    /// A program run with `kubectl exec` ended, and the terminal is kbdash's again.
    Exited {
        /// What ran, as messages name it ("shell in demo/pg-0, container postgresql").
        what: String,
        /// Its exit code (`None`: ended by a signal), or why it could not run.
        result: Result<Option<i32>, String>,
    },
    /// The API server's answer to the liveness probe (an error: it did not answer in time).
    Probe {
        /// The context whose API server was asked.
        ctx: Ctx,
        /// When the answer came (or the wait for it ended).
        at: DateTime<Utc>,
        /// The server answered, or why not.
        result: Result<(), String>,
    },
    /// The result of a form effect.
    Form(FormMsg),
    /// Clusters scraped through the pod proxy ([`crate::state::cmd::Cmd::Scrape`]).
    Scraped {
        /// The context they were scraped in (every cluster's key carries it too).
        ctx: Ctx,
        /// Its name when they were asked for: after a switch, another context may have
        /// the same id.
        context: String,
        /// Each cluster's answers.
        results: Vec<(ObjKey, ClusterScrape)>,
    },
    /// A log stream's event, or the log written to a file.
    Logs(LogsMsg),
}

impl From<Report> for Msg {
    fn from(report: Report) -> Msg {
        match report {
            Report::Watch {
                ctx,
                kind,
                at,
                event,
            } => Msg::Watch {
                ctx,
                kind,
                at,
                event,
            },
            Report::Raw { target, result } => Msg::Raw { target, result },
            Report::ObjectEvents { id, event } => Msg::ObjectEvents {
                id,
                event,
                at: Utc::now(),
            },
        }
    }
}

impl From<Probe> for Msg {
    fn from(Probe { ctx, at, result }: Probe) -> Msg {
        Msg::Probe { ctx, at, result }
    }
}

/// The result of a form effect ([`crate::state::cmd::FormCmd`]).
#[derive(Debug, Clone, PartialEq)]
pub enum FormMsg {
    /// An operation form's live objects, loaded.
    Context {
        /// The cluster they were loaded for.
        cluster: ObjKey,
        /// The form context, or why it could not be built.
        result: Result<Box<FormContext>, String>,
    },
    /// The restore wizard's context, built from the backup `backup`.
    RestoreContext {
        /// The backup restored from.
        backup: ObjKey,
        /// The restore context, or why it could not be built.
        result: Result<Box<RestoreContext>, String>,
    },
    /// The server's verdict on a dry run.
    DryRun {
        /// The form's attempt it belongs to.
        attempt: u64,
        /// Accepted, or the API's refusal.
        result: Result<(), String>,
    },
    /// The created or patched object's name, or the API's refusal.
    Submitted {
        /// The form's attempt it belongs to.
        attempt: u64,
        /// The kind of the object sent.
        kind: Kind,
        /// Its namespace.
        namespace: String,
        /// The object's name, or the API's refusal (or that no answer came).
        result: Result<String, String>,
    },
    /// The preview's YAML was written to the path (absolute), or why not.
    Written(Result<PathBuf, String>),
    /// Nothing was written: a file is at the path (absolute) already.
    FileExists {
        /// The form's attempt whose preview it was.
        attempt: u64,
        /// The file.
        path: PathBuf,
    },
}
