//! Commands: what `update` asks the runtime to do. Plain data, so tests assert on them.

use crate::state::forms::effects::FormCmd;
use kbdash_core::rows::ObjRef;

/// An effect for the runtime to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// Leave the program.
    Quit,
    /// Fetch this object and keep sending its full body while it changes (`None`: stop).
    Follow(Option<ObjRef>),
    /// Restart the watches on `namespace` (None: all namespaces).
    Watch { namespace: Option<String> },
    /// Restart the watches as they are: their connections may be dead without knowing it.
    RestartWatches,
    /// Reconnect with another kubeconfig context and restart the watches.
    SwitchContext(String),
    /// Load a theme by name or path.
    LoadTheme(String),
    /// An effect of the operations menu or a form (load, dry run, submit, write).
    Form(FormCmd),
}

impl Cmd {
    /// Whether the effect changes anything in the cluster (the engine refuses it in read-only
    /// mode).
    pub fn mutates(&self) -> bool {
        match self {
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
}
