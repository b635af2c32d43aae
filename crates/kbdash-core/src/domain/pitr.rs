//! The point-in-time-restore window, computed as the KubeBlocks 1.0 operator computes it.
//!
//! A time `t` is restorable from a continuous backup when `t` lies in the continuous backup's
//! `[timeRange.start, timeRange.end]` (inclusive, `pkg/operations/restore.go`) and a Completed
//! Full or Incremental backup of the same cluster ends at or before `t` and not before the
//! continuous start; the latest such backup is the base the restore replays WAL onto
//! (`pkg/dataprotection/restore/manager.go`, `getBaseBackupActionSetForContinuous`). The
//! recoverable window is therefore `[earliest qualifying base end, continuous end]`.
//!
//! Times are absolute instants: `timeRange.timeZone` (e.g. `+08:00`) only says how the times
//! are meant to be displayed, and a time written with an offset denotes the same instant as
//! its UTC form. Pure code: callers map Backup objects (or their own rows) onto
//! [`BackupFacts`], for instance with [`BackupFacts::from_backup`].

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::Value;

/// Label carrying the backup type (`Full`, `Incremental`, `Continuous`, ...).
pub(crate) const BACKUP_TYPE_LABEL: &str = "dataprotection.kubeblocks.io/backup-type";
/// Label carrying the cluster UID.
pub(crate) const CLUSTER_UID_LABEL: &str = "dataprotection.kubeblocks.io/cluster-uid";
/// Label carrying the cluster name.
pub(crate) const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";
/// Label carrying the component name.
pub(crate) const COMPONENT_LABEL: &str = "apps.kubeblocks.io/component-name";

/// What kind of backup a Backup is, from its `backup-type` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BackupKind {
    /// A whole copy of the data (`Full`), e.g. `pg-basebackup` or a volume snapshot.
    Full,
    /// Changes since an earlier backup (`Incremental`).
    Incremental,
    /// A WAL archive that grows while it runs (`Continuous`), e.g. `archive-wal`.
    Continuous,
    /// Differential, Selective, or no label.
    Other,
}

impl BackupKind {
    /// Maps the `dataprotection.kubeblocks.io/backup-type` label value.
    pub(crate) fn from_label(label: &str) -> BackupKind {
        match label {
            "Full" => BackupKind::Full,
            "Incremental" => BackupKind::Incremental,
            "Continuous" => BackupKind::Continuous,
            _ => BackupKind::Other,
        }
    }

    /// Whether a continuous restore can start from a backup of this kind.
    pub fn can_be_base(self) -> bool {
        matches!(self, BackupKind::Full | BackupKind::Incremental)
    }
}

/// `status.timeRange` of a Backup; either end may be missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TimeRange {
    pub(crate) start: Option<DateTime<Utc>>,
    pub(crate) end: Option<DateTime<Utc>>,
    /// `timeZone`, for display only.
    pub(crate) time_zone: Option<FixedOffset>,
}

/// The facts about one Backup that the PITR rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFacts {
    /// The Backup's `metadata.name`.
    pub name: String,
    /// Its `metadata.namespace`.
    pub namespace: String,
    /// Cluster name (`app.kubernetes.io/instance` label).
    pub cluster: String,
    /// `dataprotection.kubeblocks.io/cluster-uid` label, when present.
    pub(crate) cluster_uid: Option<String>,
    /// `apps.kubeblocks.io/component-name` label, when present.
    pub(crate) component: Option<String>,
    /// `spec.backupPolicyName`.
    pub(crate) backup_policy: String,
    /// From the `dataprotection.kubeblocks.io/backup-type` label.
    pub kind: BackupKind,
    /// `status.phase` as written (`New`, `Running`, `Completed`, `Failed`, ...; empty if unset).
    pub phase: String,
    pub(crate) time_range: Option<TimeRange>,
    /// `status.completionTimestamp`.
    pub(crate) completion: Option<DateTime<Utc>>,
}

/// Parses a Kubernetes timestamp (RFC 3339, any offset) into UTC.
pub(crate) fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Parses a `timeRange.timeZone` such as `+08:00`.
pub(crate) fn parse_time_zone(s: &str) -> Option<FixedOffset> {
    let sign = match s.get(..1)? {
        "+" => 1,
        "-" => -1,
        _ => return None,
    };
    let (h, m) = s.get(1..)?.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

impl BackupFacts {
    /// Reads the facts from a Backup object as JSON; `None` when it has no name.
    pub fn from_backup(obj: &Value) -> Option<BackupFacts> {
        let meta = obj.get("metadata")?;
        let label = |k: &str| {
            meta.get("labels")
                .and_then(|l| l.get(k))
                .and_then(Value::as_str)
        };
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_owned();
        let status = obj.get("status");
        let time_range = status.and_then(|s| s.get("timeRange")).map(|r| TimeRange {
            start: r
                .get("start")
                .and_then(Value::as_str)
                .and_then(parse_timestamp),
            end: r
                .get("end")
                .and_then(Value::as_str)
                .and_then(parse_timestamp),
            time_zone: r
                .get("timeZone")
                .and_then(Value::as_str)
                .and_then(parse_time_zone),
        });
        Some(BackupFacts {
            name: meta.get("name")?.as_str()?.to_owned(),
            namespace: text(meta.get("namespace")),
            cluster: label(INSTANCE_LABEL).unwrap_or_default().to_owned(),
            cluster_uid: label(CLUSTER_UID_LABEL).map(str::to_owned),
            component: label(COMPONENT_LABEL).map(str::to_owned),
            backup_policy: text(obj.get("spec").and_then(|s| s.get("backupPolicyName"))),
            kind: BackupKind::from_label(label(BACKUP_TYPE_LABEL).unwrap_or_default()),
            phase: text(status.and_then(|s| s.get("phase"))),
            time_range,
            completion: status
                .and_then(|s| s.get("completionTimestamp"))
                .and_then(Value::as_str)
                .and_then(parse_timestamp),
        })
    }

    /// When the backup's data ends: `timeRange.end`, else the completion time (the operator's
    /// `GetEndTime`).
    pub fn end_time(&self) -> Option<DateTime<Utc>> {
        self.time_range.and_then(|r| r.end).or(self.completion)
    }

    /// The `[start, end]` of a usable range: both ends present and in order.
    pub fn valid_range(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let r = self.time_range?;
        let (start, end) = (r.start?, r.end?);
        (start <= end).then_some((start, end))
    }

    /// Whether `other` belongs to the same cluster and component, matched on the labels this
    /// (continuous) backup carries, as the operator lists base backups.
    fn same_source(&self, other: &BackupFacts) -> bool {
        let uid_ok = self.cluster_uid.is_none() || self.cluster_uid == other.cluster_uid;
        let name_ok = self.cluster.is_empty() || self.cluster == other.cluster;
        let comp_ok = self.component.is_none() || self.component == other.component;
        // Without any of those labels the operator falls back to matching the policy.
        let labelled =
            self.cluster_uid.is_some() || !self.cluster.is_empty() || self.component.is_some();
        let policy_ok = labelled || self.backup_policy == other.backup_policy;
        self.namespace == other.namespace && uid_ok && name_ok && comp_ok && policy_ok
    }
}

/// Why a time cannot be restored, worded like the operator where it has a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PitrError {
    /// The backup chosen as the continuous side is a full (or other) backup.
    #[error("backup {name} is not a continuous backup")]
    NotContinuous {
        /// The backup's name.
        name: String,
    },
    /// The continuous backup is neither Running nor Completed (e.g. Failed).
    #[error("continuous backup {name} is {phase}, not Running or Completed")]
    ContinuousNotActive {
        /// The backup's name.
        name: String,
        /// Its `status.phase`, verbatim.
        phase: String,
    },
    /// Missing start or end, or start after end.
    #[error("invalid timeRange of the backup")]
    InvalidTimeRange,
    /// No Completed full backup ends inside the continuous range: nothing is restorable.
    #[error(
        "no Completed full or incremental backup of cluster {cluster} ends between {start} and {end}"
    )]
    NoWindow {
        /// The cluster the continuous backup belongs to.
        cluster: String,
        /// Start of the continuous backup's range.
        start: DateTime<Utc>,
        /// End of the continuous backup's range.
        end: DateTime<Utc>,
    },
    /// The time lies outside the continuous backup's range.
    #[error(
        "restore-to-time is out of time range, you can view the recoverable time: \n\tkbcli cluster describe {cluster} -n {namespace}"
    )]
    OutOfRange {
        /// The cluster the continuous backup belongs to.
        cluster: String,
        /// Its namespace.
        namespace: String,
    },
    /// No Completed full or incremental backup of the same source ends between the start of
    /// the continuous range and the time.
    #[error(
        "can not found latest full or incremental backup based on backupPolicy \"{policy}\" and specified restoreTime \"{}\"",
        go_time(.restore_time)
    )]
    NoBaseBackup {
        /// The continuous backup's `spec.backupPolicyName`.
        policy: String,
        /// The time asked for.
        restore_time: DateTime<Utc>,
    },
}

/// A `time.Time` as Go's `String()` prints a UTC time.
fn go_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S +0000 UTC").to_string()
}

/// The times a continuous backup can restore to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoverableWindow {
    /// End of the earliest qualifying base backup.
    pub start: DateTime<Utc>,
    /// End of the continuous backup's range.
    pub end: DateTime<Utc>,
    /// The continuous backup's own range (the window lies inside it).
    pub(crate) continuous_start: DateTime<Utc>,
    /// Name of the base backup whose end opens the window.
    pub(crate) earliest_base: String,
}

impl RecoverableWindow {
    /// Whether `t` lies in the window (both ends included).
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t <= self.end
    }
}

/// Checks that a backup can serve as the continuous side of a PITR restore and returns its
/// range.
fn continuous_range(cont: &BackupFacts) -> Result<(DateTime<Utc>, DateTime<Utc>), PitrError> {
    if cont.kind != BackupKind::Continuous {
        return Err(PitrError::NotContinuous {
            name: cont.name.clone(),
        });
    }
    if !matches!(cont.phase.as_str(), "Running" | "Completed") {
        return Err(PitrError::ContinuousNotActive {
            name: cont.name.clone(),
            phase: if cont.phase.is_empty() {
                "without a phase".to_owned()
            } else {
                cont.phase.clone()
            },
        });
    }
    cont.valid_range().ok_or(PitrError::InvalidTimeRange)
}

/// Completed Full/Incremental backups of the continuous backup's cluster that end at or
/// after its start, with their end times.
fn base_candidates<'a>(
    cont: &'a BackupFacts,
    cont_start: DateTime<Utc>,
    backups: &'a [BackupFacts],
) -> impl Iterator<Item = (&'a BackupFacts, DateTime<Utc>)> + 'a {
    backups
        .iter()
        .filter(move |b| b.kind.can_be_base() && b.phase == "Completed" && cont.same_source(b))
        .filter_map(move |b| {
            b.end_time()
                .filter(|end| *end >= cont_start)
                .map(|e| (b, e))
        })
}

/// The recoverable window of a continuous backup given the cluster's other backups.
pub fn recoverable_window(
    cont: &BackupFacts,
    backups: &[BackupFacts],
) -> Result<RecoverableWindow, PitrError> {
    let (start, end) = continuous_range(cont)?;
    base_candidates(cont, start, backups)
        .filter(|(_, e)| *e <= end)
        .min_by_key(|(b, e)| (*e, b.name.clone()))
        .map(|(b, e)| RecoverableWindow {
            start: e,
            end,
            continuous_start: start,
            earliest_base: b.name.clone(),
        })
        .ok_or_else(|| PitrError::NoWindow {
            cluster: cont.cluster.clone(),
            start,
            end,
        })
}

/// The base backup the operator picks for a restore to `t`: the qualifying backup with the
/// latest end at or before `t`. Does not check that `t` is inside the continuous range.
pub(crate) fn base_backup_for<'a>(
    cont: &BackupFacts,
    backups: &'a [BackupFacts],
    t: DateTime<Utc>,
) -> Option<&'a BackupFacts> {
    let start = cont.valid_range()?.0;
    backups
        .iter()
        .filter(|b| b.kind.can_be_base() && b.phase == "Completed" && cont.same_source(b))
        .filter_map(|b| {
            b.end_time()
                .filter(|end| *end >= start && *end <= t)
                .map(|e| (b, e))
        })
        .max_by_key(|(b, e)| (*e, b.name.clone()))
        .map(|(b, _)| b)
}

/// Checks a restore to `t` the way the operator does (time range first, then the base
/// backup) and returns the base backup.
pub fn check_restore_time<'a>(
    cont: &BackupFacts,
    backups: &'a [BackupFacts],
    t: DateTime<Utc>,
) -> Result<&'a BackupFacts, PitrError> {
    let (start, end) = continuous_range(cont)?;
    if t < start || t > end {
        return Err(PitrError::OutOfRange {
            cluster: cont.cluster.clone(),
            namespace: cont.namespace.clone(),
        });
    }
    base_backup_for(cont, backups, t).ok_or_else(|| PitrError::NoBaseBackup {
        policy: cont.backup_policy.clone(),
        restore_time: t,
    })
}

/// The continuous backup a cluster's PITR uses: among its Continuous backups, a Running one
/// first, then the one whose range ends last.
pub fn continuous_backup_of<'a>(
    backups: &'a [BackupFacts],
    namespace: &str,
    cluster: &str,
) -> Option<&'a BackupFacts> {
    backups
        .iter()
        .filter(|b| {
            b.kind == BackupKind::Continuous && b.namespace == namespace && b.cluster == cluster
        })
        .max_by_key(|b| (b.phase == "Running", b.end_time(), b.name.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_timestamp(s).unwrap()
    }

    fn backup(
        name: &str,
        kind: BackupKind,
        phase: &str,
        range: Option<(&str, &str)>,
    ) -> BackupFacts {
        BackupFacts {
            name: name.into(),
            namespace: "demo".into(),
            cluster: "pg".into(),
            cluster_uid: Some("uid-1".into()),
            component: Some("postgresql".into()),
            backup_policy: "pg-postgresql-backup-policy".into(),
            kind,
            phase: phase.into(),
            time_range: range.map(|(s, e)| TimeRange {
                start: parse_timestamp(s),
                end: parse_timestamp(e),
                time_zone: None,
            }),
            completion: None,
        }
    }

    fn cont() -> BackupFacts {
        backup(
            "wal",
            BackupKind::Continuous,
            "Running",
            Some(("2025-06-02T08:00:00Z", "2025-06-03T10:00:00Z")),
        )
    }

    fn full(name: &str, end: &str) -> BackupFacts {
        backup(
            name,
            BackupKind::Full,
            "Completed",
            Some(("2025-06-01T00:00:00Z", end)),
        )
    }

    #[test]
    fn window_starts_at_earliest_full_backup_inside_the_range() {
        let backups = vec![
            full("before", "2025-06-02T07:59:59Z"),
            full("first", "2025-06-02T09:00:00Z"),
            full("second", "2025-06-03T02:00:00Z"),
            full("after", "2025-06-03T11:00:00Z"),
        ];
        let w = recoverable_window(&cont(), &backups).unwrap();
        assert_eq!(w.start, t("2025-06-02T09:00:00Z"));
        assert_eq!(w.end, t("2025-06-03T10:00:00Z"));
        assert_eq!(w.earliest_base, "first");
        assert!(w.contains(t("2025-06-02T09:00:00Z")));
        assert!(w.contains(t("2025-06-03T10:00:00Z")));
        assert!(!w.contains(t("2025-06-02T08:59:59Z")));
    }

    #[test]
    fn no_full_backup_inside_the_range_means_no_window() {
        let backups = vec![
            full("before", "2025-06-02T07:00:00Z"),
            full("after", "2025-06-03T11:00:00Z"),
        ];
        assert!(matches!(
            recoverable_window(&cont(), &backups),
            Err(PitrError::NoWindow { .. })
        ));
        let err = check_restore_time(&cont(), &backups, t("2025-06-03T09:00:00Z")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "can not found latest full or incremental backup based on backupPolicy \"pg-postgresql-backup-policy\" and specified restoreTime \"2025-06-03 09:00:00 +0000 UTC\""
        );
    }

    #[test]
    fn the_base_is_the_latest_full_backup_ending_at_or_before_t() {
        let backups = vec![
            full("first", "2025-06-02T09:00:00Z"),
            full("second", "2025-06-03T02:00:00Z"),
        ];
        let c = cont();
        let pick = |s| check_restore_time(&c, &backups, t(s)).map(|b| b.name.clone());
        assert_eq!(pick("2025-06-03T01:59:59Z").unwrap(), "first");
        assert_eq!(pick("2025-06-03T02:00:00Z").unwrap(), "second");
        assert_eq!(pick("2025-06-03T10:00:00Z").unwrap(), "second");
        // A full backup that ends after t cannot be the base.
        assert!(matches!(
            pick("2025-06-02T08:30:00Z"),
            Err(PitrError::NoBaseBackup { .. })
        ));
    }

    #[test]
    fn full_backup_ending_exactly_at_the_continuous_start_qualifies() {
        let backups = vec![full("edge", "2025-06-02T08:00:00Z")];
        let w = recoverable_window(&cont(), &backups).unwrap();
        assert_eq!(w.start, t("2025-06-02T08:00:00Z"));
        assert_eq!(
            check_restore_time(&cont(), &backups, t("2025-06-02T08:00:00Z"))
                .unwrap()
                .name,
            "edge"
        );
    }

    #[test]
    fn times_outside_the_continuous_range_are_refused_with_the_operator_message() {
        let backups = vec![full("first", "2025-06-02T09:00:00Z")];
        let err = check_restore_time(&cont(), &backups, t("2025-06-03T10:00:01Z")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "restore-to-time is out of time range, you can view the recoverable time: \n\tkbcli cluster describe pg -n demo"
        );
        assert!(check_restore_time(&cont(), &backups, t("2025-06-02T07:59:59Z")).is_err());
    }

    #[test]
    fn missing_or_inverted_time_range_is_invalid() {
        let backups = vec![full("first", "2025-06-02T09:00:00Z")];
        let mut c = cont();
        c.time_range = None;
        assert_eq!(
            recoverable_window(&c, &backups),
            Err(PitrError::InvalidTimeRange)
        );
        c.time_range = Some(TimeRange {
            start: Some(t("2025-06-02T08:00:00Z")),
            end: None,
            time_zone: None,
        });
        assert_eq!(
            recoverable_window(&c, &backups),
            Err(PitrError::InvalidTimeRange)
        );
        c.time_range = Some(TimeRange {
            start: Some(t("2025-06-03T10:00:00Z")),
            end: Some(t("2025-06-02T08:00:00Z")),
            time_zone: None,
        });
        let err = check_restore_time(&c, &backups, t("2025-06-02T09:00:00Z")).unwrap_err();
        assert_eq!(err.to_string(), "invalid timeRange of the backup");
    }

    #[test]
    fn continuous_backup_must_be_running_or_completed() {
        let backups = vec![full("first", "2025-06-02T09:00:00Z")];
        let mut c = cont();
        c.phase = "Completed".into();
        assert!(recoverable_window(&c, &backups).is_ok());
        for phase in ["Failed", "New", "Deleting", ""] {
            c.phase = phase.into();
            assert!(matches!(
                recoverable_window(&c, &backups),
                Err(PitrError::ContinuousNotActive { .. })
            ));
        }
        let not_cont = full("x", "2025-06-02T09:00:00Z");
        assert!(matches!(
            recoverable_window(&not_cont, &backups),
            Err(PitrError::NotContinuous { .. })
        ));
    }

    #[test]
    fn only_completed_full_or_incremental_backups_of_the_same_cluster_count() {
        let mut failed = full("failed", "2025-06-02T09:00:00Z");
        failed.phase = "Failed".into();
        let mut other_cluster = full("other", "2025-06-02T09:30:00Z");
        other_cluster.cluster_uid = Some("uid-2".into());
        let mut other_ns = full("other-ns", "2025-06-02T09:40:00Z");
        other_ns.namespace = "prod".into();
        let mut differential = full("diff", "2025-06-02T09:45:00Z");
        differential.kind = BackupKind::Other;
        let mut incremental = full("incr", "2025-06-02T10:00:00Z");
        incremental.kind = BackupKind::Incremental;
        let backups = vec![failed, other_cluster, other_ns, differential, incremental];
        let w = recoverable_window(&cont(), &backups).unwrap();
        assert_eq!(w.earliest_base, "incr");
    }

    #[test]
    fn end_time_falls_back_to_completion() {
        let mut b = full("no-range", "2025-06-02T09:00:00Z");
        b.time_range = None;
        b.completion = Some(t("2025-06-02T09:15:00Z"));
        assert_eq!(b.end_time(), Some(t("2025-06-02T09:15:00Z")));
        let w = recoverable_window(&cont(), &[b]).unwrap();
        assert_eq!(w.start, t("2025-06-02T09:15:00Z"));
    }

    #[test]
    fn offsets_and_time_zones_denote_the_same_instants() {
        // The continuous range written in +08:00 is the same range as cont().
        let mut c = backup(
            "wal",
            BackupKind::Continuous,
            "Running",
            Some(("2025-06-02T16:00:00+08:00", "2025-06-03T18:00:00+08:00")),
        );
        c.time_range = c.time_range.map(|r| TimeRange {
            time_zone: parse_time_zone("+08:00"),
            ..r
        });
        assert_eq!(c.valid_range(), cont().valid_range());
        let backups = vec![full("first", "2025-06-02T04:00:00-05:00")];
        let w = recoverable_window(&c, &backups).unwrap();
        assert_eq!(w.start, t("2025-06-02T09:00:00Z"));
        assert!(check_restore_time(&c, &backups, t("2025-06-03T17:59:59+08:00")).is_ok());
        assert!(check_restore_time(&c, &backups, t("2025-06-03T18:00:01+08:00")).is_err());
        assert_eq!(parse_time_zone("+08:00"), FixedOffset::east_opt(8 * 3600));
        assert_eq!(
            parse_time_zone("-03:30"),
            FixedOffset::east_opt(-(3 * 3600 + 1800))
        );
        assert_eq!(parse_time_zone("08:00"), None);
        assert_eq!(parse_time_zone("+8"), None);
    }

    #[test]
    fn facts_are_read_from_backup_objects() {
        let v: Value = serde_yaml_ng::from_str(include_str!(
            "../../../../tests/fixtures/kubeblocks/backup-continuous-archive-wal.yaml"
        ))
        .unwrap();
        let c = BackupFacts::from_backup(&v).unwrap();
        assert_eq!(c.kind, BackupKind::Continuous);
        assert_eq!(c.phase, "Running");
        assert_eq!(c.cluster, "pg-cluster");
        assert_eq!(
            c.valid_range(),
            Some((t("2025-06-02T08:05:31Z"), t("2025-06-03T10:14:52Z")))
        );
        assert_eq!(c.time_range.unwrap().time_zone, FixedOffset::east_opt(0));
        let v: Value = serde_yaml_ng::from_str(include_str!(
            "../../../../tests/fixtures/kubeblocks/backup-full-pg-basebackup.yaml"
        ))
        .unwrap();
        let f = BackupFacts::from_backup(&v).unwrap();
        assert_eq!(f.kind, BackupKind::Full);
        assert_eq!(f.end_time(), Some(t("2025-06-03T02:01:10Z")));
        let backups = vec![c.clone(), f];
        let w = recoverable_window(&c, &backups).unwrap();
        assert_eq!(w.start, t("2025-06-03T02:01:10Z"));
        assert_eq!(
            continuous_backup_of(&backups, "demo", "pg-cluster").map(|b| b.name.as_str()),
            Some(c.name.as_str())
        );
    }
}
