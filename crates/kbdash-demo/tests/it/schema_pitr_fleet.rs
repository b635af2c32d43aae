//! The PITR rules on the seeded demo fleet: every cluster with a continuous backup has a
//! recoverable window, and a time inside it passes the operator's checks with a base backup.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kbdash_core::domain::pitr::{self, BackupFacts, BackupKind};
use kbdash_core::kinds::Kind;
use kbdash_demo::seed::{SeedConfig, seed};
use kbdash_demo::store::Store;

#[test]
fn every_seeded_continuous_backup_has_a_window() {
    let start: DateTime<Utc> = "2025-06-03T10:00:00Z".parse().unwrap();
    let store = Store::new(100_000, Arc::new(move || start), 7);
    seed(&store, &SeedConfig::default());
    let backups: Vec<BackupFacts> = store
        .list(Kind::Backup, None)
        .0
        .iter()
        .filter_map(|o| BackupFacts::from_backup(&o.value()))
        .collect();
    let continuous: Vec<&BackupFacts> = backups
        .iter()
        .filter(|b| b.kind == BackupKind::Continuous)
        .collect();
    assert!(!continuous.is_empty(), "the seed has continuous backups");
    for cont in continuous {
        let window = pitr::recoverable_window(cont, &backups)
            .unwrap_or_else(|e| panic!("{}: {e}", cont.name));
        let middle = window.start + (window.end - window.start) / 2;
        let base = pitr::check_restore_time(cont, &backups, middle).unwrap();
        assert!(base.end_time().unwrap() <= middle);
        assert!(pitr::check_restore_time(cont, &backups, window.end).is_ok());
        assert!(
            pitr::check_restore_time(cont, &backups, window.end + chrono::Duration::seconds(1))
                .is_err()
        );
    }
}
