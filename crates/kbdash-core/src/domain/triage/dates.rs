//! Times that cannot be right: later than this machine's clock by more than the skew tolerated
//! (an OpsRequest created in year 9999, a condition dated tomorrow), or a backup's time range
//! that ends before it starts. What the other rules work out from such a time is not true (a
//! continuous backup ending in 9999 "lags by 0s", so its stall is never seen): the object is
//! flagged instead.

use std::fmt;

use chrono::{DateTime, Utc};

use super::{Level, Thresholds, Verdict, problem};
use crate::kinds::Kind;
use crate::rows::{BackupRow, ClusterRow, Condition, ObjKey, OpsRow, PodRow};

/// What a time of an object is.
#[derive(Debug, Clone, Copy)]
enum Field<'a> {
    Created,
    Deleting,
    Started,
    Completed,
    LastTransition,
    RangeStart,
    RangeEnd,
    /// A condition, by its type.
    Condition(&'a str),
}

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Created => f.write_str("created"),
            Field::Deleting => f.write_str("deletion requested"),
            Field::Started => f.write_str("started"),
            Field::Completed => f.write_str("completed"),
            Field::LastTransition => f.write_str("last transition"),
            Field::RangeStart => f.write_str("time range start"),
            Field::RangeEnd => f.write_str("time range end"),
            Field::Condition(t) => write!(f, "condition {t}"),
        }
    }
}

/// A time with its year: a wrong one is often wrong in the year.
fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn conditions(conds: &[Condition]) -> impl Iterator<Item = (Field<'_>, Option<DateTime<Utc>>)> {
    conds
        .iter()
        .map(|c| (Field::Condition(c.type_.as_str()), c.last_transition))
}

/// One problem naming every time of the object later than `now` plus the clock skew. Each
/// such time stops being in the future at some point: the verdict is looked at again then.
fn future<'a>(
    kind: Kind,
    key: &ObjKey,
    times: impl Iterator<Item = (Field<'a>, Option<DateTime<Utc>>)>,
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    let ahead: Vec<(Field<'a>, DateTime<Utc>)> = times
        .filter_map(|(field, t)| Some((field, t?)))
        .filter(|(_, t)| *t > now + limits.clock_skew)
        .collect();
    if ahead.is_empty() {
        return;
    }
    // Flagged while `now < t - skew`: from `t - skew` on, it is not.
    for (_, t) in &ahead {
        v.recheck_at(*t - limits.clock_skew);
    }
    let list: Vec<String> = ahead
        .iter()
        .map(|(field, t)| format!("{field} {}", stamp(*t)))
        .collect();
    v.problems.push(problem(
        Level::Warning,
        kind,
        key,
        format!(
            "dated in the future: {}; a clock or the object is wrong, and what kbdash works \
             out from these times cannot be trusted",
            list.join(", ")
        ),
        None,
    ));
}

/// A cluster's creation, deletion and condition times.
pub(super) fn cluster_dates(
    c: &ClusterRow,
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    let times = [(Field::Created, c.created), (Field::Deleting, c.deleting)]
        .into_iter()
        .chain(conditions(&c.conditions));
    future(Kind::Cluster, &c.key, times, limits, now, v);
}

/// A pod's creation and condition times.
pub(super) fn pod_dates(p: &PodRow, limits: &Thresholds, now: DateTime<Utc>, v: &mut Verdict) {
    let times = [(Field::Created, p.created)]
        .into_iter()
        .chain(conditions(&p.conditions));
    future(Kind::Pod, &p.key, times, limits, now, v);
}

/// An OpsRequest's creation, start, completion and last transition.
pub(super) fn ops_dates(o: &OpsRow, limits: &Thresholds, now: DateTime<Utc>, v: &mut Verdict) {
    let times = [
        (Field::Created, o.created),
        (Field::Started, o.started),
        (Field::Completed, o.completed),
        (Field::LastTransition, o.last_transition),
    ];
    future(Kind::OpsRequest, &o.key, times.into_iter(), limits, now, v);
}

/// A backup's creation, completion and time range; and a time range that ends before it
/// starts.
pub(super) fn backup_dates(
    b: &BackupRow,
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    let times = [
        (Field::Created, b.created),
        (Field::Completed, b.completed),
        (Field::RangeStart, b.range_start),
        (Field::RangeEnd, b.range_end),
    ];
    future(Kind::Backup, &b.key, times.into_iter(), limits, now, v);
    if let (Some(start), Some(end)) = (b.range_start, b.range_end)
        && end < start
    {
        v.problems.push(problem(
            Level::Warning,
            Kind::Backup,
            &b.key,
            format!(
                "time range ends ({}) before it starts ({}): the backup's recoverable window \
                 cannot be worked out",
                stamp(end),
                stamp(start)
            ),
            None,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 5, 9, 0, 0).unwrap()
    }

    fn year_9999() -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap())
    }

    fn ops() -> OpsRow {
        OpsRow {
            key: ObjKey::new("demo", "pg-restart-x"),
            op_type: "Restart".into(),
            phase: "Succeed".into(),
            created: Some(now() - Duration::minutes(30)),
            ..OpsRow::default()
        }
    }

    fn reasons(v: &Verdict) -> Vec<String> {
        v.problems
            .iter()
            .map(|p| format!("{} {}: {}", p.level.word(), p.subject, p.reason))
            .collect()
    }

    #[test]
    fn an_ops_request_from_year_9999_is_flagged_with_its_year() {
        let mut o = ops();
        o.created = year_9999();
        let mut v = Verdict::default();
        ops_dates(&o, &Thresholds::default(), now(), &mut v);
        assert_eq!(
            reasons(&v),
            [
                "WARN OpsRequest demo/pg-restart-x: dated in the future: created 9999-12-31 \
                 23:59:59; a clock or the object is wrong, and what kbdash works out from these \
                 times cannot be trusted"
            ]
        );
        assert_eq!(v.recheck, Some(year_9999().unwrap() - Duration::minutes(5)));
    }

    /// Clocks a minute or two apart are normal: a condition written by an API server whose
    /// clock is ahead is no problem.
    #[test]
    fn clock_skew_is_tolerated() {
        let mut c = ClusterRow {
            key: ObjKey::new("demo", "pg"),
            created: Some(now() + Duration::minutes(2)),
            ..ClusterRow::default()
        };
        c.conditions = vec![Condition {
            type_: "Ready".into(),
            last_transition: Some(now() + Duration::minutes(4)),
            ..Condition::default()
        }];
        let mut v = Verdict::default();
        cluster_dates(&c, &Thresholds::default(), now(), &mut v);
        assert_eq!(v, Verdict::default(), "within five minutes");
        c.conditions[0].last_transition = Some(now() + Duration::minutes(30));
        cluster_dates(&c, &Thresholds::default(), now(), &mut v);
        assert_eq!(
            reasons(&v),
            [
                "WARN Cluster demo/pg: dated in the future: condition Ready 2025-06-05 09:30:00; \
                 a clock or the object is wrong, and what kbdash works out from these times \
                 cannot be trusted"
            ]
        );
        // Once the clock is within the skew of it, it is no longer flagged: from the very
        // time the verdict asked to be looked at again.
        assert_eq!(v.recheck, Some(now() + Duration::minutes(25)));
        let later = now() + Duration::minutes(25);
        let mut v = Verdict::default();
        cluster_dates(&c, &Thresholds::default(), later, &mut v);
        assert!(v.problems.is_empty());
    }

    #[test]
    fn a_backup_ending_in_the_future_or_before_it_starts() {
        let mut b = BackupRow {
            key: ObjKey::new("demo", "pg-wal"),
            created: Some(now() - Duration::days(2)),
            range_start: Some(now() - Duration::days(2)),
            range_end: year_9999(),
            ..BackupRow::default()
        };
        let mut v = Verdict::default();
        backup_dates(&b, &Thresholds::default(), now(), &mut v);
        assert_eq!(v.problems.len(), 1);
        assert!(
            v.problems[0]
                .reason
                .starts_with("dated in the future: time range end 9999-12-31 23:59:59;"),
            "{v:?}"
        );
        b.range_end = Some(now() - Duration::days(3));
        let mut v = Verdict::default();
        backup_dates(&b, &Thresholds::default(), now(), &mut v);
        assert_eq!(
            reasons(&v),
            [
                "WARN Backup demo/pg-wal: time range ends (2025-06-02 09:00:00) before it starts \
                 (2025-06-03 09:00:00): the backup's recoverable window cannot be worked out"
            ]
        );
    }

    #[test]
    fn a_pod_created_in_the_future() {
        let p = PodRow {
            key: ObjKey::new("demo", "pg-0"),
            created: Some(now() + Duration::hours(3)),
            ..PodRow::default()
        };
        let mut v = Verdict::default();
        pod_dates(&p, &Thresholds::default(), now(), &mut v);
        assert!(
            v.problems[0]
                .reason
                .starts_with("dated in the future: created 2025-06-05 12:00:00;"),
            "{v:?}"
        );
    }
}
