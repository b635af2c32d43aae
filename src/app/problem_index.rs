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

use crate::app::model::Model;
use kbdash_core::domain::triage::{self, ClusterGroup, Problem, Verdict};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Atom, BackupRow, ObjKey};

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
    /// Methods of continuous backups anywhere in the fleet, with how many use each: a schedule
    /// entry with such a method is a continuous one.
    continuous_methods: HashMap<Atom, usize>,
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

    /// Keeps the continuous-method counts in step with a backup replaced by another (either
    /// side `None` for an addition or a deletion).
    pub fn note_backup(&mut self, old: Option<&BackupRow>, new: Option<&BackupRow>) {
        if self.rebuild {
            return;
        }
        let mut changed = false;
        if let Some(b) = old.filter(|b| b.is_continuous())
            && let Some(n) = self.continuous_methods.get_mut(&b.method)
        {
            *n -= 1;
            if *n == 0 {
                self.continuous_methods.remove(&b.method);
                changed = true;
            }
        }
        if let Some(b) = new.filter(|b| b.is_continuous()) {
            let n = self.continuous_methods.entry(b.method.clone()).or_insert(0);
            *n += 1;
            changed |= *n == 1;
        }
        // Which schedule entries count as continuous changed: every schedule may read
        // differently now. Rare (a method appears or disappears fleet-wide).
        if changed {
            self.rebuild();
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
            continuous_methods: continuous_methods(m),
            generation: idx.generation.wrapping_add(1),
            ..ProblemIndex::default()
        };
        all_units(m)
    } else {
        idx.dirty.drain().collect()
    };
    for unit in units {
        let verdict = evaluate(m, &idx, &unit);
        idx.set(unit, verdict);
    }
    m.triage.problems = idx;
}

fn continuous_methods(m: &Model) -> HashMap<Atom, usize> {
    let mut counts = HashMap::new();
    for b in m.backups.iter().filter(|b| b.is_continuous()) {
        *counts.entry(b.method.clone()).or_insert(0) += 1;
    }
    counts
}

/// Every unit the model has something for.
fn all_units(m: &Model) -> Vec<Unit> {
    let mut clusters: HashSet<ObjKey> = m.clusters.iter().map(|c| c.key.clone()).collect();
    clusters.extend(m.index.backups.keys().cloned());
    clusters.extend(m.index.schedules.keys().cloned());
    clusters
        .into_iter()
        .map(Unit::Cluster)
        .chain(m.pods.iter().map(|p| Unit::Pod(p.key.clone())))
        .chain(m.ops.iter().map(|o| Unit::Ops(o.key.clone())))
        .chain(m.streams.keys().map(|k| Unit::Stream(*k)))
        .chain([Unit::Api])
        .collect()
}

fn evaluate(m: &Model, idx: &ProblemIndex, unit: &Unit) -> Verdict {
    let limits = &m.triage.thresholds;
    match unit {
        Unit::Cluster(key) => {
            let cluster = m.clusters.get(key);
            // Pods only matter to the rules of a cluster that is listed.
            let pods: Vec<_> = if cluster.is_some() {
                m.cluster_pods(key).collect()
            } else {
                Vec::new()
            };
            let backups: Vec<_> = m.cluster_backups(key).collect();
            let schedules: Vec<_> = m.cluster_schedules(key).collect();
            let group = ClusterGroup {
                key,
                cluster,
                pods: &pods,
                backups: &backups,
                schedules: &schedules,
            };
            let known = |method: &str| idx.continuous_methods.contains_key(method);
            triage::cluster_verdict(&group, &known, limits, &m.triage.down, m.now)
        }
        Unit::Pod(key) => m.pods.get(key).map_or_else(Verdict::default, |p| {
            triage::pod_verdict(p, &m.triage.restarts, limits, &m.triage.down, m.now)
        }),
        Unit::Ops(key) => m.ops.get(key).map_or_else(Verdict::default, |o| {
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
                    triage::stream_problem(*kind, &crate::app::triage::health(s, down))
                })
                .into_iter()
                .collect(),
            recheck: None,
        },
    }
}
