//! How a continuous backup's WAL archiving is doing: one verdict, which triage, the Clusters
//! pane, the wall and the backup detail all show.
//!
//! Only evidence of failure makes it a fault (docs/kubeblocks.md#continuous-backup): the
//! backup `Failed`, or its archiver StatefulSet with no available pod (kbcli's
//! `Running(AvailablePods: 0)`). `timeRange.end` is the last commit of the last uploaded WAL
//! segment, and an idle database uploads none (`archive-wal` switches segments only after
//! transactions, `wal-g-archive` never forces a switch), so an old end alone is shown as
//! information: recoverable up to then, no new WAL since.
//!
//! A time of the backup ahead of this machine's clock (beyond the skew tolerated) is not
//! believed: an end in year 9999 would "lag by 0s" forever and hide any stall, so the verdict
//! is [`Archiving::Future`], never current.

use chrono::{DateTime, Utc};

use crate::domain::triage::Thresholds;
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
    /// Running or stopped, but one of its times is later than the clock allows: how far
    /// behind the archive is cannot be told.
    Future {
        /// Which time: `time range end`, `time range start`, `completed` or `created`.
        field: &'static str,
        /// Its value.
        at: DateTime<Utc>,
    },
}

/// The verdict on continuous backup `b` at `now`: `limits.wal_quiet` is how long without new
/// WAL is worth saying so, `limits.clock_skew` how far ahead of `now` a time may be.
pub fn archiving(b: &BackupRow, limits: &Thresholds, now: DateTime<Utc>) -> Archiving {
    let end = b.range_end;
    let ahead = [
        ("time range end", b.range_end),
        ("time range start", b.range_start),
        ("completed", b.completed),
        ("created", b.created),
    ]
    .into_iter()
    .find_map(|(field, t)| Some((field, t?)).filter(|(_, t)| *t > now + limits.clock_skew));
    match (b.phase.as_str(), ahead) {
        ("Failed", _) => Archiving::Failed {
            reason: b.failure_reason.clone(),
            at: b.completed.or(end).or(b.created),
        },
        ("Running", _) if b.archiver_pods == Some(0) => Archiving::Down { end },
        ("Running" | "Completed", Some((field, at))) => Archiving::Future { field, at },
        ("Completed", None) => Archiving::Stopped { end },
        ("Running", None) => match end {
            Some(end) if now - end > limits.wal_quiet => Archiving::Quiet { end },
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
            Archiving::Future { field, at } => format!(
                "{field} {} is in the future: how far behind archiving is cannot be told",
                at.format("%Y-%m-%d %H:%M:%S")
            ),
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
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 3, 10, 30, 0).unwrap()
    }

    fn limits() -> Thresholds {
        Thresholds::default()
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
        let quiet = archiving(&running(65, Some(1)), &limits(), now());
        assert!(!quiet.is_fault());
        assert_eq!(
            quiet.describe(now()),
            "recoverable up to 09:25:00, no new WAL since"
        );
        let current = archiving(&running(2, Some(1)), &limits(), now());
        assert_eq!(
            current.describe(now()),
            "archiving, recoverable up to 10:28:00"
        );
        let unknown_pods = archiving(&running(600, None), &limits(), now());
        assert!(matches!(unknown_pods, Archiving::Quiet { .. }));
    }

    #[test]
    fn no_available_archiver_pod_or_failure_is_a_fault() {
        let down = archiving(&running(1, Some(0)), &limits(), now());
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
        let v = archiving(&failed, &limits(), now());
        assert!(v.is_fault());
        assert_eq!(v.describe(now()), "continuous backup Failed: pod evicted");
    }

    #[test]
    fn stopped_and_older_days() {
        let stopped = BackupRow {
            phase: Atom::new("Completed"),
            ..running(60 * 30, None)
        };
        let v = archiving(&stopped, &limits(), now());
        assert!(!v.is_fault());
        assert_eq!(
            v.describe(now()),
            "stopped, recoverable up to 2025-06-02 04:30:00"
        );
        let new = BackupRow {
            phase: Atom::new("New"),
            ..BackupRow::default()
        };
        assert_eq!(archiving(&new, &limits(), now()), Archiving::Starting);
    }

    /// An end in year 9999 never lags: it would hide any stall behind "lag 0s".
    #[test]
    fn a_time_ahead_of_the_clock_is_not_current() {
        let year_9999 = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
        let b = BackupRow {
            range_end: Some(year_9999),
            ..running(0, Some(1))
        };
        let v = archiving(&b, &limits(), now());
        assert_eq!(
            v,
            Archiving::Future {
                field: "time range end",
                at: year_9999
            }
        );
        assert!(!v.is_fault(), "triage's dates rule warns of it");
        assert_eq!(
            v.describe(now()),
            "time range end 9999-12-31 23:59:59 is in the future: how far behind archiving is \
             cannot be told"
        );
        let stopped = BackupRow {
            phase: Atom::new("Completed"),
            completed: Some(now() + Duration::hours(2)),
            ..running(30, None)
        };
        assert!(matches!(
            archiving(&stopped, &limits(), now()),
            Archiving::Future {
                field: "completed",
                ..
            }
        ));
        // Within the clock skew tolerated, the end is believed.
        let close = BackupRow {
            range_end: Some(now() + Duration::minutes(2)),
            ..running(0, Some(1))
        };
        assert!(matches!(
            archiving(&close, &limits(), now()),
            Archiving::Current { .. }
        ));
        // Evidence of failure still wins.
        let down = BackupRow {
            range_end: Some(year_9999),
            ..running(0, Some(0))
        };
        assert!(archiving(&down, &limits(), now()).is_fault());
    }
}
