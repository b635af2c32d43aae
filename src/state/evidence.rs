//! Triage's evidence for the problem whose object the detail view shows (Enter on a problem):
//! the problem's line, the last lines of the container that matters, and the operation that
//! usually fixes it. Its events are the detail's own; the component message is the cluster's.

use kbdash_core::domain::evidence::LogPlan;
use kbdash_core::forms::OpKind;
use kbdash_core::rows::{ObjKey, ObjRef};

/// A log's last lines, or why there are none.
pub type LogLines = Result<Vec<String>, String>;

/// The evidence shown with a detail opened from triage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The problem's object: the evidence shows while its detail does.
    pub object: ObjRef,
    /// The problem's line: what is wrong.
    pub reason: String,
    /// The problem's cluster, if it has one.
    pub cluster: Option<ObjKey>,
    /// The log to show, with its lines once fetched.
    pub log: Option<(LogPlan, Option<LogLines>)>,
    /// The operation that usually fixes it: `f` opens its form.
    pub remedy: Option<OpKind>,
}
