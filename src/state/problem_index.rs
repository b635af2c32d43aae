//! The triage problem list, kept up to date as events arrive instead of recomputed per frame.
//!
//! The rules of [`kbdash_core::domain::triage`] read the fleet in units: a cluster with its pods,
//! backups and schedules; one pod; one OpsRequest; one watch stream. A watch event marks the
//! units it can change, and [`refresh`] re-runs the rules on those units only, so the work per
//! event is bounded by the size of one cluster, not the fleet. Rules that depend on the clock
//! ask to be looked at again at a given time, and ticks re-run just those. A relist rebuilds
//! everything once.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::state::model::Model;
use crate::state::store::Change;
use kbdash_core::domain::triage::{self, ClusterGroup, Problem, Verdict};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;

/// A part of the fleet the rules read together.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    /// A cluster with its pods, backups and schedules.
    Cluster(ObjKey),
    Pod(ObjKey),
    Ops(ObjKey),
    Stream(Kind),
    /// The API server's liveness.
    Api,
}

/// A problem in rank order; the unit breaks ties between identical problems.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ranked {
    problem: Problem,
    unit: Unit,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Ranked) -> Ordering {
        triage::rank(&self.problem, &other.problem)
            .then_with(|| self.unit.cmp(&other.unit))
            .then_with(|| self.problem.object.cmp(&other.problem.object))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Ranked) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The current problems, worst first, and what must be looked at again.
#[derive(Debug, Clone, Default)]
pub struct ProblemIndex {
    found: HashMap<Unit, Vec<Problem>>,
    ranked: BTreeSet<Ranked>,
    dirty: HashSet<Unit>,
    rebuild: bool,
    rechecks: BTreeSet<(DateTime<Utc>, Unit)>,
    recheck_of: HashMap<Unit, DateTime<Utc>>,
    /// Bumped whenever the list changes, so a caller can tell whether it did.
    generation: u64,
}

impl ProblemIndex {
    /// Marks a unit as changed.
    pub fn touch(&mut self, unit: Unit) {
        if !self.rebuild {
            self.dirty.insert(unit);
        }
    }

    /// Marks everything as changed, as after a relist.
    pub fn rebuild(&mut self) {
        self.rebuild = true;
        self.dirty.clear();
    }

    /// Marks the units a change of watch data can alter: a pod is judged alone and with its
    /// cluster, an OpsRequest alone, and every other kind with its cluster (both clusters, for
    /// an object that moved).
    pub fn note(&mut self, change: &Change) {
        // Rare (a continuous backup method appears or disappears fleet-wide): every schedule
        // may read differently now.
        if change.fleet_wide {
            self.rebuild();
        }
        match change.kind {
            Kind::OpsRequest => self.touch(Unit::Ops(change.key.clone())),
            kind => {
                if kind == Kind::Pod {
                    self.touch(Unit::Pod(change.key.clone()));
                }
                self.touch(Unit::Cluster(change.cluster.clone()));
                if let Some(left) = &change.left {
                    self.touch(Unit::Cluster(left.clone()));
                }
            }
        }
    }

    /// Changes whenever the list of problems changes.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.ranked.len()
    }

    /// Whether nothing is broken.
    pub fn is_empty(&self) -> bool {
        self.ranked.is_empty()
    }

    /// The problems, worst first.
    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.ranked.iter().map(|r| &r.problem)
    }

    /// The problem at rank `i`.
    pub fn get(&self, i: usize) -> Option<&Problem> {
        self.iter().nth(i)
    }

    fn set(&mut self, unit: Unit, verdict: Verdict) {
        if let Some(t) = self.recheck_of.remove(&unit) {
            self.rechecks.remove(&(t, unit.clone()));
        }
        if let Some(t) = verdict.recheck {
            self.recheck_of.insert(unit.clone(), t);
            self.rechecks.insert((t, unit.clone()));
        }
        let old = self.found.get(&unit).map_or(&[][..], Vec::as_slice);
        if old == verdict.problems.as_slice() {
            return;
        }
        self.generation = self.generation.wrapping_add(1);
        if let Some(old) = self.found.remove(&unit) {
            for problem in old {
                self.ranked.remove(&Ranked {
                    problem,
                    unit: unit.clone(),
                });
            }
        }
        for problem in &verdict.problems {
            self.ranked.insert(Ranked {
                problem: problem.clone(),
                unit: unit.clone(),
            });
        }
        if !verdict.problems.is_empty() {
            self.found.insert(unit, verdict.problems);
        }
    }
}

/// Brings the model's problem list up to date: units whose recheck time has come, then units
/// touched by events (or everything, after a relist).
pub fn refresh(m: &mut Model) {
    let idx = &mut m.triage.problems;
    while let Some((t, _)) = idx.rechecks.first()
        && *t <= m.now
    {
        if let Some((_, unit)) = idx.rechecks.pop_first() {
            idx.recheck_of.remove(&unit);
            idx.touch(unit);
        }
    }
    if !idx.rebuild && idx.dirty.is_empty() {
        return;
    }
    let mut idx = std::mem::take(&mut m.triage.problems);
    let units: Vec<Unit> = if idx.rebuild {
        idx = ProblemIndex {
            generation: idx.generation.wrapping_add(1),
            ..ProblemIndex::default()
        };
        all_units(m)
    } else {
        idx.dirty.drain().collect()
    };
    for unit in units {
        let verdict = evaluate(m, &unit);
        idx.set(unit, verdict);
    }
    m.triage.problems = idx;
}

/// Every unit the model has something for.
fn all_units(m: &Model) -> Vec<Unit> {
    let store = &m.store;
    let mut clusters: HashSet<ObjKey> = store.clusters.iter().map(|c| c.key.clone()).collect();
    clusters.extend(store.clusters_with(Kind::Backup).cloned());
    clusters.extend(store.clusters_with(Kind::BackupSchedule).cloned());
    clusters
        .into_iter()
        .map(Unit::Cluster)
        .chain(store.pods.iter().map(|p| Unit::Pod(p.key.clone())))
        .chain(store.ops.iter().map(|o| Unit::Ops(o.key.clone())))
        .chain(m.streams.keys().map(|k| Unit::Stream(*k)))
        .chain([Unit::Api])
        .collect()
}

fn evaluate(m: &Model, unit: &Unit) -> Verdict {
    let limits = &m.triage.thresholds;
    let store = &m.store;
    match unit {
        Unit::Cluster(key) => {
            let cluster = store.clusters.get(key);
            // Pods only matter to the rules of a cluster that is listed.
            let pods: Vec<_> = if cluster.is_some() {
                store.cluster_pods(key).collect()
            } else {
                Vec::new()
            };
            let backups: Vec<_> = store.cluster_backups(key).collect();
            let schedules: Vec<_> = store.cluster_schedules(key).collect();
            let group = ClusterGroup {
                key,
                cluster,
                pods: &pods,
                backups: &backups,
                schedules: &schedules,
            };
            let known = |method: &str| store.is_continuous_method(method);
            triage::cluster_verdict(&group, &known, limits, &m.triage.down, m.now)
        }
        Unit::Pod(key) => store.pods.get(key).map_or_else(Verdict::default, |p| {
            triage::pod_verdict(p, &m.triage.restarts, limits, &m.triage.down, m.now)
        }),
        Unit::Ops(key) => store.ops.get(key).map_or_else(Verdict::default, |o| {
            triage::ops_verdict(o, limits, &m.triage.down, m.now)
        }),
        // While the API server does not answer, its one problem stands for every stream.
        Unit::Stream(_) if m.api_down.is_some() => Verdict::default(),
        Unit::Api => Verdict {
            problems: m
                .api_down
                .iter()
                .map(|down| triage::api_problem(&m.context, down))
                .collect(),
            recheck: None,
        },
        Unit::Stream(kind) => Verdict {
            problems: m
                .streams
                .get(kind)
                .and_then(|s| {
                    let down = m.triage.down.get(kind).copied();
                    triage::stream_problem(*kind, &crate::state::triage::health(s, down))
                })
                .into_iter()
                .collect(),
            recheck: None,
        },
    }
}
