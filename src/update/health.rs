//! Keeping database health current (issue 17): every interval, the clusters on screen or in
//! scope are scraped through the pod proxy (a `Cmd::Scrape`, never the fleet), their answers
//! are kept, and the triage units they feed are marked. Each context is scraped through its own
//! API server on its own interval, and its limits are said once for it: `pods/proxy`
//! forbidden, pods unreachable through the API server.

use std::collections::BTreeMap;

use chrono::Duration;

use crate::k8s::proxy_scrape::{ScrapeLimits, ScrapeTarget};
use crate::state::cmd::Cmd;
use crate::state::model::{Model, Overlay, Pane};
use crate::state::problem_index::Unit;
use crate::state::wall_layout;
use kbdash_core::domain::health::{ClusterScrape, FetchError};
use kbdash_core::rows::{Ctx, ObjKey};

/// Clusters scraped at once at most, whatever the screen shows: a wall of small tiles on a
/// huge terminal stays a bounded load on the API server.
const MOST_CLUSTERS: usize = 64;
/// A scrape that has not answered after this many intervals is given up on.
const LOST_AFTER_INTERVALS: i32 = 3;
/// A cluster not scraped for this long is forgotten, with what it raised.
const FORGET_AFTER_MINUTES: i64 = 5;
/// Once `pods/proxy` is refused, it is asked again only this many intervals apart.
const FORBIDDEN_BACKOFF_INTERVALS: i32 = 6;

/// The clock ticked: in each context whose interval is up and which has no scrape in flight,
/// scrape its clusters on screen (one `Cmd::Scrape` per context, to its own API server).
pub(crate) fn on_tick(m: &mut Model, cmds: &mut Vec<Cmd>) {
    let now = m.now;
    let config = m.health.config;
    let interval = config.interval;
    forget_old(m);
    let mut by_ctx: BTreeMap<Ctx, Vec<ScrapeTarget>> = BTreeMap::new();
    for target in targets(m) {
        by_ctx.entry(target.cluster.ctx).or_default().push(target);
    }
    for (ctx, targets) in by_ctx {
        // While a context's API server does not answer, neither does its proxy.
        if m.api_down.contains_key(&ctx) {
            continue;
        }
        let state = m.health.contexts.entry(ctx).or_default();
        if state
            .in_flight
            .is_some_and(|t| now - t < interval * LOST_AFTER_INTERVALS)
        {
            continue;
        }
        let every = if state.forbidden.is_some() {
            interval * FORBIDDEN_BACKOFF_INTERVALS
        } else {
            interval
        };
        if state.last.is_some_and(|t| now - t < every) {
            continue;
        }
        state.in_flight = Some(now);
        state.last = Some(now);
        cmds.push(Cmd::Scrape {
            ctx,
            targets,
            limits: ScrapeLimits {
                concurrency: config.concurrency,
                timeout: config.timeout,
            },
        });
    }
}

/// Forgets clusters no longer scraped, so browsing a large fleet does not keep every
/// cluster's history.
fn forget_old(m: &mut Model) {
    let now = m.now;
    let old: Vec<ObjKey> = m
        .health
        .clusters
        .iter()
        .filter(|(_, h)| {
            h.at.is_none_or(|t| now - t > Duration::minutes(FORGET_AFTER_MINUTES))
        })
        .map(|(k, _)| k.clone())
        .collect();
    for key in old {
        m.health.clusters.remove(&key);
        m.triage.problems.touch(Unit::Health(key));
    }
}

/// The clusters whose health the screen shows: the scoped one, the one whose detail (or one
/// of whose pods' detail) is open, and the Clusters pane's visible rows or the wall's tiles.
pub(crate) fn clusters_on_screen(m: &Model) -> Vec<ObjKey> {
    let mut keys: Vec<ObjKey> = m.scope.iter().cloned().collect();
    if let Overlay::Detail(d) = &m.overlay
        && let Some(cluster) = m.store.cluster_of(d.target.kind, &d.target.key)
    {
        keys.push(cluster);
    }
    if m.wall.is_some() {
        keys.extend(wall_layout::shown(m));
    } else if m.overlay == Overlay::None && m.focus == Pane::Clusters {
        keys.extend(m.store.clusters.window_keys().cloned());
    }
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| seen.insert(k.clone()));
    keys.truncate(MOST_CLUSTERS);
    keys
}

/// What to scrape of the clusters on screen: the pods with an exporter (none where the
/// cluster disables it), and Patroni on the running pods, the labelled primary first.
fn targets(m: &Model) -> Vec<ScrapeTarget> {
    clusters_on_screen(m)
        .into_iter()
        .filter_map(|key| {
            let cluster = m.store.clusters.get(&key)?;
            let pods: Vec<_> = m
                .store
                .cluster_pods(&key)
                .filter(|p| !p.ip.is_empty())
                .collect();
            ScrapeTarget::of(key, &pods, !cluster.exporter_disabled)
        })
        .collect()
}

/// A scrape of context `ctx` (named `context` when it was asked) answered: its clusters'
/// health is kept and judged again; the context's limits are said once. An answer from a
/// context no longer shown under that id (removed, or switched away from) is dropped.
pub(crate) fn on_scraped(
    m: &mut Model,
    ctx: Ctx,
    context: &str,
    results: Vec<(ObjKey, ClusterScrape)>,
) {
    if m.shown(ctx).is_none_or(|s| s.name != context) {
        return;
    }
    let mut forbidden = None;
    let mut unreachable = false;
    // Every key of the answer is of `ctx` (the targets were); one that is not is not kept.
    for (key, scrape) in results.into_iter().filter(|(k, _)| k.ctx == ctx) {
        let answers = scrape
            .metrics
            .iter()
            .map(|(_, a)| a)
            .chain(scrape.patroni.iter().map(|(_, a)| a));
        for answer in answers {
            match answer {
                Err(FetchError::Forbidden(msg)) => forbidden = Some(msg.clone()),
                Err(FetchError::Unreachable(_)) => unreachable = true,
                _ => {}
            }
        }
        m.health
            .clusters
            .entry(key.clone())
            .or_default()
            .record(&scrape);
        m.triage.problems.touch(Unit::Health(key));
    }
    let state = m.health.contexts.entry(ctx).or_default();
    state.in_flight = None;
    let mut said = Vec::new();
    match forbidden {
        Some(msg) if state.forbidden.is_none() => {
            said.push(format!(
                "context {context}: pods/proxy forbidden, no exporter metrics or Patroni view ({})",
                first_line(&msg)
            ));
            state.forbidden = Some(msg);
        }
        Some(_) => {}
        None => state.forbidden = None,
    }
    if unreachable && !state.unreachable_said && state.forbidden.is_none() {
        state.unreachable_said = true;
        said.push(format!(
            "context {context}: pods unreachable through the API server's proxy (it cannot reach pod IPs?)"
        ));
    }
    for text in said {
        super::notify(m, text);
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}
