//! Database health end to end against the demo server (issue 17): kbdash's client GETs both
//! proxy paths of the seeded fleet's pods through the API server, and the demo's answers
//! follow its simulated state: the crash-looping member falls behind, the broken archive
//! counts failures, one cluster is busy, one idle, one has no exporter, and one's Patroni
//! leader is not the pod labelled primary. Then the dashboard's own loop (engine and update)
//! scrapes the clusters on screen, and a role without `pods/proxy` is told once.

use std::time::Duration;

use kbdash::k8s::client::{Source, connect};
use kbdash::k8s::proxy_scrape::{self, ScrapeLimits, ScrapeTarget};
use kbdash_core::domain::health::rules::{self, HealthLimits};
use kbdash_core::domain::health::{ClusterHealth, FetchError};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, PodRow, Row};
use kbdash_demo::seed::ARCHIVER_FAILS_ANNOTATION;
use kbdash_demo::{DemoConfig, DemoServer};
use serde_json::Value;

use crate::resilience_support::Session;

const LIMITS: ScrapeLimits = ScrapeLimits {
    concurrency: 4,
    timeout: Duration::from_secs(10),
};

/// The seeded fleet's namespaces go round demo, prod, staging.
fn cluster(name: &str) -> ObjKey {
    let ns = match name {
        "pg-cluster" | "billing" | "auth-db" => "demo",
        "orders-db" | "analytics" | "reporting" => "prod",
        _ => "staging",
    };
    ObjKey::new(ns, name)
}

fn pods(server: &DemoServer, c: &ObjKey) -> Vec<PodRow> {
    let (all, _) = server.store.list(Kind::Pod, Some(&c.namespace));
    all.iter()
        .filter_map(|p| match Row::from_value(Kind::Pod, &p.value()) {
            Some(Row::Pod(p)) if p.cluster == c.name.as_str() => Some(p),
            _ => None,
        })
        .collect()
}

fn target(server: &DemoServer, c: &ObjKey) -> ScrapeTarget {
    let pods = pods(server, c);
    let pods: Vec<&PodRow> = pods.iter().collect();
    ScrapeTarget::of(c.clone(), &pods, true).expect("the cluster has pods")
}

/// Scrapes `names` into `kept` once.
async fn scrape(server: &DemoServer, kept: &mut Vec<(ObjKey, ClusterHealth)>, names: &[&str]) {
    let client = connect(&Source::Url(server.url.clone()), None)
        .await
        .unwrap()
        .client;
    let targets = names.iter().map(|n| target(server, &cluster(n))).collect();
    let got = proxy_scrape::scrape(client, targets, LIMITS).await;
    for (key, scrape) in got {
        match kept.iter_mut().find(|(k, _)| *k == key) {
            Some((_, h)) => h.record(&scrape),
            None => {
                let mut h = ClusterHealth::default();
                h.record(&scrape);
                kept.push((key, h));
            }
        }
    }
}

fn reasons(server: &DemoServer, kept: &[(ObjKey, ClusterHealth)], name: &str) -> Vec<String> {
    let key = cluster(name);
    let (_, h) = kept.iter().find(|(k, _)| *k == key).unwrap();
    let pods = pods(server, &key);
    let pods: Vec<&PodRow> = pods.iter().collect();
    let now = h.at.unwrap();
    rules::verdict(&key, &pods, h, &HealthLimits::default(), now)
        .problems
        .into_iter()
        .map(|p| format!("{} {}", p.subject, p.reason))
        .collect()
}

/// Takes inventory's archiver down `secs` seconds ago, as the simulated operator does at the
/// time its annotation names.
fn archiver_down_since(server: &DemoServer, secs: i64) {
    let (backups, _) = server.store.list(Kind::Backup, Some("staging"));
    let name = backups
        .iter()
        .map(|b| b.value())
        .find(|b: &Value| {
            b["metadata"]["labels"]["app.kubernetes.io/instance"] == "inventory"
                && b["metadata"]["labels"]["dataprotection.kubeblocks.io/backup-type"]
                    == "Continuous"
        })
        .map(|b| b["metadata"]["name"].as_str().unwrap().to_string())
        .unwrap();
    let at = server.store.now() - chrono::Duration::seconds(secs);
    server
        .store
        .modify(Kind::Backup, Some("staging"), &name, |b| {
            b["metadata"]["annotations"][ARCHIVER_FAILS_ANNOTATION] =
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).into();
            b["status"]["actions"][0]["availableReplicas"] = 0.into();
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn the_demo_answers_both_proxy_paths_following_its_state() {
    let server = DemoServer::start(DemoConfig {
        clusters: 8,
        churn: 0.0,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let names = [
        "orders-db",
        "inventory",
        "analytics",
        "billing",
        "reporting",
        "auth-db",
        "pg-cluster",
    ];
    let mut kept = Vec::new();
    scrape(&server, &mut kept, &names).await;
    // inventory's archiver goes down two minutes after the seeding, by the wall clock: rather
    // than wait, it went down a minute ago, and then a minute earlier still, as two scrapes a
    // minute apart would see it.
    archiver_down_since(&server, 60);
    scrape(&server, &mut kept, &names).await;
    archiver_down_since(&server, 120);
    scrape(&server, &mut kept, &names).await;
    let inventory = reasons(&server, &kept, "inventory");
    assert!(
        inventory
            .iter()
            .any(|r| r.contains("WAL archiving failing: pg_stat_archiver failed_count 0 -> 9")),
        "{inventory:?}"
    );

    let orders = reasons(&server, &kept, "orders-db");
    assert!(
        orders.iter().any(|r| r.contains("replication lag")),
        "{orders:?}"
    );
    assert!(
        orders
            .iter()
            .any(|r| r.contains("replica not streaming (Patroni: starting)")),
        "{orders:?}"
    );
    assert!(
        orders
            .iter()
            .any(|r| r.contains("members on different timelines")),
        "{orders:?}"
    );

    let busy = reasons(&server, &kept, "analytics");
    assert!(
        busy.iter()
            .any(|r| r.contains("of max_connections 100 (over 90 %)")),
        "{busy:?}"
    );

    let moved = reasons(&server, &kept, "auth-db");
    assert!(
        moved
            .iter()
            .any(|r| r.contains("labelled primary (kubeblocks-addons#3545)")),
        "{moved:?}"
    );

    let health = |name: &str| &kept.iter().find(|(k, _)| *k == cluster(name)).unwrap().1;
    assert_eq!(
        health("billing").tps(),
        Some(0.0),
        "the idle database commits nothing"
    );
    assert!(health("pg-cluster").tps().is_some_and(|t| t > 0.0));
    assert!(
        reasons(&server, &kept, "pg-cluster").is_empty(),
        "{:?}",
        reasons(&server, &kept, "pg-cluster")
    );

    let reporting = pods(&server, &cluster("reporting"));
    assert!(
        !reporting.is_empty() && reporting.iter().all(|p| !p.exporter),
        "no exporter container"
    );
    assert!(
        health("reporting").pods.is_empty(),
        "its exporters are not asked"
    );
    assert!(
        matches!(health("reporting").patroni, Some((_, Ok(_)))),
        "Patroni still answers"
    );

    // Asked anyway, the exporter's port refuses, which the API server reports as a 503.
    let client = connect(&Source::Url(server.url.clone()), None)
        .await
        .unwrap()
        .client;
    let pod = reporting[0].key.name.to_string();
    let forced = proxy_scrape::scrape(
        client,
        vec![ScrapeTarget {
            cluster: cluster("reporting"),
            exporter_pods: vec![pod],
            patroni_pods: vec![],
        }],
        LIMITS,
    )
    .await;
    assert!(
        matches!(&forced[0].1.metrics[0].1, Err(FetchError::Unreachable(m)) if m.contains("connection refused")),
        "{forced:?}"
    );
}

#[tokio::test]
async fn the_dashboard_scrapes_the_clusters_on_screen_and_says_a_refusal_once() {
    let mut s = Session::start("health-demo", 150, 45).await;
    s.until("every stream live", crate::resilience_support::all_live)
        .await;
    s.tick(1);
    s.until("pg-cluster scraped", |m| {
        m.health
            .clusters
            .get(&ObjKey::new("demo", "pg-cluster"))
            .is_some_and(|h| h.patroni.is_some() && !h.pods.is_empty())
    })
    .await;
    let screen = s.render();
    assert!(
        screen.contains("LAG") && screen.contains("CONN"),
        "{screen}"
    );
    s.server.faults.forbid_proxy();
    s.tick(10);
    s.until("the refusal said", |m| {
        m.notice
            .as_ref()
            .is_some_and(|(t, _)| t.contains("pods/proxy forbidden"))
    })
    .await;
    let pg = ObjKey::new("demo", "pg-cluster");
    let refused_at = s.model.health.clusters.get(&pg).and_then(|h| h.at);
    s.model.notice = None;
    s.tick(60);
    s.until("asked again, refused again", |m| {
        m.health.clusters.get(&pg).is_some_and(|h| {
            h.at != refused_at
                && h.pods
                    .values()
                    .all(|p| matches!(p.error, Some(FetchError::Forbidden(_))))
        })
    })
    .await;
    assert_eq!(s.model.notice, None, "said once per context");
}
