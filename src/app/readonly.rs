//! Read-only mode, enforced in one place each for keys, commands, effects and requests.
//!
//! The guarantee does not rest on every view remembering to hide its buttons: whatever asks
//! for a write, the API client kbdash talks through in read-only mode is wrapped in
//! [`GetOnly`], which refuses any request that is not a GET before it leaves the process.
//! On top of that, the classifiers below match exhaustively (no wildcard arm) on every key
//! action, `:` command and `Cmd`, so whoever adds a new one must say whether it mutates, and
//! mutating ones disappear from keys, help and the command line in read-only mode.

use std::task::{Context, Poll};

use futures::future::BoxFuture;
use hyper::{Method, Request, Response};
use kube::Client;
use kube::client::Body;

use crate::app::cmd::Cmd;
use crate::app::command::Command;
use crate::app::forms::effects::FormCmd;
use crate::app::keymap::{Action, FormAction};

/// Which contexts a session may change nothing in. Decided again on every context switch, so
/// `:ctx prod-eu` from a development context turns read-only on when the config says
/// production contexts are read-only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Every context (`--readonly`, `--wall`).
    pub always: bool,
    /// Context name patterns (`*` wildcards) that are read-only; empty with `--write`.
    pub contexts: Vec<String>,
}

impl Policy {
    /// The same answer for every context.
    pub fn fixed(readonly: bool) -> Policy {
        Policy {
            always: readonly,
            contexts: Vec::new(),
        }
    }

    /// Whether `context` is read-only.
    pub fn applies_to(&self, context: &str) -> bool {
        self.always
            || self
                .contexts
                .iter()
                .any(|p| crate::config::glob_match(p, context))
    }
}

/// Whether a key action changes anything in the cluster.
pub fn action_mutates(action: Action) -> bool {
    match action {
        Action::Quit
        | Action::NextPane
        | Action::PrevPane
        | Action::GoPane(_)
        | Action::Down
        | Action::Up
        | Action::Top
        | Action::Bottom
        | Action::PageDown
        | Action::PageUp
        | Action::Scope
        | Action::Back
        | Action::Detail
        | Action::ToggleYaml
        | Action::Filter
        | Action::CommandLine
        | Action::Help
        | Action::SortNext
        | Action::SortPrev
        | Action::SortReverse
        | Action::SortBy(_)
        | Action::Triage => false,
        // The restore wizard exists to create a cluster.
        Action::OpsMenu | Action::Restore => true,
        Action::Form(form) => form_action_mutates(form),
    }
}

/// Whether a key action of the menu or a form sends a write (a dry run is one too: the gate
/// refuses it).
fn form_action_mutates(action: FormAction) -> bool {
    match action {
        FormAction::Close
        | FormAction::MenuUp
        | FormAction::MenuDown
        | FormAction::OpenOp
        | FormAction::NextField
        | FormAction::PrevField
        | FormAction::Complete
        | FormAction::PrevChoice
        | FormAction::NextChoice
        | FormAction::Pick
        | FormAction::Flip
        | FormAction::NudgeTime(_)
        | FormAction::ClearTime
        | FormAction::EditYaml
        | FormAction::WriteYaml
        | FormAction::ScrollUp
        | FormAction::ScrollDown
        | FormAction::Back
        | FormAction::Abandon => false,
        FormAction::Review | FormAction::CheckYaml | FormAction::Submit | FormAction::Confirm => {
            true
        }
    }
}

/// Whether a `:` command changes anything in the cluster.
pub fn command_mutates(command: &Command) -> bool {
    match command {
        Command::Quit
        | Command::Help
        | Command::Namespace(_)
        | Command::Context(_)
        | Command::Theme(_)
        | Command::Pane(_) => false,
    }
}

/// Whether a command word (as completion and help list them) names a mutating command.
pub fn command_word_mutates(word: &str) -> bool {
    // Every form command builds a request for the cluster.
    kbdash_core::forms::OpKind::ALL
        .iter()
        .any(|op| op.commands().contains(&word))
        || word == crate::app::forms::open::RESTORE_COMMAND
        || crate::app::command::parse(&format!("{word} _")).is_ok_and(|c| command_mutates(&c))
}

/// Whether an effect changes anything in the cluster.
pub fn cmd_mutates(cmd: &Cmd) -> bool {
    match cmd {
        Cmd::Quit
        | Cmd::Follow(_)
        | Cmd::Watch { .. }
        | Cmd::RestartWatches
        | Cmd::SwitchContext(_)
        | Cmd::LoadTheme(_) => false,
        Cmd::Form(form) => match form {
            FormCmd::LoadContext { .. }
            | FormCmd::LoadRestore { .. }
            | FormCmd::WriteYaml { .. } => false,
            // A server-side dry run is a write request too: the gate refuses it.
            FormCmd::DryRun { .. } | FormCmd::Submit { .. } => true,
        },
    }
}

/// Whether a request with `method` may be sent in read-only mode.
pub fn method_allowed(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

/// A request refused by the read-only gate.
#[derive(Debug, thiserror::Error)]
#[error("read-only mode: refused {method} {path}")]
pub struct Refused {
    pub method: String,
    pub path: String,
}

/// The request gate: forwards GET and HEAD to the wrapped client, refuses everything else
/// (create, update, patch, delete, and server dry-runs, which are writes too).
#[derive(Clone)]
pub struct GetOnly {
    inner: Client,
}

impl tower::Service<Request<Body>> for GetOnly {
    type Response = Response<Body>;
    type Error = tower::BoxError;
    type Future = BoxFuture<'static, Result<Response<Body>, tower::BoxError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        if !method_allowed(req.method()) {
            let refused = Refused {
                method: req.method().to_string(),
                path: req.uri().path().to_string(),
            };
            tracing::warn!(%refused, "read-only gate");
            return Box::pin(async move { Err(refused.into()) });
        }
        let inner = self.inner.clone();
        Box::pin(async move { inner.send(req).await.map_err(Into::into) })
    }
}

/// The client to use: `client` itself, or behind the read-only gate when `readonly`.
pub fn guard(client: Client, readonly: bool) -> Client {
    if readonly {
        let ns = client.default_namespace().to_string();
        Client::new(GetOnly { inner: client }, ns)
    } else {
        client
    }
}
