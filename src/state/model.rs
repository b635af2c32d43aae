//! Everything the screen shows, owned by the runtime and changed only by `update`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::state::evidence::Evidence;
use crate::state::forms::Forms;
use crate::state::health::HealthState;
use crate::state::incident_timeline::IncidentTimeline;
use crate::state::logs::LogView;
use crate::state::object_events::ObjectEvents;
use crate::state::search::Search;
use crate::state::shown::Shown;
use crate::state::store::{Store, WATCHED};
use crate::state::table::TableOps;
use crate::state::theme::Theme;
use crate::state::triage::{TriageState, WallState};
use kbdash_core::detail::containers::Container;
use kbdash_core::detail::restored::RestoreSource;
use kbdash_core::detail::services::ServiceFacts;
use kbdash_core::domain::triage::{ApiDown, StreamHealth};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Ctx, ObjKey, ObjRef, OpsRow};

/// Rows around a table's body as `view` lays the screen out: header, tab bar, status line, the
/// pane's two borders and its column header.
const CHROME_ROWS: u16 = 6;

/// The four table panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    /// The clusters.
    Clusters,
    /// Their pods.
    Pods,
    /// The OpsRequests.
    Ops,
    /// The backups.
    Backups,
}

impl Pane {
    /// All panes in tab order.
    pub(crate) const ALL: [Pane; 4] = [Pane::Clusters, Pane::Pods, Pane::Ops, Pane::Backups];

    /// Tab title.
    pub fn title(self) -> &'static str {
        match self {
            Pane::Clusters => "Clusters",
            Pane::Pods => "Pods",
            Pane::Ops => "OpsRequests",
            Pane::Backups => "Backups",
        }
    }

    /// The kind whose objects the pane lists.
    pub(crate) fn kind(self) -> Kind {
        match self {
            Pane::Clusters => Kind::Cluster,
            Pane::Pods => Kind::Pod,
            Pane::Ops => Kind::OpsRequest,
            Pane::Backups => Kind::Backup,
        }
    }

    /// Position in tab order.
    pub(crate) fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// Health of one watch stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamState {
    /// Not started yet.
    Pending,
    /// Listing.
    Syncing {
        /// Objects received so far.
        count: usize,
    },
    /// Listed and watching.
    Live,
    /// Failing and retrying with backoff.
    Reconnecting {
        /// When it started failing.
        since: DateTime<Utc>,
        /// How many times it has failed since.
        attempt: u32,
        /// The last failure.
        error: String,
    },
    /// The API refused access (403); the API's message.
    Forbidden(String),
    /// The resource's API group is missing (404).
    NotInstalled(String),
}

impl StreamState {
    /// The stream's state as the triage rules see it; `down` is since when it has been down, if
    /// it was live before.
    pub(crate) fn health(&self, down: Option<DateTime<Utc>>) -> StreamHealth {
        match self {
            StreamState::Reconnecting {
                since,
                attempt,
                error,
            } => StreamHealth::Reconnecting {
                since: *since,
                attempt: *attempt,
                error: error.clone(),
            },
            StreamState::Forbidden(msg) => StreamHealth::Forbidden(msg.clone()),
            StreamState::NotInstalled(msg) => StreamHealth::Missing(msg.clone()),
            StreamState::Pending | StreamState::Syncing { .. } => match down {
                Some(since) => StreamHealth::Relisting { since },
                None => StreamHealth::Fine,
            },
            StreamState::Live => StreamHealth::Fine,
        }
    }
}

/// What the detail view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// The object shown.
    pub target: ObjRef,
    /// Full YAML instead of the key facts.
    pub yaml: bool,
    pub(crate) scroll: usize,
    /// The search of the YAML, once one was typed.
    pub search: Option<Search>,
}

/// A cluster's Services and Restore objects, listed once when its detail opens (and again after
/// an Expose of it); a part that is `None` is still loading.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterFacts {
    /// The cluster they belong to.
    pub cluster: ObjKey,
    /// Its Services, or why they could not be listed.
    pub services: Option<Result<Vec<ServiceFacts>, String>>,
    /// The sources its Restore objects name, or why they could not be listed.
    pub restores: Option<Result<Vec<RestoreSource>, String>>,
}

/// What covers the table panes. The operation menu and forms (issue 4) and the triage view
/// (issue 6) are further overlays: each gets a variant here, its keys a `Context` in the keymap,
/// and its drawing a module in `view`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// Nothing: the focused pane shows.
    None,
    /// An object's detail.
    Detail(Detail),
    /// The key bindings and commands.
    Help {
        /// Lines scrolled past.
        scroll: usize,
    },
    /// The triage list.
    Triage {
        /// The selected problem's rank.
        selected: usize,
    },
    /// A cluster's incident timeline (`t`).
    Incidents(IncidentTimeline),
    /// The kubeconfig's contexts, to switch to one (`:ctx` without a name).
    Contexts {
        /// The cursor's place in [`Model::contexts`].
        selected: usize,
    },
    /// A container's log ([`Model::logs`]).
    Logs,
}

/// Which line editor is open at the bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// `/`: the focused pane's filter, applied as it is typed.
    Filter,
    /// `:`: a command, run on Enter.
    Command,
    /// `/` in the detail's YAML: a search, run on Enter.
    Search,
}

/// A line being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// What the line is for.
    pub kind: InputKind,
    /// The text so far.
    pub text: String,
}

/// The whole state of the dashboard.
#[derive(Debug, Clone)]
pub struct Model {
    /// The current time, from the last `Tick` or event.
    pub now: DateTime<Utc>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// The kubeconfig context shown ("demo" for the embedded demo); the first of them when
    /// several are shown.
    pub context: String,
    /// The context's API server URL, as messages name it (empty when unknown).
    pub server: String,
    /// Every context shown, by id: one, or several (`--context a --context b`, `:ctx +NAME`).
    pub shown: Vec<Shown>,
    /// When the watches of this context and namespace were started.
    pub watching_since: DateTime<Utc>,
    /// `None` shows every namespace.
    pub namespace: Option<String>,
    /// Contexts of the kubeconfig, for `:ctx` completion.
    pub contexts: Vec<String>,
    /// Whether every context shown is read-only: nothing that would change a cluster is
    /// offered. With several shown, each one's own mode is in [`Model::shown`].
    pub readonly: bool,
    /// The colours.
    pub theme: Theme,
    /// The watched objects.
    pub store: Store,
    /// The state of each context's stream of each watched kind.
    pub streams: BTreeMap<(Ctx, Kind), StreamState>,
    /// The pane shown when no overlay covers it.
    pub focus: Pane,
    /// The cluster the other panes are scoped to.
    pub scope: Option<ObjKey>,
    /// The cluster the user last scoped to or opened the detail of: an operation on any other
    /// cluster asks for its typed name, so a cursor left on the wrong row cannot slip through.
    pub familiar: Option<ObjKey>,
    /// What covers the panes.
    pub overlay: Overlay,
    /// The line being typed, if any.
    pub input: Option<Input>,
    /// The followed object's YAML lines, for the detail view's YAML mode.
    pub raw: Option<(ObjRef, Vec<String>)>,
    /// The OpsRequest the detail view shows, in full, while its row leaves its history out.
    pub followed_ops: Option<OpsRow>,
    /// The containers of the pod the detail view shows, read from the followed object: no pod
    /// row keeps them.
    pub followed_pod: Option<(ObjKey, Vec<Container>)>,
    /// What the cluster detail listed when it opened.
    pub cluster_facts: Option<ClusterFacts>,
    /// The Events of the open detail's object, while it is open.
    pub object_events: Option<ObjectEvents>,
    /// Triage's evidence for the problem whose detail is open.
    pub evidence: Option<Evidence>,
    /// The id the next detail's Events streams get.
    pub(crate) next_events_id: u64,
    /// A one-line message for the status line, with when it was posted.
    pub notice: Option<(String, DateTime<Utc>)>,
    /// Triage rules' state and stream freshness.
    pub triage: TriageState,
    /// The API servers that stopped answering the liveness probe, by context, since when and
    /// why.
    pub api_down: BTreeMap<Ctx, ApiDown>,
    /// Wall mode, when on.
    pub(crate) wall: Option<WallState>,
    /// Database health scraped through the pod proxy.
    pub health: HealthState,
    /// The user asked to leave.
    pub quit: bool,
    /// The operations menu, the open form and the requests submitted from forms.
    pub forms: Forms,
    /// The open log view, if any.
    pub logs: Option<Box<LogView>>,
    /// How many log streams were opened: the next one's number.
    pub log_sessions: u64,
    /// Something changed since the last draw.
    pub dirty: bool,
}

impl Model {
    /// A fresh model for `context`, showing `namespace` (None: all).
    pub fn new(context: &str, namespace: Option<String>, now: DateTime<Utc>) -> Model {
        Model {
            now,
            size: (120, 40),
            context: context.to_string(),
            server: String::new(),
            shown: vec![Shown::first(context, "", false)],
            watching_since: now,
            namespace,
            contexts: Vec::new(),
            readonly: false,
            theme: Theme::default(),
            store: Store::default(),
            streams: WATCHED
                .iter()
                .map(|k| ((Ctx::default(), *k), StreamState::Pending))
                .collect(),
            focus: Pane::Clusters,
            scope: None,
            familiar: None,
            overlay: Overlay::None,
            input: None,
            raw: None,
            followed_ops: None,
            followed_pod: None,
            cluster_facts: None,
            object_events: None,
            evidence: None,
            next_events_id: 1,
            notice: None,
            triage: Default::default(),
            api_down: BTreeMap::new(),
            wall: None,
            health: HealthState::default(),
            quit: false,
            forms: Default::default(),
            logs: None,
            log_sessions: 0,
            dirty: true,
        }
    }

    /// How many table rows the terminal shows: a page, for paging and for the tables' windows.
    pub(crate) fn table_rows(&self) -> u16 {
        self.size.1.saturating_sub(CHROME_ROWS).max(1)
    }

    /// Whether rows from more than one namespace may show, so NAMESPACE columns are needed.
    pub(crate) fn multi_namespace(&self) -> bool {
        self.namespace.is_none()
    }

    /// The table `pane` lists.
    pub(crate) fn table(&self, pane: Pane) -> &dyn TableOps {
        match pane {
            Pane::Clusters => &self.store.clusters,
            Pane::Pods => &self.store.pods,
            Pane::Ops => &self.store.ops,
            Pane::Backups => &self.store.backups,
        }
    }

    /// The table `pane` lists, to change.
    pub(crate) fn table_mut(&mut self, pane: Pane) -> &mut dyn TableOps {
        match pane {
            Pane::Clusters => &mut self.store.clusters,
            Pane::Pods => &mut self.store.pods,
            Pane::Ops => &mut self.store.ops,
            Pane::Backups => &mut self.store.backups,
        }
    }

    /// The cluster of the selected row in the focused pane (a pod's, an OpsRequest's, a
    /// backup's cluster; a cluster row is its own), else the scope when the pane is empty.
    /// Operations and `:` forms act on this cluster and no other.
    pub(crate) fn selected_cluster(&self) -> Option<ObjKey> {
        let kind = self.focus.kind();
        let selected = self.table(self.focus).selected_key().map(|key| {
            self.store
                .cluster_of(kind, key)
                .filter(|cluster| !cluster.name.is_empty())
        });
        match selected {
            Some(cluster) => cluster,
            None if self.focus == Pane::Clusters => None,
            None => self.scope.clone(),
        }
    }

    /// Whether a pod's role changed within the last few seconds.
    pub fn is_flashing(&self, pod: &ObjKey) -> bool {
        self.store.roles.is_flashing(pod, self.now)
    }

    /// The context `ctx`, if it is shown.
    pub fn shown(&self, ctx: Ctx) -> Option<&Shown> {
        self.shown.iter().find(|s| s.ctx == ctx)
    }

    /// Whether more than one context is shown, so CONTEXT columns and context names are needed.
    pub fn multi_context(&self) -> bool {
        self.shown.len() > 1
    }

    /// The name of context `ctx` (empty when it is no longer shown).
    pub fn context_name(&self, ctx: Ctx) -> &str {
        self.shown(ctx).map_or("", |s| s.name.as_str())
    }

    /// Whether context `ctx` is read-only (one no longer shown is: nothing goes to it).
    pub(crate) fn readonly_in(&self, ctx: Ctx) -> bool {
        self.readonly || self.shown(ctx).is_none_or(|s| s.readonly)
    }

    /// The URL of the API server of `ctx` (empty when unknown): with one context shown, the
    /// session's.
    pub fn server_of(&self, ctx: Ctx) -> &str {
        if !self.multi_context() {
            return &self.server;
        }
        self.shown(ctx).map_or("", |s| s.server.as_str())
    }

    /// `error` of a request to the API server of `ctx`, naming the server.
    pub(crate) fn server_said(&self, ctx: Ctx, error: &str) -> String {
        match self.server_of(ctx) {
            "" => error.to_string(),
            server => format!("{error} (API server {server})"),
        }
    }

    /// The API server of `ctx` as a sentence names it: "the API server" and its URL when known
    /// (and its context's name when several are shown).
    pub(crate) fn the_server(&self, ctx: Ctx) -> String {
        let server = match self.server_of(ctx) {
            "" => "the API server".to_string(),
            server => format!("the API server at {server}"),
        };
        if self.multi_context() {
            format!("{server} (context {})", self.context_name(ctx))
        } else {
            server
        }
    }

    /// Whether the stream of `kind` in `ctx` is stale: it was delivering and is now failing to
    /// reconnect.
    pub(crate) fn is_stale(&self, ctx: Ctx, kind: Kind) -> bool {
        matches!(
            self.streams.get(&(ctx, kind)),
            Some(StreamState::Reconnecting { .. })
        )
    }

    /// The last update of the stalest failing stream, if any stream is stale; `None` inside
    /// means it never delivered at all.
    pub fn stale_since(&self) -> Option<Option<DateTime<Utc>>> {
        self.stale_since_among(|_| true)
    }

    /// [`Model::stale_since`] over the streams of context `ctx` only: a context that is down
    /// makes its own clusters stale, not the others'.
    pub fn ctx_stale_since(&self, ctx: Ctx) -> Option<Option<DateTime<Utc>>> {
        self.stale_since_among(|c| c == ctx)
    }

    fn stale_since_among(&self, of: impl Fn(Ctx) -> bool) -> Option<Option<DateTime<Utc>>> {
        let stale: Vec<(Ctx, Kind)> = self
            .streams
            .keys()
            .copied()
            .filter(|(c, k)| of(*c) && self.is_stale(*c, *k))
            .collect();
        if stale.is_empty() {
            return None;
        }
        Some(
            stale
                .iter()
                .map(|k| self.triage.last_seen.get(k).copied())
                .min()
                .flatten(),
        )
    }

    /// Namespaces seen in any table, for `:ns` completion.
    pub(crate) fn known_namespaces(&self) -> BTreeSet<String> {
        self.store
            .clusters
            .iter()
            .map(|c| c.key.namespace.to_string())
            .collect()
    }
}
