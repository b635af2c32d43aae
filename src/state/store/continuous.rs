//! Which backup methods are continuous: a schedule entry with such a method schedules a
//! continuous backup, so the answer changes how every cluster's schedules read.

use std::collections::HashMap;

use kbdash_core::rows::{Atom, BackupRow};

/// Methods of continuous backups anywhere in the fleet, with how many backups use each.
#[derive(Debug, Clone, Default)]
pub(crate) struct ContinuousMethods {
    counts: HashMap<Atom, usize>,
}

impl ContinuousMethods {
    /// Whether some continuous backup uses `method`.
    pub(crate) fn contains(&self, method: &str) -> bool {
        self.counts.contains_key(method)
    }

    /// Counts a continuous backup's method `old` replaced by `new` (either `None` for a backup
    /// that is not, or no longer, there or continuous). Returns whether a method appeared or
    /// disappeared.
    pub(crate) fn replace(&mut self, old: Option<Atom>, new: Option<Atom>) -> bool {
        let mut changed = false;
        if let Some(method) = old
            && let Some(n) = self.counts.get_mut(&method)
        {
            *n -= 1;
            if *n == 0 {
                self.counts.remove(&method);
                changed = true;
            }
        }
        if let Some(method) = new {
            let n = self.counts.entry(method).or_insert(0);
            *n += 1;
            changed |= *n == 1;
        }
        changed
    }
}

impl<'a> FromIterator<&'a BackupRow> for ContinuousMethods {
    fn from_iter<I: IntoIterator<Item = &'a BackupRow>>(backups: I) -> ContinuousMethods {
        let mut counts = HashMap::new();
        for b in backups.into_iter().filter(|b| b.is_continuous()) {
            *counts.entry(b.method.clone()).or_insert(0) += 1;
        }
        ContinuousMethods { counts }
    }
}
