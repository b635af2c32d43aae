//! The triage problem list, kept up to date as events arrive instead of recomputed per frame.
//!
//! The rules of [`kbdash_core::domain::triage`] read the fleet in units: a cluster with its pods,
//! backups and schedules; one pod; one OpsRequest; one watch stream. A watch event marks the
//! units it can change, and `update` re-runs the rules on the units that are due
//! ([`ProblemIndex::take_due`]) only, so the work per event is bounded by the size of one
//! cluster, not the fleet. Rules that depend on the clock ask to be looked at again at a given
//! time, and ticks re-run just those. A relist rebuilds everything once.
//!
//! A problem the user acknowledged is kept apart, hidden from the list, until it changes: an
//! acknowledgement holds the problem's [`Fingerprint`], and is forgotten once no unit raises a
//! problem with that fingerprint any more.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::state::store::Change;
use kbdash_core::domain::triage::{self, Fingerprint, Problem, Verdict};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Ctx, ObjKey};

/// A part of the fleet the rules read together.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Unit {
    /// A cluster with its pods, backups and schedules.
    Cluster(ObjKey),
    Pod(ObjKey),
    /// The OpsRequests of a cluster, read together: a failed one is made good by a later one
    /// of the same type.
    Ops(ObjKey),
    /// A context's stream of a kind.
    Stream(Ctx, Kind),
    /// A context's API server's liveness.
    Api(Ctx),
    /// A cluster's database health, as scraped through the pod proxy.
    Health(ObjKey),
}

impl Unit {
    /// The context the unit belongs to.
    pub(crate) fn ctx(&self) -> Ctx {
        match self {
            Unit::Cluster(key) | Unit::Pod(key) | Unit::Ops(key) | Unit::Health(key) => key.ctx,
            Unit::Stream(ctx, _) | Unit::Api(ctx) => *ctx,
        }
    }
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

/// What must be judged again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Due {
    Nothing,
    Units(Vec<Unit>),
    /// Every unit the model has something for (the list starts empty again).
    Everything,
    /// Every unit of these contexts (their part of the list starts empty again), and these
    /// units of the others.
    Contexts(BTreeSet<Ctx>, Vec<Unit>),
}

/// The current problems, worst first, and what must be looked at again.
#[derive(Debug, Clone, Default)]
pub struct ProblemIndex {
    found: HashMap<Unit, Vec<Problem>>,
    /// The problems shown.
    ranked: BTreeSet<Ranked>,
    /// The problems acknowledged, hidden from the list.
    hidden: BTreeSet<Ranked>,
    acknowledged: HashSet<Fingerprint>,
    dirty: HashSet<Unit>,
    rebuild: bool,
    /// Contexts whose every unit must be judged again: one context's relist or outage
    /// concerns its own verdicts only, so ten contexts' syncs are not ten whole-fleet rebuilds.
    rebuild_ctx: BTreeSet<Ctx>,
    rechecks: BTreeSet<(DateTime<Utc>, Unit)>,
    recheck_of: HashMap<Unit, DateTime<Utc>>,
    /// Bumped whenever the list changes, so a caller can tell whether it did.
    generation: u64,
}

impl ProblemIndex {
    /// Marks a unit as changed.
    pub(crate) fn touch(&mut self, unit: Unit) {
        if !self.rebuild {
            self.dirty.insert(unit);
        }
    }

    /// Marks everything as changed, as after a relist.
    pub(crate) fn rebuild(&mut self) {
        self.rebuild = true;
        self.dirty.clear();
        self.rebuild_ctx.clear();
    }

    /// Marks everything of context `ctx` as changed, as after a relist of one of its kinds.
    pub(crate) fn rebuild_ctx(&mut self, ctx: Ctx) {
        if !self.rebuild {
            self.rebuild_ctx.insert(ctx);
        }
    }

    /// Forgets what was found about the units of `ctxs`, to judge them all again.
    fn forget(&mut self, ctxs: &BTreeSet<Ctx>) {
        let other = |u: &Unit| !ctxs.contains(&u.ctx());
        self.found.retain(|u, _| other(u));
        self.ranked.retain(|r| other(&r.unit));
        self.hidden.retain(|r| other(&r.unit));
        self.rechecks.retain(|(_, u)| other(u));
        self.recheck_of.retain(|u, _| other(u));
        self.dirty.retain(other);
    }

    /// Marks the units a change of watch data can alter: a pod is judged alone and with its
    /// cluster, an OpsRequest alone, and every other kind with its cluster (both clusters, for
    /// an object that moved).
    pub(crate) fn note(&mut self, change: &Change) {
        // Rare (what type a backup method makes, or which clusters run another engine,
        // changed): every cluster may read differently now.
        if change.fleet_wide {
            self.rebuild();
        }
        match change.kind {
            Kind::OpsRequest => {
                self.touch(Unit::Ops(change.cluster.clone()));
                if let Some(left) = &change.left {
                    self.touch(Unit::Ops(left.clone()));
                }
            }
            // Cluster-scoped: it belongs to no cluster, and only concerns all of them.
            Kind::ActionSet => {}
            // No rule reads Warning events: triage's evidence shows them when it is drawn.
            Kind::Event => {}
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
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// How many problems are shown.
    pub(crate) fn len(&self) -> usize {
        self.ranked.len()
    }

    /// Whether no problem is shown.
    pub(crate) fn is_empty(&self) -> bool {
        self.ranked.is_empty()
    }

    /// The problems shown, worst first.
    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.ranked.iter().map(|r| &r.problem)
    }

    /// The acknowledged problems, hidden from the list, worst first.
    pub fn acknowledged(&self) -> impl Iterator<Item = &Problem> {
        self.hidden.iter().map(|r| &r.problem)
    }

    /// How many problems are acknowledged.
    pub(crate) fn acknowledged_len(&self) -> usize {
        self.hidden.len()
    }

    /// Whether a problem with this fingerprint is hidden while it is raised.
    pub fn is_acknowledged(&self, fingerprint: &Fingerprint) -> bool {
        self.acknowledged.contains(fingerprint)
    }

    /// The problem shown at rank `i`, or, in the acknowledged list, the acknowledged one.
    pub(crate) fn get(&self, i: usize, acknowledged: bool) -> Option<&Problem> {
        if acknowledged {
            self.acknowledged().nth(i)
        } else {
            self.iter().nth(i)
        }
    }

    /// Hides the problem shown at rank `i` (and any other with its fingerprint) until it
    /// changes. Returns whether there was one.
    pub(crate) fn acknowledge(&mut self, i: usize) -> bool {
        let Some(fingerprint) = self.get(i, false).map(Problem::fingerprint) else {
            return false;
        };
        Self::move_matching(&mut self.ranked, &mut self.hidden, &fingerprint);
        self.acknowledged.insert(fingerprint);
        self.generation = self.generation.wrapping_add(1);
        true
    }

    /// Shows the acknowledged problem at rank `i` again (and any other with its fingerprint).
    /// Returns whether there was one.
    pub(crate) fn unacknowledge(&mut self, i: usize) -> bool {
        let Some(fingerprint) = self.get(i, true).map(Problem::fingerprint) else {
            return false;
        };
        Self::move_matching(&mut self.hidden, &mut self.ranked, &fingerprint);
        self.acknowledged.remove(&fingerprint);
        self.generation = self.generation.wrapping_add(1);
        true
    }

    /// Moves the problems of `from` with `fingerprint` to `to`.
    fn move_matching(
        from: &mut BTreeSet<Ranked>,
        to: &mut BTreeSet<Ranked>,
        fingerprint: &Fingerprint,
    ) {
        let matching: Vec<Ranked> = from
            .iter()
            .filter(|r| r.problem.fingerprint() == *fingerprint)
            .cloned()
            .collect();
        for r in matching {
            from.remove(&r);
            to.insert(r);
        }
    }

    /// Forgets the acknowledgements no problem raised matches any more: what changed and
    /// changes back is shown again. After a rebuild, once every unit is judged.
    pub(crate) fn end_rebuild(&mut self) {
        let raised: HashSet<Fingerprint> = self
            .hidden
            .iter()
            .map(|r| r.problem.fingerprint())
            .collect();
        self.acknowledged.retain(|f| raised.contains(f));
    }

    /// Takes what must be judged again at `now`: the units whose recheck time has come and the
    /// units touched since the last time, or everything when a rebuild was asked for.
    pub(crate) fn take_due(&mut self, now: DateTime<Utc>) -> Due {
        while let Some((t, _)) = self.rechecks.first()
            && *t <= now
        {
            if let Some((_, unit)) = self.rechecks.pop_first() {
                self.recheck_of.remove(&unit);
                self.touch(unit);
            }
        }
        if self.rebuild {
            *self = ProblemIndex {
                generation: self.generation.wrapping_add(1),
                acknowledged: std::mem::take(&mut self.acknowledged),
                ..ProblemIndex::default()
            };
            Due::Everything
        } else if !self.rebuild_ctx.is_empty() {
            let ctxs = std::mem::take(&mut self.rebuild_ctx);
            self.forget(&ctxs);
            self.generation = self.generation.wrapping_add(1);
            Due::Contexts(ctxs, self.dirty.drain().collect())
        } else if self.dirty.is_empty() {
            Due::Nothing
        } else {
            Due::Units(self.dirty.drain().collect())
        }
    }

    /// Records the rules' verdict on `unit`.
    pub(crate) fn set(&mut self, unit: Unit, verdict: Verdict) {
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
        let mut gone = Vec::new();
        if let Some(old) = self.found.remove(&unit) {
            for problem in old {
                let ranked = Ranked {
                    problem,
                    unit: unit.clone(),
                };
                if self.hidden.remove(&ranked) {
                    gone.push(ranked.problem.fingerprint());
                } else {
                    self.ranked.remove(&ranked);
                }
            }
        }
        for problem in &verdict.problems {
            let ranked = Ranked {
                problem: problem.clone(),
                unit: unit.clone(),
            };
            // Most sessions acknowledge nothing: no fingerprint to work out then.
            if !self.acknowledged.is_empty() && self.acknowledged.contains(&problem.fingerprint()) {
                self.hidden.insert(ranked);
            } else {
                self.ranked.insert(ranked);
            }
        }
        // An acknowledged problem that changed (or went) is forgotten, unless another unit
        // still raises it.
        for fingerprint in gone {
            if !self
                .hidden
                .iter()
                .any(|r| r.problem.fingerprint() == fingerprint)
            {
                self.acknowledged.remove(&fingerprint);
            }
        }
        if !verdict.problems.is_empty() {
            self.found.insert(unit, verdict.problems);
        }
    }
}
