//! Keeping triage up to date with the model: the kept problem list (what each unit of the rules
//! reads from the model), which streams are down, and the wall's paging.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use crate::state::model::{Model, StreamState};
use crate::state::problem_index::{Due, Unit};
use crate::state::triage::TriageState;
use kbdash_core::domain::health;
use kbdash_core::domain::triage::{self, ClusterGroup, Listed, Verdict};
use kbdash_core::kinds::Kind;
#[cfg(feature = "testing")]
use kbdash_core::rows::ClusterRow;
use kbdash_core::rows::Ctx;
use kbdash_core::rows::ObjKey;

/// Brings the model's problem list up to date: units whose recheck time has come, then units
/// touched by events (or everything, after a relist).
pub(crate) fn refresh(m: &mut Model) {
    let (units, everything) = match m.triage.problems.take_due(m.now) {
        Due::Nothing => return,
        Due::Units(units) => (units, false),
        Due::Everything => (all_units(m, |_| true), true),
        Due::Contexts(ctxs, mut units) => {
            units.extend(all_units(m, |ctx| ctxs.contains(&ctx)));
            (units, true)
        }
    };
    let listed: BTreeMap<Ctx, Listed> = m.shown.iter().map(|s| (s.ctx, listed(m, s.ctx))).collect();
    let none = Listed::new();
    for unit in units {
        let ctx = unit.ctx();
        let mut verdict = evaluate(m, listed.get(&ctx).unwrap_or(&none), &unit);
        if let Unit::Health(key) = &unit
            && let Some(h) = m.health.clusters.get_mut(key)
        {
            h.date(&mut verdict);
        }
        if !matches!(unit, Unit::Api(_)) {
            verdict.problems = verdict
                .problems
                .into_iter()
                .map(|p| in_context(m, ctx, p))
                .collect();
        }
        m.triage.problems.set(unit, verdict);
    }
    if everything {
        m.triage.problems.end_rebuild();
    }
}

/// The kinds whose streams in `ctx` have listed: live, or down after being live (their rules
/// are then judged as of the moment they went down).
fn listed(m: &Model, ctx: Ctx) -> Listed {
    let down = m.triage.down_in(ctx);
    m.streams
        .iter()
        .filter(|((c, kind), state)| {
            *c == ctx && (**state == StreamState::Live || down.contains_key(kind))
        })
        .map(|((_, kind), _)| *kind)
        .collect()
}

/// Every unit the model has something for in the contexts `of` accepts (one context's relist
/// judges that context's units only, not the fleet's).
fn all_units(m: &Model, of: impl Fn(Ctx) -> bool) -> Vec<Unit> {
    let store = &m.store;
    let mine = |key: &&ObjKey| of(key.ctx);
    let mut clusters: HashSet<&ObjKey> =
        store.clusters.iter().map(|c| &c.key).filter(mine).collect();
    clusters.extend(store.clusters_with(Kind::Backup).filter(mine));
    clusters.extend(store.clusters_with(Kind::BackupSchedule).filter(mine));
    clusters.extend(store.clusters_with(Kind::BackupPolicy).filter(mine));
    clusters
        .into_iter()
        .cloned()
        .map(Unit::Cluster)
        .chain(
            store
                .pods
                .iter()
                .map(|p| &p.key)
                .filter(mine)
                .cloned()
                .map(Unit::Pod),
        )
        .chain(
            store
                .clusters_with(Kind::OpsRequest)
                .filter(mine)
                .cloned()
                .map(Unit::Ops),
        )
        .chain(
            m.streams
                .keys()
                .filter(|(c, _)| of(*c))
                .map(|(c, k)| Unit::Stream(*c, *k)),
        )
        .chain(
            m.health
                .clusters
                .keys()
                .filter(mine)
                .cloned()
                .map(Unit::Health),
        )
        .chain(
            m.shown
                .iter()
                .filter(|s| of(s.ctx))
                .map(|s| Unit::Api(s.ctx)),
        )
        .collect()
}

fn evaluate(m: &Model, listed: &Listed, unit: &Unit) -> Verdict {
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
            // Another engine's cluster is left out of the store; what else belongs to it is
            // not kbdash's to judge.
            if store.other_clusters.contains(key) {
                return Verdict::default();
            }
            let backups: Vec<_> = store.cluster_backups(key).collect();
            let schedules: Vec<_> = store.cluster_schedules(key).collect();
            let policies: Vec<_> = store.cluster_policies(key).collect();
            let group = ClusterGroup {
                key,
                cluster,
                pods: &pods,
                backups: &backups,
                schedules: &schedules,
                policies: &policies,
            };
            let down = m.triage.down_in(key.ctx);
            triage::cluster_verdict(&group, store, limits, listed, down, m.now)
        }
        Unit::Pod(key) => store.pods.get(key).map_or_else(Verdict::default, |p| {
            let down = m.triage.down_in(key.ctx);
            triage::pod_verdict(p, &m.triage.restarts, limits, down, m.now)
        }),
        // Another engine's requests are not kbdash's to judge.
        Unit::Ops(cluster) if store.other_clusters.contains(cluster) => Verdict::default(),
        Unit::Ops(cluster) => {
            let ops: Vec<_> = store.cluster_ops(cluster).collect();
            triage::ops_verdict(&ops, limits, m.triage.down_in(cluster.ctx), m.now)
        }
        Unit::Health(key) => health_verdict(m, key),
        // While the API server does not answer, its one problem stands for every stream.
        Unit::Stream(ctx, _) if m.api_down.contains_key(ctx) => Verdict::default(),
        Unit::Api(ctx) => Verdict {
            problems: m
                .api_down
                .get(ctx)
                .map(|down| triage::api_problem(m.context_name(*ctx), down))
                .into_iter()
                .collect(),
            recheck: None,
        },
        Unit::Stream(ctx, kind) => Verdict {
            problems: m
                .streams
                .get(&(*ctx, *kind))
                .and_then(|s| {
                    let down = m.triage.down_in(*ctx).get(kind).copied();
                    triage::stream_problem(*kind, &s.health(down))
                })
                .into_iter()
                .collect(),
            recheck: None,
        },
    }
}

/// A problem, its subject naming the context when several are shown: the same names are in
/// each context (and the same stream's problem in two contexts is two problems, acknowledged
/// apart). The API server's problem names its context already.
fn in_context(m: &Model, ctx: Ctx, mut p: triage::Problem) -> triage::Problem {
    if m.multi_context() {
        p.subject = format!("{} ({})", p.subject, m.context_name(ctx));
    }
    p
}

/// What a cluster's scraped health raises; nothing for a cluster no longer listed, or of
/// another engine.
fn health_verdict(m: &Model, key: &ObjKey) -> Verdict {
    let store = &m.store;
    match m.health.clusters.get(key) {
        Some(h) if store.clusters.get(key).is_some() && !store.other_clusters.contains(key) => {
            let pods: Vec<_> = store.cluster_pods(key).collect();
            health::rules::verdict(key, &pods, h, &m.health.config.limits, m.now)
        }
        _ => Verdict::default(),
    }
}

/// Keeps [`TriageState::down`] in step with a stream going from `old` to `new` at `at`: a live
/// stream that stops being live is down from then until it is live again. Returns whether that
/// changed, or the stream has listed for the first time, so every verdict over the stream's
/// data is judged again.
pub(crate) fn note_stream(
    state: &mut TriageState,
    ctx: Ctx,
    kind: Kind,
    old: Option<&StreamState>,
    new: &StreamState,
    at: DateTime<Utc>,
) -> bool {
    if *new == StreamState::Live {
        let was_down = state
            .down
            .get_mut(&ctx)
            .and_then(|d| d.remove(&kind))
            .is_some();
        // A context with nothing down is no entry, as before it went down.
        state.down.retain(|_, d| !d.is_empty());
        // Live for the first time (or after a refusal): what its rows lack now does not exist.
        return was_down || old != Some(&StreamState::Live);
    }
    if old == Some(&StreamState::Live) {
        let since = match new {
            StreamState::Reconnecting { since, .. } => *since,
            _ => at,
        };
        state.down.entry(ctx).or_default().insert(kind, since);
        return true;
    }
    false
}

/// Advances the wall's page when its time is up.
pub(crate) fn on_tick(m: &mut Model) {
    let now = m.now;
    if let Some(w) = m.wall.as_mut()
        && (now - w.page_since).num_seconds() >= i64::try_from(w.cycle).unwrap_or(i64::MAX)
    {
        w.page = w.page.wrapping_add(1);
        w.page_since = now;
    }
}

/// Every problem, worst first, found by running all rules over the whole model, split into
/// those shown and those acknowledged: what the kept lists must always equal (the tests'
/// oracle for [`refresh`]). The rules run over each context's rows on their own, with that
/// context's streams.
#[cfg(feature = "testing")]
pub fn recompute(m: &Model) -> (Vec<triage::Problem>, Vec<triage::Problem>) {
    let mut all = Vec::new();
    for shown in &m.shown {
        all.extend(recompute_ctx(m, shown.ctx));
    }
    all.sort_by(triage::rank);
    all.into_iter()
        .partition(|p| !m.triage.problems.is_acknowledged(&p.fingerprint()))
}

#[cfg(feature = "testing")]
fn recompute_ctx(m: &Model, ctx: Ctx) -> Vec<triage::Problem> {
    let store = &m.store;
    let mine = |key: &ObjKey| key.ctx == ctx;
    let mut clusters: Vec<_> = store.clusters.iter().filter(|r| mine(&r.key)).collect();
    let pods: Vec<_> = store.pods.iter().filter(|r| mine(&r.key)).collect();
    let ops: Vec<_> = store.ops.iter().filter(|r| mine(&r.key)).collect();
    let backups: Vec<_> = store.backups.iter().filter(|r| mine(&r.key)).collect();
    let mut schedules: Vec<_> = store.schedules.values().filter(|r| mine(&r.key)).collect();
    schedules.sort_by(|a, b| a.key.cmp(&b.key));
    let policies: Vec<_> = store.policies.values().filter(|r| mine(&r.key)).collect();
    // What type a method makes is known fleet-wide, as the store knows it.
    let action_sets: Vec<_> = store.action_sets.values().collect();
    // The left-out clusters stand for themselves, so that what belongs to them is not judged.
    let others: Vec<ClusterRow> = store
        .other_clusters
        .iter()
        .filter(|key| mine(key))
        .map(|key| ClusterRow {
            key: key.clone(),
            other_engine: true,
            ..ClusterRow::default()
        })
        .collect();
    clusters.extend(others.iter());
    let down = m.triage.down_in(ctx);
    let streams: Vec<(Kind, triage::StreamHealth)> = m
        .streams
        .iter()
        .filter(|((c, _), _)| *c == ctx)
        .map(|((_, k), s)| (*k, s.health(down.get(k).copied())))
        .collect();
    let api = m.api_down.get(&ctx);
    let fleet = triage::Fleet {
        context: m.context_name(ctx),
        clusters: &clusters,
        pods: &pods,
        ops: &ops,
        backups: &backups,
        schedules: &schedules,
        policies: &policies,
        action_sets: &action_sets,
        streams: &streams,
        listed: &listed(m, ctx),
        down,
        api,
    };
    let mut problems = triage::problems(&fleet, &m.triage.restarts, &m.triage.thresholds, m.now);
    let mut scraped: Vec<&ObjKey> = m.health.clusters.keys().filter(|k| mine(k)).collect();
    scraped.sort();
    for key in scraped {
        let mut verdict = health_verdict(m, key);
        // Dated as `refresh` dates them, from the first sightings it kept.
        if let Some(h) = m.health.clusters.get(key) {
            h.clone().date(&mut verdict);
        }
        problems.extend(verdict.problems);
    }
    // Problems name their context as the kept list's do, but for the API server's own.
    problems
        .into_iter()
        .map(|p| match p.object.is_none() && api.is_some() {
            true => p,
            false => in_context(m, ctx, p),
        })
        .collect()
}
