//! The health core on the exporter's and Patroni's real output shapes
//! (`tests/fixtures/exporter/`): what is read from them, the rules they raise, and that no
//! text at all makes the parser fail or panic.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use kbdash_core::domain::health::exporter::{self, PodMetrics};
use kbdash_core::domain::health::patroni;
use kbdash_core::domain::health::rules::{self, HealthLimits};
use kbdash_core::domain::health::{ClusterHealth, ClusterScrape};
use kbdash_core::domain::triage::Level;
use kbdash_core::rows::{ObjKey, PodRow};

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/exporter")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_765_000_000, 0).unwrap()
}

#[test]
fn a_primarys_exporter_output_reads_as_the_figures_shown() {
    let m = exporter::parse(&fixture("postgres-exporter-primary.prom"), t0());
    assert_eq!(m.up, Some(true));
    assert_eq!(
        m.standby_lag_bytes,
        vec![
            ("pg-cluster-postgresql-1".to_string(), 16384.0),
            ("pg-cluster-postgresql-2".to_string(), 0.0)
        ]
    );
    assert_eq!(m.connections, Some(7.0), "pg_stat_activity_count summed");
    assert_eq!(m.max_connections, Some(100.0));
    assert_eq!(m.transactions, Some(48213.0 + 1_250_127.0 + 7.0 + 1290.0));
    assert_eq!(m.database_bytes.len(), 4);
    assert_eq!(m.wal_bytes, Some(117_440_512.0));
    assert_eq!(m.wal_files, Some(7.0));
    assert_eq!(
        (m.archived, m.archive_failed, m.last_archive_age),
        (Some(412.0), Some(2.0), Some(37.11))
    );
    assert_eq!(m.longest_transaction, Some(12.8));
}

#[test]
fn a_replicas_exporter_output_gives_its_lag_in_seconds() {
    let m = exporter::parse(&fixture("postgres-exporter-replica.prom"), t0());
    assert_eq!(m.lag_seconds, Some(2.417));
    assert!(m.standby_lag_bytes.is_empty());
    assert_eq!(m.connections, Some(2.0));
}

#[test]
fn total_suffixed_counters_read_as_the_raw_ones() {
    let raw = fixture("postgres-exporter-primary.prom");
    let total = raw
        .replace(
            "pg_stat_database_xact_commit{",
            "pg_stat_database_xact_commit_total{",
        )
        .replace(
            "pg_stat_database_xact_rollback{",
            "pg_stat_database_xact_rollback_total{",
        )
        .replace(
            "pg_stat_archiver_failed_count ",
            "pg_stat_archiver_failed_count_total ",
        );
    assert_eq!(exporter::parse(&raw, t0()), exporter::parse(&total, t0()));
}

fn pod(name: &str, role: &str) -> PodRow {
    PodRow {
        key: ObjKey::new("demo", name),
        role: kbdash_core::rows::Atom::new(role),
        ..PodRow::default()
    }
}

fn scrape(at: DateTime<Utc>, primary: &str, patroni: &str) -> ClusterScrape {
    ClusterScrape {
        at,
        metrics: vec![
            ("pg-cluster-postgresql-0".into(), Ok(primary.to_string())),
            (
                "pg-cluster-postgresql-1".into(),
                Ok(fixture("postgres-exporter-replica.prom")),
            ),
        ],
        patroni: Some(("pg-cluster-postgresql-0".into(), Ok(patroni.to_string()))),
    }
}

#[test]
fn the_rules_raise_what_the_figures_and_patroni_say() {
    let cluster = ObjKey::new("demo", "pg-cluster");
    let primary = fixture("postgres-exporter-primary.prom");
    let view = fixture("patroni-cluster.json");
    let mut h = ClusterHealth::default();
    h.record(&scrape(t0(), &primary, &view));
    let (p0, p1) = (
        pod("pg-cluster-postgresql-0", "primary"),
        pod("pg-cluster-postgresql-1", "secondary"),
    );
    let limits = HealthLimits::default();
    let v = rules::verdict(&cluster, &[&p0, &p1], &h, &limits, t0());
    let reasons: Vec<&str> = v.problems.iter().map(|p| p.reason.as_str()).collect();
    assert_eq!(
        reasons,
        vec!["restart pending: a changed parameter takes effect only after a restart"],
        "only member 2's pending restart"
    );

    // Ten seconds on: archiving failed twice more, connections near max, the leader moved
    // to member 1 while the label stayed on member 0, and member 2 fell off the timeline.
    let worse = primary
        .replace(
            "pg_stat_archiver_failed_count 2",
            "pg_stat_archiver_failed_count 4",
        )
        .replace(
            "psql\",datname=\"orders\",state=\"active\",usename=\"app\"} 3",
            "psql\",datname=\"orders\",state=\"active\",usename=\"app\"} 90",
        );
    let moved = view
        .replacen("\"role\": \"leader\"", "\"role\": \"replica\"", 1)
        .replacen(
            "\"role\": \"replica\", \"state\": \"streaming\"",
            "\"role\": \"leader\", \"state\": \"running\"",
            1,
        )
        .replace("\"timeline\": 4, \"lag\": 0", "\"timeline\": 3, \"lag\": 0");
    let at = t0() + Duration::seconds(10);
    h.record(&scrape(at, &worse, &moved));
    let v = rules::verdict(&cluster, &[&p0, &p1], &h, &limits, at);
    let found: Vec<(Level, &str)> = v
        .problems
        .iter()
        .map(|p| (p.level, p.reason.as_str()))
        .collect();
    assert!(
        found.contains(&(
            Level::Error,
            "WAL archiving failing: pg_stat_archiver failed_count 2 -> 4"
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            Level::Warning,
            "connections 94 of max_connections 100 (over 90 %)"
        )),
        "{found:?}"
    );
    assert!(found.contains(&(Level::Error, "Patroni's leader, but pg-cluster-postgresql-0 is labelled primary (kubeblocks-addons#3545)")), "{found:?}");
    assert!(
        found
            .iter()
            .any(|(l, r)| *l == Level::Warning && r.starts_with("members on different timelines")),
        "{found:?}"
    );
    assert!(
        !found
            .iter()
            .any(|(_, r)| r.starts_with("replica not streaming")),
        "running and streaming are both fine: {found:?}"
    );
    assert!(v.recheck.is_some(), "staleness is looked at again");

    // No scrape for longer than the limit: the same problems, stale.
    let later = at + limits.stale_after + Duration::seconds(5);
    let stale = rules::verdict(&cluster, &[&p0, &p1], &h, &limits, later);
    assert_eq!(stale.problems.len(), v.problems.len());
    assert!(stale.problems.iter().all(|p| p.level == Level::Stale));
    assert_eq!(
        stale.problems[0].fingerprint(),
        v.problems[0].fingerprint(),
        "a stale problem is the one it was"
    );
}

#[test]
fn pg_up_zero_and_lag_over_the_limit_are_raised() {
    let cluster = ObjKey::new("demo", "c");
    let mut h = ClusterHealth::default();
    h.record(&ClusterScrape {
        at: t0(),
        metrics: vec![
            ("c-0".into(), Ok("pg_up 0\n".into())),
            ("c-1".into(), Ok("pg_up 1\npg_replication_lag_seconds 95\npg_stat_activity_max_tx_duration{state=\"active\"} 900\n".into())),
        ],
        patroni: None,
    });
    let v = rules::verdict(&cluster, &[], &h, &HealthLimits::default(), t0());
    let found: Vec<String> = v
        .problems
        .iter()
        .map(|p| format!("{} {}", p.subject, p.reason))
        .collect();
    assert_eq!(
        found,
        vec![
            "Pod demo/c-0 PostgreSQL down: the exporter cannot reach it (pg_up 0)",
            "Pod demo/c-1 replication lag 95 s (over 30 s)",
            "Pod demo/c-1 a transaction open for 15 min",
        ]
    );
}

#[test]
fn patroni_answers_that_are_not_its_json_are_errors_in_words() {
    assert!(patroni::parse("").is_err());
    assert!(patroni::parse("[1,2]").is_err());
    assert!(patroni::parse(&fixture("patroni-cluster.json")).is_ok());
}

proptest! {
    /// Any text, exporter-like or not, reads without panicking, and every figure read is a
    /// finite number.
    #[test]
    fn hostile_text_never_fails_and_gives_only_finite_figures(
        lines in proptest::collection::vec(
            prop_oneof![
                "[ -~]{0,60}",
                "(pg_up|pg_stat_activity_count|pg_settings_max_connections|pg_stat_replication_pg_wal_lsn_diff)(\\{[a-z_]{1,8}=\"[^\"\n]{0,12}\"\\})? (-?[0-9.e+]{1,8}|NaN|\\+Inf|-Inf|x)",
                "\\PC{0,40}",
                "# (TYPE|HELP) [a-z_]{1,20} (counter|gauge|histogram|summary|\\PC{0,10})",
            ],
            0..30,
        )
    ) {
        let text = lines.join("\n");
        let m: PodMetrics = exporter::parse(&text, t0());
        let figures = [m.lag_seconds, m.connections, m.max_connections, m.transactions,
            m.wal_bytes, m.wal_files, m.archived, m.archive_failed, m.last_archive_age,
            m.longest_transaction];
        prop_assert!(figures.iter().flatten().all(|v| v.is_finite()));
        prop_assert!(m.standby_lag_bytes.iter().all(|(_, v)| v.is_finite()));
        let _ = patroni::parse(&text);
    }
}
