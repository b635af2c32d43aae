//! What a cluster's status claims against what there is: a cluster the operator never wrote a
//! status for, and a cluster `Running` whose pods say otherwise (0 of 3 ready, fewer pods than
//! desired). The operator composes the phase from its components' (docs/kubeblocks.md#phases)
//! and catches up with its pods within seconds, so both are judged after a grace period only.

use chrono::{DateTime, Duration, Utc};

use super::{Level, Thresholds, Verdict, problem};
use crate::kinds::Kind;
use crate::rows::{ClusterRow, PodRow, latest_transition};

/// A cluster with no status at all (no phase, no conditions, no components) longer than the
/// settling time after its creation: the operator has not reconciled it.
pub(super) fn no_status_rule(
    c: &ClusterRow,
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    if c.deleting.is_some()
        || !c.phase.is_empty()
        || !c.conditions.is_empty()
        || !c.components.is_empty()
    {
        return;
    }
    let Some(created) = c.created else {
        return;
    };
    if now - created <= limits.settle {
        v.recheck_at(created + limits.settle + Duration::milliseconds(1));
        return;
    }
    v.problems.push(problem(
        Level::Warning,
        Kind::Cluster,
        &c.key,
        format!(
            "no status since its creation at {}: the KubeBlocks operator has not reconciled \
             it (is it running, and does it watch this namespace?)",
            created.format("%Y-%m-%d %H:%M:%S")
        ),
        Some(created),
    ));
}

/// A `Running` cluster with fewer ready pods than its components want, for longer than the
/// phase may lag behind: an error when none is ready (it cannot serve), else a warning.
pub(super) fn pods_rule(
    c: &ClusterRow,
    pods: &[&PodRow],
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    if c.phase != "Running" || c.deleting.is_some() || c.desired == 0 {
        return;
    }
    let ready = pods.iter().filter(|p| p.ready).count();
    let desired = usize::try_from(c.desired).unwrap_or(usize::MAX);
    if ready >= desired {
        return;
    }
    // Since the picture last changed: a pod's readiness or creation, or the cluster's status.
    let since = pods
        .iter()
        .filter_map(|p| latest_transition(&p.conditions).max(p.created))
        .chain(latest_transition(&c.conditions))
        .max()
        .or(c.created);
    if let Some(since) = since
        && now - since <= limits.phase_lag
    {
        v.recheck_at(since + limits.phase_lag + Duration::milliseconds(1));
        return;
    }
    let (level, what) = if ready == 0 {
        (Level::Error, "it cannot serve")
    } else {
        (Level::Warning, "the phase is behind its pods")
    };
    let counted = if pods.len() < desired {
        format!("{} of {desired} pods exist ({ready} ready)", pods.len())
    } else {
        format!("{ready} of {desired} pods ready")
    };
    v.problems.push(problem(
        level,
        Kind::Cluster,
        &c.key,
        format!("phase Running, but {counted}: {what}"),
        since,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::{Condition, ObjKey};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 5, 9, 0, 0).unwrap()
    }

    fn ago(min: i64) -> Option<DateTime<Utc>> {
        Some(now() - Duration::minutes(min))
    }

    fn cluster(phase: &str) -> ClusterRow {
        ClusterRow {
            key: ObjKey::new("demo", "pg"),
            created: ago(60),
            phase: phase.into(),
            desired: 3,
            ..ClusterRow::default()
        }
    }

    fn pod(i: usize, ready: bool, changed_min_ago: i64) -> PodRow {
        PodRow {
            key: ObjKey::new("demo", format!("pg-postgresql-{i}")),
            cluster: "pg".into(),
            ready,
            created: ago(60),
            conditions: vec![Condition {
                type_: "Ready".into(),
                status: if ready { "True" } else { "False" }.into(),
                last_transition: ago(changed_min_ago),
                ..Condition::default()
            }],
            ..PodRow::default()
        }
    }

    fn judged(c: &ClusterRow, pods: &[PodRow]) -> Verdict {
        let pods: Vec<&PodRow> = pods.iter().collect();
        let mut v = Verdict::default();
        pods_rule(c, &pods, &Thresholds::default(), now(), &mut v);
        v
    }

    fn reasons(v: &Verdict) -> Vec<String> {
        v.problems
            .iter()
            .map(|p| format!("{} {}: {}", p.level.word(), p.subject, p.reason))
            .collect()
    }

    #[test]
    fn running_with_no_ready_pod_is_an_error() {
        let pods = [pod(0, false, 20), pod(1, false, 20), pod(2, false, 20)];
        let v = judged(&cluster("Running"), &pods);
        assert_eq!(
            reasons(&v),
            ["ERROR Cluster demo/pg: phase Running, but 0 of 3 pods ready: it cannot serve"]
        );
        assert_eq!(v.problems[0].since, ago(20));
    }

    #[test]
    fn running_with_fewer_pods_than_desired() {
        let v = judged(&cluster("Running"), &[pod(0, true, 30), pod(1, true, 30)]);
        assert_eq!(
            reasons(&v),
            [
                "WARN Cluster demo/pg: phase Running, but 2 of 3 pods exist (2 ready): the phase \
                 is behind its pods"
            ]
        );
        let v = judged(&cluster("Running"), &[]);
        assert_eq!(
            reasons(&v),
            [
                "ERROR Cluster demo/pg: phase Running, but 0 of 3 pods exist (0 ready): it cannot serve"
            ]
        );
        assert_eq!(v.problems[0].since, ago(60), "since its creation");
    }

    /// A pod that just went not ready: the operator has seconds to move the phase.
    #[test]
    fn a_fresh_change_is_given_time() {
        let pods = [pod(0, true, 30), pod(1, true, 30), pod(2, false, 1)];
        let v = judged(&cluster("Running"), &pods);
        assert!(v.problems.is_empty());
        assert_eq!(
            v.recheck,
            Some(now() + Duration::minutes(1) + Duration::milliseconds(1))
        );
    }

    #[test]
    fn other_phases_and_full_clusters_are_not_judged() {
        let short = [pod(0, false, 30)];
        for phase in ["Updating", "Creating", "Stopped", "Failed", "Abnormal", ""] {
            assert!(
                judged(&cluster(phase), &short).problems.is_empty(),
                "{phase}"
            );
        }
        let mut deleting = cluster("Running");
        deleting.deleting = ago(1);
        assert!(judged(&deleting, &short).problems.is_empty());
        let full = [pod(0, true, 30), pod(1, true, 30), pod(2, true, 30)];
        assert!(judged(&cluster("Running"), &full).problems.is_empty());
    }

    #[test]
    fn no_status_after_the_settling_time() {
        let mut c = cluster("");
        c.created = ago(5);
        let mut v = Verdict::default();
        no_status_rule(&c, &Thresholds::default(), now(), &mut v);
        assert!(v.problems.is_empty(), "ten minutes to settle");
        assert_eq!(
            v.recheck,
            Some(now() + Duration::minutes(5) + Duration::milliseconds(1))
        );
        c.created = ago(45);
        let mut v = Verdict::default();
        no_status_rule(&c, &Thresholds::default(), now(), &mut v);
        assert_eq!(
            reasons(&v),
            [
                "WARN Cluster demo/pg: no status since its creation at 2025-06-05 08:15:00: the \
                 KubeBlocks operator has not reconciled it (is it running, and does it watch \
                 this namespace?)"
            ]
        );
        c.conditions = vec![Condition::default()];
        let mut v = Verdict::default();
        no_status_rule(&c, &Thresholds::default(), now(), &mut v);
        assert!(v.problems.is_empty(), "a condition is a status");
    }
}
