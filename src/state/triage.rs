//! The triage view's and wall mode's state in the model: rule thresholds, the restart memory,
//! when each stream last delivered, which streams are down, the kept problem list, the wall's
//! paging, and the clusters in the wall's order (worst first). Keeping it up to date with the
//! model's rows is `update`'s part.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::k8s::watch::WatchEvent;
use crate::state::model::Model;
use crate::state::problem_index::ProblemIndex;
use crate::state::store::Store;
use kbdash_core::domain::triage::{DownSince, Level, Problem, RestartMemory, Thresholds};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ClusterRow, Ctx, ObjKey, Row};

/// Triage and freshness state, kept across watch restarts within a session.
#[derive(Debug, Clone, Default)]
pub struct TriageState {
    pub(crate) thresholds: Thresholds,
    pub restarts: RestartMemory,
    /// When each context's stream of each kind last delivered anything (a list, an object, a
    /// deletion).
    pub(crate) last_seen: BTreeMap<(Ctx, Kind), DateTime<Utc>>,
    /// The triage row to return to when the detail opened from it closes.
    pub(crate) return_to: Option<usize>,
    /// The triage view lists the acknowledged problems instead of the others.
    pub listing_acknowledged: bool,
    /// The problems found, kept up to date by events and ticks.
    pub problems: ProblemIndex,
    /// Streams that were live and are not, per context, since when: verdicts over their data
    /// are suspended (a context's own: the others' clusters stay live).
    pub down: BTreeMap<Ctx, DownSince>,
}

/// Wall mode: which page of tiles shows, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WallState {
    /// Seconds per page when the tiles do not fit.
    pub(crate) cycle: u64,
    /// Whether `c` copies to the clipboard: a wall is a shared screen, so only when the config
    /// says so (`wall.copy`).
    pub(crate) copy: bool,
    pub(crate) page: usize,
    pub(crate) page_since: DateTime<Utc>,
}

impl TriageState {
    /// Records what triage remembers about a watch event: freshness and restart counts.
    pub(crate) fn observe(&mut self, ctx: Ctx, kind: Kind, at: DateTime<Utc>, event: &WatchEvent) {
        match event {
            WatchEvent::Error(_) => return,
            WatchEvent::InitRow(row) | WatchEvent::Apply(row) => {
                if let Row::Pod(p) = row.as_ref() {
                    self.restarts.observe(&p.key, p.restarts, at);
                }
            }
            WatchEvent::Delete(key) if kind == Kind::Pod => self.restarts.forget(key),
            _ => {}
        }
        self.last_seen.insert((ctx, kind), at);
    }

    /// The streams of `ctx` that are down, since when (none when it has none down).
    pub(crate) fn down_in(&self, ctx: Ctx) -> &DownSince {
        static NONE: DownSince = DownSince::new();
        self.down.get(&ctx).unwrap_or(&NONE)
    }

    /// Forgets what triage remembers of objects a relist of `kind` no longer has: pods deleted
    /// while the stream was down sent no deletion.
    pub(crate) fn relisted(&mut self, kind: Kind, store: &Store) {
        if kind == Kind::Pod {
            self.restarts.retain(|k| store.pods.get(k).is_some());
        }
    }
}

/// The cluster each problem is about (a pod's, an OpsRequest's, a backup's cluster), with the
/// problem, in triage order.
pub(crate) fn by_cluster<'m>(m: &'m Model) -> impl Iterator<Item = (ObjKey, &'m Problem)> + 'm {
    m.triage.problems.iter().filter_map(|p| {
        let object = p.object.as_ref()?;
        Some((m.store.cluster_of(object.kind, &object.key)?, p))
    })
}

/// The listed clusters, worst first: by the level of the worst problem triage has about them
/// or anything of theirs, then by namespace, name and context. Only the clusters with a
/// problem are sorted here; the others follow in the store's key order, so the wall's page
/// costs its own tiles rather than a sort of the fleet at every frame.
pub(crate) fn worst_first(m: &Model) -> impl Iterator<Item = &ClusterRow> {
    let mut worst: HashMap<ObjKey, Level> = HashMap::new();
    for (cluster, p) in by_cluster(m) {
        worst
            .entry(cluster)
            .and_modify(|l| *l = (*l).min(p.level))
            .or_insert(p.level);
    }
    let mut flagged: Vec<(Level, &ClusterRow)> = worst
        .iter()
        .filter_map(|(key, level)| Some((*level, m.store.clusters.get(key)?)))
        .collect();
    flagged.sort_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.key.cmp(&y.key)));
    let rest = m
        .store
        .cluster_keys()
        .filter(move |key| !worst.contains_key(*key))
        .filter_map(|key| m.store.clusters.get(key));
    flagged.into_iter().map(|(_, c)| c).chain(rest)
}
