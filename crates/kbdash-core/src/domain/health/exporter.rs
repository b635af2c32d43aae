//! What a PostgreSQL exporter scrape says about one pod, read from the Prometheus text the
//! exporter sidecar serves (docs/kubeblocks.md#metrics). The text is parsed by the
//! `prometheus-parse` crate; this module picks the series kbdash shows and accepts a counter
//! under its raw name (postgres_exporter's) and its `_total` name (what the addon's Grafana
//! dashboard queries), so an exporter of either convention reads the same.

use chrono::{DateTime, Utc};
use prometheus_parse::{Sample, Scrape, Value};

/// One pod's exporter figures, as of one scrape. A figure the exporter did not serve is
/// `None` (or empty), never zero: an absent series and a zero mean different things.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PodMetrics {
    /// `pg_up`: whether the exporter could reach PostgreSQL.
    pub up: Option<bool>,
    /// Bytes each standby is behind, by its `application_name` (on a primary:
    /// `pg_stat_replication_pg_wal_lsn_diff`), sorted by name.
    pub standby_lag_bytes: Vec<(String, f64)>,
    /// Seconds this replica is behind (`pg_replication_lag_seconds`, or the addon's
    /// `pg_replication_lag`).
    pub lag_seconds: Option<f64>,
    /// Open connections: the sum of `pg_stat_activity_count`, else of
    /// `pg_stat_database_numbackends`.
    pub connections: Option<f64>,
    /// `pg_settings_max_connections`.
    pub max_connections: Option<f64>,
    /// Transactions ended so far, all databases: `pg_stat_database_xact_commit` +
    /// `xact_rollback` (a counter: its rate is the TPS).
    pub transactions: Option<f64>,
    /// `pg_database_size_bytes` by database, sorted by name.
    pub database_bytes: Vec<(String, f64)>,
    /// `pg_wal_size_bytes`: the WAL directory's size.
    pub wal_bytes: Option<f64>,
    /// WAL files: `pg_wal_segments`, or the addon's `pg_wal_log_file_count`.
    pub wal_files: Option<f64>,
    /// `pg_stat_archiver_archived_count` (a counter).
    pub archived: Option<f64>,
    /// `pg_stat_archiver_failed_count` (a counter).
    pub archive_failed: Option<f64>,
    /// `pg_stat_archiver_last_archive_age`, seconds.
    pub last_archive_age: Option<f64>,
    /// The longest open transaction, seconds (`pg_stat_activity_max_tx_duration`, the largest
    /// over its label sets).
    pub longest_transaction: Option<f64>,
}

/// Reads an exporter's answer. Lines the parser does not understand are skipped, as are
/// values that are not finite numbers; nothing in the text can make this fail or panic.
pub fn parse(text: &str, at: DateTime<Utc>) -> PodMetrics {
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let samples = Scrape::parse_at(lines, at)
        .map(|s| s.samples)
        .unwrap_or_default();
    let read = Reader { samples: &samples };
    let connections = read
        .sum("pg_stat_activity_count")
        .or_else(|| read.sum("pg_stat_database_numbackends"));
    let transactions = match (
        read.sum("pg_stat_database_xact_commit"),
        read.sum("pg_stat_database_xact_rollback"),
    ) {
        (None, None) => None,
        (c, r) => Some(c.unwrap_or(0.0) + r.unwrap_or(0.0)),
    };
    PodMetrics {
        up: read.first("pg_up").map(|v| v >= 1.0),
        standby_lag_bytes: read.by_label("pg_stat_replication_pg_wal_lsn_diff", "application_name"),
        lag_seconds: read
            .max("pg_replication_lag_seconds")
            .or_else(|| read.max("pg_replication_lag")),
        connections,
        max_connections: read.first("pg_settings_max_connections"),
        transactions,
        database_bytes: read.by_label("pg_database_size_bytes", "datname"),
        wal_bytes: read.first("pg_wal_size_bytes"),
        wal_files: read
            .first("pg_wal_segments")
            .or_else(|| read.first("pg_wal_log_file_count")),
        archived: read.sum("pg_stat_archiver_archived_count"),
        archive_failed: read.sum("pg_stat_archiver_failed_count"),
        last_archive_age: read.first("pg_stat_archiver_last_archive_age"),
        longest_transaction: read.max("pg_stat_activity_max_tx_duration"),
    }
}

/// The samples of one scrape, looked up by metric name.
struct Reader<'a> {
    samples: &'a [Sample],
}

impl Reader<'_> {
    /// The finite values of `name` (or `name_total`), with their samples.
    fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = (&'s Sample, f64)> + 's {
        self.samples.iter().filter_map(move |s| {
            let same = s.metric == name
                || s.metric
                    .strip_suffix("_total")
                    .is_some_and(|base| base == name);
            let v = match s.value {
                Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
                Value::Histogram(_) | Value::Summary(_) => return None,
            };
            (same && v.is_finite()).then_some((s, v))
        })
    }

    fn first(&self, name: &str) -> Option<f64> {
        self.values(name).map(|(_, v)| v).next()
    }

    fn sum(&self, name: &str) -> Option<f64> {
        self.values(name).map(|(_, v)| v).reduce(|a, b| a + b)
    }

    fn max(&self, name: &str) -> Option<f64> {
        self.values(name).map(|(_, v)| v).reduce(f64::max)
    }

    /// `name`'s values by the value of `label`, summed per label value, sorted.
    fn by_label(&self, name: &str, label: &str) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = Vec::new();
        for (s, v) in self.values(name) {
            let key = s.labels.get(label).unwrap_or_default().to_string();
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some((_, total)) => *total += v,
                None => out.push((key, v)),
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn raw_and_total_counter_names_read_the_same() {
        let raw = "# TYPE pg_stat_database_xact_commit counter\n\
                   pg_stat_database_xact_commit{datname=\"a\"} 10\n\
                   pg_stat_database_xact_rollback{datname=\"a\"} 2\n";
        let total = "pg_stat_database_xact_commit_total{datname=\"a\"} 10\n\
                     pg_stat_database_xact_rollback_total{datname=\"a\"} 2\n";
        assert_eq!(parse(raw, at()).transactions, Some(12.0));
        assert_eq!(parse(total, at()).transactions, Some(12.0));
    }

    #[test]
    fn absent_series_stay_unknown_and_odd_values_are_skipped() {
        let m = parse(
            "pg_up NaN\npg_settings_max_connections +Inf\ngarbage line\n",
            at(),
        );
        assert_eq!(m, PodMetrics::default());
    }

    #[test]
    fn standby_lag_is_kept_per_standby() {
        let text = "pg_stat_replication_pg_wal_lsn_diff{application_name=\"b\",state=\"streaming\"} 5\n\
                    pg_stat_replication_pg_wal_lsn_diff{application_name=\"a\",state=\"streaming\"} 7\n";
        assert_eq!(
            parse(text, at()).standby_lag_bytes,
            vec![("a".to_string(), 7.0), ("b".to_string(), 5.0)]
        );
    }
}
