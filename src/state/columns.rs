//! The columns of each table pane: their identities, titles and sort keys, and how rows filter
//! and scope.
//!
//! A sort names its column by [`ColumnId`], never by position; the views draw a kind's columns
//! in the order listed here. Columns derived from other kinds (a cluster's READY and PRIMARY
//! come from its pods) do not sort, because their value changes without the row changing.

use chrono::{DateTime, Utc};

use crate::state::table::{SortValue, TableRow, contains_ci};
use kbdash_core::rows::{Atom, BackupRow, ClusterRow, ObjKey, OpsRow, PodRow};

/// Which column a table is sorted by. The titles are the columns' headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnId {
    /// CONTEXT, in every pane while more than one context is shown (drawn before the rows'
    /// own columns; it does not sort).
    Context,
    /// NAMESPACE, in every pane.
    Namespace,
    /// NAME, in every pane.
    Name,
    /// A cluster's VERSION.
    Version,
    /// READY: a cluster's ready pods, a pod's ready containers.
    Ready,
    /// A cluster's PRIMARY pod.
    Primary,
    /// STATUS, in every pane.
    Status,
    /// A cluster's LAST OP.
    LastOp,
    /// A cluster's PITR (point-in-time recovery) state.
    Pitr,
    /// AGE, in every pane.
    Age,
    /// A pod's ROLE.
    Role,
    /// A pod's RESTARTS.
    Restarts,
    /// A pod's NODE.
    Node,
    /// The TYPE of an OpsRequest or a backup.
    Type,
    /// The CLUSTER of an OpsRequest or a backup.
    Cluster,
    /// An OpsRequest's PROGRESS.
    Progress,
    /// The DURATION of an OpsRequest or a backup.
    Duration,
    /// An OpsRequest's REASON.
    Reason,
    /// A backup's METHOD.
    Method,
    /// A backup's SIZE.
    Size,
    /// A continuous backup's TIME RANGE.
    TimeRange,
    /// A cluster's replication LAG, from its exporters.
    Lag,
    /// A cluster's CONNections against max_connections, from its exporters.
    Conn,
}

impl ColumnId {
    /// What the column is worth on a narrow screen. When the columns do not fit even at their
    /// narrowest comfortable widths, the one worth least goes first (the rightmost of equals):
    /// NAMESPACE and a cluster's PRIMARY long before STATUS; NAME never.
    pub(crate) const fn worth(self) -> u8 {
        match self {
            ColumnId::Name => u8::MAX,
            ColumnId::Status => 9,
            ColumnId::Type | ColumnId::Cluster | ColumnId::Context => 8,
            ColumnId::Ready | ColumnId::Role => 7,
            ColumnId::LastOp
            | ColumnId::Pitr
            | ColumnId::Progress
            | ColumnId::TimeRange
            | ColumnId::Reason => 6,
            ColumnId::Restarts | ColumnId::Size | ColumnId::Lag | ColumnId::Conn => 5,
            ColumnId::Version | ColumnId::Method | ColumnId::Duration => 4,
            ColumnId::Age => 3,
            ColumnId::Node => 2,
            ColumnId::Primary => 1,
            ColumnId::Namespace => 0,
        }
    }

    /// Whether the column holds names, whose beginning and end both tell objects apart
    /// (`…-postgresql-0` and `…-postgresql-1`): cut in the middle, not at the end.
    pub(crate) const fn holds_names(self) -> bool {
        matches!(
            self,
            ColumnId::Context
                | ColumnId::Namespace
                | ColumnId::Name
                | ColumnId::Cluster
                | ColumnId::Primary
                | ColumnId::Node
        )
    }
}

/// One column of a table of `R` rows.
pub struct Column<R> {
    pub(crate) id: ColumnId,
    pub(crate) title: &'static str,
    /// The row's sort key; `None` for a column that does not sort.
    pub(crate) sort: Option<fn(&R) -> SortValue>,
}

// Not derived: a derive would ask `R` to be `Clone`, but only a function pointer is copied.
impl<R> Clone for Column<R> {
    fn clone(&self) -> Column<R> {
        *self
    }
}

impl<R> Copy for Column<R> {}

impl<R> std::fmt::Debug for Column<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Column")
            .field("id", &self.id)
            .field("title", &self.title)
            .field("sorts", &self.sort.is_some())
            .finish()
    }
}

impl<R> Column<R> {
    /// A column rows sort by with `key`.
    pub(crate) const fn sorted(
        id: ColumnId,
        title: &'static str,
        key: fn(&R) -> SortValue,
    ) -> Column<R> {
        Column {
            id,
            title,
            sort: Some(key),
        }
    }

    /// A column that does not sort.
    pub(crate) const fn unsorted(id: ColumnId, title: &'static str) -> Column<R> {
        Column {
            id,
            title,
            sort: None,
        }
    }
}

fn text(s: &Atom) -> SortValue {
    SortValue::Text(s.clone())
}

/// Newest first when ascending, like kubectl's AGE read top-down from youngest.
fn age(t: Option<DateTime<Utc>>) -> SortValue {
    SortValue::Num(t.map_or(i64::MIN, |t| -t.timestamp()))
}

fn any(fields: &[&str], needle: &str) -> bool {
    fields.iter().any(|f| contains_ci(f, needle))
}

/// Whether the row `key` of cluster `cluster` belongs to the scoped cluster (of its context:
/// the same names in another context are another cluster).
fn of_cluster(key: &ObjKey, cluster: &Atom, scope: &ObjKey) -> bool {
    key.ctx == scope.ctx && key.namespace == scope.namespace && *cluster == scope.name
}

impl TableRow for ClusterRow {
    const COLUMNS: &'static [Column<ClusterRow>] = &[
        Column::sorted(ColumnId::Namespace, "NAMESPACE", |c| text(&c.key.namespace)),
        Column::sorted(ColumnId::Name, "NAME", |c| text(&c.key.name)),
        Column::sorted(ColumnId::Version, "VERSION", |c| text(&c.version)),
        Column::unsorted(ColumnId::Ready, "READY"),
        Column::unsorted(ColumnId::Primary, "PRIMARY"),
        Column::sorted(ColumnId::Status, "STATUS", |c| text(&c.phase)),
        Column::unsorted(ColumnId::LastOp, "LAST OP"),
        Column::unsorted(ColumnId::Pitr, "PITR"),
        Column::sorted(ColumnId::Age, "AGE", |c| age(c.created)),
        // Shown once a scrape answered (the pane passes their widths only then): last, so
        // that leaving them out leaves the others as they were.
        Column::unsorted(ColumnId::Lag, "LAG"),
        Column::unsorted(ColumnId::Conn, "CONN"),
    ];
    const FIRST_SORT: ColumnId = ColumnId::Name;

    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn matches(&self, needle: &str) -> bool {
        any(
            &[
                &self.key.namespace,
                &self.key.name,
                &self.version,
                &self.phase,
            ],
            needle,
        )
    }
    fn in_scope(&self, _scope: &ObjKey) -> bool {
        true
    }
}

impl TableRow for PodRow {
    const COLUMNS: &'static [Column<PodRow>] = &[
        Column::sorted(ColumnId::Namespace, "NAMESPACE", |p| text(&p.key.namespace)),
        Column::sorted(ColumnId::Name, "NAME", |p| text(&p.key.name)),
        Column::sorted(ColumnId::Role, "ROLE", |p| text(&p.role)),
        Column::sorted(ColumnId::Ready, "READY", |p| {
            SortValue::Num(i64::from(p.ready_containers))
        }),
        Column::sorted(ColumnId::Status, "STATUS", |p| text(&p.status)),
        Column::sorted(ColumnId::Restarts, "RESTARTS", |p| {
            SortValue::Num(i64::from(p.restarts))
        }),
        Column::sorted(ColumnId::Node, "NODE", |p| text(&p.node)),
        Column::sorted(ColumnId::Age, "AGE", |p| age(p.created)),
    ];
    const FIRST_SORT: ColumnId = ColumnId::Name;

    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn matches(&self, needle: &str) -> bool {
        any(
            &[
                &self.key.namespace,
                &self.key.name,
                &self.role,
                &self.status,
                &self.node,
            ],
            needle,
        )
    }
    fn in_scope(&self, scope: &ObjKey) -> bool {
        of_cluster(&self.key, &self.cluster, scope)
    }
}

impl TableRow for OpsRow {
    const COLUMNS: &'static [Column<OpsRow>] = &[
        Column::sorted(ColumnId::Namespace, "NAMESPACE", |o| text(&o.key.namespace)),
        Column::sorted(ColumnId::Name, "NAME", |o| text(&o.key.name)),
        Column::sorted(ColumnId::Type, "TYPE", |o| text(&o.op_type)),
        Column::sorted(ColumnId::Cluster, "CLUSTER", |o| text(&o.cluster)),
        Column::sorted(ColumnId::Status, "STATUS", |o| text(&o.phase)),
        Column::unsorted(ColumnId::Progress, "PROGRESS"),
        Column::unsorted(ColumnId::Duration, "DURATION"),
        Column::sorted(ColumnId::Age, "AGE", |o| age(o.created)),
        Column::unsorted(ColumnId::Reason, "REASON"),
    ];
    // Day-2 work reads best newest first, like `kbcli cluster list-ops`.
    const FIRST_SORT: ColumnId = ColumnId::Age;

    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn matches(&self, needle: &str) -> bool {
        any(
            &[
                &self.key.namespace,
                &self.key.name,
                &self.op_type,
                &self.cluster,
                &self.phase,
                &self.reason,
            ],
            needle,
        )
    }
    fn in_scope(&self, scope: &ObjKey) -> bool {
        of_cluster(&self.key, &self.cluster, scope)
    }
}

impl TableRow for BackupRow {
    const COLUMNS: &'static [Column<BackupRow>] = &[
        Column::sorted(ColumnId::Namespace, "NAMESPACE", |b| text(&b.key.namespace)),
        Column::sorted(ColumnId::Name, "NAME", |b| text(&b.key.name)),
        Column::sorted(ColumnId::Cluster, "CLUSTER", |b| text(&b.cluster)),
        Column::sorted(ColumnId::Type, "TYPE", |b| text(&b.backup_type)),
        Column::sorted(ColumnId::Method, "METHOD", |b| text(&b.method)),
        Column::sorted(ColumnId::Status, "STATUS", |b| text(&b.phase)),
        Column::sorted(ColumnId::Size, "SIZE", |b| {
            SortValue::Num(
                b.size_bytes
                    .map_or(-1, |s| i64::try_from(s).unwrap_or(i64::MAX)),
            )
        }),
        Column::sorted(ColumnId::TimeRange, "TIME RANGE (UTC)", |b| {
            SortValue::Num(b.range_start.map_or(i64::MIN, |t| t.timestamp()))
        }),
        Column::unsorted(ColumnId::Duration, "DURATION"),
        Column::sorted(ColumnId::Age, "AGE", |b| age(b.created)),
    ];
    // Backups read best newest first.
    const FIRST_SORT: ColumnId = ColumnId::Age;

    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn matches(&self, needle: &str) -> bool {
        any(
            &[
                &self.key.namespace,
                &self.key.name,
                &self.cluster,
                &self.backup_type,
                &self.method,
                &self.phase,
            ],
            needle,
        )
    }
    fn in_scope(&self, scope: &ObjKey) -> bool {
        of_cluster(&self.key, &self.cluster, scope)
    }
}
