//! Everything the screen shows, owned by the runtime and changed only by `update`.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use chrono::{DateTime, Utc};

use crate::app::table::Table;
use crate::view::theme::Theme;
use kbdash_core::domain::triage::ApiDown;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{
    Atom, BackupRow, ClusterRow, ObjKey, ObjRef, OpsRow, PodRow, Row, ScheduleRow,
};

/// How long a pod row stays highlighted after its role changed.
pub const ROLE_FLASH_SECONDS: i64 = 5;
/// Role changes kept per cluster.
pub const ROLE_HISTORY_LEN: usize = 20;
/// The kinds kbdash watches, in status-line order.
pub const WATCHED: [Kind; 5] = [
    Kind::Cluster,
    Kind::Pod,
    Kind::OpsRequest,
    Kind::Backup,
    Kind::BackupSchedule,
];

/// The four table panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Clusters,
    Pods,
    Ops,
    Backups,
}

impl Pane {
    /// All panes in tab order.
    pub const ALL: [Pane; 4] = [Pane::Clusters, Pane::Pods, Pane::Ops, Pane::Backups];

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
    pub fn kind(self) -> Kind {
        match self {
            Pane::Clusters => Kind::Cluster,
            Pane::Pods => Kind::Pod,
            Pane::Ops => Kind::OpsRequest,
            Pane::Backups => Kind::Backup,
        }
    }

    /// Position in tab order.
    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// Health of one watch stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamState {
    /// Not started yet.
    Pending,
    /// Listing; `count` objects received so far.
    Syncing { count: usize },
    /// Listed and watching.
    Live,
    /// Failing and retrying with backoff.
    Reconnecting {
        since: DateTime<Utc>,
        attempt: u32,
        error: String,
    },
    /// The API refused access (403); the API's message.
    Forbidden(String),
    /// The resource's API group is missing (404).
    NotInstalled(String),
}

/// One primary change of a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChange {
    pub at: DateTime<Utc>,
    pub old_primary: Atom,
    pub new_primary: Atom,
}

/// What the detail view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub target: ObjRef,
    /// Full YAML instead of the key facts.
    pub yaml: bool,
    pub scroll: usize,
}

/// What covers the table panes. The operation menu and forms (issue 4) and the triage view
/// (issue 6) are further overlays: each gets a variant here, its keys a `Context` in the keymap,
/// and its drawing a module in `view`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Detail(Detail),
    Help {
        scroll: usize,
    },
    /// The triage list, with the selected problem.
    Triage {
        selected: usize,
    },
}

/// Which line editor is open at the bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Command,
}

/// A line being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub kind: InputKind,
    pub text: String,
}

/// Names of the pod, OpsRequest, backup and schedule objects of each cluster, kept as events arrive so
/// that cluster rows find their pods without scanning every pod.
#[derive(Debug, Clone, Default)]
pub struct ClusterIndex {
    pub pods: HashMap<ObjKey, BTreeSet<Atom>>,
    pub ops: HashMap<ObjKey, BTreeSet<Atom>>,
    pub backups: HashMap<ObjKey, BTreeSet<Atom>>,
    pub schedules: HashMap<ObjKey, BTreeSet<Atom>>,
}

impl ClusterIndex {
    /// Records `name` under `cluster`.
    pub fn add(map: &mut HashMap<ObjKey, BTreeSet<Atom>>, cluster: ObjKey, name: &Atom) {
        map.entry(cluster).or_default().insert(name.clone());
    }

    /// Forgets `name` under `cluster`.
    pub fn remove(map: &mut HashMap<ObjKey, BTreeSet<Atom>>, cluster: &ObjKey, name: &str) {
        if let Some(set) = map.get_mut(cluster) {
            set.remove(name);
            if set.is_empty() {
                map.remove(cluster);
            }
        }
    }
}

/// The whole state of the dashboard.
#[derive(Debug, Clone)]
pub struct Model {
    /// The current time, from the last `Tick` or event.
    pub now: DateTime<Utc>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub context: String,
    /// `None` shows every namespace.
    pub namespace: Option<String>,
    /// Contexts of the kubeconfig, for `:ctx` completion.
    pub contexts: Vec<String>,
    pub readonly: bool,
    pub theme: Theme,
    pub clusters: Table<ClusterRow>,
    pub pods: Table<PodRow>,
    pub ops: Table<OpsRow>,
    pub backups: Table<BackupRow>,
    pub schedules: HashMap<ObjKey, ScheduleRow>,
    pub index: ClusterIndex,
    pub streams: BTreeMap<Kind, StreamState>,
    /// Objects received since a stream's `Init`, swapped in at `InitDone`.
    pub pending: HashMap<Kind, Vec<Row>>,
    pub focus: Pane,
    /// The cluster the other panes are scoped to.
    pub scope: Option<ObjKey>,
    /// The cluster the user last scoped to or opened the detail of: an operation on any other
    /// cluster asks for its typed name, so a cursor left on the wrong row cannot slip through.
    pub familiar: Option<ObjKey>,
    pub overlay: Overlay,
    pub input: Option<Input>,
    /// Per cluster, the latest primary changes, oldest first.
    pub role_history: HashMap<ObjKey, VecDeque<RoleChange>>,
    /// Per cluster, the last primary seen.
    pub primaries: HashMap<ObjKey, Atom>,
    /// Pods whose role changed, with when.
    pub flashes: HashMap<ObjKey, DateTime<Utc>>,
    /// The followed object's YAML lines, for the detail view's YAML mode.
    pub raw: Option<(ObjRef, Vec<String>)>,
    /// The OpsRequest the detail view shows, in full, while its row leaves its history out.
    pub followed_ops: Option<OpsRow>,
    /// A one-line message for the status line, with when it was posted.
    pub notice: Option<(String, DateTime<Utc>)>,
    /// Triage rules' state and stream freshness.
    pub triage: crate::app::triage::TriageState,
    /// The API server stopped answering the liveness probe, since when and why.
    pub api_down: Option<ApiDown>,
    /// Wall mode, when on.
    pub wall: Option<crate::app::triage::WallState>,
    pub quit: bool,
    /// The operations menu, the open form and the requests submitted from forms.
    pub forms: crate::app::form_modal::Forms,
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
            namespace,
            contexts: Vec::new(),
            readonly: false,
            theme: Theme::default(),
            clusters: Table::new(),
            pods: Table::new(),
            ops: Table::new(),
            backups: Table::new(),
            schedules: HashMap::new(),
            index: ClusterIndex::default(),
            streams: WATCHED.iter().map(|k| (*k, StreamState::Pending)).collect(),
            pending: HashMap::new(),
            focus: Pane::Clusters,
            scope: None,
            familiar: None,
            overlay: Overlay::None,
            input: None,
            role_history: HashMap::new(),
            primaries: HashMap::new(),
            flashes: HashMap::new(),
            raw: None,
            followed_ops: None,
            notice: None,
            triage: Default::default(),
            api_down: None,
            wall: None,
            quit: false,
            forms: Default::default(),
            dirty: true,
        }
    }

    /// Whether rows from more than one namespace may show, so NAMESPACE columns are needed.
    pub fn multi_namespace(&self) -> bool {
        self.namespace.is_none()
    }

    /// The pods of a cluster.
    pub fn cluster_pods(&self, cluster: &ObjKey) -> impl Iterator<Item = &PodRow> {
        self.index
            .pods
            .get(cluster)
            .into_iter()
            .flatten()
            .filter_map(|name| self.pods.get(&ObjKey::from_atoms(&cluster.namespace, name)))
    }

    /// The latest OpsRequest of a cluster, by creation time.
    pub fn last_op(&self, cluster: &ObjKey) -> Option<&OpsRow> {
        self.index
            .ops
            .get(cluster)
            .into_iter()
            .flatten()
            .filter_map(|name| self.ops.get(&ObjKey::from_atoms(&cluster.namespace, name)))
            .max_by(|a, b| a.created.cmp(&b.created).then_with(|| a.key.cmp(&b.key)))
    }

    /// The backups of a cluster.
    pub fn cluster_backups(&self, cluster: &ObjKey) -> impl Iterator<Item = &BackupRow> {
        self.index
            .backups
            .get(cluster)
            .into_iter()
            .flatten()
            .filter_map(|name| {
                self.backups
                    .get(&ObjKey::from_atoms(&cluster.namespace, name))
            })
    }

    /// The backup schedules of a cluster.
    pub fn cluster_schedules(&self, cluster: &ObjKey) -> impl Iterator<Item = &ScheduleRow> {
        self.index
            .schedules
            .get(cluster)
            .into_iter()
            .flatten()
            .filter_map(|name| {
                self.schedules
                    .get(&ObjKey::from_atoms(&cluster.namespace, name))
            })
    }

    /// The continuous backup of a cluster (the latest, if several).
    pub fn continuous_backup(&self, cluster: &ObjKey) -> Option<&BackupRow> {
        self.cluster_backups(cluster)
            .filter(|b| b.is_continuous())
            .max_by(|a, b| a.created.cmp(&b.created))
    }

    /// The cluster of the selected row in the focused pane (a pod's, an OpsRequest's, a
    /// backup's cluster; a cluster row is its own), else the scope when the pane is empty.
    /// Operations and `:` forms act on this cluster and no other.
    pub fn selected_cluster(&self) -> Option<ObjKey> {
        let of_row = |ns: &Atom, cluster: &Atom| {
            (!cluster.is_empty()).then(|| ObjKey::from_atoms(ns, cluster))
        };
        let selected = match self.focus {
            Pane::Clusters => self.clusters.selected().map(|r| Some(r.key.clone())),
            Pane::Pods => self
                .pods
                .selected()
                .map(|r| of_row(&r.key.namespace, &r.cluster)),
            Pane::Ops => self
                .ops
                .selected()
                .map(|r| of_row(&r.key.namespace, &r.cluster)),
            Pane::Backups => self
                .backups
                .selected()
                .map(|r| of_row(&r.key.namespace, &r.cluster)),
        };
        match selected {
            Some(cluster) => cluster,
            None if self.focus == Pane::Clusters => None,
            None => self.scope.clone(),
        }
    }

    /// Whether a pod's role changed within the last few seconds.
    pub fn is_flashing(&self, pod: &ObjKey) -> bool {
        self.flashes
            .get(pod)
            .is_some_and(|t| (self.now - *t).num_seconds() < ROLE_FLASH_SECONDS)
    }

    /// Namespaces seen in any table, for `:ns` completion.
    pub fn known_namespaces(&self) -> BTreeSet<String> {
        self.clusters
            .iter()
            .map(|c| c.key.namespace.to_string())
            .collect()
    }
}
