//! Triage: what is broken, since when and why, ranked worst first. Pure: the rules read the rows
//! the watch layer keeps, a little memory of what changed over time, and the clock they are given.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use crate::domain::cron::parse_cron;
use crate::kinds::Kind;
use crate::rows::{
    BackupRow, ClusterRow, ObjKey, ObjRef, OpsRow, PodRow, Progress, ScheduleRow,
    latest_transition, primary_names,
};

/// How long things may look wrong before they count as a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// A running OpsRequest whose progress has not moved for this long is stuck.
    pub stuck_ops: Duration,
    /// A continuous backup whose time range end lags now by more than this has stalled.
    pub wal_stall: Duration,
    /// Restarts that rose within this window are reported.
    pub restart_window: Duration,
    /// Slack after the time a scheduled full backup was due before it counts as overdue.
    pub full_backup_grace: Duration,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            stuck_ops: Duration::minutes(10),
            wal_stall: Duration::minutes(10),
            restart_window: Duration::minutes(15),
            full_backup_grace: Duration::hours(1),
        }
    }
}

/// How bad a problem is; the order is the ranking (worst first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// A cluster cannot serve, or the dashboard cannot see: a Failed or Abnormal cluster, no
    /// primary or several, the API server or a watch stream down.
    Critical,
    /// Something failed and needs someone: a crash-looping pod, a failed operation or backup,
    /// a stalled WAL archive, a stream refused or not installed.
    Error,
    /// Something to keep an eye on: a pod not ready, restarts rising, an operation stuck, a
    /// scheduled backup overdue.
    Warning,
    /// Raised from data whose stream has since gone down: whether it still holds is unknown.
    Stale,
}

impl Level {
    /// The word shown with the problem.
    pub fn word(self) -> &'static str {
        match self {
            Level::Critical => "CRIT",
            Level::Error => "ERROR",
            Level::Warning => "WARN",
            Level::Stale => "STALE",
        }
    }
}

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
}

impl Problem {
    /// The problem as raised before `kind`'s stream went down at `since`: unknown now.
    fn suspended(self, kind: Kind, since: DateTime<Utc>) -> Problem {
        Problem {
            level: Level::Stale,
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
    /// The health of each kind's watch stream.
    pub streams: &'a [(Kind, StreamHealth)],
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
    /// The last probe's error (a timeout, a refused connection, ...).
    pub error: String,
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
    );
    let mut groups: HashMap<ObjKey, Members<'_>> = HashMap::new();
    for c in fleet.clusters {
        groups.entry(c.key.clone()).or_default().0 = Some(c);
    }
    for p in fleet.pods {
        groups
            .entry(ObjKey::new(&p.key.namespace, &p.cluster))
            .or_default()
            .1
            .push(p);
    }
    for b in fleet.backups {
        groups
            .entry(ObjKey::new(&b.key.namespace, &b.cluster))
            .or_default()
            .2
            .push(b);
    }
    for s in fleet.schedules {
        groups
            .entry(ObjKey::new(&s.key.namespace, &s.cluster))
            .or_default()
            .3
            .push(s);
    }
    let continuous: HashSet<&str> = fleet
        .backups
        .iter()
        .filter(|b| b.is_continuous())
        .map(|b| b.method.as_str())
        .collect();
    let known = |m: &str| continuous.contains(m);
    let mut out = Vec::new();
    for (key, (cluster, pods, backups, schedules)) in &groups {
        let group = ClusterGroup {
            key,
            cluster: *cluster,
            pods,
            backups,
            schedules,
        };
        out.extend(cluster_verdict(&group, &known, limits, fleet.down, now).problems);
    }
    for p in fleet.pods {
        out.extend(pod_verdict(p, memory, limits, fleet.down, now).problems);
    }
    for o in fleet.ops {
        out.extend(ops_verdict(o, limits, fleet.down, now).problems);
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

/// The cluster's phase and primary count, its continuous backups, and its schedules' backups.
/// `continuous_method` says whether a backup method is known to be a continuous one anywhere in
/// the fleet.
pub fn cluster_verdict(
    group: &ClusterGroup<'_>,
    continuous_method: &dyn Fn(&str) -> bool,
    limits: &Thresholds,
    down: &DownSince,
    now: DateTime<Utc>,
) -> Verdict {
    let mut v = Verdict::default();
    if let Some(c) = group.cluster {
        judge(&[Kind::Cluster], down, now, &mut v, |_, v| {
            phase_rule(c, &mut v.problems)
        });
        judge(&[Kind::Cluster, Kind::Pod], down, now, &mut v, |_, v| {
            primary_rule(c, group.pods, &mut v.problems)
        });
    }
    judge(&[Kind::Backup], down, now, &mut v, |now, v| {
        continuous_rules(group.backups, limits, now, v)
    });
    judge(
        &[Kind::BackupSchedule, Kind::Backup],
        down,
        now,
        &mut v,
        |now, v| {
            for s in group.schedules {
                schedule_rules(s, group, continuous_method, limits, now, v);
            }
        },
    );
    v
}

/// A Failed or Abnormal cluster.
fn phase_rule(c: &ClusterRow, out: &mut Vec<Problem>) {
    let since = latest_transition(&c.conditions);
    if matches!(c.phase.as_str(), "Failed" | "Abnormal") {
        let why = c
            .conditions
            .iter()
            .rev()
            .find(|x| x.status == "False" && !x.message.is_empty())
            .map(|x| format!(": {}", x.message))
            .unwrap_or_default();
        out.push(problem(
            Level::Critical,
            Kind::Cluster,
            &c.key,
            format!("cluster is {}{why}", c.phase),
            since,
        ));
    }
}

/// A cluster with no primary or several among its pods.
fn primary_rule(c: &ClusterRow, pods: &[&PodRow], out: &mut Vec<Problem>) {
    let since = latest_transition(&c.conditions);
    if c.deleting || matches!(c.phase.as_str(), "Stopped" | "Stopping" | "Creating") {
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

/// A pod not ready, crash-looping, or restarting.
pub fn pod_verdict(
    p: &PodRow,
    memory: &RestartMemory,
    limits: &Thresholds,
    down: &DownSince,
    now: DateTime<Utc>,
) -> Verdict {
    let mut v = Verdict::default();
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

/// A failed, aborted or stuck OpsRequest.
pub fn ops_verdict(
    o: &OpsRow,
    limits: &Thresholds,
    down: &DownSince,
    now: DateTime<Utc>,
) -> Verdict {
    let mut v = Verdict::default();
    judge(&[Kind::OpsRequest], down, now, &mut v, |now, v| {
        ops_rules(o, limits, now, v)
    });
    v
}

fn ops_rules(o: &OpsRow, limits: &Thresholds, now: DateTime<Utc>, v: &mut Verdict) {
    match o.phase.as_str() {
        "Failed" | "Aborted" => {
            let why = if o.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", o.reason)
            };
            v.problems.push(problem(
                Level::Error,
                Kind::OpsRequest,
                &o.key,
                format!("{} {}{why}", o.op_type, o.phase),
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
                v.problems.push(problem(
                    Level::Warning,
                    Kind::OpsRequest,
                    &o.key,
                    format!(
                        "{} stuck: progress {progress} unchanged for {}",
                        o.op_type,
                        human(now - moved)
                    ),
                    Some(moved),
                ));
            }
        }
        _ => {}
    }
}

/// Whether a schedule entry's method is a continuous (WAL archive) one: a continuous backup
/// with that method exists, or the method's name says so.
fn is_continuous_method(method: &str, known: &dyn Fn(&str) -> bool) -> bool {
    known(method) || method.contains("wal") || method.contains("archive")
}

/// Stalled and failed WAL archives.
fn continuous_rules(
    backups: &[&BackupRow],
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    for b in backups.iter().filter(|b| b.is_continuous()) {
        match b.phase.as_str() {
            "Running" => {
                if let Some(end) = b.range_end.or(b.started).or(b.created)
                    && v.age_rule(end, limits.wal_stall, now)
                {
                    v.problems.push(problem(
                        Level::Error,
                        Kind::Backup,
                        &b.key,
                        format!(
                            "WAL archive stalled: time range ends {} ({} ago)",
                            hm(end),
                            human(now - end)
                        ),
                        Some(end),
                    ));
                }
            }
            "Failed" => v.problems.push(problem(
                Level::Error,
                Kind::Backup,
                &b.key,
                format!("continuous backup Failed: {}", b.failure_reason),
                b.completed.or(b.range_end).or(b.created),
            )),
            _ => {}
        }
    }
}

/// A schedule's entries: continuous ones need a Running continuous backup; full ones need a
/// recent enough backup that did not fail.
fn schedule_rules(
    s: &ScheduleRow,
    group: &ClusterGroup<'_>,
    continuous_method: &dyn Fn(&str) -> bool,
    limits: &Thresholds,
    now: DateTime<Utc>,
    v: &mut Verdict,
) {
    let cluster_key = group.key;
    for e in s.entries.iter().filter(|e| e.enabled) {
        if is_continuous_method(&e.method, continuous_method) {
            let running = group
                .backups
                .iter()
                .any(|b| b.is_continuous() && b.phase == "Running");
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
            continue;
        }
        let latest = group
            .backups
            .iter()
            .filter(|b| !b.is_continuous() && b.method == e.method)
            .max_by(|a, b| a.created.cmp(&b.created).then_with(|| a.key.cmp(&b.key)));
        let Ok(cron) = parse_cron(&e.cron) else {
            continue;
        };
        match latest {
            Some(b) if b.phase == "Failed" => v.problems.push(problem(
                Level::Error,
                Kind::Backup,
                &b.key,
                format!(
                    "last full backup ({}) Failed{}",
                    e.method,
                    if b.failure_reason.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", b.failure_reason)
                    }
                ),
                b.completed.or(b.created),
            )),
            Some(b) => {
                let Some(last) = b.created else {
                    continue;
                };
                if let Some(due) = cron.next_after(last)
                    && overdue(due, limits, now, v)
                {
                    v.problems.push(problem(
                        Level::Warning,
                        Kind::Backup,
                        &b.key,
                        format!(
                            "last full backup ({}) is from {}; `{}` wanted one by {}",
                            e.method,
                            last.format("%Y-%m-%d %H:%M"),
                            e.cron,
                            due.format("%Y-%m-%d %H:%M")
                        ),
                        Some(due),
                    ));
                }
            }
            None => {
                let Some(created) = s.created else {
                    continue;
                };
                if let Some(due) = cron.next_after(created)
                    && overdue(due, limits, now, v)
                {
                    v.problems.push(problem(
                        Level::Warning,
                        Kind::Cluster,
                        cluster_key,
                        format!(
                            "no full backup ({}) yet; `{}` wanted one by {}",
                            e.method,
                            e.cron,
                            due.format("%Y-%m-%d %H:%M")
                        ),
                        Some(due),
                    ));
                }
            }
        }
    }
}

/// Whether a backup due at `due` is overdue; if not yet, when to look again.
fn overdue(due: DateTime<Utc>, limits: &Thresholds, now: DateTime<Utc>, v: &mut Verdict) -> bool {
    if now - due > limits.full_backup_grace {
        true
    } else {
        v.recheck_at(due + limits.full_backup_grace + Duration::milliseconds(1));
        false
    }
}

/// A watch stream that is not delivering.
pub fn stream_problem(kind: Kind, health: &StreamHealth) -> Option<Problem> {
    let name = kind.info().kind_name;
    let (level, reason, since) = match health {
        StreamHealth::Fine => return None,
        // Every verdict over the stream's data is suspended meanwhile: the lost stream is what
        // the on-call engineer must see first.
        StreamHealth::Reconnecting {
            since,
            attempt,
            error,
        } => (
            Level::Critical,
            format!("down, reconnecting (attempt {attempt}): {error}"),
            Some(*since),
        ),
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
        streams: Vec<(Kind, StreamHealth)>,
        memory: RestartMemory,
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
                streams: vec![(Kind::Cluster, StreamHealth::Fine)],
                memory: RestartMemory::default(),
                down: DownSince::new(),
            }
        }

        fn run(&self) -> Vec<Problem> {
            let clusters: Vec<_> = self.clusters.iter().collect();
            let pods: Vec<_> = self.pods.iter().collect();
            let ops: Vec<_> = self.ops.iter().collect();
            let backups: Vec<_> = self.backups.iter().collect();
            let schedules: Vec<_> = self.schedules.iter().collect();
            let fleet = Fleet {
                context: "test",
                clusters: &clusters,
                pods: &pods,
                ops: &ops,
                backups: &backups,
                schedules: &schedules,
                streams: &self.streams,
                down: &self.down,
                api: None,
            };
            problems(&fleet, &self.memory, &Thresholds::default(), now())
        }

        fn reasons(&self) -> Vec<String> {
            self.run()
                .into_iter()
                .map(|p| format!("{} {}: {}", p.level.word(), p.subject, p.reason))
                .collect()
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
            ..BackupRow::default()
        }
    }

    #[test]
    fn wal_stall_rule() {
        let mut c = Case::new();
        c.backups.push(continuous("Running", 45));
        let p = c.run();
        assert_eq!(
            p[0].reason,
            "WAL archive stalled: time range ends 08:15:00 (45 min ago)"
        );
        let mut fresh = Case::new();
        fresh.backups.push(continuous("Running", 1));
        assert_eq!(fresh.reasons(), Vec::<String>::new());
    }

    fn schedule(entries: &[(&str, &str)]) -> ScheduleRow {
        ScheduleRow {
            key: key("pg-schedule"),
            cluster: "pg".into(),
            created: ago(60 * 24 * 3),
            entries: entries
                .iter()
                .map(|(m, cron)| ScheduleEntry {
                    method: (*m).into(),
                    enabled: true,
                    cron: (*cron).into(),
                    retention: "7d".into(),
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

    #[test]
    fn full_backup_rules() {
        // Daily at 02:00; now is 09:00.
        let daily = [("pg-basebackup", "0 2 * * *")];
        let mut ok = Case::new();
        ok.schedules.push(schedule(&daily));
        ok.backups.push(full("Completed", 7 * 60));
        assert_eq!(ok.reasons(), Vec::<String>::new());

        let mut overdue = Case::new();
        overdue.schedules.push(schedule(&daily));
        overdue.backups.push(full("Completed", 31 * 60));
        assert!(has(&overdue, "`0 2 * * *` wanted one by 2025-06-05 02:00"));

        let mut failed = Case::new();
        failed.schedules.push(schedule(&daily));
        failed.backups.push(full("Failed", 7 * 60));
        assert!(has(
            &failed,
            "last full backup (pg-basebackup) Failed: pod evicted"
        ));

        let mut none = Case::new();
        none.schedules.push(schedule(&daily));
        assert!(has(&none, "no full backup (pg-basebackup) yet"));
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

    /// While a stream is down, nothing new is concluded from its data: clock rules are judged
    /// as of the moment it went down, and what they raise is shown as unknown since then.
    #[test]
    fn rules_over_a_down_stream_are_suspended() {
        // The archive's time range ended 30 minutes ago; the Backup stream went down 25
        // minutes ago, when it lagged by 5 minutes only: no stall can be claimed.
        let mut c = Case::new();
        c.backups.push(continuous("Running", 30));
        assert!(has(&c, "ERROR Backup demo/pg-wal: WAL archive stalled"));
        c.down.insert(Kind::Backup, ago(25).unwrap());
        assert_eq!(c.reasons(), Vec::<String>::new());

        // Down 15 minutes ago, when it already lagged by 15: the stall stands, as unknown.
        c.down.insert(Kind::Backup, ago(15).unwrap());
        assert_eq!(
            c.reasons(),
            vec![
                "STALE Backup demo/pg-wal: WAL archive stalled: time range ends 08:30:00 (15 \
                 min ago) · unknown since 08:45:00 (Backup stream down), was ERROR"
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
