//! Commands: what `update` asks the runtime to do. Plain data, so tests assert on them.

use std::path::PathBuf;

use crate::k8s::proxy_scrape::{ScrapeLimits, ScrapeTarget};
use crate::k8s::watch::object_events::EventSubject;
use crate::state::exec::ExecTarget;
use crate::state::logs::LogsCmd;
use kbdash_core::domain::evidence::LogPlan;
use kbdash_core::forms::Request;
use kbdash_core::rows::{Ctx, ObjKey, ObjRef};

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
    /// Restart the watches of every context shown on another namespace.
    Watch {
        /// `None`: all namespaces.
        namespace: Option<String>,
    },
    /// Restart a context's watches as they are: their connections may be dead without knowing
    /// it.
    RestartWatches(Ctx),
    /// List and watch the Events of `subjects` in `namespace` of context `ctx` for detail
    /// `id`, stopping any a previous detail started.
    WatchObjectEvents {
        /// The context of the detail's object: the streams go to its API server.
        ctx: Ctx,
        /// Which detail's streams these are.
        id: u64,
        /// The subjects' namespace.
        namespace: String,
        /// The objects whose Events the detail shows.
        subjects: Vec<EventSubject>,
    },
    /// Stop the detail's Events streams.
    StopObjectEvents,
    /// Fetch the last lines of the log `plan` names in `namespace` (of the context of
    /// `object`), for triage's evidence on `object`.
    FetchLogTail {
        /// The problem's object.
        object: ObjRef,
        /// The pods' namespace.
        namespace: String,
        /// Which log.
        plan: LogPlan,
    },
    /// Show this kubeconfig context alone: reconnect and restart the watches.
    SwitchContext(String),
    /// Show this kubeconfig context too, beside those shown.
    AddContext(String),
    /// Stop showing a context: its watches and probe end (`update` has forgotten its rows).
    RemoveContext(Ctx),
    /// Load a theme by name or path.
    LoadTheme(String),
    /// An effect of the operations menu or a form (load, dry run, submit, write).
    Form(FormCmd),
    /// Hand the terminal to a program in a pod's container (`kubectl exec -it`) and take it
    /// back when it ends.
    Exec(ExecTarget),
    /// Put this text on the terminal's clipboard (OSC 52).
    Copy(String),
    /// Scrape these clusters' exporters and Patroni through the pod proxy of context `ctx`
    /// (reads only); every target is of that context.
    Scrape {
        /// The context whose API server proxies the scrape; the answers say it.
        ctx: Ctx,
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
            | Cmd::RestartWatches(_)
            | Cmd::WatchObjectEvents { .. }
            | Cmd::StopObjectEvents
            | Cmd::FetchLogTail { .. }
            | Cmd::SwitchContext(_)
            | Cmd::AddContext(_)
            | Cmd::RemoveContext(_)
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

    /// The context whose API server the effect talks to, if it talks to one server: the
    /// engine sends it through that context's client, behind that context's read-only gate.
    /// A new command that talks to the API names its context here.
    pub fn ctx(&self) -> Option<Ctx> {
        match self {
            Cmd::Follow(target) => target.as_ref().map(|t| t.key.ctx),
            Cmd::LoadClusterFacts { cluster, .. } => Some(cluster.ctx),
            Cmd::RestartWatches(ctx) | Cmd::RemoveContext(ctx) => Some(*ctx),
            Cmd::Exec(target) => Some(target.pod.ctx),
            Cmd::WatchObjectEvents { ctx, .. } | Cmd::Scrape { ctx, .. } => Some(*ctx),
            Cmd::FetchLogTail { object, .. } => Some(object.key.ctx),
            Cmd::Logs(LogsCmd::Open { request, .. }) => Some(request.source.ctx()),
            Cmd::Form(form) => match form {
                FormCmd::LoadContext { cluster } => Some(cluster.ctx),
                FormCmd::LoadBlank { ctx, .. } => Some(*ctx),
                FormCmd::LoadRestore { backup } => Some(backup.ctx),
                FormCmd::DryRun { ctx, .. } | FormCmd::Submit { ctx, .. } => Some(*ctx),
                FormCmd::WriteYaml { .. } => None,
            },
            Cmd::Quit
            | Cmd::Watch { .. }
            | Cmd::SwitchContext(_)
            | Cmd::AddContext(_)
            | Cmd::LoadTheme(_)
            | Cmd::Copy(_)
            // Stopping the detail's streams aborts tasks; closing or writing a log talks to no
            // server.
            | Cmd::StopObjectEvents
            | Cmd::Logs(LogsCmd::Close | LogsCmd::Write { .. }) => None,
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
        /// The context the new cluster is made in: the lists are that API server's.
        ctx: Ctx,
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
        /// The context of the form's cluster: the request goes to its API server alone.
        ctx: Ctx,
        /// The form's attempt this dry run belongs to.
        attempt: u64,
        /// What to send.
        request: Outgoing,
    },
    /// Send the request for real (and audit it).
    Submit {
        /// The context of the form's cluster: the request goes to its API server alone.
        ctx: Ctx,
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
