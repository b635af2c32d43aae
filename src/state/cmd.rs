//! Commands: what `update` asks the runtime to do. Plain data, so tests assert on them.

use std::path::PathBuf;

use crate::k8s::proxy_scrape::{ScrapeLimits, ScrapeTarget};
use crate::k8s::watch::object_events::EventSubject;
use crate::state::exec::ExecTarget;
use crate::state::logs::LogsCmd;
use kbdash_core::domain::evidence::LogPlan;
use kbdash_core::forms::Request;
use kbdash_core::rows::{ObjKey, ObjRef};

/// An effect for the runtime to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// Leave the program.
    Quit,
    /// Fetch this object and keep sending its full body while it changes (`None`: stop).
    Follow(Option<ObjRef>),
    /// List a cluster's Services and Restore objects once, for its detail view.
    LoadClusterFacts {
        /// The cluster.
        cluster: ObjKey,
        /// Its components, whose Restore objects are named after them.
        components: Vec<String>,
    },
    /// Restart the watches on another namespace.
    Watch {
        /// `None`: all namespaces.
        namespace: Option<String>,
    },
    /// Restart the watches as they are: their connections may be dead without knowing it.
    RestartWatches,
    /// List and watch the Events of `subjects` in `namespace` for detail `id`, stopping any
    /// a previous detail started.
    WatchObjectEvents {
        /// Which detail's streams these are.
        id: u64,
        /// The subjects' namespace.
        namespace: String,
        /// The objects whose Events the detail shows.
        subjects: Vec<EventSubject>,
    },
    /// Stop the detail's Events streams.
    StopObjectEvents,
    /// Fetch the last lines of the log `plan` names in `namespace`, for triage's evidence on
    /// `object`.
    FetchLogTail {
        /// The problem's object.
        object: ObjRef,
        /// The pods' namespace.
        namespace: String,
        /// Which log.
        plan: LogPlan,
    },
    /// Reconnect with another kubeconfig context and restart the watches.
    SwitchContext(String),
    /// Load a theme by name or path.
    LoadTheme(String),
    /// An effect of the operations menu or a form (load, dry run, submit, write).
    Form(FormCmd),
    /// Hand the terminal to a program in a pod's container (`kubectl exec -it`) and take it
    /// back when it ends.
    Exec(ExecTarget),
    /// Put this text on the terminal's clipboard (OSC 52).
    Copy(String),
    /// Scrape these clusters' exporters and Patroni through the pod proxy (reads only).
    Scrape {
        /// The context asked in: answers from another are dropped.
        context: String,
        /// What to scrape.
        targets: Vec<ScrapeTarget>,
        /// How hard.
        limits: ScrapeLimits,
    },
    /// Open or close the log view's stream, or write its lines to a file.
    Logs(LogsCmd),
}

impl Cmd {
    /// Whether the effect changes anything in the cluster (the engine refuses it in read-only
    /// mode).
    pub fn mutates(&self) -> bool {
        match self {
            Cmd::Quit
            | Cmd::Follow(_)
            | Cmd::LoadClusterFacts { .. }
            | Cmd::Watch { .. }
            | Cmd::RestartWatches
            | Cmd::WatchObjectEvents { .. }
            | Cmd::StopObjectEvents
            | Cmd::FetchLogTail { .. }
            | Cmd::SwitchContext(_)
            | Cmd::LoadTheme(_)
            | Cmd::Copy(_)
            | Cmd::Scrape { .. }
            | Cmd::Logs(_) => false,
            // An exec is a write as the API server sees it (`create` on `pods/exec`), and what
            // is typed in the container can change anything: read-only mode has none.
            Cmd::Exec(_) => true,
            Cmd::Form(form) => match form {
                FormCmd::LoadContext { .. }
                | FormCmd::LoadBlank { .. }
                | FormCmd::LoadRestore { .. }
                | FormCmd::WriteYaml { .. } => false,
                // A server-side dry run is a write request too: the gate refuses it.
                FormCmd::DryRun { .. } | FormCmd::Submit { .. } => true,
            },
        }
    }
}

/// A validated request on its way out. `Request` has no `Eq`; its body is JSON, whose
/// equality is total, so the wrapper states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing(pub Request);

impl Eq for Outgoing {}

/// An effect of the form modal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormCmd {
    /// Fetch the cluster and its pods, PVCs, backups, backup policies and schedule,
    /// OpsRequests, the PostgreSQL ComponentVersion, the StorageClasses and every Cluster, and
    /// build the form context.
    LoadContext {
        /// The cluster operated on.
        cluster: ObjKey,
    },
    /// Fetch what a new cluster's form chooses from (the ComponentVersion's releases, the
    /// StorageClasses, every Cluster), with no cluster to start from.
    LoadBlank {
        /// The namespace the new cluster starts in.
        namespace: String,
    },
    /// Fetch a backup, the Backups of its namespace and every Cluster, and build the restore
    /// form's context.
    LoadRestore {
        /// The backup restored from.
        backup: ObjKey,
    },
    /// Send the request with `dryRun=All`.
    DryRun {
        /// The form's attempt this dry run belongs to.
        attempt: u64,
        /// What to send.
        request: Outgoing,
    },
    /// Send the request for real (and audit it).
    Submit {
        /// The form's attempt this submit belongs to.
        attempt: u64,
        /// What to send.
        request: Outgoing,
    },
    /// Write the YAML preview to a file, never through a symbolic link.
    WriteYaml {
        /// The form's attempt whose preview it is.
        attempt: u64,
        /// Where (relative to the current directory, or absolute).
        path: PathBuf,
        /// The YAML.
        text: String,
        /// Replace a file that exists (the user said so); else a file that exists is left as
        /// it is and reported.
        overwrite: bool,
    },
}
