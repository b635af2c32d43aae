//! Database health in the model and on screen (issue 17), through `update` with scrapes
//! answered by hand: the interval and the clusters asked for, the Clusters pane's LAG and CONN,
//! the detail's health panel with Patroni's members, the wall's tiles, triage, the context's
//! limits said once, and hostile text from the exporter or Patroni made inert.

use chrono::Duration;
use crossterm::event::KeyCode;

use crate::app_fixtures::{key, model_with, objects, render};
use kbdash::state::cmd::Cmd;
use kbdash::state::model::{Model, Pane};
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::domain::health::{ClusterScrape, FetchError};
use kbdash_core::rows::{Ctx, ObjKey};

const PRIMARY: &str = include_str!("../fixtures/exporter/postgres-exporter-primary.prom");
const REPLICA: &str = include_str!("../fixtures/exporter/postgres-exporter-replica.prom");
const PATRONI: &str = include_str!("../fixtures/exporter/patroni-cluster.json");
const HOSTILE: &str = "\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}evil\u{202e}";

fn cluster() -> ObjKey {
    ObjKey::new("demo", "pg-cluster")
}

/// The scrape commands `cmds` hold, as (context, clusters asked for).
fn scrapes(cmds: &[Cmd]) -> Vec<(Ctx, Vec<String>)> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Scrape { ctx, targets, .. } => Some((
                *ctx,
                targets.iter().map(|t| t.cluster.name.to_string()).collect(),
            )),
            _ => None,
        })
        .collect()
}

fn tick(m: &mut Model, secs: i64) -> Vec<Cmd> {
    let now = m.now + Duration::seconds(secs);
    update(m, Msg::Tick(now))
}

fn answer(m: &mut Model, primary: &str, patroni: Result<&str, FetchError>) {
    let at = m.now;
    let scrape = ClusterScrape {
        at,
        metrics: vec![
            ("pg-cluster-postgresql-0".into(), Ok(primary.to_string())),
            ("pg-cluster-postgresql-1".into(), Ok(REPLICA.to_string())),
        ],
        patroni: Some((
            "pg-cluster-postgresql-0".into(),
            patroni.map(str::to_string),
        )),
    };
    let context = m.context.clone();
    update(
        m,
        Msg::Scraped {
            ctx: Ctx(0),
            context,
            results: vec![(cluster(), scrape)],
        },
    );
}

/// Text of the rendered screen, with no escape sequence or other control character in it.
fn screen(m: &Model) -> String {
    let s = render(m);
    assert!(!s.chars().any(|c| c.is_control() && c != '\n'), "{s}");
    s
}

#[test]
fn the_clusters_on_screen_are_scraped_every_interval_and_no_other() {
    let mut m = model_with(&objects(), 120, 40);
    let first = scrapes(&tick(&mut m, 1));
    assert_eq!(first.len(), 1, "the first tick scrapes");
    assert_eq!(first[0].0, Ctx(0));
    // pg-cluster-pitr, restored, has no running pod to ask.
    assert_eq!(
        first[0].1,
        vec!["pg-cluster"],
        "the Clusters pane's rows with running pods"
    );
    assert!(
        scrapes(&tick(&mut m, 5)).is_empty(),
        "not before the interval, nor while one is in flight"
    );
    answer(&mut m, PRIMARY, Ok(PATRONI));
    assert!(scrapes(&tick(&mut m, 4)).is_empty(), "10 s after the last");
    assert_eq!(scrapes(&tick(&mut m, 1)).len(), 1);

    // On the Pods pane scoped to nothing, no cluster is on screen: nothing is scraped.
    answer(&mut m, PRIMARY, Ok(PATRONI));
    m.focus = Pane::Pods;
    assert!(scrapes(&tick(&mut m, 10)).is_empty());
}

#[test]
fn scraped_figures_show_in_the_pane_the_detail_and_on_the_wall() {
    let mut m = model_with(&objects(), 150, 45);
    assert!(
        !screen(&m).contains("LAG"),
        "no health columns before a scrape"
    );
    tick(&mut m, 1);
    answer(&mut m, PRIMARY, Ok(PATRONI));
    let s = screen(&m);
    assert!(s.contains("LAG") && s.contains("CONN"), "{s}");
    assert!(s.contains("7/100"), "connections of max: {s}");
    insta::assert_snapshot!("health_clusters_pane", s);

    m.store.clusters.select_key(&cluster());
    update(&mut m, key(KeyCode::Char('d')));
    let s = screen(&m);
    for want in [
        "Health · scraped",
        "conn 7/100",
        "archived 412, failed 2",
        "longest tx 13 s",
        "Member",
        "Leader",
        "Replica",
        "streaming",
    ] {
        assert!(s.contains(want), "{want} in {s}");
    }
    insta::assert_snapshot!("health_detail", s);

    update(&mut m, key(KeyCode::Esc));
    kbdash::state::launch::Launch {
        wall_cycle: Some(10),
        ..kbdash::state::launch::Launch::default()
    }
    .apply(&mut m);
    let s = screen(&m);
    assert!(s.contains("7/100 conn"), "{s}");
}

#[test]
fn metric_and_patroni_problems_reach_triage() {
    let mut m = model_with(&objects(), 150, 45);
    tick(&mut m, 1);
    answer(&mut m, PRIMARY, Ok(PATRONI));
    tick(&mut m, 10);
    let failing = PRIMARY.replace(
        "pg_stat_archiver_failed_count 2",
        "pg_stat_archiver_failed_count 9",
    );
    let moved = PATRONI
        .replacen("\"role\": \"leader\"", "\"role\": \"replica\"", 1)
        .replacen(
            "\"role\": \"replica\", \"state\": \"streaming\"",
            "\"role\": \"leader\", \"state\": \"running\"",
            1,
        );
    answer(&mut m, &failing, Ok(&moved));
    // Patroni says who leads, not since when: the scrape that first showed it dates it.
    let first = m.now;
    let leader_since = |m: &Model| {
        m.triage
            .problems
            .iter()
            .find(|p| p.reason.starts_with("Patroni's leader"))
            .and_then(|p| p.since)
    };
    assert_eq!(leader_since(&m), Some(first));
    tick(&mut m, 10);
    answer(&mut m, &failing, Ok(&moved));
    assert_eq!(leader_since(&m), Some(first), "still its first sighting");
    let reasons: Vec<String> = m.triage.problems.iter().map(|p| p.reason.clone()).collect();
    assert!(
        reasons
            .iter()
            .any(|r| r == "WAL archiving failing: pg_stat_archiver failed_count 2 -> 9"),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("Patroni's leader, but pg-cluster-postgresql-0")),
        "{reasons:?}"
    );
    let (full, _) = kbdash::update::triage::recompute(&m);
    let kept: Vec<_> = m.triage.problems.iter().cloned().collect();
    assert_eq!(kept, full, "the kept list equals a full recompute");
}

#[test]
fn pods_proxy_forbidden_is_said_once_per_context_and_scraping_backs_off() {
    let mut m = model_with(&objects(), 150, 45);
    tick(&mut m, 1);
    let refused = || Err(FetchError::Forbidden("pods \"x:8008\" is forbidden".into()));
    let scrape = ClusterScrape {
        at: m.now,
        metrics: vec![(
            "pg-cluster-postgresql-0".into(),
            Err(FetchError::Forbidden("pods \"x:9187\" is forbidden".into())),
        )],
        patroni: Some(("pg-cluster-postgresql-0".into(), refused())),
    };
    let context = m.context.clone();
    let msg = Msg::Scraped {
        ctx: Ctx(0),
        context,
        results: vec![(cluster(), scrape.clone())],
    };
    update(&mut m, msg.clone());
    let said = m.notice.clone().map(|(t, _)| t).unwrap_or_default();
    assert!(said.contains("pods/proxy forbidden"), "{said}");
    m.notice = None;
    assert!(
        scrapes(&tick(&mut m, 10)).is_empty(),
        "backed off after a refusal"
    );
    assert_eq!(
        scrapes(&tick(&mut m, 50)).len(),
        1,
        "asked again a minute on"
    );
    update(&mut m, msg);
    assert_eq!(m.notice, None, "said once");

    // Another context's answer, arriving late, is dropped.
    let late = Msg::Scraped {
        ctx: Ctx(0),
        context: "elsewhere".into(),
        results: vec![(ObjKey::new("demo", "ghost"), scrape)],
    };
    update(&mut m, late);
    assert!(
        !m.health
            .clusters
            .contains_key(&ObjKey::new("demo", "ghost"))
    );
}

#[test]
fn pods_unreachable_through_the_proxy_are_said_as_such() {
    let mut m = model_with(&objects(), 150, 45);
    tick(&mut m, 1);
    let unreachable = FetchError::Unreachable(
        "error trying to reach service: dial tcp 10.244.0.12:9187: i/o timeout".into(),
    );
    let scrape = ClusterScrape {
        at: m.now,
        metrics: vec![("pg-cluster-postgresql-0".into(), Err(unreachable.clone()))],
        patroni: Some(("pg-cluster-postgresql-0".into(), Err(unreachable))),
    };
    let context = m.context.clone();
    update(
        &mut m,
        Msg::Scraped {
            ctx: Ctx(0),
            context,
            results: vec![(cluster(), scrape)],
        },
    );
    let said = m.notice.clone().map(|(t, _)| t).unwrap_or_default();
    assert!(
        said.contains("unreachable through the API server's proxy"),
        "{said}"
    );
    m.store.clusters.select_key(&cluster());
    update(&mut m, key(KeyCode::Char('d')));
    let s = screen(&m);
    assert!(
        s.contains("unreachable through the API server's proxy"),
        "{s}"
    );
}

#[test]
fn hostile_exporter_and_patroni_text_is_shown_inert() {
    let mut m = model_with(&objects(), 150, 45);
    tick(&mut m, 1);
    let primary = PRIMARY.replace(
        "application_name=\"pg-cluster-postgresql-1\"",
        &format!("application_name=\"{HOSTILE}\""),
    );
    let patroni = PATRONI
        .replace(
            "\"state\": \"streaming\"",
            &format!("\"state\": {}", serde_json::to_string(HOSTILE).unwrap()),
        )
        .replace("10.244.1.17", "\\u001b[31mred");
    answer(&mut m, &primary, Ok(&patroni));
    m.store.clusters.select_key(&cluster());
    update(&mut m, key(KeyCode::Char('d')));
    let s = screen(&m);
    assert!(
        s.contains("\\x1B[2J") && s.contains("\\x1B[31mred"),
        "the hostile member state and host are shown, escaped: {s}"
    );
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, key(KeyCode::Char('t')));
    screen(&m);
}

#[test]
fn scraping_is_a_read_allowed_in_read_only_mode() {
    let mut m = model_with(&objects(), 120, 40);
    m.readonly = true;
    let cmds = tick(&mut m, 1);
    let scrape: Vec<&Cmd> = cmds
        .iter()
        .filter(|c| matches!(c, Cmd::Scrape { .. }))
        .collect();
    assert_eq!(scrape.len(), 1);
    assert!(!scrape[0].mutates());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Whatever text Patroni or the exporter sends (member names, states, hosts, label values),
    /// no control character reaches the screen.
    #[test]
    fn no_text_from_a_sidecar_reaches_the_screen_raw(
        name in "\\PC{0,12}|[\\x00-\\x1f\\x7f\\u{202e}a-z]{0,12}",
        state in "[\\x00-\\x1f\\x7f\\u{9b}a-z\\[;]{0,16}",
        host in "\\PC{0,20}",
        label in "[\\x00-\\x1f\\x7f a-z\\[]{0,16}",
    ) {
        let mut m = model_with(&objects(), 150, 45);
        tick(&mut m, 1);
        let member = serde_json::json!({"name": name, "role": "replica", "state": state,
            "host": host, "timeline": 4, "lag": label});
        let patroni = serde_json::json!({"members": [member]}).to_string();
        let primary = PRIMARY.replace(
            "application_name=\"pg-cluster-postgresql-1\"",
            &format!("application_name=\"{}\"", label.replace(['"', '\\', '\n'], "")),
        );
        answer(&mut m, &primary, Ok(&patroni));
        m.store.clusters.select_key(&cluster());
        update(&mut m, key(KeyCode::Char('d')));
        let s = render(&m);
        proptest::prop_assert!(!s.chars().any(|c| c.is_control() && c != '\n'), "{s}");
    }
}

#[test]
fn on_the_wall_the_tiles_shown_are_scraped_and_no_other() {
    use crate::app_fixtures::{cluster as cluster_obj, pod};
    use kbdash_core::kinds::Kind;
    let mut objs = Vec::new();
    for i in 0..30 {
        let name = format!("pg-{i:02}");
        objs.push((
            Kind::Cluster,
            cluster_obj("prod", &name, "Running", 1, "2025-06-01T09:00:00Z"),
        ));
        let mut p = pod("prod", &name, 0, "primary", true);
        p["status"]["podIP"] = format!("10.0.0.{i}").into();
        objs.push((Kind::Pod, p));
    }
    let mut m = model_with(&objs, 80, 24);
    kbdash::state::launch::Launch {
        wall_cycle: Some(5),
        ..kbdash::state::launch::Launch::default()
    }
    .apply(&mut m);
    let s = screen(&m);
    let asked = scrapes(&tick(&mut m, 1)).remove(0).1;
    assert!(!asked.is_empty() && asked.len() < 30, "one page: {asked:?}");
    for name in &asked {
        assert!(s.contains(name.as_str()), "{name} has a tile: {s}");
    }
    let shown = (0..30)
        .filter(|i| s.contains(&format!("pg-{i:02}")))
        .count();
    assert_eq!(asked.len(), shown, "every tile shown is asked for");
    // The next page's tiles are the next scrape's.
    let context = m.context.clone();
    update(
        &mut m,
        Msg::Scraped {
            ctx: Ctx(0),
            context,
            results: Vec::new(),
        },
    );
    let next = scrapes(&tick(&mut m, 10)).remove(0).1;
    assert!(
        next.iter().all(|n| !asked.contains(n)),
        "{asked:?} then {next:?}"
    );
}
