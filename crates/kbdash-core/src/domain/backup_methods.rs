//! What type of backup a method makes, as KubeBlocks decides it (docs/kubeblocks.md#backup-types):
//! the `spec.backupType` of the method's ActionSet, found through the BackupPolicy's
//! `spec.backupMethods[].actionSetName`; a method that only snapshots volumes makes Full
//! backups. When the policy or the ActionSet cannot be read, the `backup-type` labels of the
//! Backups made with the method say it. A method's name never does: `wal-g` is a Full method.

use crate::domain::pitr::BackupKind;
use crate::rows::{BackupRow, PolicyRow};

/// What the rest of the fleet says about backup methods, beyond one cluster's own objects.
pub trait MethodFacts {
    /// `spec.backupType` of the ActionSet called `name`, when it is known.
    fn action_set_type(&self, name: &str) -> Option<BackupKind>;
    /// The type the fleet's Backups made with `method` are labelled with, when any are.
    fn labelled_type(&self, method: &str) -> Option<BackupKind>;
}

/// Knows nothing beyond the cluster.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFacts;

impl MethodFacts for NoFacts {
    fn action_set_type(&self, _name: &str) -> Option<BackupKind> {
        None
    }
    fn labelled_type(&self, _method: &str) -> Option<BackupKind> {
        None
    }
}

/// An ActionSet's `spec.backupType` (or a Backup's `backup-type` label) read as a kind;
/// `None` when empty.
pub fn parse_backup_type(text: &str) -> Option<BackupKind> {
    (!text.is_empty()).then(|| BackupKind::from_label(text))
}

/// The type of backup `method` makes for a cluster with `policies` and `backups`: from the
/// ActionSet of the method in `policy` (or, when that is not named or not listed, in any of
/// the cluster's policies), else from the labels of the cluster's Backups made with the
/// method, else from the fleet's. `None` when nothing says: callers then draw no conclusion.
pub fn method_type(
    method: &str,
    policy: Option<&str>,
    policies: &[&PolicyRow],
    backups: &[&BackupRow],
    facts: &dyn MethodFacts,
) -> Option<BackupKind> {
    let named = policies
        .iter()
        .filter(|p| policy.is_none_or(|name| p.key.name == name))
        .chain(policies.iter())
        .find_map(|p| p.method(method));
    if let Some(m) = named {
        if !m.action_set.is_empty() {
            if let Some(kind) = facts.action_set_type(m.action_set) {
                return Some(kind);
            }
        } else if m.snapshot_volumes {
            return Some(BackupKind::Full);
        }
    }
    labelled(backups, method).or_else(|| facts.labelled_type(method))
}

/// The type the `backups` made with `method` are labelled with; `None` when none is labelled
/// or they disagree.
fn labelled(backups: &[&BackupRow], method: &str) -> Option<BackupKind> {
    let mut kinds = backups
        .iter()
        .filter(|b| b.method == method)
        .filter_map(|b| parse_backup_type(&b.backup_type));
    let first = kinds.next()?;
    kinds.all(|k| k == first).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::{Atom, ObjKey, PolicyMethod};
    use std::collections::HashMap;

    struct Facts(HashMap<&'static str, BackupKind>);

    impl MethodFacts for Facts {
        fn action_set_type(&self, name: &str) -> Option<BackupKind> {
            self.0.get(name).copied()
        }
        fn labelled_type(&self, method: &str) -> Option<BackupKind> {
            (method == "elsewhere").then_some(BackupKind::Continuous)
        }
    }

    /// The addon guide's wal-g policy: `wal-g` (Full) and `wal-g-archive` (Continuous), as in
    /// `tests/fixtures/kubeblocks/backuppolicy-wal-g.yaml`.
    fn wal_g_policy() -> PolicyRow {
        let method = |name, action_set, snapshot_volumes| PolicyMethod {
            name,
            action_set,
            snapshot_volumes,
        };
        PolicyRow::new(
            ObjKey::new("demo", "pg-postgresql-backup-policy"),
            Atom::new("pg"),
            [
                method("wal-g", "postgresql-wal-g", false),
                method("wal-g-archive", "postgresql-wal-g-pitr", false),
                method("volume-snapshot", "", true),
                method("config-wal-g", "postgresql-config-wal-g", false),
            ],
        )
    }

    fn facts() -> Facts {
        Facts(HashMap::from([
            ("postgresql-wal-g", BackupKind::Full),
            ("postgresql-wal-g-pitr", BackupKind::Continuous),
        ]))
    }

    #[test]
    fn the_action_set_decides_not_the_name() {
        let p = wal_g_policy();
        let policies = [&p];
        let t = |m: &str| {
            method_type(
                m,
                Some("pg-postgresql-backup-policy"),
                &policies,
                &[],
                &facts(),
            )
        };
        assert_eq!(
            t("wal-g"),
            Some(BackupKind::Full),
            "wal-g is Full though named wal"
        );
        assert_eq!(t("wal-g-archive"), Some(BackupKind::Continuous));
        assert_eq!(t("volume-snapshot"), Some(BackupKind::Full));
        assert_eq!(t("config-wal-g"), None, "its ActionSet is not known");
        assert_eq!(
            t("archive-wal"),
            None,
            "not in the policy, no backups: unknown"
        );
        assert_eq!(
            t("elsewhere"),
            Some(BackupKind::Continuous),
            "the fleet's labels"
        );
    }

    #[test]
    fn backups_labels_stand_in_for_an_unreadable_action_set() {
        let p = wal_g_policy();
        let backup = |method: &str, label: &str| BackupRow {
            method: Atom::new(method),
            backup_type: Atom::new(label),
            ..BackupRow::default()
        };
        let a = backup("wal-g", "Full");
        let b = backup("wal-g", "Full");
        let odd = backup("pg-basebackup", "Full");
        let other = backup("pg-basebackup", "Continuous");
        let t = |m: &str, backups: &[&BackupRow]| method_type(m, None, &[&p], backups, &NoFacts);
        assert_eq!(t("wal-g", &[&a, &b]), Some(BackupKind::Full));
        assert_eq!(t("pg-basebackup", &[&odd, &other]), None, "labels disagree");
        assert_eq!(t("wal-g-archive", &[&a]), None);
    }
}
