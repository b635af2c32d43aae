//! How a continuous backup's WAL archiving is doing: one verdict, which triage, the Clusters
//! pane, the wall and the backup detail all show.
//!
//! Only evidence of failure makes it a fault (docs/kubeblocks.md#continuous-backup): the
//! backup `Failed`, or its archiver StatefulSet with no available pod (kbcli's
//! `Running(AvailablePods: 0)`). `timeRange.end` is the last commit of the last uploaded WAL
//! segment, and an idle database uploads none (`archive-wal` switches segments only after
//! transactions, `wal-g-archive` never forces a switch), so an old end alone is shown as
//! information: recoverable up to then, no new WAL since.

use chrono::{DateTime, Duration, Utc};

use crate::rows::BackupRow;

/// The state of a continuous backup's archiving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Archiving {
    /// Not archiving yet: the backup is not Running (New, or no phase).
    Starting,
    /// Running, and WAL arrived within the quiet threshold (or no time range yet).
    Current {
        /// `timeRange.end`.
        end: Option<DateTime<Utc>>,
    },
    /// Running, with no new WAL for longer than the quiet threshold and no sign of failure.
    Quiet {
        /// `timeRange.end`: the latest recoverable time.
        end: DateTime<Utc>,
    },
    /// Running, but the archiver StatefulSet has no available pod.
    Down {
        /// `timeRange.end`.
        end: Option<DateTime<Utc>>,
    },
    /// The backup Failed.
    Failed {
        /// `status.failureReason`.
        reason: String,
        /// When it ended, where known.
        at: Option<DateTime<Utc>>,
    },
    /// Stopped (Completed): its schedule entry was disabled or the cluster stopped or deleted.
    Stopped {
        /// `timeRange.end`.
        end: Option<DateTime<Utc>>,
    },
}

/// The verdict on continuous backup `b` at `now`; `quiet_after` is how long without new WAL
/// is worth saying so.
pub fn archiving(b: &BackupRow, quiet_after: Duration, now: DateTime<Utc>) -> Archiving {
    let end = b.range_end;
    match b.phase.as_str() {
        "Failed" => Archiving::Failed {
            reason: b.failure_reason.clone(),
            at: b.completed.or(end).or(b.created),
        },
        "Completed" => Archiving::Stopped { end },
        "Running" if b.archiver_pods == Some(0) => Archiving::Down { end },
        "Running" => match end {
            Some(end) if now - end > quiet_after => Archiving::Quiet { end },
            _ => Archiving::Current { end },
        },
        _ => Archiving::Starting,
    }
}

impl Archiving {
    /// Whether this is a fault someone must act on.
    pub fn is_fault(&self) -> bool {
        matches!(self, Archiving::Down { .. } | Archiving::Failed { .. })
    }

    /// One line for people, e.g. `recoverable up to 01:24:48, no new WAL since`.
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        let upto = |end: &Option<DateTime<Utc>>| match end {
            Some(t) => format!("recoverable up to {}", when(*t, now)),
            None => "no time range yet".to_string(),
        };
        match self {
            Archiving::Starting => "not archiving yet".to_string(),
            Archiving::Current { end } => format!("archiving, {}", upto(end)),
            Archiving::Quiet { end } => {
                format!("recoverable up to {}, no new WAL since", when(*end, now))
            }
            Archiving::Down { end } => format!(
                "WAL archiver down: Running(AvailablePods: 0), {}",
                upto(end)
            ),
            Archiving::Failed { reason, .. } if reason.is_empty() => {
                "continuous backup Failed".to_string()
            }
            Archiving::Failed { reason, .. } => format!("continuous backup Failed: {reason}"),
            Archiving::Stopped { end } => format!("stopped, {}", upto(end)),
        }
    }
}

/// `HH:MM:SS` (UTC) on `now`'s day, the date too on another.
fn when(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if t.date_naive() == now.date_naive() {
        t.format("%H:%M:%S").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::Atom;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 3, 10, 30, 0).unwrap()
    }

    fn running(end_min_ago: i64, pods: Option<u32>) -> BackupRow {
        BackupRow {
            phase: Atom::new("Running"),
            backup_type: Atom::new("Continuous"),
            range_end: Some(now() - Duration::minutes(end_min_ago)),
            archiver_pods: pods,
            ..BackupRow::default()
        }
    }

    #[test]
    fn an_old_end_without_evidence_is_quiet_not_a_fault() {
        let quiet = archiving(&running(65, Some(1)), Duration::minutes(10), now());
        assert!(!quiet.is_fault());
        assert_eq!(
            quiet.describe(now()),
            "recoverable up to 09:25:00, no new WAL since"
        );
        let current = archiving(&running(2, Some(1)), Duration::minutes(10), now());
        assert_eq!(
            current.describe(now()),
            "archiving, recoverable up to 10:28:00"
        );
        let unknown_pods = archiving(&running(600, None), Duration::minutes(10), now());
        assert!(matches!(unknown_pods, Archiving::Quiet { .. }));
    }

    #[test]
    fn no_available_archiver_pod_or_failure_is_a_fault() {
        let down = archiving(&running(1, Some(0)), Duration::minutes(10), now());
        assert!(down.is_fault());
        assert_eq!(
            down.describe(now()),
            "WAL archiver down: Running(AvailablePods: 0), recoverable up to 10:29:00"
        );
        let failed = BackupRow {
            phase: Atom::new("Failed"),
            failure_reason: "pod evicted".into(),
            ..running(30, Some(0))
        };
        let v = archiving(&failed, Duration::minutes(10), now());
        assert!(v.is_fault());
        assert_eq!(v.describe(now()), "continuous backup Failed: pod evicted");
    }

    #[test]
    fn stopped_and_older_days() {
        let stopped = BackupRow {
            phase: Atom::new("Completed"),
            ..running(60 * 30, None)
        };
        let v = archiving(&stopped, Duration::minutes(10), now());
        assert!(!v.is_fault());
        assert_eq!(
            v.describe(now()),
            "stopped, recoverable up to 2025-06-02 04:30:00"
        );
        let new = BackupRow {
            phase: Atom::new("New"),
            ..BackupRow::default()
        };
        assert_eq!(
            archiving(&new, Duration::minutes(10), now()),
            Archiving::Starting
        );
    }
}
