//! Keeping database health current (issue 17): every interval, the clusters on screen or in
//! scope are scraped through the pod proxy (a `Cmd::Scrape`, never the fleet), their answers
//! are kept, and the triage units they feed are marked. The context's limits are said once:
//! `pods/proxy` forbidden, pods unreachable through the API server.

use chrono::Duration;

use crate::k8s::proxy_scrape::{ScrapeLimits, ScrapeTarget};
use crate::state::cmd::Cmd;
use crate::state::model::{Model, Overlay, Pane};
use crate::state::problem_index::Unit;
use crate::state::wall_layout;
use kbdash_core::domain::health::{ClusterScrape, FetchError};
use kbdash_core::rows::ObjKey;

/// Clusters scraped at once at most, whatever the screen shows: a wall of small tiles on a
/// huge terminal stays a bounded load on the API server.
const MOST_CLUSTERS: usize = 64;
/// A scrape that has not answered after this many intervals is given up on.
const LOST_AFTER_INTERVALS: i32 = 3;
/// A cluster not scraped for this long is forgotten, with what it raised.
const FORGET_AFTER_MINUTES: i64 = 5;
/// Once `pods/proxy` is refused, it is asked again only this many intervals apart.
const FORBIDDEN_BACKOFF_INTERVALS: i32 = 6;

/// The clock ticked: scrape when the interval is up and no scrape is in flight.
pub(crate) fn on_tick(m: &mut Model, cmds: &mut Vec<Cmd>) {
    let now = m.now;
    let interval = m.health.config.interval;
    forget_old(m);
    // While the API server does not answer, neither does its proxy.
    if m.api_down.is_some() {
        return;
    }
    if m.health
        .in_flight
        .is_some_and(|t| now - t < interval * LOST_AFTER_INTERVALS)
    {
        return;
    }
    let every = if m.health.forbidden.is_some() {
        interval * FORBIDDEN_BACKOFF_INTERVALS
    } else {
        interval
    };
    if m.health.last.is_some_and(|t| now - t < every) {
        return;
    }
    let targets = targets(m);
    if targets.is_empty() {
        return;
    }
    m.health.in_flight = Some(now);
    m.health.last = Some(now);
    let config = m.health.config;
    cmds.push(Cmd::Scrape {
        context: m.context.clone(),
        targets,
        limits: ScrapeLimits {
            concurrency: config.concurrency,
            timeout: config.timeout,
        },
    });
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
            let mut pods: Vec<_> = m
                .store
                .cluster_pods(&key)
                .filter(|p| !p.ip.is_empty())
                .collect();
            pods.sort_by_key(|p| (!p.is_primary(), p.key.name.clone()));
            let exporter_pods = pods
                .iter()
                .filter(|p| p.exporter && !cluster.exporter_disabled)
                .map(|p| p.key.name.to_string())
                .collect();
            let patroni_pods: Vec<String> = pods.iter().map(|p| p.key.name.to_string()).collect();
            (!patroni_pods.is_empty()).then_some(ScrapeTarget {
                cluster: key,
                exporter_pods,
                patroni_pods,
            })
        })
        .collect()
}

/// A scrape answered: its clusters' health is kept and judged again; the context's limits
/// are said once.
pub(crate) fn on_scraped(m: &mut Model, context: &str, results: Vec<(ObjKey, ClusterScrape)>) {
    if context != m.context {
        return;
    }
    m.health.in_flight = None;
    let mut forbidden = None;
    let mut unreachable = false;
    for (key, scrape) in results {
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
    match forbidden {
        Some(msg) if m.health.forbidden.is_none() => {
            super::notify(
                m,
                format!(
                    "context {}: pods/proxy forbidden, no exporter metrics or Patroni view ({})",
                    m.context,
                    first_line(&msg)
                ),
            );
            m.health.forbidden = Some(msg);
        }
        Some(_) => {}
        None => m.health.forbidden = None,
    }
    if unreachable && !m.health.unreachable_said && m.health.forbidden.is_none() {
        m.health.unreachable_said = true;
        super::notify(
            m,
            format!(
                "context {}: pods unreachable through the API server's proxy (it cannot reach pod IPs?)",
                m.context
            ),
        );
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}
