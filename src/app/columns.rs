//! The columns of each pane and how rows sort, filter and scope by them.
//!
//! Column positions here are the indices `Sort::column` refers to; the views draw the same
//! columns in the same order. Columns derived from other kinds (a cluster's READY and PRIMARY
//! come from its pods) do not sort, because their value changes without the row changing.

use crate::app::table::{SortValue, TableRow, contains_ci};
use kbdash_core::rows::{Atom, BackupRow, ClusterRow, ObjKey, OpsRow, PodRow};

/// One column of a pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    pub sortable: bool,
}

const fn col(title: &'static str, sortable: bool) -> Column {
    Column { title, sortable }
}

/// Clusters pane columns.
pub const CLUSTER_COLUMNS: &[Column] = &[
    col("NAMESPACE", true),
    col("NAME", true),
    col("VERSION", true),
    col("READY", false),
    col("PRIMARY", false),
    col("STATUS", true),
    col("LAST OP", false),
    col("PITR", false),
    col("AGE", true),
];

/// Pods pane columns.
pub const POD_COLUMNS: &[Column] = &[
    col("NAMESPACE", true),
    col("NAME", true),
    col("ROLE", true),
    col("READY", true),
    col("STATUS", true),
    col("RESTARTS", true),
    col("NODE", true),
    col("AGE", true),
];

/// OpsRequests pane columns.
pub const OPS_COLUMNS: &[Column] = &[
    col("NAMESPACE", true),
    col("NAME", true),
    col("TYPE", true),
    col("CLUSTER", true),
    col("STATUS", true),
    col("PROGRESS", false),
    col("DURATION", false),
    col("AGE", true),
    col("REASON", false),
];

/// Backups pane columns.
pub const BACKUP_COLUMNS: &[Column] = &[
    col("NAMESPACE", true),
    col("NAME", true),
    col("CLUSTER", true),
    col("TYPE", true),
    col("METHOD", true),
    col("STATUS", true),
    col("SIZE", true),
    col("TIME RANGE (UTC)", true),
    col("DURATION", false),
    col("AGE", true),
];

/// The column the Clusters and Pods panes sort by at first: NAME.
pub const DEFAULT_SORT_COLUMN: usize = 1;
/// AGE of the OpsRequests pane (its first sort: newest first).
pub const OPS_AGE_COLUMN: usize = 7;
/// AGE of the Backups pane (its first sort: newest first).
pub const BACKUP_AGE_COLUMN: usize = 9;

fn text(s: &Atom) -> Option<SortValue> {
    Some(SortValue::Text(s.clone()))
}

/// Newest first when ascending, like kubectl's AGE read top-down from youngest.
fn age(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<SortValue> {
    Some(SortValue::Num(t.map_or(i64::MIN, |t| -t.timestamp())))
}

fn any(fields: &[&str], needle: &str) -> bool {
    fields.iter().any(|f| contains_ci(f, needle))
}

impl TableRow for ClusterRow {
    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn sort_value(&self, column: usize) -> Option<SortValue> {
        match column {
            0 => text(&self.key.namespace),
            1 => text(&self.key.name),
            2 => text(&self.version),
            5 => text(&self.phase),
            8 => age(self.created),
            _ => None,
        }
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
    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn sort_value(&self, column: usize) -> Option<SortValue> {
        match column {
            0 => text(&self.key.namespace),
            1 => text(&self.key.name),
            2 => text(&self.role),
            3 => Some(SortValue::Num(i64::from(self.ready_containers))),
            4 => text(&self.status),
            5 => Some(SortValue::Num(i64::from(self.restarts))),
            6 => text(&self.node),
            7 => age(self.created),
            _ => None,
        }
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
        self.key.namespace == scope.namespace && self.cluster == scope.name
    }
}

impl TableRow for OpsRow {
    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn sort_value(&self, column: usize) -> Option<SortValue> {
        match column {
            0 => text(&self.key.namespace),
            1 => text(&self.key.name),
            2 => text(&self.op_type),
            3 => text(&self.cluster),
            4 => text(&self.phase),
            7 => age(self.created),
            _ => None,
        }
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
        self.key.namespace == scope.namespace && self.cluster == scope.name
    }
}

impl TableRow for BackupRow {
    fn key(&self) -> &ObjKey {
        &self.key
    }
    fn sort_value(&self, column: usize) -> Option<SortValue> {
        match column {
            0 => text(&self.key.namespace),
            1 => text(&self.key.name),
            2 => text(&self.cluster),
            3 => text(&self.backup_type),
            4 => text(&self.method),
            5 => text(&self.phase),
            6 => Some(SortValue::Num(
                self.size_bytes
                    .map_or(-1, |s| i64::try_from(s).unwrap_or(i64::MAX)),
            )),
            7 => Some(SortValue::Num(
                self.range_start.map_or(i64::MIN, |t| t.timestamp()),
            )),
            9 => age(self.created),
            _ => None,
        }
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
        self.key.namespace == scope.namespace && self.cluster == scope.name
    }
}
