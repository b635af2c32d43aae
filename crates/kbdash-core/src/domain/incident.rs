//! The incident timeline: per cluster, one time-ordered record of what happened to it (role
//! changes, pods, OpsRequests, backups, Warning events, component phases, stream outages),
//! each with its time and source. It answers "what changed before it broke".
//!
//! Not the restore timeline (`view/timeline.rs` in the TUI draws a continuous backup's window
//! for a restore); this one is a cluster's history, fed by the store's changes as they arrive.
//!
//! The record is append-only and bounded: an entry is never changed, and past
//! [`INCIDENTS_KEPT`] the oldest go. Entries arrive mostly in time order, but an Event carries
//! its own time and may come late (a relist, a slow watch), so each is placed by time; entries
//! of the same time keep their arrival order.

use std::collections::VecDeque;
use std::fmt;

use chrono::{DateTime, Utc};

use super::role_probe::RoleProbe;
use crate::rows::{BackupRow, ClusterRow, EventRow, OpsRow, PodRow};

/// Entries kept per cluster: a busy hour of a crash-looping cluster (a BackOff every few
/// minutes, a phase change per restart) fits several times over, and 5,000 quiet clusters cost
/// nothing. An entry is about 230 bytes (BENCHMARKS.md).
pub const INCIDENTS_KEPT: usize = 300;

/// Entries kept across the fleet (about 14 MB at 230 bytes each): without it 5,000 busy
/// clusters could hold 300 entries each, 350 MB. Past it the fleet's oldest entries go, so a
/// quiet cluster's old history goes before a busy cluster's last hour.
pub const INCIDENTS_KEPT_FLEET: usize = 60_000;

/// What an entry is about: what the timeline filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IncidentKind {
    /// A primary change, or a role probe's report.
    Role,
    /// A pod created, deleted, changing status or readiness, restarting.
    Pod,
    /// An OpsRequest created or changing phase.
    Ops,
    /// A backup starting or ending.
    Backup,
    /// A Warning Event about the cluster or one of its objects.
    Warning,
    /// The cluster's or a component's phase changing.
    Component,
    /// A watch stream going down or coming back: what kbdash saw was incomplete meanwhile.
    Stream,
}

impl IncidentKind {
    /// Every kind, in the order the timeline's filter lists them.
    pub const ALL: [IncidentKind; 7] = [
        IncidentKind::Role,
        IncidentKind::Pod,
        IncidentKind::Ops,
        IncidentKind::Backup,
        IncidentKind::Warning,
        IncidentKind::Component,
        IncidentKind::Stream,
    ];

    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            IncidentKind::Role => "role",
            IncidentKind::Pod => "pod",
            IncidentKind::Ops => "ops",
            IncidentKind::Backup => "backup",
            IncidentKind::Warning => "warning",
            IncidentKind::Component => "phase",
            IncidentKind::Stream => "stream",
        }
    }
}

impl fmt::Display for IncidentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One thing that happened to a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// When it happened, or when kbdash saw it (a row's change has no time of its own).
    pub at: DateTime<Utc>,
    /// What it is about.
    pub kind: IncidentKind,
    /// The object it is about, `Kind/name` (e.g. `Pod/pg-postgresql-0`), or the stream.
    pub source: String,
    /// What happened, in a few words.
    pub text: String,
}

impl Incident {
    fn new(
        at: DateTime<Utc>,
        kind: IncidentKind,
        source: impl Into<String>,
        text: impl Into<String>,
    ) -> Incident {
        Incident {
            at,
            kind,
            source: source.into(),
            text: text.into(),
        }
    }
}

/// One cluster's incidents, oldest first, at most [`INCIDENTS_KEPT`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentLog {
    entries: VecDeque<Incident>,
}

impl IncidentLog {
    /// Records `incident` in its place by time, after any of the same time; the oldest entry
    /// goes when the log is full (the new one itself, when it is older than all).
    pub fn record(&mut self, incident: Incident) {
        let at = self.entries.partition_point(|e| e.at <= incident.at);
        if self.entries.len() >= INCIDENTS_KEPT {
            if at == 0 {
                return;
            }
            self.entries.pop_front();
            self.entries.insert(at - 1, incident);
        } else {
            self.entries.insert(at, incident);
        }
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &Incident> + ExactSizeIterator {
        self.entries.iter()
    }

    /// The entries at or after `since` whose kind `shown` accepts, oldest first.
    pub fn since(
        &self,
        since: Option<DateTime<Utc>>,
        shown: impl Fn(IncidentKind) -> bool,
    ) -> impl DoubleEndedIterator<Item = &Incident> {
        let start = since.map_or(0, |t| self.entries.partition_point(|e| e.at < t));
        self.entries.range(start..).filter(move |e| shown(e.kind))
    }

    /// Drops the entries older than `t`; returns how many went.
    pub fn drop_before(&mut self, t: DateTime<Utc>) -> usize {
        let old = self.entries.partition_point(|e| e.at < t);
        self.entries.drain(..old);
        old
    }

    /// How many entries the log holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the log holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// What a pod's change says: created, deleted, a new status, readiness, restarts.
pub fn pod_change(old: Option<&PodRow>, new: Option<&PodRow>, at: DateTime<Utc>) -> Vec<Incident> {
    let mut out = Vec::new();
    let (source, text) = match (old, new) {
        (None, Some(p)) => (&p.key.name, format!("created ({})", p.status)),
        (Some(p), None) => (&p.key.name, "deleted".to_string()),
        (Some(o), Some(p)) => {
            let source = format!("Pod/{}", p.key.name);
            if p.restarts > o.restarts {
                let text = format!("restarted ({} restarts)", p.restarts);
                out.push(Incident::new(at, IncidentKind::Pod, &source, text));
            }
            if p.status != o.status {
                let text = format!("{} → {}", o.status, p.status);
                out.push(Incident::new(at, IncidentKind::Pod, &source, text));
            } else if p.ready != o.ready {
                let text = if p.ready { "ready" } else { "not ready" };
                out.push(Incident::new(at, IncidentKind::Pod, &source, text));
            }
            return out;
        }
        (None, None) => return out,
    };
    out.push(Incident::new(
        at,
        IncidentKind::Pod,
        format!("Pod/{source}"),
        text,
    ));
    out
}

/// What an OpsRequest's change says: created, or a new phase (with why it failed).
pub fn ops_change(old: Option<&OpsRow>, new: Option<&OpsRow>, at: DateTime<Utc>) -> Vec<Incident> {
    let Some(op) = new else {
        return Vec::new();
    };
    let source = format!("OpsRequest/{}", op.key.name);
    let text = match old {
        None => format!("{} created ({})", op.op_type, or_none(&op.phase)),
        Some(o) if o.phase != op.phase => {
            let mut text = format!("{} {} → {}", op.op_type, or_none(&o.phase), op.phase);
            if !op.reason.is_empty() {
                text.push_str(": ");
                text.push_str(&op.reason);
            }
            text
        }
        Some(_) => return Vec::new(),
    };
    vec![Incident::new(at, IncidentKind::Ops, source, text)]
}

/// What a backup's change says: it started, or it ended (and why it failed).
pub fn backup_change(
    old: Option<&BackupRow>,
    new: Option<&BackupRow>,
    at: DateTime<Utc>,
) -> Vec<Incident> {
    let (Some(b), old_phase) = (new, old.map(|o| o.phase.as_str())) else {
        return Vec::new();
    };
    if old_phase == Some(b.phase.as_str()) {
        return Vec::new();
    }
    let what = if b.is_continuous() {
        "continuous backup"
    } else {
        "backup"
    };
    let text = match b.phase.as_str() {
        "Running" => format!("{what} started ({})", b.method),
        "Completed" => format!("{what} completed ({})", b.method),
        "Failed" if b.failure_reason.is_empty() => format!("{what} failed"),
        "Failed" => format!("{what} failed: {}", b.failure_reason),
        _ if old.is_none() => format!("{what} created ({})", b.method),
        _ => return Vec::new(),
    };
    vec![Incident::new(
        at,
        IncidentKind::Backup,
        format!("Backup/{}", b.key.name),
        text,
    )]
}

/// What a cluster's change says: its phase and its components' phases (with the component's
/// message when it is not Running).
pub fn cluster_change(
    old: Option<&ClusterRow>,
    new: Option<&ClusterRow>,
    at: DateTime<Utc>,
) -> Vec<Incident> {
    let (Some(old), Some(new)) = (old, new) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if old.phase != new.phase {
        let text = format!("cluster {} → {}", or_none(&old.phase), new.phase);
        let source = format!("Cluster/{}", new.key.name);
        out.push(Incident::new(at, IncidentKind::Component, source, text));
    }
    for c in &new.components {
        let before = old.components.iter().find(|o| o.name == c.name);
        if before.is_some_and(|b| b.phase == c.phase) {
            continue;
        }
        let was = before.map_or("none", |b| or_none(&b.phase));
        let mut text = format!("{was} → {}", c.phase);
        if c.phase != "Running" && !c.message.is_empty() {
            text.push_str(": ");
            text.push_str(&c.message);
        }
        let source = format!("Component/{}-{}", new.key.name, c.name);
        out.push(Incident::new(at, IncidentKind::Component, source, text));
    }
    out
}

/// A Warning Event, at the time it was last seen (else `at`, when it arrived).
pub fn warning(event: &EventRow, at: DateTime<Utc>) -> Incident {
    let count = if event.count > 1 {
        format!(" ×{}", event.count)
    } else {
        String::new()
    };
    Incident::new(
        event.seen().unwrap_or(at),
        IncidentKind::Warning,
        format!("{}/{}", event.object_kind, event.object_name),
        format!("{}{count}: {}", event.reason, event.message),
    )
}

/// The cluster's primary moved from `old` to `new`.
pub fn primary_change(old: &str, new: &str, at: DateTime<Utc>) -> Incident {
    Incident::new(
        at,
        IncidentKind::Role,
        format!("Pod/{new}"),
        format!("primary {old} → {new}"),
    )
}

/// kbagent's role probe on `pod` reported `probe` at `at`.
pub fn role_probe(pod: &str, probe: &RoleProbe, at: DateTime<Utc>) -> Incident {
    Incident::new(
        at,
        IncidentKind::Role,
        format!("Pod/{pod}"),
        probe.to_string(),
    )
}

/// The watch stream of `kind` went down (`why`) or, with `why` `None`, came back.
pub fn stream(kind: &str, why: Option<&str>, at: DateTime<Utc>) -> Incident {
    let text = match why {
        Some(why) => format!("stream down: {why}"),
        None => "stream live again".to_string(),
    };
    Incident::new(at, IncidentKind::Stream, format!("watch/{kind}"), text)
}

fn or_none(phase: &str) -> &str {
    if phase.is_empty() { "none" } else { phase }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::{Atom, ComponentStatus, ObjKey};

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600 + s, 0).unwrap_or_default()
    }

    fn entry(s: i64, text: &str) -> Incident {
        Incident::new(t(s), IncidentKind::Pod, "Pod/p", text)
    }

    fn texts(log: &IncidentLog) -> Vec<&str> {
        log.entries().map(|e| e.text.as_str()).collect()
    }

    #[test]
    fn a_late_entry_takes_its_place_by_time_after_equals() {
        let mut log = IncidentLog::default();
        log.record(entry(10, "a"));
        log.record(entry(30, "c"));
        log.record(entry(10, "b"));
        log.record(entry(5, "first"));
        assert_eq!(texts(&log), ["first", "a", "b", "c"]);
        let since: Vec<&str> = log
            .since(Some(t(10)), |_| true)
            .map(|e| e.text.as_str())
            .collect();
        assert_eq!(since, ["a", "b", "c"]);
        assert_eq!(log.since(None, |k| k == IncidentKind::Ops).count(), 0);
    }

    #[test]
    fn past_the_bound_the_oldest_go_and_an_older_newcomer_is_not_kept() {
        let mut log = IncidentLog::default();
        for i in 0..INCIDENTS_KEPT as i64 {
            log.record(entry(i + 1, "x"));
        }
        log.record(entry(0, "too old"));
        assert_eq!(log.len(), INCIDENTS_KEPT);
        assert!(log.entries().all(|e| e.text == "x"));
        log.record(entry(1000, "new"));
        assert_eq!(log.len(), INCIDENTS_KEPT);
        assert_eq!(log.entries().next().map(|e| e.at), Some(t(2)));
        assert_eq!(log.entries().last().map(|e| e.text.as_str()), Some("new"));
    }

    #[test]
    fn row_changes_say_what_changed() {
        let pod = |status: &str, restarts: u32, ready: bool| PodRow {
            key: ObjKey::new("n", "pg-postgresql-0"),
            status: Atom::new(status),
            restarts,
            ready,
            ..PodRow::default()
        };
        let crash = pod_change(
            Some(&pod("Running", 0, true)),
            Some(&pod("CrashLoopBackOff", 1, false)),
            t(0),
        );
        let texts: Vec<&str> = crash.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(
            texts,
            ["restarted (1 restarts)", "Running → CrashLoopBackOff"]
        );
        assert_eq!(crash[0].source, "Pod/pg-postgresql-0");
        let same = pod("Running", 0, true);
        assert!(pod_change(Some(&same), Some(&same), t(0)).is_empty());

        let cluster = |phase: &str, comp: &str, message: &str| ClusterRow {
            key: ObjKey::new("n", "pg"),
            phase: Atom::new(phase),
            components: vec![ComponentStatus {
                name: Atom::new("postgresql"),
                phase: Atom::new(comp),
                message: message.into(),
            }],
            ..ClusterRow::default()
        };
        let failed = cluster_change(
            Some(&cluster("Running", "Running", "")),
            Some(&cluster(
                "Failed",
                "Failed",
                "InstanceSet/pg-postgresql: Role probe timeout",
            )),
            t(0),
        );
        let texts: Vec<&str> = failed.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "cluster Running → Failed",
                "Running → Failed: InstanceSet/pg-postgresql: Role probe timeout"
            ]
        );
        assert_eq!(failed[1].source, "Component/pg-postgresql");

        let backup = |phase: &str| BackupRow {
            key: ObjKey::new("n", "b"),
            phase: Atom::new(phase),
            method: Atom::new("pg-basebackup"),
            failure_reason: "upload refused".into(),
            ..BackupRow::default()
        };
        let ended = backup_change(Some(&backup("Running")), Some(&backup("Failed")), t(0));
        assert_eq!(ended[0].text, "backup failed: upload refused");
        let op = |phase: &str| OpsRow {
            key: ObjKey::new("n", "o"),
            op_type: Atom::new("Switchover"),
            phase: Atom::new(phase),
            ..OpsRow::default()
        };
        assert_eq!(
            ops_change(None, Some(&op("Pending")), t(0))[0].text,
            "Switchover created (Pending)"
        );
        assert_eq!(
            ops_change(Some(&op("Running")), Some(&op("Succeed")), t(0))[0].text,
            "Switchover Running → Succeed"
        );
    }

    #[test]
    fn a_warning_is_placed_at_its_last_sighting() {
        let event = EventRow {
            object_kind: Atom::new("Pod"),
            object_name: Atom::new("pg-postgresql-1"),
            reason: Atom::new("BackOff"),
            message: "Back-off restarting failed container".into(),
            count: 4,
            last: Some(t(-60)),
            ..EventRow::default()
        };
        let i = warning(&event, t(0));
        assert_eq!(i.at, t(-60));
        assert_eq!(i.text, "BackOff ×4: Back-off restarting failed container");
        assert_eq!(i.source, "Pod/pg-postgresql-1");
    }
}
