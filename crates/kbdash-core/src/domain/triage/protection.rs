//! Whether anything backs a cluster up. A cluster with no schedule entry enabled and no recent
//! Completed backup has no backup and no point-in-time restore: a warning (a cluster restored
//! from a backup starts with every schedule entry off, as the addon's template makes them:
//! docs/kubeblocks.md#backup-types). Scheduled backups with no continuous one mean restores go
//! to a backup's end only: worth knowing, nothing broken.
//!
//! How schedules are written and turned on (a schedule entry's `enabled`, or the Cluster's
//! `spec.backup`, which the operator copies onto the schedule): docs/kubeblocks.md#schedules;
//! a continuous backup stays Running while its entry is enabled and turns Completed when it is
//! disabled or the cluster is stopped: docs/kubeblocks.md#continuous-backup.
//!
//! No false alarm on a cluster in a state where it is not expected to be backed up, so the rule
//! judges only a cluster that is up (Running, Updating, Abnormal or Failed; "up" as
//! docs/kubeblocks.md#preconditions defines it) and settled:
//! - Creating, or created within the settling time: the operator makes the schedule from the
//!   template after the cluster, and a Backup may not start before the cluster is Running
//!   (docs/kubeblocks.md#preconditions); the user has had no chance to turn backups on yet.
//! - Stopping or Stopped: stopped on purpose. Nothing writes to its data meanwhile, its
//!   continuous backup ends by design (docs/kubeblocks.md#continuous-backup), and the operator
//!   refuses a Backup on it (docs/kubeblocks.md#preconditions): there is nothing to act on.
//!   Once started it is judged again.
//! - Being deleted: what it lacks no longer matters.

use chrono::{DateTime, Duration, Utc};

use super::{ClusterGroup, Level, Thresholds, Verdict, problem};
use crate::domain::backup_methods::{MethodFacts, method_type};
use crate::domain::pitr::BackupKind;
use crate::kinds::Kind;
use crate::rows::{BackupRow, ClusterRow, ScheduleEntry, ScheduleRow};

/// Phases in which a cluster is expected to be backed up.
fn up(c: &ClusterRow) -> bool {
    c.deleting.is_none()
        && matches!(
            c.phase.as_str(),
            "Running" | "Updating" | "Abnormal" | "Failed"
        )
}

/// A backup's end (docs/kubeblocks.md#pitr: `timeRange.end`, else `completionTimestamp`).
fn end(b: &BackupRow) -> Option<DateTime<Utc>> {
    b.range_end.or(b.completed)
}

/// No backup and no PITR (warning), or no PITR (information), for cluster `c` of `group`.
pub(super) fn protection_rule(
    c: &ClusterRow,
    group: &ClusterGroup<'_>,
    facts: &dyn MethodFacts,
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    if !up(c) {
        return;
    }
    if let Some(created) = c.created
        && now - created <= limits.settle
    {
        v.recheck_at(created + limits.settle + Duration::milliseconds(1));
        return;
    }
    // A continuous backup still Running is archiving, whatever the schedule says right now.
    if group
        .backups
        .iter()
        .any(|b| b.is_continuous() && b.phase == "Running")
    {
        return;
    }
    let enabled: Vec<(&ScheduleRow, &ScheduleEntry)> = group
        .schedules
        .iter()
        .flat_map(|s| s.entries.iter().filter(|e| e.enabled).map(move |e| (*s, e)))
        .collect();
    if enabled.is_empty() {
        unprotected(c, group, limits, now, v);
        return;
    }
    let mut methods = Vec::new();
    for (s, e) in &enabled {
        let policy = (!s.policy.is_empty()).then_some(s.policy.as_str());
        match method_type(&e.method, policy, group.policies, group.backups, facts) {
            // Continuous archiving is on (whether it runs is the schedule rules' to say).
            Some(BackupKind::Continuous) => return,
            Some(_) => methods.push(e.method.as_str()),
            // Nothing says what the method makes: no conclusion.
            None => return,
        }
    }
    methods.sort_unstable();
    methods.dedup();
    v.problems.push(problem(
        Level::Info,
        Kind::Cluster,
        &c.key,
        format!(
            "no PITR: only {} backups are scheduled, no continuous backup is enabled, so a \
             restore goes to a backup's end, not to any point in time",
            methods.join(", ")
        ),
        None,
    ));
}

/// No schedule entry is enabled: a warning unless a backup Completed recently.
fn unprotected(
    c: &ClusterRow,
    group: &ClusterGroup<'_>,
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    let last = group
        .backups
        .iter()
        .filter(|b| !b.is_continuous() && b.phase == "Completed")
        .filter_map(|b| Some((end(b)?, b)))
        .max_by(|(x, a), (y, b)| x.cmp(y).then_with(|| a.key.cmp(&b.key)));
    if let Some((at, _)) = last
        && now - at <= limits.backup_age
    {
        v.recheck_at(at + limits.backup_age + Duration::milliseconds(1));
        return;
    }
    let schedules = match group.schedules {
        [] => "no backup schedule".to_string(),
        [one] => format!("every entry of backup schedule {} is off", one.key.name),
        _ => "every entry of its backup schedules is off".to_string(),
    };
    let history = match last {
        Some((at, b)) => format!(
            "the last Completed backup, {}, ended {}",
            b.key.name,
            at.format("%Y-%m-%d %H:%M")
        ),
        None => "no backup has Completed".to_string(),
    };
    v.problems.push(problem(
        Level::Warning,
        Kind::Cluster,
        &c.key,
        format!("no backup and no PITR: {schedules}, and {history}"),
        last.map(|(at, _)| at).or(c.created),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::{ObjKey, PolicyMethod, PolicyRow};
    use chrono::TimeZone;
    use std::collections::HashMap;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 5, 9, 0, 0).unwrap()
    }

    fn ago(min: i64) -> Option<DateTime<Utc>> {
        Some(now() - Duration::minutes(min))
    }

    fn key(name: &str) -> ObjKey {
        ObjKey::new("demo", name)
    }

    /// The ActionSets of the addon's methods.
    struct Facts(HashMap<&'static str, BackupKind>);

    impl MethodFacts for Facts {
        fn action_set_type(&self, name: &str) -> Option<BackupKind> {
            self.0.get(name).copied()
        }
        fn labelled_type(&self, _: &str) -> Option<BackupKind> {
            None
        }
    }

    fn facts() -> Facts {
        Facts(HashMap::from([
            ("postgresql-basebackup", BackupKind::Full),
            ("postgresql-for-pitr", BackupKind::Continuous),
        ]))
    }

    /// The policy the addon's template makes (docs/kubeblocks.md#backup-types).
    fn policy() -> PolicyRow {
        PolicyRow::new(
            key("pg-postgresql-backup-policy"),
            "pg".into(),
            [
                PolicyMethod {
                    name: "pg-basebackup",
                    action_set: "postgresql-basebackup",
                    snapshot_volumes: false,
                },
                PolicyMethod {
                    name: "archive-wal",
                    action_set: "postgresql-for-pitr",
                    snapshot_volumes: false,
                },
                PolicyMethod {
                    name: "mystery",
                    action_set: "not-listed",
                    snapshot_volumes: false,
                },
            ],
        )
    }

    /// The schedule the template makes: every entry off.
    fn schedule(enabled: &[&str]) -> ScheduleRow {
        ScheduleRow {
            key: key("pg-postgresql-backup-schedule"),
            cluster: "pg".into(),
            policy: "pg-postgresql-backup-policy".into(),
            entries: [
                ("pg-basebackup", "0 18 * * *"),
                ("archive-wal", "*/5 * * * *"),
            ]
            .iter()
            .map(|(m, cron)| ScheduleEntry {
                name: (*m).into(),
                method: (*m).into(),
                cron: (*cron).into(),
                enabled: enabled.contains(m),
                ..ScheduleEntry::default()
            })
            .collect(),
            ..ScheduleRow::default()
        }
    }

    fn full(min_ago: i64) -> BackupRow {
        BackupRow {
            key: key("pg-20250601020000"),
            cluster: "pg".into(),
            backup_type: "Full".into(),
            method: "pg-basebackup".into(),
            phase: "Completed".into(),
            created: ago(min_ago + 5),
            completed: ago(min_ago),
            ..BackupRow::default()
        }
    }

    fn cluster(phase: &str) -> ClusterRow {
        ClusterRow {
            key: key("pg"),
            created: ago(60 * 24 * 10),
            phase: phase.into(),
            desired: 2,
            ..ClusterRow::default()
        }
    }

    fn judged(c: &ClusterRow, schedules: &[ScheduleRow], backups: &[BackupRow]) -> Verdict {
        let schedules: Vec<&ScheduleRow> = schedules.iter().collect();
        let backups: Vec<&BackupRow> = backups.iter().collect();
        let policy = policy();
        let group = ClusterGroup {
            key: &c.key,
            cluster: Some(c),
            pods: &[],
            backups: &backups,
            schedules: &schedules,
            policies: &[&policy],
        };
        let mut v = Verdict::default();
        protection_rule(c, &group, &facts(), &Thresholds::default(), now(), &mut v);
        v
    }

    fn reasons(v: &Verdict) -> Vec<String> {
        v.problems
            .iter()
            .map(|p| format!("{} {}: {}", p.level.word(), p.subject, p.reason))
            .collect()
    }

    /// The engineer's case: a restored cluster, whose schedule has every entry off.
    #[test]
    fn a_cluster_with_every_schedule_entry_off() {
        let v = judged(&cluster("Running"), &[schedule(&[])], &[]);
        assert_eq!(
            reasons(&v),
            [
                "WARN Cluster demo/pg: no backup and no PITR: every entry of backup schedule \
                 pg-postgresql-backup-schedule is off, and no backup has Completed"
            ]
        );
        assert_eq!(v.problems[0].since, ago(60 * 24 * 10));
        let v = judged(&cluster("Running"), &[], &[full(60 * 24 * 5)]);
        assert_eq!(
            reasons(&v),
            [
                "WARN Cluster demo/pg: no backup and no PITR: no backup schedule, and the last \
                 Completed backup, pg-20250601020000, ended 2025-05-31 09:00"
            ]
        );
    }

    /// Someone who takes backups by hand is backed up while they are recent.
    #[test]
    fn a_recent_backup_counts() {
        let v = judged(&cluster("Running"), &[schedule(&[])], &[full(60 * 30)]);
        assert!(v.problems.is_empty(), "{v:?}");
        assert_eq!(
            v.recheck,
            Some(now() + Duration::hours(18) + Duration::milliseconds(1))
        );
    }

    #[test]
    fn scheduled_full_backups_without_a_continuous_one_is_information() {
        let v = judged(&cluster("Running"), &[schedule(&["pg-basebackup"])], &[]);
        assert_eq!(
            reasons(&v),
            [
                "INFO Cluster demo/pg: no PITR: only pg-basebackup backups are scheduled, no \
                 continuous backup is enabled, so a restore goes to a backup's end, not to any \
                 point in time"
            ]
        );
        let both = judged(
            &cluster("Running"),
            &[schedule(&["pg-basebackup", "archive-wal"])],
            &[],
        );
        assert!(both.problems.is_empty());
    }

    #[test]
    fn a_method_nothing_types_draws_no_conclusion() {
        let mut s = schedule(&[]);
        s.entries.push(ScheduleEntry {
            method: "mystery".into(),
            enabled: true,
            ..ScheduleEntry::default()
        });
        assert!(judged(&cluster("Running"), &[s], &[]).problems.is_empty());
    }

    /// No false alarm on a cluster that is not up, is new, or is still archiving.
    #[test]
    fn quiet_where_backups_are_not_expected() {
        for phase in ["Creating", "Stopping", "Stopped", "Deleting", ""] {
            let v = judged(&cluster(phase), &[schedule(&[])], &[]);
            assert!(v.problems.is_empty(), "{phase}");
        }
        let mut deleting = cluster("Running");
        deleting.deleting = ago(1);
        assert!(judged(&deleting, &[], &[]).problems.is_empty());
        let mut new = cluster("Running");
        new.created = ago(3);
        let v = judged(&new, &[schedule(&[])], &[]);
        assert!(v.problems.is_empty());
        assert_eq!(
            v.recheck,
            Some(now() + Duration::minutes(7) + Duration::milliseconds(1))
        );
        let archiving = BackupRow {
            key: key("pg-wal"),
            cluster: "pg".into(),
            backup_type: "Continuous".into(),
            method: "archive-wal".into(),
            phase: "Running".into(),
            ..BackupRow::default()
        };
        assert!(
            judged(&cluster("Running"), &[schedule(&[])], &[archiving])
                .problems
                .is_empty()
        );
    }
}
