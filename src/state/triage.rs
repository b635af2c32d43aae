//! The triage view's and wall mode's state in the model: rule thresholds, the restart memory,
//! when each stream last delivered, the wall's paging; and the glue from the model's rows to
//! the pure rules in [`kbdash_core::domain::triage`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::k8s::watch::WatchEvent;
use crate::state::model::{Model, Overlay, StreamState};
use crate::state::problem_index::ProblemIndex;
use crate::state::store::Store;
use kbdash_core::domain::triage::{
    self, DownSince, Fleet, Problem, RestartMemory, StreamHealth, Thresholds,
};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::Row;

/// Triage and freshness state, kept across watch restarts within a session.
#[derive(Debug, Clone, Default)]
pub struct TriageState {
    pub thresholds: Thresholds,
    pub restarts: RestartMemory,
    /// When each stream last delivered anything (a list, an object, a deletion).
    pub last_seen: BTreeMap<Kind, DateTime<Utc>>,
    /// The triage row to return to when the detail opened from it closes.
    pub return_to: Option<usize>,
    /// The problems found, kept up to date by events and ticks.
    pub problems: ProblemIndex,
    /// Streams that were live and are not, since when: verdicts over their data are suspended.
    pub down: DownSince,
}

/// Wall mode: which page of tiles shows, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WallState {
    /// Seconds per page when the tiles do not fit.
    pub cycle: u64,
    pub page: usize,
    pub page_since: DateTime<Utc>,
}

/// How the dashboard starts, as far as triage and the wall are concerned.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// Open on the triage view (`--triage`).
    pub open_triage: bool,
    /// Wall mode with this page cycle in seconds (`--wall`, `--cycle`).
    pub wall_cycle: Option<u64>,
    pub thresholds: Thresholds,
}

impl Launch {
    /// Sets up a fresh model.
    pub fn apply(&self, m: &mut Model) {
        m.triage.thresholds = self.thresholds;
        m.triage.problems.rebuild();
        if self.open_triage {
            m.overlay = Overlay::Triage { selected: 0 };
        }
        m.wall = self.wall_cycle.map(|cycle| WallState {
            cycle: cycle.max(1),
            page: 0,
            page_since: m.now,
        });
    }
}

/// Records what triage remembers about a watch event: freshness and restart counts.
pub fn observe(state: &mut TriageState, kind: Kind, at: DateTime<Utc>, event: &WatchEvent) {
    match event {
        WatchEvent::Error(_) => return,
        WatchEvent::InitRow(row) | WatchEvent::Apply(row) => {
            if let Row::Pod(p) = row.as_ref() {
                state.restarts.observe(&p.key, p.restarts, at);
            }
        }
        WatchEvent::Delete(key) if kind == Kind::Pod => state.restarts.forget(key),
        _ => {}
    }
    state.last_seen.insert(kind, at);
}

/// Forgets what triage remembers of objects a relist of `kind` no longer has: pods deleted
/// while the stream was down sent no deletion.
pub fn relisted(state: &mut TriageState, kind: Kind, store: &Store) {
    if kind == Kind::Pod {
        state.restarts.retain(|k| store.pods.get(k).is_some());
    }
}

/// Advances the wall's page when its time is up.
pub fn on_tick(m: &mut Model) {
    let now = m.now;
    if let Some(w) = m.wall.as_mut()
        && (now - w.page_since).num_seconds() >= i64::try_from(w.cycle).unwrap_or(i64::MAX)
    {
        w.page = w.page.wrapping_add(1);
        w.page_since = now;
    }
}

/// A stream's state as the rules see it; `down` is since when it has been down, if it was live
/// before.
pub fn health(state: &StreamState, down: Option<DateTime<Utc>>) -> StreamHealth {
    match state {
        StreamState::Reconnecting {
            since,
            attempt,
            error,
        } => StreamHealth::Reconnecting {
            since: *since,
            attempt: *attempt,
            error: error.clone(),
        },
        StreamState::Forbidden(msg) => StreamHealth::Forbidden(msg.clone()),
        StreamState::NotInstalled(msg) => StreamHealth::Missing(msg.clone()),
        StreamState::Pending | StreamState::Syncing { .. } => match down {
            Some(since) => StreamHealth::Relisting { since },
            None => StreamHealth::Fine,
        },
        StreamState::Live => StreamHealth::Fine,
    }
}

/// Keeps [`TriageState::down`] in step with a stream going from `old` to `new` at `at`: a live
/// stream that stops being live is down from then until it is live again. Returns whether that
/// changed, so every verdict over the stream's data is judged again.
pub fn note_stream(
    state: &mut TriageState,
    kind: Kind,
    old: Option<&StreamState>,
    new: &StreamState,
    at: DateTime<Utc>,
) -> bool {
    if *new == StreamState::Live {
        return state.down.remove(&kind).is_some();
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

/// Every problem the model shows, worst first (a copy of the kept list).
pub fn problems(m: &Model) -> Vec<Problem> {
    m.triage.problems.iter().cloned().collect()
}

/// Every problem, worst first, found by running all rules over the whole model: what the kept
/// list must always equal.
pub fn recompute(m: &Model) -> Vec<Problem> {
    let store = &m.store;
    let clusters: Vec<_> = store.clusters.iter().collect();
    let pods: Vec<_> = store.pods.iter().collect();
    let ops: Vec<_> = store.ops.iter().collect();
    let backups: Vec<_> = store.backups.iter().collect();
    let mut schedules: Vec<_> = store.schedules.values().collect();
    schedules.sort_by(|a, b| a.key.cmp(&b.key));
    let streams: Vec<(Kind, StreamHealth)> = m
        .streams
        .iter()
        .map(|(k, s)| (*k, health(s, m.triage.down.get(k).copied())))
        .collect();
    let fleet = Fleet {
        context: &m.context,
        clusters: &clusters,
        pods: &pods,
        ops: &ops,
        backups: &backups,
        schedules: &schedules,
        streams: &streams,
        down: &m.triage.down,
        api: m.api_down.as_ref(),
    };
    triage::problems(&fleet, &m.triage.restarts, &m.triage.thresholds, m.now)
}

/// Whether a stream is stale: it was delivering and is now failing to reconnect.
pub fn is_stale(m: &Model, kind: Kind) -> bool {
    matches!(m.streams.get(&kind), Some(StreamState::Reconnecting { .. }))
}

/// The last update of the stalest failing stream, if any stream is stale; `None` inside means
/// it never delivered at all.
pub fn stale_since(m: &Model) -> Option<Option<DateTime<Utc>>> {
    let stale: Vec<Kind> = m
        .streams
        .keys()
        .copied()
        .filter(|k| is_stale(m, *k))
        .collect();
    if stale.is_empty() {
        return None;
    }
    Some(
        stale
            .iter()
            .map(|k| m.triage.last_seen.get(k).copied())
            .min()
            .flatten(),
    )
}
