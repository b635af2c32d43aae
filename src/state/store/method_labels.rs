//! What type the fleet's Backups say each backup method makes (their `backup-type` label): the
//! stand-in for a method's ActionSet when that cannot be read (docs/kubeblocks.md#backup-types).
//! A schedule entry's rules depend on the answer, so its change concerns every cluster.

use std::collections::HashMap;

use kbdash_core::domain::backup_methods::parse_backup_type;
use kbdash_core::domain::pitr::BackupKind;
use kbdash_core::rows::{Atom, BackupRow};

/// Per method, how many Backups are labelled with each type.
#[derive(Debug, Clone, Default)]
pub(crate) struct MethodLabels {
    counts: HashMap<Atom, HashMap<BackupKind, usize>>,
}

/// A backup's method and labelled type, if it has one.
fn labelled(b: &BackupRow) -> Option<(Atom, BackupKind)> {
    Some((b.method.clone(), parse_backup_type(&b.backup_type)?))
}

impl MethodLabels {
    /// The type `method`'s Backups are labelled with, when they agree.
    pub(crate) fn kind(&self, method: &str) -> Option<BackupKind> {
        let kinds = self.counts.get(method)?;
        let mut it = kinds.keys();
        match (it.next(), it.next()) {
            (Some(k), None) => Some(*k),
            _ => None,
        }
    }

    /// Counts backup `new` in place of `old` (either `None` when absent). Returns whether a
    /// method's answer may have changed: a (method, type) pair appeared or disappeared.
    pub(crate) fn replace(&mut self, old: Option<&BackupRow>, new: Option<&BackupRow>) -> bool {
        let (old, new) = (old.and_then(labelled), new.and_then(labelled));
        if old == new {
            return false;
        }
        let mut changed = false;
        if let Some((method, kind)) = old
            && let Some(kinds) = self.counts.get_mut(&method)
            && let Some(n) = kinds.get_mut(&kind)
        {
            *n -= 1;
            if *n == 0 {
                kinds.remove(&kind);
                if kinds.is_empty() {
                    self.counts.remove(&method);
                }
                changed = true;
            }
        }
        if let Some((method, kind)) = new {
            let n = self
                .counts
                .entry(method)
                .or_default()
                .entry(kind)
                .or_insert(0);
            *n += 1;
            changed |= *n == 1;
        }
        changed
    }
}
