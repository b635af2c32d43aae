//! Triage rules on a cluster's health (docs/kubeblocks.md#metrics, #patroni): PostgreSQL down
//! as its exporter says (`pg_up` 0), replication lag over a limit, connections near
//! `max_connections`, archiving failures rising (the strong signal that WAL archiving is
//! broken, where the backup's status may still say Running), a long-running transaction; and
//! from Patroni: its leader is not the pod labelled primary (kubeblocks-addons#3545), a
//! replica not streaming, members on different timelines, a restart pending after a
//! reconfigure.
//!
//! The figures are only as fresh as the last scrape: once it is older than
//! [`HealthLimits::stale_after`], what it raised is shown as stale.

use chrono::{DateTime, Duration, Utc};

use super::memory::ClusterHealth;
use super::patroni::PatroniCluster;
use crate::domain::triage::{Level, Problem, Verdict};
use crate::kinds::Kind;
use crate::rows::{ObjKey, ObjRef, PodRow};

/// The limits of the health rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthLimits {
    /// A replica further behind than this many seconds is reported.
    pub lag_seconds: f64,
    /// A standby further behind its primary than this many bytes is reported.
    pub lag_bytes: f64,
    /// Connections above this share of `max_connections` are reported.
    pub connections_share: f64,
    /// A transaction open longer than this is reported.
    pub long_transaction: Duration,
    /// Archiving failures count as rising while the count rose within this window.
    pub archive_window: Duration,
    /// Figures older than this are not current: what they raised is stale.
    pub stale_after: Duration,
}

impl Default for HealthLimits {
    fn default() -> HealthLimits {
        HealthLimits {
            lag_seconds: 30.0,
            lag_bytes: 64.0 * 1024.0 * 1024.0,
            connections_share: 0.9,
            long_transaction: Duration::minutes(5),
            archive_window: Duration::minutes(15),
            stale_after: Duration::seconds(60),
        }
    }
}

/// What the health of `cluster` says is wrong; `pods` are its pods as watched (their role
/// labels).
pub fn verdict(
    cluster: &ObjKey,
    pods: &[&PodRow],
    health: &ClusterHealth,
    limits: &HealthLimits,
    now: DateTime<Utc>,
) -> Verdict {
    let mut v = Verdict::default();
    let Some(at) = health.at else {
        return v;
    };
    // A pod's problem is in its cluster's context, as its row is.
    let pod_key = |name: &str| ObjKey::new(&cluster.namespace, name).in_ctx(cluster.ctx);
    for (name, pod) in &health.pods {
        let key = pod_key(name);
        let Some(m) = &pod.metrics else { continue };
        if let Some(since) = pod.down_since {
            v.problems.push(raise(
                Level::Error,
                Kind::Pod,
                &key,
                "PostgreSQL down: the exporter cannot reach it (pg_up 0)".into(),
                None,
                Some(since),
            ));
        }
        if let Some(secs) = m.lag_seconds.filter(|s| *s > limits.lag_seconds) {
            v.problems.push(raise(
                Level::Warning,
                Kind::Pod,
                &key,
                format!(
                    "replication lag {} (over {})",
                    seconds(secs),
                    seconds(limits.lag_seconds)
                ),
                Some(format!(
                    "replication lag over {}",
                    seconds(limits.lag_seconds)
                )),
                None,
            ));
        }
        for (standby, bytes) in &m.standby_lag_bytes {
            if *bytes > limits.lag_bytes {
                v.problems.push(raise(
                    Level::Warning,
                    Kind::Pod,
                    &key,
                    format!(
                        "standby {standby} {} behind (over {})",
                        bytes_text(*bytes),
                        bytes_text(limits.lag_bytes)
                    ),
                    Some(format!(
                        "standby {standby} behind over {}",
                        bytes_text(limits.lag_bytes)
                    )),
                    None,
                ));
            }
        }
        if let (Some(open), Some(max)) = (m.connections, m.max_connections)
            && max > 0.0
            && open > limits.connections_share * max
        {
            v.problems.push(raise(
                Level::Warning,
                Kind::Pod,
                &key,
                format!(
                    "connections {open:.0} of max_connections {max:.0} (over {:.0} %)",
                    limits.connections_share * 100.0
                ),
                Some(format!(
                    "connections over {:.0} % of max_connections",
                    limits.connections_share * 100.0
                )),
                None,
            ));
        }
        if let Some(f) = pod.archive_failures
            && at - f.last_rise <= limits.archive_window
        {
            v.problems.push(raise(
                Level::Error,
                Kind::Pod,
                &key,
                format!(
                    "WAL archiving failing: pg_stat_archiver failed_count {:.0} -> {:.0}",
                    f.from, f.to
                ),
                Some("WAL archiving failing: failed_count rising".into()),
                Some(f.since),
            ));
            recheck(
                &mut v,
                f.last_rise + limits.archive_window + Duration::seconds(1),
            );
        }
        if let Some(secs) = m.longest_transaction
            && secs > limits.long_transaction.num_seconds() as f64
        {
            v.problems.push(raise(
                Level::Warning,
                Kind::Pod,
                &key,
                format!("a transaction open for {}", seconds(secs)),
                Some(format!(
                    "a transaction open over {}",
                    seconds(limits.long_transaction.num_seconds() as f64)
                )),
                None,
            ));
        }
    }
    if let Some((_, Ok(view))) = &health.patroni {
        patroni_rules(cluster, pods, view, &mut v);
    }
    if now - at > limits.stale_after {
        let when = at.format("%H:%M:%S");
        for p in &mut v.problems {
            p.steady = Some(p.steady.clone().unwrap_or_else(|| p.reason.clone()));
            p.reason = format!(
                "{} · unknown since {when} (no scrape since), was {}",
                p.reason,
                p.level.word()
            );
            p.level = Level::Stale;
        }
    } else if !v.problems.is_empty() {
        recheck(&mut v, at + limits.stale_after + Duration::seconds(1));
    }
    v
}

fn patroni_rules(cluster: &ObjKey, pods: &[&PodRow], view: &PatroniCluster, v: &mut Verdict) {
    let labelled: Vec<&str> = pods
        .iter()
        .filter(|p| p.role == "primary")
        .map(|p| p.key.name.as_str())
        .collect();
    if let Some(leader) = view.leader()
        && !labelled.is_empty()
        && !labelled.contains(&leader.name.as_str())
    {
        let key = ObjKey::new(&cluster.namespace, &leader.name).in_ctx(cluster.ctx);
        v.problems.push(raise(
            Level::Error,
            Kind::Pod,
            &key,
            format!(
                "Patroni's leader, but {} is labelled primary (kubeblocks-addons#3545)",
                labelled.join(", ")
            ),
            None,
            None,
        ));
    }
    for m in &view.members {
        let key = ObjKey::new(&cluster.namespace, &m.name).in_ctx(cluster.ctx);
        // Patroni 3 says `streaming` of a healthy replica; older ones said `running`.
        if !m.is_leader() && m.state != "streaming" && m.state != "running" {
            v.problems.push(raise(
                Level::Warning,
                Kind::Pod,
                &key,
                format!(
                    "replica not streaming (Patroni: {})",
                    if m.state.is_empty() {
                        "no state"
                    } else {
                        &m.state
                    }
                ),
                None,
                None,
            ));
        }
        if m.pending_restart {
            v.problems.push(raise(
                Level::Warning,
                Kind::Pod,
                &key,
                "restart pending: a changed parameter takes effect only after a restart".into(),
                None,
                None,
            ));
        }
    }
    let leader_tl = view.leader().and_then(|l| l.timeline);
    let mut timelines: Vec<u64> = view.members.iter().filter_map(|m| m.timeline).collect();
    timelines.sort_unstable();
    timelines.dedup();
    if timelines.len() > 1 {
        let tls: Vec<String> = view
            .members
            .iter()
            .filter(|m| m.timeline.is_some() && m.timeline != leader_tl)
            .map(|m| format!("{} on {}", m.name, m.timeline.unwrap_or_default()))
            .collect();
        v.problems.push(raise(
            Level::Warning,
            Kind::Cluster,
            cluster,
            format!(
                "members on different timelines: leader on {}, {}",
                leader_tl.map_or("?".into(), |t| t.to_string()),
                tls.join(", ")
            ),
            None,
            None,
        ));
    }
}

fn recheck(v: &mut Verdict, t: DateTime<Utc>) {
    v.recheck = Some(v.recheck.map_or(t, |r| r.min(t)));
}

fn raise(
    level: Level,
    kind: Kind,
    key: &ObjKey,
    reason: String,
    steady: Option<String>,
    since: Option<DateTime<Utc>>,
) -> Problem {
    Problem {
        level,
        object: Some(ObjRef {
            kind,
            key: key.clone(),
        }),
        subject: format!("{} {key}", kind.info().kind_name),
        reason,
        since,
        steady,
    }
}

/// Seconds for people: "45 s", "12 min", "3h 5m".
pub fn seconds(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..120 => format!("{s} s"),
        120..7200 => format!("{} min", s / 60),
        _ => format!("{}h {}m", s / 3600, (s % 3600) / 60),
    }
}

/// Bytes for people, in binary units: "512 B", "3.2 MiB".
pub fn bytes_text(b: f64) -> String {
    let b = b.max(0.0);
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < units.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{v:.0} B")
    } else {
        format!("{v:.1} {}", units[unit])
    }
}
