//! Keeping triage up to date with the model: the kept problem list (what each unit of the rules
//! reads from the model), which streams are down, and the wall's paging.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::state::model::{Model, StreamState};
use crate::state::problem_index::{Due, Unit};
use crate::state::triage::TriageState;
use kbdash_core::domain::health;
use kbdash_core::domain::triage::{self, ClusterGroup, Listed, Verdict};
use kbdash_core::kinds::Kind;
#[cfg(feature = "testing")]
use kbdash_core::rows::ClusterRow;
use kbdash_core::rows::ObjKey;

/// Brings the model's problem list up to date: units whose recheck time has come, then units
/// touched by events (or everything, after a relist).
pub(crate) fn refresh(m: &mut Model) {
    let (units, everything) = match m.triage.problems.take_due(m.now) {
        Due::Nothing => return,
        Due::Units(units) => (units, false),
        Due::Everything => (all_units(m), true),
    };
    let listed = listed(m);
    for unit in units {
        let verdict = evaluate(m, &listed, &unit);
        m.triage.problems.set(unit, verdict);
    }
    if everything {
        m.triage.problems.end_rebuild();
    }
}

/// The kinds whose streams have listed: live, or down after being live (their rules are then
/// judged as of the moment they went down).
fn listed(m: &Model) -> Listed {
    m.streams
        .iter()
        .filter(|(kind, state)| **state == StreamState::Live || m.triage.down.contains_key(*kind))
        .map(|(kind, _)| *kind)
        .collect()
}

/// Every unit the model has something for.
fn all_units(m: &Model) -> Vec<Unit> {
    let store = &m.store;
    let mut clusters: HashSet<ObjKey> = store.clusters.iter().map(|c| c.key.clone()).collect();
    clusters.extend(store.clusters_with(Kind::Backup).cloned());
    clusters.extend(store.clusters_with(Kind::BackupSchedule).cloned());
    clusters.extend(store.clusters_with(Kind::BackupPolicy).cloned());
    clusters
        .into_iter()
        .map(Unit::Cluster)
        .chain(store.pods.iter().map(|p| Unit::Pod(p.key.clone())))
        .chain(
            store
                .clusters_with(Kind::OpsRequest)
                .cloned()
                .map(Unit::Ops),
        )
        .chain(m.streams.keys().map(|k| Unit::Stream(*k)))
        .chain(m.health.clusters.keys().cloned().map(Unit::Health))
        .chain([Unit::Api])
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
            triage::cluster_verdict(&group, store, limits, listed, &m.triage.down, m.now)
        }
        Unit::Pod(key) => store.pods.get(key).map_or_else(Verdict::default, |p| {
            triage::pod_verdict(p, &m.triage.restarts, limits, &m.triage.down, m.now)
        }),
        // Another engine's requests are not kbdash's to judge.
        Unit::Ops(cluster) if store.other_clusters.contains(cluster) => Verdict::default(),
        Unit::Ops(cluster) => {
            let ops: Vec<_> = store.cluster_ops(cluster).collect();
            triage::ops_verdict(&ops, limits, &m.triage.down, m.now)
        }
        Unit::Health(key) => health_verdict(m, key),
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
                    triage::stream_problem(*kind, &s.health(down))
                })
                .into_iter()
                .collect(),
            recheck: None,
        },
    }
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
    kind: Kind,
    old: Option<&StreamState>,
    new: &StreamState,
    at: DateTime<Utc>,
) -> bool {
    if *new == StreamState::Live {
        let was_down = state.down.remove(&kind).is_some();
        // Live for the first time (or after a refusal): what its rows lack now does not exist.
        return was_down || old != Some(&StreamState::Live);
    }
    if old == Some(&StreamState::Live) {
        let since = match new {
            StreamState::Reconnecting { since, .. } => *since,
            _ => at,
        };
        state.down.insert(kind, since);
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
/// oracle for [`refresh`]).
#[cfg(feature = "testing")]
pub fn recompute(m: &Model) -> (Vec<triage::Problem>, Vec<triage::Problem>) {
    let store = &m.store;
    let mut clusters: Vec<_> = store.clusters.iter().collect();
    let pods: Vec<_> = store.pods.iter().collect();
    let ops: Vec<_> = store.ops.iter().collect();
    let backups: Vec<_> = store.backups.iter().collect();
    let mut schedules: Vec<_> = store.schedules.values().collect();
    schedules.sort_by(|a, b| a.key.cmp(&b.key));
    let policies: Vec<_> = store.policies.values().collect();
    let action_sets: Vec<_> = store.action_sets.values().collect();
    // The left-out clusters stand for themselves, so that what belongs to them is not judged.
    let others: Vec<ClusterRow> = store
        .other_clusters
        .iter()
        .map(|key| ClusterRow {
            key: key.clone(),
            other_engine: true,
            ..ClusterRow::default()
        })
        .collect();
    clusters.extend(others.iter());
    let streams: Vec<(Kind, triage::StreamHealth)> = m
        .streams
        .iter()
        .map(|(k, s)| (*k, s.health(m.triage.down.get(k).copied())))
        .collect();
    let fleet = triage::Fleet {
        context: &m.context,
        clusters: &clusters,
        pods: &pods,
        ops: &ops,
        backups: &backups,
        schedules: &schedules,
        policies: &policies,
        action_sets: &action_sets,
        streams: &streams,
        listed: &listed(m),
        down: &m.triage.down,
        api: m.api_down.as_ref(),
    };
    let mut all = triage::problems(&fleet, &m.triage.restarts, &m.triage.thresholds, m.now);
    let mut scraped: Vec<&ObjKey> = m.health.clusters.keys().collect();
    scraped.sort();
    for key in scraped {
        all.extend(health_verdict(m, key).problems);
    }
    all.sort_by(triage::rank);
    all.into_iter()
        .partition(|p| !m.triage.problems.is_acknowledged(&p.fingerprint()))
}
