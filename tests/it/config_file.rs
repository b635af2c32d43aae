//! The config file: defaults, every key, and errors that name the file, line and key.

use chrono::Duration;
use kbdash::config::{Config, ConfigError};

#[test]
fn empty_file_gives_defaults() {
    let c = Config::parse("c.yaml", "").unwrap();
    assert_eq!(c, Config::default());
    assert_eq!(c.cycle_seconds(), 10);
    assert!(!c.wall_copy(), "a wall copies nothing unless asked");
    assert_eq!(
        c.thresholds(),
        kbdash_core::domain::triage::Thresholds::default()
    );
    assert!(!c.readonly_policy(false, false).applies_to("prod"));
}

#[test]
fn every_key() {
    let yaml = "\
theme: high-contrast
readonly_contexts: [\"prod-*\", staging]
triage:
  stuck_ops_minutes: 5
  wal_quiet_minutes: 3
  restart_window_minutes: 30
  full_backup_grace_minutes: 90
  stuck_deleting_minutes: 20
  clock_skew_minutes: 2
  settle_minutes: 30
  phase_lag_minutes: 4
  backup_age_minutes: 1440
wall:
  cycle_seconds: 4
  copy: true
";
    let c = Config::parse("c.yaml", yaml).unwrap();
    assert_eq!(c.theme.as_deref(), Some("high-contrast"));
    assert!(c.readonly_policy(false, false).applies_to("prod-eu-1"));
    assert!(c.readonly_policy(false, false).applies_to("staging"));
    assert!(!c.readonly_policy(false, false).applies_to("staging-2"));
    assert!(
        !c.readonly_policy(false, true).applies_to("prod-eu-1"),
        "--write lifts it"
    );
    assert!(
        c.readonly_policy(true, true).applies_to("staging-2"),
        "--readonly wins"
    );
    let t = c.thresholds();
    assert_eq!(t.stuck_ops, Duration::minutes(5));
    assert_eq!(t.wal_quiet, Duration::minutes(3));
    assert_eq!(t.restart_window, Duration::minutes(30));
    assert_eq!(t.full_backup_grace, Duration::minutes(90));
    assert_eq!(t.stuck_deleting, Duration::minutes(20));
    assert_eq!(t.clock_skew, Duration::minutes(2));
    assert_eq!(t.settle, Duration::minutes(30));
    assert_eq!(t.phase_lag, Duration::minutes(4));
    assert_eq!(t.backup_age, Duration::days(1));
    assert_eq!(c.cycle_seconds(), 4);
    assert!(c.wall_copy());
}

/// Files written before the key was renamed keep working.
#[test]
fn the_old_wal_stall_key_still_sets_the_quiet_threshold() {
    let c = Config::parse("c.yaml", "triage:\n  wal_stall_minutes: 7\n").unwrap();
    assert_eq!(c.thresholds().wal_quiet, Duration::minutes(7));
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let yaml = "theme: light\ntriage:\n  stuck_minutes: 5\n";
    let err = Config::parse("/etc/kb/config.yaml", yaml).unwrap_err();
    let ConfigError::Invalid {
        file,
        line,
        message,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(file, "/etc/kb/config.yaml");
    assert_eq!(*line, 3);
    assert!(message.contains("stuck_minutes"), "{message}");
    let text = err.to_string();
    assert!(text.starts_with("/etc/kb/config.yaml:3: "), "{text}");
}

#[test]
fn bad_value_names_the_line() {
    let err = Config::parse("c.yaml", "wall:\n  cycle_seconds: soon\n").unwrap_err();
    assert!(
        matches!(err, ConfigError::Invalid { line: 2, .. }),
        "{err:?}"
    );
    let err = Config::parse("c.yaml", "wall:\n  cycle_seconds: 0\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.yaml:2: wall.cycle_seconds must be at least 1"
    );
}

#[test]
fn files_load_and_missing_explicit_file_is_an_error() {
    let dir = std::env::temp_dir().join(format!("kbdash-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.yaml");
    std::fs::write(&path, "theme: light\n").unwrap();
    assert_eq!(
        Config::load(Some(&path)).unwrap().theme.as_deref(),
        Some("light")
    );
    let missing = dir.join("nope.yaml");
    assert!(matches!(
        Config::load(Some(&missing)),
        Err(ConfigError::Read { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_health_section_sets_the_scrape_and_the_rules_limits() {
    let yaml = "\
health:
  interval_seconds: 30
  concurrency: 2
  timeout_seconds: 3
  lag_seconds: 10
  lag_megabytes: 16
  connections_percent: 80
  long_transaction_minutes: 15
";
    let h = Config::parse("c.yaml", yaml).unwrap().health();
    assert_eq!(h.interval, Duration::seconds(30));
    assert_eq!(
        h.limits.stale_after,
        Duration::seconds(90),
        "three intervals"
    );
    assert_eq!((h.concurrency, h.timeout.as_secs()), (2, 3));
    assert_eq!(h.limits.lag_seconds, 10.0);
    assert_eq!(h.limits.lag_bytes, 16.0 * 1024.0 * 1024.0);
    assert_eq!(h.limits.connections_share, 0.8);
    assert_eq!(h.limits.long_transaction, Duration::minutes(15));
    let defaults = Config::default().health();
    assert_eq!(defaults.interval, Duration::seconds(10));
    for bad in [
        "health:\n  interval_seconds: 0\n",
        "health:\n  connections_percent: 120\n",
        "health:\n  concurrency: 0\n",
    ] {
        let err = Config::parse("c.yaml", bad).unwrap_err().to_string();
        assert!(err.starts_with("c.yaml:2: health."), "{err}");
    }
}
