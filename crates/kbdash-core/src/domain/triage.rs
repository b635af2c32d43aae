//! Triage: what is broken, since when and why, ranked worst first. Pure: the rules read the rows
//! the watch layer keeps, a little memory of what changed over time, and the clock they are given.

mod claims;
mod dates;
mod protection;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use crate::domain::archive::{Archiving, archiving};
use crate::domain::backup_methods::{MethodFacts, method_type, parse_backup_type};
use crate::domain::cron::parse_cron;
use crate::domain::pitr::BackupKind;
use crate::kinds::Kind;
use crate::rows::{
    ActionSetRow, BackupRow, ClusterRow, ObjKey, ObjRef, OpsRow, PodRow, PolicyRow, Progress,
    ScheduleRow, latest_transition, primary_names,
};

/// How long things may look wrong before they count as a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// A running OpsRequest whose progress has not moved for this long is stuck.
    pub stuck_ops: Duration,
    /// A continuous backup whose time range end lags now by more than this is shown as quiet
    /// ("no new WAL since"): information, not a fault (see [`crate::domain::archive`]).
    pub wal_quiet: Duration,
    /// Restarts that rose within this window are reported.
    pub restart_window: Duration,
    /// Slack beyond twice a schedule's cron interval before its last success counts as too
    /// old.
    pub full_backup_grace: Duration,
    /// A cluster still being deleted after this long is reported.
    pub stuck_deleting: Duration,
    /// How far ahead of this machine's clock the API server's timestamps may be before they
    /// count as wrong: clocks a minute or two apart are normal.
    pub clock_skew: Duration,
    /// How long a new cluster has to get a status and its backup schedule before their
    /// absence counts.
    pub settle: Duration,
    /// How long a Running cluster's pods may say otherwise (fewer ready than desired) before
    /// it counts: the operator catches up with its pods within seconds.
    pub phase_lag: Duration,
    /// With no schedule entry enabled, how recent a Completed backup must be for the cluster
    /// to count as backed up.
    pub backup_age: Duration,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            stuck_ops: Duration::minutes(10),
            wal_quiet: Duration::minutes(10),
            restart_window: Duration::minutes(15),
            full_backup_grace: Duration::zero(),
            stuck_deleting: Duration::minutes(15),
            clock_skew: Duration::minutes(5),
            settle: Duration::minutes(10),
            phase_lag: Duration::minutes(2),
            backup_age: Duration::days(2),
        }
    }
}

/// How bad a problem is; the order is the ranking (worst first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// A cluster cannot serve, or the dashboard cannot see: a Failed or Abnormal cluster, no
    /// primary or several, the API server or a watch stream down.
    Critical,
    /// Something failed and needs someone: a crash-looping pod, a failed operation, backup or
    /// schedule, a WAL archiver down, a stream refused or not installed.
    Error,
    /// Something to keep an eye on: a pod not ready, restarts rising, an operation stuck, a
    /// scheduled backup overdue, a cluster stuck deleting.
    Warning,
    /// Raised from data whose stream has since gone down: whether it still holds is unknown.
    Stale,
    /// Worth knowing, nothing to act on: a failed operation that a later one of the same type
    /// made good, a cluster without point-in-time restore.
    Info,
}

impl Level {
    /// The word shown with the problem.
    pub fn word(self) -> &'static str {
        match self {
            Level::Critical => "CRIT",
            Level::Error => "ERROR",
            Level::Warning => "WARN",
            Level::Stale => "STALE",
            Level::Info => "INFO",
        }
    }
}

/// The kinds whose streams have listed in this session (live, or down after being live): what
/// is not among their rows does not exist. Rules that judge an absence (no backup schedule, no
/// pods) judge only over these.
pub type Listed = BTreeSet<Kind>;

/// The streams that were live and stopped delivering, with since when. Rules over their data
/// are suspended: they are judged on the clock as it was when the stream went down, so nothing
/// new is concluded from data that is no longer current, and what they had raised is shown as
/// unknown since then.
pub type DownSince = BTreeMap<Kind, DateTime<Utc>>;

/// The earliest-down stream among `kinds`, if any is down.
fn down_among(down: &DownSince, kinds: &[Kind]) -> Option<(Kind, DateTime<Utc>)> {
    kinds
        .iter()
        .filter_map(|k| down.get(k).map(|t| (*k, *t)))
        .min_by_key(|(_, t)| *t)
}

/// Runs `rules` over data of `kinds` into `v`: on the live clock, or, when one of those streams
/// is down, on the clock at the moment it went down, with every problem marked
/// [`Level::Stale`] and no recheck (the frozen clock never moves).
fn judge(
    kinds: &[Kind],
    down: &DownSince,
    now: DateTime<Utc>,
    v: &mut Verdict,
    rules: impl FnOnce(DateTime<Utc>, &mut Verdict),
) {
    let Some((kind, since)) = down_among(down, kinds) else {
        rules(now, v);
        return;
    };
    let mut frozen = Verdict::default();
    rules(since.min(now), &mut frozen);
    v.problems.extend(
        frozen
            .problems
            .into_iter()
            .map(|p| p.suspended(kind, since)),
    );
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// How bad it is.
    pub level: Level,
    /// The object the problem is about; `None` for a watch stream.
    pub object: Option<ObjRef>,
    /// What the line names: `kind ns/name`, or the stream.
    pub subject: String,
    /// One line: what is wrong.
    pub reason: String,
    /// Since when, where known.
    pub since: Option<DateTime<Utc>>,
    /// The reason without what only the clock changes in it (an age, a retry count), where it
    /// has such a part: see [`Problem::fingerprint`].
    pub steady: Option<String>,
}

/// What recognises a problem as the same one while it only ages, or while its stream is down:
/// its object (or subject), since when, and its reason without the parts the clock changes.
/// An acknowledgement holds on to it, so an acknowledged problem comes back when it changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint {
    object: Option<ObjRef>,
    subject: String,
    since: Option<DateTime<Utc>>,
    reason: String,
}

impl Problem {
    /// The reason without what only the clock changes in it.
    fn steady_reason(&self) -> &str {
        self.steady.as_deref().unwrap_or(&self.reason)
    }

    /// What recognises the problem as the same one (see [`Fingerprint`]); a stale problem is
    /// the one it was before its stream went down.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint {
            object: self.object.clone(),
            subject: self.subject.clone(),
            since: self.since,
            reason: self.steady_reason().to_string(),
        }
    }

    /// The problem as raised before `kind`'s stream went down at `since`: unknown now.
    fn suspended(self, kind: Kind, since: DateTime<Utc>) -> Problem {
        let steady = Some(self.steady_reason().to_string());
        Problem {
            level: Level::Stale,
            steady,
            // What the problem was comes first: a narrow line cuts the end, and the level
            // column already says STALE.
            reason: format!(
                "{} · unknown since {} ({} stream down), was {}",
                self.reason,
                hm(since),
                kind.info().kind_name,
                self.level.word(),
            ),
            ..self
        }
    }
}

/// The health of one watch stream, as triage needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamHealth {
    /// Live, or never live yet (nothing to suspend).
    Fine,
    /// Listing again after it was down since then: its rows are still the old ones.
    Relisting {
        /// When it went down.
        since: DateTime<Utc>,
    },
    /// Down and retrying.
    Reconnecting {
        /// When it went down.
        since: DateTime<Utc>,
        /// Failed attempts so far.
        attempt: u32,
        /// The last error, as the client reported it.
        error: String,
    },
    /// The API refused the watch (403); the API's message.
    Forbidden(String),
    /// The kind is not served (its list answered 404: KubeBlocks or one of its API groups is
    /// not installed); the text says what is missing.
    Missing(String),
}

/// Everything the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct Fleet<'a> {
    /// The kubeconfig context the fleet was read from.
    pub context: &'a str,
    /// Every Cluster watched.
    pub clusters: &'a [&'a ClusterRow],
    /// Every Pod watched.
    pub pods: &'a [&'a PodRow],
    /// Every OpsRequest watched.
    pub ops: &'a [&'a OpsRow],
    /// Every Backup watched.
    pub backups: &'a [&'a BackupRow],
    /// Every BackupSchedule watched.
    pub schedules: &'a [&'a ScheduleRow],
    /// Every BackupPolicy watched.
    pub policies: &'a [&'a PolicyRow],
    /// Every ActionSet watched.
    pub action_sets: &'a [&'a ActionSetRow],
    /// The health of each kind's watch stream.
    pub streams: &'a [(Kind, StreamHealth)],
    /// The kinds whose streams have listed.
    pub listed: &'a Listed,
    /// The streams that were live and went down, with since when.
    pub down: &'a DownSince,
    /// The API server stopped answering the liveness probe, if it did.
    pub api: Option<&'a ApiDown>,
}

/// The API server stopped answering: since when, and the probe's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiDown {
    /// When the liveness probe found it not answering.
    pub since: DateTime<Utc>,
    /// The last probe's error (a timeout, a refused connection, ...), with the server.
    pub error: String,
    /// The cause in a few words: `connection refused`, `timed out`, `TLS failed`, `DNS lookup
    /// failed`, `401 Unauthorized`, `403 Forbidden`, `GET /version got no answer within 4s`.
    pub cause: String,
}

/// The API server of the context not answering its liveness probe: every stream is down with
/// it, so this one line stands for them.
pub fn api_problem(context: &str, down: &ApiDown) -> Problem {
    Problem {
        level: Level::Critical,
        object: None,
        subject: format!("API server ({context})"),
        reason: format!(
            "not answering since {}: {}; every stream is restarted, verdicts on its data are \
             suspended",
            hm(down.since),
            down.error
        ),
        since: Some(down.since),
        steady: None,
    }
}

/// What triage remembers between events: when each pod's restart count last rose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestartMemory {
    /// Per pod: the count last seen, and when it last rose with the count before the rise.
    seen: HashMap<ObjKey, (u32, Option<Rise>)>,
}

/// When a restart count rose, and the count before the rise.
type Rise = (DateTime<Utc>, u32);

impl RestartMemory {
    /// Records a pod's restart count as seen `at`. The first sight is the baseline, not a rise.
    pub fn observe(&mut self, pod: &ObjKey, restarts: u32, at: DateTime<Utc>) {
        match self.seen.get_mut(pod) {
            Some((count, rose)) => {
                if restarts > *count {
                    // Keep the count before the first rise of a burst, so "+k" covers it.
                    let from = match rose {
                        Some((_, from)) => *from,
                        None => *count,
                    };
                    *rose = Some((at, from));
                } else if restarts < *count {
                    // A recreated pod starts again from zero.
                    *rose = None;
                }
                *count = restarts;
            }
            None => {
                self.seen.insert(pod.clone(), (restarts, None));
            }
        }
    }

    /// Keeps only the pods for which `keep` holds (after a relist: those still listed).
    pub fn retain(&mut self, mut keep: impl FnMut(&ObjKey) -> bool) {
        self.seen.retain(|k, _| keep(k));
    }

    /// Forgets a deleted pod.
    pub fn forget(&mut self, pod: &ObjKey) {
        self.seen.remove(pod);
    }

    /// When `pod`'s restarts last rose and from which count.
    pub fn last_rise(&self, pod: &ObjKey) -> Option<(DateTime<Utc>, u32)> {
        self.seen.get(pod).and_then(|(_, rose)| *rose)
    }
}

fn subject(kind: Kind, key: &ObjKey) -> String {
    format!("{} {key}", kind.info().kind_name)
}

fn problem(
    level: Level,
    kind: Kind,
    key: &ObjKey,
    reason: String,
    since: Option<DateTime<Utc>>,
) -> Problem {
    Problem {
        level,
        object: Some(ObjRef {
            kind,
            key: key.clone(),
        }),
        subject: subject(kind, key),
        reason,
        since,
        steady: None,
    }
}

/// [`problem`] whose reason ages: `steady` is the reason without its age.
fn aged(
    level: Level,
    kind: Kind,
    key: &ObjKey,
    (reason, steady): (String, String),
    since: Option<DateTime<Utc>>,
) -> Problem {
    Problem {
        steady: Some(steady),
        ..problem(level, kind, key, reason, since)
    }
}

fn hm(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S").to_string()
}

/// A duration for people: "45 min", "3h 20m", "2d 4h".
pub(crate) fn human(d: Duration) -> String {
    let m = d.num_minutes().max(0);
    match m {
        0..60 => format!("{m} min"),
        60..1440 => format!("{}h {}m", m / 60, m % 60),
        _ => format!("{}d {}h", m / 1440, (m % 1440) / 60),
    }
}

/// A cron interval for people: "day", "6 hours", "5 min".
fn every(d: Duration) -> String {
    let m = d.num_minutes().max(1);
    let unit = |n: i64, one: &str, many: &str| {
        if n == 1 {
            one.to_string()
        } else {
            format!("{n} {many}")
        }
    };
    if m % 1440 == 0 {
        unit(m / 1440, "day", "days")
    } else if m % 60 == 0 {
        unit(m / 60, "hour", "hours")
    } else {
        format!("{m} min")
    }
}

/// The ranking: by level, a lost stream before any object at the same level (nothing else can
/// be trusted while it is down), then longest-standing (unknown "since" last), then by name and
/// reason.
pub fn rank(a: &Problem, b: &Problem) -> std::cmp::Ordering {
    a.level
        .cmp(&b.level)
        .then_with(|| a.object.is_some().cmp(&b.object.is_some()))
        .then_with(|| match (a.since, b.since) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        })
        .then_with(|| a.subject.cmp(&b.subject))
        .then_with(|| a.reason.cmp(&b.reason))
}

/// What the rules found about one part of the fleet, and when they must look at it again even
/// if nothing in it changes (a threshold crossed, or a "for N min" text to bring up to date).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// What is wrong, in the order the rules found it (not ranked).
    pub problems: Vec<Problem>,
    /// The earliest time at which the verdict may change with no new data; `None` when only
    /// new data can change it.
    pub recheck: Option<DateTime<Utc>>,
}

impl Verdict {
    fn recheck_at(&mut self, t: DateTime<Utc>) {
        self.recheck = Some(self.recheck.map_or(t, |r| r.min(t)));
    }

    /// Records when a rule `age > limit` with its age shown in minutes must be looked at again:
    /// just after the limit is crossed, then at every minute the shown age changes.
    fn age_rule(&mut self, from: DateTime<Utc>, limit: Duration, now: DateTime<Utc>) -> bool {
        let age = now - from;
        if age > limit {
            self.recheck_at(from + Duration::minutes(age.num_minutes() + 1));
            true
        } else {
            self.recheck_at(from + limit + Duration::milliseconds(1));
            false
        }
    }
}

/// A cluster and what belongs to it: the unit the cluster, backup and schedule rules read
/// together. `cluster` is `None` when backups or schedules name a cluster that is not (yet)
/// listed.
#[derive(Debug, Clone, Copy)]
pub struct ClusterGroup<'a> {
    /// The cluster's namespace and name.
    pub key: &'a ObjKey,
    /// Its row, if it is listed.
    pub cluster: Option<&'a ClusterRow>,
    /// Its pods (`app.kubernetes.io/instance`).
    pub pods: &'a [&'a PodRow],
    /// Its backups.
    pub backups: &'a [&'a BackupRow],
    /// Its backup schedules.
    pub schedules: &'a [&'a ScheduleRow],
    /// Its backup policies.
    pub policies: &'a [&'a PolicyRow],
}

/// The fleet's ActionSets and Backup labels, for [`problems`].
struct FleetFacts<'a> {
    action_sets: HashMap<&'a str, BackupKind>,
    labelled: HashMap<&'a str, HashSet<BackupKind>>,
}

impl MethodFacts for FleetFacts<'_> {
    fn action_set_type(&self, name: &str) -> Option<BackupKind> {
        self.action_sets.get(name).copied()
    }
    fn labelled_type(&self, method: &str) -> Option<BackupKind> {
        let kinds = self.labelled.get(method)?;
        let mut it = kinds.iter();
        match (it.next(), it.next()) {
            (Some(k), None) => Some(*k),
            _ => None,
        }
    }
}

/// Every problem in `fleet`, worst first (see [`rank`]): the per-unit rules applied to all of
/// it at once. The dashboard keeps the same result up to date unit by unit instead.
pub fn problems(
    fleet: &Fleet<'_>,
    memory: &RestartMemory,
    limits: &Thresholds,
    now: DateTime<Utc>,
) -> Vec<Problem> {
    type Members<'a> = (
        Option<&'a ClusterRow>,
        Vec<&'a PodRow>,
        Vec<&'a BackupRow>,
        Vec<&'a ScheduleRow>,
        Vec<&'a PolicyRow>,
    );
    let mut groups: HashMap<ObjKey, Members<'_>> = HashMap::new();
    for c in fleet.clusters {
        groups.entry(c.key.clone()).or_default().0 = Some(c);
    }
    for p in fleet.pods {
        groups
            .entry(p.key.sibling(&p.cluster))
            .or_default()
            .1
            .push(p);
    }
    for b in fleet.backups {
        groups
            .entry(b.key.sibling(&b.cluster))
            .or_default()
            .2
            .push(b);
    }
    for s in fleet.schedules {
        groups
            .entry(s.key.sibling(&s.cluster))
            .or_default()
            .3
            .push(s);
    }
    for p in fleet.policies {
        groups
            .entry(p.key.sibling(&p.cluster))
            .or_default()
            .4
            .push(p);
    }
    let mut facts = FleetFacts {
        action_sets: fleet
            .action_sets
            .iter()
            .filter_map(|a| Some((a.key.name.as_str(), parse_backup_type(&a.backup_type)?)))
            .collect(),
        labelled: HashMap::new(),
    };
    for b in fleet.backups {
        if let Some(kind) = parse_backup_type(&b.backup_type) {
            facts
                .labelled
                .entry(b.method.as_str())
                .or_default()
                .insert(kind);
        }
    }
    let mut out = Vec::new();
    for (key, (cluster, pods, backups, schedules, policies)) in &groups {
        let group = ClusterGroup {
            key,
            cluster: *cluster,
            pods,
            backups,
            schedules,
            policies,
        };
        out.extend(cluster_verdict(&group, &facts, limits, fleet.listed, fleet.down, now).problems);
    }
    let other_engines: HashSet<&ObjKey> = fleet
        .clusters
        .iter()
        .filter(|c| c.other_engine)
        .map(|c| &c.key)
        .collect();
    for p in fleet.pods {
        out.extend(pod_verdict(p, memory, limits, fleet.down, now).problems);
    }
    let mut ops: HashMap<ObjKey, Vec<&OpsRow>> = HashMap::new();
    for o in fleet.ops {
        ops.entry(o.key.sibling(&o.cluster)).or_default().push(o);
    }
    for (cluster, ops) in &ops {
        if !other_engines.contains(cluster) {
            out.extend(ops_verdict(ops, limits, fleet.down, now).problems);
        }
    }
    match fleet.api {
        Some(down) => out.push(api_problem(fleet.context, down)),
        None => {
            for (kind, health) in fleet.streams {
                out.extend(stream_problem(*kind, health));
            }
        }
    }
    out.sort_by(rank);
    out
}

/// The cluster's phase, deletion and primary count, its continuous backups, and its
/// schedules and their backups. `facts` says what the fleet knows about backup methods beyond
/// the group (ActionSets, other clusters' Backup labels).
pub fn cluster_verdict(
    group: &ClusterGroup<'_>,
    facts: &dyn MethodFacts,
    limits: &Thresholds,
    listed: &Listed,
    down: &DownSince,
    now: DateTime<Utc>,
) -> Verdict {
    let mut v = Verdict::default();
    // kbdash is for PostgreSQL: another engine's cluster, and all that belongs to it, is not
    // judged (docs/kubeblocks.md#engines).
    if group.cluster.is_some_and(|c| c.other_engine) {
        return v;
    }
    if let Some(c) = group.cluster {
        judge(&[Kind::Cluster], down, now, &mut v, |now, v| {
            phase_rule(c, &mut v.problems);
            deletion_rule(c, limits, now, v);
            claims::no_status_rule(c, limits, now, v);
            dates::cluster_dates(c, limits, now, v);
        });
        judge(&[Kind::Cluster, Kind::Pod], down, now, &mut v, |now, v| {
            primary_rule(c, group.pods, &mut v.problems);
            if listed.contains(&Kind::Pod) {
                claims::pods_rule(c, group.pods, limits, now, v);
            }
        });
        if listed.contains(&Kind::BackupSchedule) && listed.contains(&Kind::Backup) {
            judge(&BACKUP_FACTS, down, now, &mut v, |now, v| {
                protection::protection_rule(c, group, facts, limits, now, v)
            });
        }
    }
    judge(&[Kind::Backup], down, now, &mut v, |now, v| {
        continuous_rules(group.backups, limits, now, v);
        for b in group.backups {
            dates::backup_dates(b, limits, now, v);
        }
    });
    judge(&BACKUP_FACTS[1..], down, now, &mut v, |now, v| {
        for s in group.schedules {
            schedule_rules(s, group, facts, limits, now, v);
        }
    });
    v
}

/// What a cluster's backup rules read: its row, its schedules and backups, and what types
/// the methods make.
const BACKUP_FACTS: [Kind; 5] = [
    Kind::Cluster,
    Kind::BackupSchedule,
    Kind::Backup,
    Kind::BackupPolicy,
    Kind::ActionSet,
];

/// A Failed or Abnormal cluster, with the cause its components record (e.g. a role probe
/// timeout), else its failing condition.
fn phase_rule(c: &ClusterRow, out: &mut Vec<Problem>) {
    let since = latest_transition(&c.conditions);
    if matches!(c.phase.as_str(), "Failed" | "Abnormal") {
        let components = c.failure_messages();
        let why = if components.is_empty() {
            c.conditions
                .iter()
                .rev()
                .find(|x| x.status == "False" && !x.message.is_empty())
                .map(|x| format!(": {}", x.message))
                .unwrap_or_default()
        } else {
            format!(": {components}")
        };
        out.push(problem(
            Level::Critical,
            Kind::Cluster,
            &c.key,
            format!("cluster is {}{why}", c.phase),
            since,
        ));
    }
}

/// The Warning event the operator records while `DoNotTerminate` holds a deletion
/// (`transformer_cluster_deletion.go`).
const DO_NOT_TERMINATE: &str = "spec.terminationPolicy DoNotTerminate is preventing deletion.";

/// A cluster whose deletion `DoNotTerminate` holds for ever, or that has been deleting for
/// longer than the threshold.
fn deletion_rule(c: &ClusterRow, limits: &Thresholds, now: DateTime<Utc>, v: &mut Verdict) {
    let Some(since) = c.deleting else {
        return;
    };
    if c.termination_policy == "DoNotTerminate" {
        v.problems.push(problem(
            Level::Warning,
            Kind::Cluster,
            &c.key,
            format!(
                "deletion requested at {}, held by terminationPolicy DoNotTerminate: it stays \
                 Deleting until the policy changes (operator: \"{DO_NOT_TERMINATE}\")",
                hm(since)
            ),
            Some(since),
        ));
    } else if v.age_rule(since, limits.stuck_deleting, now) {
        let components: Vec<String> = c
            .components
            .iter()
            .map(|x| match x.message.as_str() {
                "" => format!("{} {}", x.name, x.phase),
                m => format!("{} {}: {m}", x.name, x.phase),
            })
            .collect();
        let why = if components.is_empty() {
            String::new()
        } else {
            format!("; components: {}", components.join(", "))
        };
        let policy = if c.termination_policy.is_empty() {
            "unset"
        } else {
            &c.termination_policy
        };
        v.problems.push(aged(
            Level::Warning,
            Kind::Cluster,
            &c.key,
            (
                format!(
                    "deleting for {} (terminationPolicy {policy}){why}",
                    human(now - since)
                ),
                format!("deleting (terminationPolicy {policy}){why}"),
            ),
            Some(since),
        ));
    }
}

/// A cluster with no primary or several among its pods.
fn primary_rule(c: &ClusterRow, pods: &[&PodRow], out: &mut Vec<Problem>) {
    let since = latest_transition(&c.conditions);
    if c.deleting.is_some() || matches!(c.phase.as_str(), "Stopped" | "Stopping" | "Creating") {
        return;
    }
    if pods.is_empty() {
        return;
    }
    match primary_names(pods).as_slice() {
        [] => out.push(problem(
            Level::Critical,
            Kind::Cluster,
            &c.key,
            format!("no primary among {} pods", pods.len()),
            pods.iter()
                .filter_map(|p| latest_transition(&p.conditions))
                .max()
                .or(since),
        )),
        [_] => {}
        many => out.push(problem(
            Level::Critical,
            Kind::Cluster,
            &c.key,
            format!("{} primaries: {}", many.len(), many.join(", ")),
            since,
        )),
    }
}

/// A pod not ready, crash-looping, or restarting; nothing for another engine's pod.
pub fn pod_verdict(
    p: &PodRow,
    memory: &RestartMemory,
    limits: &Thresholds,
    down: &DownSince,
    now: DateTime<Utc>,
) -> Verdict {
    let mut v = Verdict::default();
    if p.other_engine {
        return v;
    }
    judge(&[Kind::Pod], down, now, &mut v, |now, v| {
        pod_rules(p, memory, limits, now, v)
    });
    v
}

fn pod_rules(
    p: &PodRow,
    memory: &RestartMemory,
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    let ready_since = p
        .conditions
        .iter()
        .find(|c| c.type_ == "Ready")
        .and_then(|c| c.last_transition);
    if p.status == "CrashLoopBackOff" {
        v.problems.push(problem(
            Level::Error,
            Kind::Pod,
            &p.key,
            format!("CrashLoopBackOff ({} restarts)", p.restarts),
            ready_since,
        ));
    } else if !p.ready && !matches!(p.status.as_str(), "Terminating" | "Succeeded" | "Completed") {
        v.problems.push(problem(
            Level::Warning,
            Kind::Pod,
            &p.key,
            format!(
                "not ready ({}/{} containers, {})",
                p.ready_containers,
                p.containers,
                if p.status.is_empty() {
                    "no status"
                } else {
                    &p.status
                }
            ),
            ready_since.or(p.created),
        ));
    }
    dates::pod_dates(p, limits, now, v);
    if let Some((at, from)) = memory.last_rise(&p.key)
        && now - at <= limits.restart_window
        && p.restarts > from
    {
        v.problems.push(problem(
            Level::Warning,
            Kind::Pod,
            &p.key,
            format!("restarts rose to {} (+{})", p.restarts, p.restarts - from),
            Some(at),
        ));
        v.recheck_at(at + limits.restart_window + Duration::milliseconds(1));
    }
}

/// When a running OpsRequest last showed movement: its start or any progress detail's start
/// or end.
fn last_movement(o: &OpsRow) -> Option<DateTime<Utc>> {
    o.details
        .iter()
        .flat_map(|d| [d.start, d.end])
        .flatten()
        .chain(o.started)
        .chain(o.created)
        .max()
}

/// The OpsRequests of one cluster: failed or aborted ones (information only once a later
/// request of the same type succeeded), stuck ones, and those dated in the future.
pub fn ops_verdict(
    ops: &[&OpsRow],
    limits: &Thresholds,
    down: &DownSince,
    now: DateTime<Utc>,
) -> Verdict {
    let mut v = Verdict::default();
    judge(&[Kind::OpsRequest], down, now, &mut v, |now, v| {
        // The latest request of each type that succeeded, by creation time.
        let mut succeeded: HashMap<&str, &OpsRow> = HashMap::new();
        for o in ops
            .iter()
            .filter(|o| o.phase == "Succeed" && o.created.is_some())
        {
            let latest = succeeded.entry(o.op_type.as_str()).or_insert(o);
            if (o.created, &o.key) > (latest.created, &latest.key) {
                *latest = o;
            }
        }
        for o in ops {
            let made_good = succeeded
                .get(o.op_type.as_str())
                .filter(|s| o.created.is_some() && s.created > o.created);
            ops_rules(o, made_good.copied(), limits, now, v);
            dates::ops_dates(o, limits, now, v);
        }
    });
    v
}

/// `o`'s problems; `made_good` is a later request of the same type that succeeded.
fn ops_rules(
    o: &OpsRow,
    made_good: Option<&OpsRow>,
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    match o.phase.as_str() {
        "Failed" | "Aborted" => {
            let why = if o.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", o.reason)
            };
            let (level, later) = match made_good {
                Some(s) => (
                    Level::Info,
                    format!(" · superseded by {}, which Succeed", s.key.name),
                ),
                None => (Level::Error, String::new()),
            };
            v.problems.push(problem(
                level,
                Kind::OpsRequest,
                &o.key,
                format!("{} {}{why}{later}", o.op_type, o.phase),
                o.completed.or(o.last_transition).or(o.created),
            ));
        }
        "Running" => {
            if let Some(moved) = last_movement(o)
                && v.age_rule(moved, limits.stuck_ops, now)
            {
                let progress = match o.progress {
                    Progress::Counts(a, b) => format!("{a}/{b}"),
                    Progress::Unknown => "-".into(),
                };
                v.problems.push(aged(
                    Level::Warning,
                    Kind::OpsRequest,
                    &o.key,
                    (
                        format!(
                            "{} stuck: progress {progress} unchanged for {}",
                            o.op_type,
                            human(now - moved)
                        ),
                        format!("{} stuck: progress {progress} unchanged", o.op_type),
                    ),
                    Some(moved),
                ));
            }
        }
        _ => {}
    }
}

/// WAL archivers that are down and continuous backups that failed ([`archiving`] decides).
fn continuous_rules(
    backups: &[&BackupRow],
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    for b in backups.iter().filter(|b| b.is_continuous()) {
        let state = archiving(b, limits, now);
        let since = match &state {
            Archiving::Failed { at, .. } => *at,
            // When the pods went away is not recorded; no new WAL since the end, at least.
            Archiving::Down { end } => *end,
            _ => continue,
        };
        v.problems.push(problem(
            Level::Error,
            Kind::Backup,
            &b.key,
            state.describe(now),
            since,
        ));
    }
}

/// A schedule that Failed, and its enabled entries: a continuous one needs a Running
/// continuous backup; any other needs its last backup not Failed and its last success no
/// older than twice its cron interval. An entry whose method's type nothing says is not
/// judged.
fn schedule_rules(
    s: &ScheduleRow,
    group: &ClusterGroup<'_>,
    facts: &dyn MethodFacts,
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    let cluster_key = group.key;
    if s.phase == "Failed" {
        v.problems.push(problem(
            Level::Error,
            Kind::Cluster,
            cluster_key,
            format!(
                "backup schedule {} Failed{}",
                s.key.name,
                colon(&s.failure_reason)
            ),
            None,
        ));
    }
    for e in s.entries.iter().filter(|e| e.enabled) {
        if e.phase == "Failed" {
            v.problems.push(problem(
                Level::Error,
                Kind::Cluster,
                cluster_key,
                format!(
                    "schedule {} entry {} ({}) Failed{}",
                    s.key.name,
                    e.key(),
                    e.method,
                    colon(&e.failure_reason)
                ),
                e.last_scheduled,
            ));
        }
        let policy = (!s.policy.is_empty()).then_some(s.policy.as_str());
        match method_type(&e.method, policy, group.policies, group.backups, facts) {
            None => {}
            Some(BackupKind::Continuous) => {
                let running = group
                    .backups
                    .iter()
                    .any(|b| b.is_continuous() && b.method == e.method && b.phase == "Running");
                if !running {
                    v.problems.push(problem(
                        Level::Error,
                        Kind::Cluster,
                        cluster_key,
                        format!(
                            "schedule {} enables {} but no continuous backup is Running",
                            s.key.name, e.method
                        ),
                        s.created,
                    ));
                }
            }
            Some(_) => scheduled_rules(s, e, group, limits, now, v),
        }
    }
}

/// `: text`, or nothing for empty text.
fn colon(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

/// An enabled entry whose backups a CronJob makes: its latest backup Failed, or its last
/// success (the entry's `lastSuccessfulTime`, or the latest Completed backup) older than twice
/// its cron interval (plus the grace).
fn scheduled_rules(
    s: &ScheduleRow,
    e: &crate::rows::ScheduleEntry,
    group: &ClusterGroup<'_>,
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    let of_method = || {
        group
            .backups
            .iter()
            .filter(|b| !b.is_continuous() && b.method == e.method)
    };
    let latest =
        of_method().max_by(|a, b| a.created.cmp(&b.created).then_with(|| a.key.cmp(&b.key)));
    if let Some(b) = latest {
        match b.phase.as_str() {
            "Failed" => {
                v.problems.push(problem(
                    Level::Error,
                    Kind::Backup,
                    &b.key,
                    format!(
                        "last {} backup Failed{}",
                        e.method,
                        colon(&b.failure_reason)
                    ),
                    b.completed.or(b.created),
                ));
                return;
            }
            // One is under way: whether it succeeds is yet to be seen.
            "" | "New" | "Running" => return,
            _ => {}
        }
    }
    let completed = of_method()
        .filter(|b| b.phase == "Completed")
        .filter_map(|b| b.completed.or(b.created))
        .max();
    let last = e.last_success.max(completed);
    let Some(base) = last.or(s.created) else {
        return;
    };
    let Ok(cron) = parse_cron(&e.cron) else {
        return;
    };
    let Some(first) = cron.next_after(base) else {
        return;
    };
    // Not even the first run after the last success is due: nothing to work out yet.
    if now <= first {
        v.recheck_at(first + Duration::milliseconds(1));
        return;
    }
    let Some(second) = cron.next_after(first) else {
        return;
    };
    let due = base + (second - first) * 2 + limits.full_backup_grace;
    if now <= due {
        v.recheck_at(due + Duration::milliseconds(1));
        return;
    }
    let reason = match last {
        Some(last) => format!(
            "last successful {} backup at {}; `{}` runs every {}, so one was due by {}",
            e.method,
            last.format("%Y-%m-%d %H:%M"),
            e.cron,
            every(second - first),
            due.format("%Y-%m-%d %H:%M")
        ),
        None => format!(
            "no successful {} backup yet; `{}` runs every {}, so one was due by {}",
            e.method,
            e.cron,
            every(second - first),
            due.format("%Y-%m-%d %H:%M")
        ),
    };
    v.problems.push(problem(
        Level::Warning,
        Kind::Cluster,
        group.key,
        reason,
        Some(due),
    ));
}

/// Kinds whose data only says what type a backup method makes (ActionSets are cluster-scoped,
/// out of reach of a namespaced role): without them triage falls back to the Backups' labels
/// and judges less, which is worth a warning, not an alarm.
fn auxiliary(kind: Kind) -> bool {
    matches!(kind, Kind::BackupPolicy | Kind::ActionSet)
}

/// A watch stream that is not delivering.
pub fn stream_problem(kind: Kind, health: &StreamHealth) -> Option<Problem> {
    let problem = stream_problem_of(kind, health)?;
    if !auxiliary(kind) {
        return Some(problem);
    }
    let fallback = "; backup method types fall back to the Backups' labels";
    Some(Problem {
        level: Level::Warning,
        reason: format!("{}{fallback}", problem.reason),
        steady: problem.steady.as_ref().map(|s| format!("{s}{fallback}")),
        ..problem
    })
}

fn stream_problem_of(kind: Kind, health: &StreamHealth) -> Option<Problem> {
    let name = kind.info().kind_name;
    let mut steady = None;
    let (level, reason, since) = match health {
        StreamHealth::Fine => return None,
        // Every verdict over the stream's data is suspended meanwhile: the lost stream is what
        // the on-call engineer must see first.
        StreamHealth::Reconnecting {
            since,
            attempt,
            error,
        } => {
            steady = Some(format!("down, reconnecting: {error}"));
            (
                Level::Critical,
                format!("down, reconnecting (attempt {attempt}): {error}"),
                Some(*since),
            )
        }
        StreamHealth::Relisting { since } => (
            Level::Warning,
            format!(
                "listing again after being down since {}: rows are not current yet",
                hm(*since)
            ),
            Some(*since),
        ),
        StreamHealth::Forbidden(msg) => (Level::Error, format!("forbidden: {msg}"), None),
        StreamHealth::Missing(msg) => (Level::Error, format!("not installed: {msg}"), None),
    };
    Some(Problem {
        level,
        object: None,
        subject: format!("{name} stream"),
        reason,
        since,
        steady,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::{Atom, Condition, ProgressDetail, ScheduleEntry};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 5, 9, 0, 0).unwrap()
    }

    fn ago(min: i64) -> Option<DateTime<Utc>> {
        Some(now() - Duration::minutes(min))
    }

    fn key(name: &str) -> ObjKey {
        ObjKey::new("demo", name)
    }

    fn cluster(phase: &str) -> ClusterRow {
        ClusterRow {
            key: key("pg"),
            phase: phase.into(),
            desired: 2,
            ..ClusterRow::default()
        }
    }

    fn pod(name: &str, role: &str, ready: bool, status: &str) -> PodRow {
        PodRow {
            key: key(name),
            cluster: "pg".into(),
            role: role.into(),
            ready,
            status: status.into(),
            ready_containers: u32::from(ready),
            containers: 1,
            ..PodRow::default()
        }
    }

    struct Case {
        clusters: Vec<ClusterRow>,
        pods: Vec<PodRow>,
        ops: Vec<OpsRow>,
        backups: Vec<BackupRow>,
        schedules: Vec<ScheduleRow>,
        policies: Vec<PolicyRow>,
        action_sets: Vec<ActionSetRow>,
        streams: Vec<(Kind, StreamHealth)>,
        memory: RestartMemory,
        /// Empty unless a test says otherwise: the rules that judge an absence stay quiet.
        listed: Listed,
        down: DownSince,
    }

    impl Case {
        fn new() -> Case {
            Case {
                clusters: vec![cluster("Running")],
                pods: vec![
                    pod("pg-0", "primary", true, "Running"),
                    pod("pg-1", "secondary", true, "Running"),
                ],
                ops: vec![],
                backups: vec![],
                schedules: vec![],
                policies: vec![policy()],
                action_sets: vec![
                    action_set("postgresql-basebackup", "Full"),
                    action_set("postgresql-for-pitr", "Continuous"),
                    action_set("postgresql-wal-g", "Full"),
                    action_set("postgresql-wal-g-pitr", "Continuous"),
                ],
                streams: vec![(Kind::Cluster, StreamHealth::Fine)],
                memory: RestartMemory::default(),
                listed: Listed::new(),
                down: DownSince::new(),
            }
        }

        fn run(&self) -> Vec<Problem> {
            self.run_at(now())
        }

        fn run_at(&self, now: DateTime<Utc>) -> Vec<Problem> {
            let clusters: Vec<_> = self.clusters.iter().collect();
            let pods: Vec<_> = self.pods.iter().collect();
            let ops: Vec<_> = self.ops.iter().collect();
            let backups: Vec<_> = self.backups.iter().collect();
            let schedules: Vec<_> = self.schedules.iter().collect();
            let policies: Vec<_> = self.policies.iter().collect();
            let action_sets: Vec<_> = self.action_sets.iter().collect();
            let fleet = Fleet {
                context: "test",
                clusters: &clusters,
                pods: &pods,
                ops: &ops,
                backups: &backups,
                schedules: &schedules,
                policies: &policies,
                action_sets: &action_sets,
                streams: &self.streams,
                listed: &self.listed,
                down: &self.down,
                api: None,
            };
            problems(&fleet, &self.memory, &Thresholds::default(), now)
        }

        fn reasons(&self) -> Vec<String> {
            self.run()
                .into_iter()
                .map(|p| format!("{} {}: {}", p.level.word(), p.subject, p.reason))
                .collect()
        }
    }

    /// The cluster's BackupPolicy with the addon's methods, both pairs (pg-basebackup with
    /// archive-wal, wal-g with wal-g-archive) and a volume snapshot.
    fn policy() -> PolicyRow {
        let method = |name, action_set: &'static str| crate::rows::PolicyMethod {
            name,
            action_set,
            snapshot_volumes: action_set.is_empty(),
        };
        PolicyRow::new(
            key("pg-postgresql-backup-policy"),
            "pg".into(),
            [
                method("pg-basebackup", "postgresql-basebackup"),
                method("volume-snapshot", ""),
                method("archive-wal", "postgresql-for-pitr"),
                method("wal-g", "postgresql-wal-g"),
                method("wal-g-archive", "postgresql-wal-g-pitr"),
            ],
        )
    }

    fn action_set(name: &str, backup_type: &str) -> ActionSetRow {
        ActionSetRow {
            key: ObjKey::new("", name),
            backup_type: backup_type.into(),
        }
    }

    fn has(case: &Case, needle: &str) -> bool {
        case.reasons().iter().any(|r| r.contains(needle))
    }

    #[test]
    fn a_healthy_fleet_has_no_problems() {
        assert_eq!(Case::new().reasons(), Vec::<String>::new());
    }

    #[test]
    fn cluster_phase_rule() {
        for (phase, fires) in [
            ("Failed", true),
            ("Abnormal", true),
            ("Running", false),
            ("Updating", false),
            ("Stopped", false),
        ] {
            let mut c = Case::new();
            c.clusters[0].phase = phase.into();
            c.clusters[0].conditions = vec![Condition {
                type_: "Ready".into(),
                status: "False".into(),
                message: "pods not ready".into(),
                last_transition: ago(30),
                ..Condition::default()
            }];
            assert_eq!(has(&c, &format!("cluster is {phase}")), fires, "{phase}");
            if fires {
                let p = &c.run()[0];
                assert_eq!(p.level, Level::Critical);
                assert_eq!(p.since, ago(30));
                assert!(p.reason.ends_with(": pods not ready"), "{}", p.reason);
            }
        }
    }

    #[test]
    fn primary_count_rule() {
        for (roles, expect) in [
            (["primary", "secondary"], None),
            (["secondary", "secondary"], Some("no primary among 2 pods")),
            (["", ""], Some("no primary")),
            (["primary", "primary"], Some("2 primaries: pg-0, pg-1")),
        ] {
            let mut c = Case::new();
            for (p, r) in c.pods.iter_mut().zip(roles) {
                p.role = r.into();
            }
            let found = c.reasons().into_iter().find(|r| r.contains("primar"));
            match expect {
                None => assert_eq!(found, None, "{roles:?}"),
                Some(e) => assert!(found.unwrap().contains(e), "{roles:?}"),
            }
        }
        let mut stopped = Case::new();
        stopped.clusters[0].phase = "Stopped".into();
        stopped
            .pods
            .iter_mut()
            .for_each(|p| p.role = Atom::default());
        assert!(
            !has(&stopped, "primary"),
            "a stopped cluster needs no primary"
        );
    }

    #[test]
    fn pod_rules_fire_and_stay_quiet() {
        let mut c = Case::new();
        c.pods[1] = pod("pg-1", "secondary", false, "CrashLoopBackOff");
        c.pods[1].restarts = 7;
        assert!(has(
            &c,
            "ERROR Pod demo/pg-1: CrashLoopBackOff (7 restarts)"
        ));
        assert!(!has(&c, "not ready"), "crash loop says it all");

        let mut c = Case::new();
        c.pods[1] = pod("pg-1", "secondary", false, "Running");
        c.pods[1].conditions = vec![Condition {
            type_: "Ready".into(),
            status: "False".into(),
            last_transition: ago(3),
            ..Condition::default()
        }];
        let p = c.run();
        assert_eq!(p[0].reason, "not ready (0/1 containers, Running)");
        assert_eq!(p[0].since, ago(3));

        let mut c = Case::new();
        c.pods[1] = pod("pg-1", "secondary", false, "Terminating");
        assert!(!has(&c, "not ready"), "terminating pods are going away");
    }

    #[test]
    fn restart_rule_uses_memory_and_window() {
        let pk = key("pg-0");
        let mut c = Case::new();
        c.pods[0].restarts = 5;
        c.memory.observe(&pk, 3, ago(60).unwrap());
        assert!(!has(&c, "restarts"), "first sight is a baseline");
        c.memory.observe(&pk, 4, ago(5).unwrap());
        c.memory.observe(&pk, 5, ago(2).unwrap());
        let p = c.run();
        assert_eq!(p[0].reason, "restarts rose to 5 (+2)");
        assert_eq!(p[0].since, ago(2));

        let mut old = Case::new();
        old.pods[0].restarts = 4;
        old.memory.observe(&pk, 3, ago(60).unwrap());
        old.memory.observe(&pk, 4, ago(20).unwrap());
        assert!(
            !has(&old, "restarts"),
            "a rise outside the window is history"
        );

        let mut recreated = Case::new();
        recreated.memory.observe(&pk, 3, ago(10).unwrap());
        recreated.memory.observe(&pk, 4, ago(5).unwrap());
        recreated.memory.observe(&pk, 0, ago(1).unwrap());
        assert!(!has(&recreated, "restarts"));
    }

    fn op(phase: &str) -> OpsRow {
        OpsRow {
            key: key("pg-restart-x"),
            cluster: "pg".into(),
            op_type: "Restart".into(),
            phase: phase.into(),
            created: ago(40),
            started: ago(40),
            ..OpsRow::default()
        }
    }

    #[test]
    fn ops_rules() {
        for (phase, fires) in [
            ("Failed", true),
            ("Aborted", true),
            ("Succeed", false),
            ("Cancelled", false),
        ] {
            let mut c = Case::new();
            let mut o = op(phase);
            o.reason = "component is not ready".into();
            o.completed = ago(7);
            c.ops.push(o);
            let want = format!(
                "ERROR OpsRequest demo/pg-restart-x: Restart {phase}: component is not ready"
            );
            assert_eq!(has(&c, &want), fires, "{phase}: {:?}", c.reasons());
            if fires {
                assert_eq!(c.run()[0].since, ago(7));
            }
        }
    }

    /// A failed request that a later one of the same type on the same cluster made good is
    /// information; an earlier success, another type or another cluster leaves it an error.
    #[test]
    fn a_failed_request_superseded_by_a_later_success_is_information() {
        let failed = || {
            let mut o = op("Failed");
            o.reason = "component is not ready".into();
            o.completed = ago(30);
            o
        };
        let success = |name: &str, created: i64, op_type: &str, cluster: &str| OpsRow {
            key: key(name),
            cluster: cluster.into(),
            op_type: op_type.into(),
            phase: "Succeed".into(),
            created: ago(created),
            ..OpsRow::default()
        };
        let mut c = Case::new();
        c.ops = vec![failed(), success("pg-restart-y", 20, "Restart", "pg")];
        assert_eq!(
            c.reasons(),
            [
                "INFO OpsRequest demo/pg-restart-x: Restart Failed: component is not ready · \
                 superseded by pg-restart-y, which Succeed"
            ]
        );
        assert_eq!(c.run()[0].since, ago(30), "since the failure still");
        for other in [
            success("pg-restart-y", 50, "Restart", "pg"),
            success("pg-restart-y", 20, "VerticalScaling", "pg"),
            success("pg-restart-y", 20, "Restart", "other"),
        ] {
            let mut c = Case::new();
            c.ops = vec![failed(), other.clone()];
            assert!(
                has(&c, "ERROR OpsRequest demo/pg-restart-x: Restart Failed"),
                "{other:?}: {:?}",
                c.reasons()
            );
        }
        // Information ranks below every warning.
        let mut c = Case::new();
        c.ops = vec![failed(), success("pg-restart-y", 20, "Restart", "pg")];
        c.pods[1].ready = false;
        assert_eq!(
            c.run().iter().map(|p| p.level).collect::<Vec<_>>(),
            [Level::Warning, Level::Info]
        );
    }

    /// An acknowledgement must still recognise a problem whose text only ages, or whose
    /// stream went down; a new occurrence is another problem.
    #[test]
    fn a_fingerprint_ignores_age_and_outages_but_not_change() {
        let mut c = Case::new();
        c.clusters[0].termination_policy = "Delete".into();
        c.clusters[0].deleting = ago(30);
        let first = c.run().remove(0);
        assert_eq!(
            first.reason,
            "deleting for 30 min (terminationPolicy Delete)"
        );
        let later = c.run_at(now() + Duration::minutes(10)).remove(0);
        assert_eq!(
            later.reason,
            "deleting for 40 min (terminationPolicy Delete)"
        );
        assert_eq!(first.fingerprint(), later.fingerprint());

        c.down.insert(Kind::Cluster, ago(1).unwrap());
        let stale = c.run().remove(0);
        assert_eq!(stale.level, Level::Stale);
        assert_eq!(first.fingerprint(), stale.fingerprint());

        let mut again = Case::new();
        again.clusters[0].termination_policy = "Delete".into();
        again.clusters[0].deleting = ago(20);
        let sooner = again.run_at(now() + Duration::minutes(20)).remove(0);
        assert_eq!(sooner.reason, later.reason);
        assert_ne!(
            sooner.fingerprint(),
            later.fingerprint(),
            "another deletion"
        );
    }

    /// The rules that judge an absence (no pods, no backup schedule) judge only over streams
    /// that have listed: before the Pod or Backup stream has, the absence means nothing.
    #[test]
    fn absence_is_judged_only_over_listed_streams() {
        let mut c = Case::new();
        c.clusters[0].created = ago(60);
        c.pods.clear();
        assert_eq!(c.reasons(), Vec::<String>::new());
        c.listed = [Kind::Cluster, Kind::Pod].into_iter().collect();
        assert_eq!(
            c.reasons(),
            [
                "ERROR Cluster demo/pg: phase Running, but 0 of 2 pods exist (0 ready): it cannot serve"
            ]
        );
        c.listed.insert(Kind::BackupSchedule);
        assert_eq!(c.reasons().len(), 1, "the Backup stream has not listed yet");
        c.listed.insert(Kind::Backup);
        assert!(has(
            &c,
            "WARN Cluster demo/pg: no backup and no PITR: no backup schedule, and no backup has \
             Completed"
        ));
        // A down Backup stream: what the rule said is unknown from then.
        c.down.insert(Kind::Backup, ago(1).unwrap());
        assert!(has(&c, "STALE Cluster demo/pg: no backup and no PITR"));
    }

    #[test]
    fn stuck_ops_rule() {
        let mut c = Case::new();
        let mut o = op("Running");
        o.progress = Progress::Counts(1, 3);
        o.details = vec![ProgressDetail {
            status: "Succeed".into(),
            start: ago(30),
            end: ago(25),
            ..ProgressDetail::default()
        }];
        c.ops.push(o.clone());
        let p = c.run();
        assert_eq!(
            p[0].reason,
            "Restart stuck: progress 1/3 unchanged for 25 min"
        );
        assert_eq!(p[0].since, ago(25));

        let mut moving = Case::new();
        o.details.push(ProgressDetail {
            status: "Processing".into(),
            start: ago(2),
            ..ProgressDetail::default()
        });
        moving.ops.push(o);
        assert!(!has(&moving, "stuck"));
    }

    fn continuous(phase: &str, end_min_ago: i64) -> BackupRow {
        BackupRow {
            key: key("pg-wal"),
            cluster: "pg".into(),
            backup_type: "Continuous".into(),
            method: "archive-wal".into(),
            phase: phase.into(),
            created: ago(600),
            range_start: ago(600),
            range_end: ago(end_min_ago),
            archiver_pods: Some(1),
            ..BackupRow::default()
        }
    }

    /// An idle database uploads no WAL: an old end with the archiver up is no problem.
    #[test]
    fn an_old_time_range_end_alone_is_not_a_fault() {
        let mut quiet = Case::new();
        quiet.backups.push(continuous("Running", 45));
        assert_eq!(quiet.reasons(), Vec::<String>::new());
        quiet.backups[0].archiver_pods = None;
        quiet.backups[0].range_start = ago(60 * 40);
        quiet.backups[0].range_end = ago(60 * 30);
        assert_eq!(
            quiet.reasons(),
            Vec::<String>::new(),
            "no evidence either way"
        );
    }

    #[test]
    fn an_archiver_without_available_pods_is_down() {
        let mut c = Case::new();
        c.backups.push(continuous("Running", 45));
        c.backups[0].archiver_pods = Some(0);
        let p = c.run();
        assert_eq!(
            p[0].reason,
            "WAL archiver down: Running(AvailablePods: 0), recoverable up to 08:15:00"
        );
        assert_eq!((p[0].level, p[0].since), (Level::Error, ago(45)));
        c.backups[0].phase = "Failed".into();
        c.backups[0].failure_reason = "StatefulSet pod failed".into();
        c.backups[0].completed = ago(3);
        let p = c.run();
        assert_eq!(
            p[0].reason,
            "continuous backup Failed: StatefulSet pod failed"
        );
        assert_eq!(p[0].since, ago(3));
    }

    fn schedule(entries: &[(&str, &str)]) -> ScheduleRow {
        ScheduleRow {
            key: key("pg-schedule"),
            cluster: "pg".into(),
            policy: "pg-postgresql-backup-policy".into(),
            created: ago(60 * 24 * 3),
            entries: entries
                .iter()
                .map(|(m, cron)| ScheduleEntry {
                    method: (*m).into(),
                    enabled: true,
                    cron: (*cron).into(),
                    retention: "7d".into(),
                    ..ScheduleEntry::default()
                })
                .collect(),
            ..ScheduleRow::default()
        }
    }

    fn full(phase: &str, created_min_ago: i64) -> BackupRow {
        BackupRow {
            key: key("pg-full"),
            cluster: "pg".into(),
            backup_type: "Full".into(),
            method: "pg-basebackup".into(),
            phase: phase.into(),
            created: ago(created_min_ago),
            completed: ago(created_min_ago - 2),
            failure_reason: if phase == "Failed" {
                "pod evicted".into()
            } else {
                String::new()
            },
            ..BackupRow::default()
        }
    }

    #[test]
    fn schedule_without_running_continuous_backup() {
        let mut c = Case::new();
        c.schedules
            .push(schedule(&[("archive-wal", "*/5 * * * *")]));
        assert!(has(
            &c,
            "enables archive-wal but no continuous backup is Running"
        ));
        c.backups.push(continuous("Running", 1));
        assert!(!has(&c, "no continuous backup"));
    }

    /// The addon guide's wal-g setup: `wal-g` is a Full method (its ActionSet says so), so
    /// its schedule is checked as one, and `wal-g-archive` is the continuous one.
    #[test]
    fn wal_g_methods_are_typed_by_their_action_sets() {
        let mut c = Case::new();
        c.schedules.push(schedule(&[
            ("wal-g", "0 2 * * *"),
            ("wal-g-archive", "*/5 * * * *"),
        ]));
        let mut archive = continuous("Running", 1);
        archive.method = "wal-g-archive".into();
        c.backups.push(archive);
        let mut failed = full("Failed", 7 * 60);
        failed.method = "wal-g".into();
        c.backups.push(failed);
        assert_eq!(
            c.reasons(),
            ["ERROR Backup demo/pg-full: last wal-g backup Failed: pod evicted"]
        );
    }

    #[test]
    fn a_method_nothing_types_is_not_judged() {
        let mut c = Case::new();
        c.policies.clear();
        c.schedules.push(schedule(&[
            ("archive-wal", "*/5 * * * *"),
            ("wal-g", "0 2 * * *"),
        ]));
        assert_eq!(c.reasons(), Vec::<String>::new());
        // The labels of another cluster's backups made with the method are evidence.
        let mut elsewhere = continuous("Running", 1);
        elsewhere.key = key("other-wal");
        elsewhere.cluster = "other".into();
        c.backups.push(elsewhere);
        assert!(has(
            &c,
            "enables archive-wal but no continuous backup is Running"
        ));
    }

    #[test]
    fn full_backup_rules() {
        // Daily at 02:00; now is 09:00 on 2025-06-05.
        let daily = [("pg-basebackup", "0 2 * * *")];
        let mut ok = Case::new();
        ok.schedules.push(schedule(&daily));
        ok.backups.push(full("Completed", 31 * 60));
        assert_eq!(
            ok.reasons(),
            Vec::<String>::new(),
            "one missed run is within twice the interval"
        );

        let mut overdue = Case::new();
        overdue.schedules.push(schedule(&daily));
        overdue.backups.push(full("Completed", 55 * 60));
        assert_eq!(
            overdue.reasons(),
            [
                "WARN Cluster demo/pg: last successful pg-basebackup backup at 2025-06-03 02:02; \
              `0 2 * * *` runs every day, so one was due by 2025-06-05 02:02"
            ]
        );

        let mut by_status = Case::new();
        by_status.schedules.push(schedule(&daily));
        by_status.schedules[0].entries[0].last_success = ago(60);
        assert_eq!(
            by_status.reasons(),
            Vec::<String>::new(),
            "lastSuccessfulTime counts"
        );

        let mut failed = Case::new();
        failed.schedules.push(schedule(&daily));
        failed.backups.push(full("Failed", 7 * 60));
        assert!(has(
            &failed,
            "last pg-basebackup backup Failed: pod evicted"
        ));

        let mut running = Case::new();
        running.schedules.push(schedule(&daily));
        running.backups.push(full("Running", 3));
        assert_eq!(running.reasons(), Vec::<String>::new(), "one is under way");

        let mut none = Case::new();
        none.schedules.push(schedule(&daily));
        assert!(has(&none, "no successful pg-basebackup backup yet"));
    }

    #[test]
    fn failed_schedules_are_errors() {
        let mut c = Case::new();
        let mut s = schedule(&[("pg-basebackup", "0 2 * * *")]);
        s.phase = "Failed".into();
        s.failure_reason = "backup method wal-g is not in backup policy demo/x".into();
        s.entries[0].name = "daily".into();
        s.entries[0].phase = "Failed".into();
        s.entries[0].failure_reason = "cron job failed".into();
        s.entries[0].last_success = ago(60);
        c.schedules.push(s);
        assert_eq!(
            c.reasons(),
            [
                "ERROR Cluster demo/pg: backup schedule pg-schedule Failed: backup method wal-g \
                 is not in backup policy demo/x",
                "ERROR Cluster demo/pg: schedule pg-schedule entry daily (pg-basebackup) Failed: \
                 cron job failed",
            ]
        );
    }

    #[test]
    fn deletion_rules() {
        let mut held = Case::new();
        held.clusters[0].termination_policy = "DoNotTerminate".into();
        held.clusters[0].deleting = ago(2);
        assert_eq!(
            held.reasons(),
            [
                "WARN Cluster demo/pg: deletion requested at 08:58:00, held by terminationPolicy \
              DoNotTerminate: it stays Deleting until the policy changes (operator: \
              \"spec.terminationPolicy DoNotTerminate is preventing deletion.\")"
            ]
        );
        let mut slow = Case::new();
        slow.clusters[0].termination_policy = "Delete".into();
        slow.clusters[0].deleting = ago(10);
        assert_eq!(slow.reasons(), Vec::<String>::new(), "within the threshold");
        slow.clusters[0].deleting = ago(40);
        slow.clusters[0].components = vec![crate::rows::ComponentStatus {
            name: "postgresql".into(),
            phase: "Deleting".into(),
            message: String::new(),
        }];
        assert_eq!(
            slow.reasons(),
            [
                "WARN Cluster demo/pg: deleting for 40 min (terminationPolicy Delete); \
              components: postgresql Deleting"
            ]
        );
    }

    #[test]
    fn a_component_message_is_the_cause_of_a_failed_cluster() {
        let mut c = Case::new();
        c.clusters[0].phase = "Failed".into();
        c.clusters[0].components = vec![crate::rows::ComponentStatus {
            name: "postgresql".into(),
            phase: "Failed".into(),
            message: "InstanceSet/pg-postgresql: Role probe timeout, check whether the \
                      application is available"
                .into(),
        }];
        assert!(has(
            &c,
            "cluster is Failed: postgresql Failed: InstanceSet/pg-postgresql: Role probe \
             timeout, check whether the application is available"
        ));
        c.clusters[0].phase = "Running".into();
        c.clusters[0].components[0].phase = "Running".into();
        assert!(
            !has(&c, "Role probe"),
            "an old message of a Running component"
        );
    }

    #[test]
    fn stream_rules_and_ranking() {
        let mut c = Case::new();
        c.streams = vec![
            (Kind::Cluster, StreamHealth::Fine),
            (
                Kind::Pod,
                StreamHealth::Reconnecting {
                    since: ago(2).unwrap(),
                    attempt: 3,
                    error: "connection refused".into(),
                },
            ),
            (
                Kind::OpsRequest,
                StreamHealth::Forbidden("no access".into()),
            ),
            (Kind::Backup, StreamHealth::Missing("dataprotection".into())),
        ];
        c.clusters[0].phase = "Failed".into();
        let r = c.reasons();
        assert_eq!(
            r,
            vec![
                "CRIT Pod stream: down, reconnecting (attempt 3): connection refused",
                "CRIT Cluster demo/pg: cluster is Failed",
                "ERROR Backup stream: not installed: dataprotection",
                "ERROR OpsRequest stream: forbidden: no access",
            ]
        );
    }

    #[test]
    fn streams_that_only_type_methods_are_warnings() {
        let mut c = Case::new();
        c.streams = vec![
            (
                Kind::ActionSet,
                StreamHealth::Forbidden("cannot list actionsets at the cluster scope".into()),
            ),
            (
                Kind::BackupPolicy,
                StreamHealth::Reconnecting {
                    since: ago(1).unwrap(),
                    attempt: 1,
                    error: "connection reset".into(),
                },
            ),
        ];
        assert_eq!(
            c.reasons(),
            [
                "WARN BackupPolicy stream: down, reconnecting (attempt 1): connection reset; \
                 backup method types fall back to the Backups' labels",
                "WARN ActionSet stream: forbidden: cannot list actionsets at the cluster scope; \
                 backup method types fall back to the Backups' labels",
            ]
        );
    }

    /// While a stream is down, nothing new is concluded from its data: clock rules are judged
    /// as of the moment it went down, and what they raise is shown as unknown since then.
    #[test]
    fn rules_over_a_down_stream_are_suspended() {
        // A clock rule: the cluster's deletion started 30 minutes ago; the Cluster stream went
        // down 25 minutes ago, when it had been deleting for 5 minutes only: nothing can be
        // claimed.
        let mut c = Case::new();
        c.clusters[0].termination_policy = "Delete".into();
        c.clusters[0].deleting = ago(30);
        assert!(has(&c, "WARN Cluster demo/pg: deleting for 30 min"));
        c.down.insert(Kind::Cluster, ago(25).unwrap());
        assert_eq!(c.reasons(), Vec::<String>::new());

        // Down 10 minutes ago, when it had been deleting for 20: it stands, as unknown.
        c.down.insert(Kind::Cluster, ago(10).unwrap());
        assert_eq!(
            c.reasons(),
            vec![
                "STALE Cluster demo/pg: deleting for 20 min (terminationPolicy Delete) · unknown \
                 since 08:50:00 (Cluster stream down), was WARN"
            ]
        );

        // A rule reads its own streams only: a down Pod stream suspends the primary rule, not
        // the phase or backup rules, and what it suspends ranks below live problems.
        let mut c = Case::new();
        c.clusters[0].phase = "Abnormal".into();
        c.pods[0].role = "secondary".into();
        c.backups.push(continuous("Failed", 30));
        c.down.insert(Kind::Pod, ago(5).unwrap());
        let r = c.reasons();
        assert_eq!(r.len(), 3, "{r:?}");
        assert_eq!(r[0], "CRIT Cluster demo/pg: cluster is Abnormal");
        assert!(r[1].starts_with("ERROR Backup demo/pg-wal: continuous backup Failed"));
        assert_eq!(
            r[2],
            "STALE Cluster demo/pg: no primary among 2 pods · unknown since 08:55:00 (Pod \
             stream down), was CRIT"
        );
    }
}
