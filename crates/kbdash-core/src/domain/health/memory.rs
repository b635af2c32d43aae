//! What kbdash remembers of a cluster's scrapes: per pod the latest figures, the rates worked
//! out from its counters, bounded histories for sparklines and when archiving last failed;
//! Patroni's latest view. Bounded per pod whatever the session's length.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::exporter::{self, PodMetrics};
use super::patroni::{self, PatroniCluster};
use super::rate::CounterRate;
use super::series::Series;
use crate::domain::triage::Verdict;

/// Why a proxied GET brought no answer, as the client classified it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The API server refused `pods/proxy` (403): its message.
    Forbidden(String),
    /// The API server could not reach the pod (it said so, or the request timed out).
    Unreachable(String),
    /// Any other failure, in words.
    Failed(String),
}

impl FetchError {
    /// The failure in a few words, for the screen.
    pub fn text(&self) -> String {
        match self {
            FetchError::Forbidden(m) => format!("forbidden: {m}"),
            FetchError::Unreachable(m) => {
                format!("unreachable through the API server's proxy: {m}")
            }
            FetchError::Failed(m) => m.clone(),
        }
    }
}

/// One scrape of a cluster: each scraped pod's exporter answer, and Patroni's answer from one
/// of its pods (`None`: not asked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterScrape {
    /// When the scrape was taken.
    pub at: DateTime<Utc>,
    /// Pod name and its exporter's answer (the metrics text), for each pod scraped.
    pub metrics: Vec<(String, Result<String, FetchError>)>,
    /// The pod asked and Patroni's answer (the `/cluster` body).
    pub patroni: Option<(String, Result<String, FetchError>)>,
}

/// Archiving that failed: the exporter's failure count rose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArchiveFailures {
    /// When the count was first seen rising (since it last stayed flat for the window).
    pub since: DateTime<Utc>,
    /// When it last rose.
    pub last_rise: DateTime<Utc>,
    /// The count before the first rise seen.
    pub from: f64,
    /// The latest count.
    pub to: f64,
}

/// One pod's exporter figures over time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PodHealth {
    /// The latest figures read, if any scrape answered.
    pub metrics: Option<PodMetrics>,
    /// When they were read.
    pub at: Option<DateTime<Utc>>,
    /// Why the last scrape failed, if it did.
    pub error: Option<FetchError>,
    /// Transactions per second, per scrape.
    pub tps: Series,
    /// The latest transactions per second.
    pub tps_now: Option<f64>,
    /// Replication lag per scrape: seconds on a replica.
    pub lag_seconds: Series,
    /// Replication lag per scrape: the most any standby is behind, bytes, on a primary.
    pub lag_bytes: Series,
    /// Open connections per scrape.
    pub connections: Series,
    /// Since when `pg_up` has been 0.
    pub down_since: Option<DateTime<Utc>>,
    /// Archiving failures, while the count keeps rising.
    pub archive_failures: Option<ArchiveFailures>,
    transactions: CounterRate,
}

impl PodHealth {
    fn record(&mut self, at: DateTime<Utc>, answer: &Result<String, FetchError>) {
        let m = match answer {
            Ok(text) => exporter::parse(text, at),
            Err(e) => {
                self.error = Some(e.clone());
                self.tps_now = None;
                self.transactions.reset();
                for s in [
                    &mut self.tps,
                    &mut self.lag_seconds,
                    &mut self.lag_bytes,
                    &mut self.connections,
                ] {
                    s.push(None);
                }
                return;
            }
        };
        self.error = None;
        self.tps_now = match m.transactions {
            Some(v) => self.transactions.observe(at, v),
            None => {
                self.transactions.reset();
                None
            }
        };
        self.tps.push(self.tps_now);
        self.lag_seconds.push(m.lag_seconds);
        self.lag_bytes
            .push(m.standby_lag_bytes.iter().map(|(_, b)| *b).reduce(f64::max));
        self.connections.push(m.connections);
        self.down_since = match m.up {
            Some(false) => Some(self.down_since.unwrap_or(at)),
            _ => None,
        };
        self.note_archive(at, m.archive_failed);
        self.metrics = Some(m);
        self.at = Some(at);
    }

    fn note_archive(&mut self, at: DateTime<Utc>, failed: Option<f64>) {
        let before = self.metrics.as_ref().and_then(|m| m.archive_failed);
        match (before, failed) {
            (Some(before), Some(now)) if now > before => {
                self.archive_failures = Some(match self.archive_failures {
                    Some(f) => ArchiveFailures {
                        last_rise: at,
                        to: now,
                        ..f
                    },
                    None => ArchiveFailures {
                        since: at,
                        last_rise: at,
                        from: before,
                        to: now,
                    },
                });
            }
            // A count that went down was reset: nothing rose.
            (Some(before), Some(now)) if now < before => self.archive_failures = None,
            (_, None) => self.archive_failures = None,
            _ => {}
        }
    }
}

/// What kbdash knows of one cluster's health.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterHealth {
    /// Per pod, by name.
    pub pods: BTreeMap<String, PodHealth>,
    /// Patroni's latest view: the pod it came from and what it said, or why it did not.
    pub patroni: Option<(String, Result<PatroniCluster, FetchError>)>,
    /// When the cluster was last scraped.
    pub at: Option<DateTime<Utc>>,
    /// When kbdash first saw each of the cluster's health problems still raised, by subject
    /// and steady reason: see [`ClusterHealth::date`].
    pub seen: BTreeMap<String, DateTime<Utc>>,
}

impl ClusterHealth {
    /// Takes in one scrape. Pods the scrape does not name are forgotten (they are gone).
    pub fn record(&mut self, scrape: &ClusterScrape) {
        if self.at.is_some_and(|t| scrape.at <= t) {
            return;
        }
        self.at = Some(scrape.at);
        self.pods
            .retain(|name, _| scrape.metrics.iter().any(|(p, _)| p == name));
        for (pod, answer) in &scrape.metrics {
            self.pods
                .entry(pod.clone())
                .or_default()
                .record(scrape.at, answer);
        }
        if let Some((pod, answer)) = &scrape.patroni {
            let view = match answer {
                Ok(body) => patroni::parse(body).map_err(FetchError::Failed),
                Err(e) => Err(e.clone()),
            };
            self.patroni = Some((pod.clone(), view));
        }
    }

    /// Dates the problems of `verdict` (this cluster's health verdict) that have no date of
    /// their own with the scrape that first showed them, and forgets those no longer raised.
    /// Metrics and Patroni say what is, not since when: "since" is when kbdash first saw it,
    /// which is what an on-call engineer can check against (and stable, so an acknowledgement,
    /// which holds on to it, outlives the next scrape).
    pub fn date(&mut self, verdict: &mut Verdict) {
        let Some(at) = self.at else {
            return;
        };
        let mut seen = BTreeMap::new();
        for p in &mut verdict.problems {
            let id = format!(
                "{}\n{}",
                p.subject,
                p.steady.as_deref().unwrap_or(&p.reason)
            );
            let first = self.seen.get(&id).copied().unwrap_or(at);
            p.since = p.since.or(Some(first));
            seen.insert(id, first);
        }
        self.seen = seen;
    }

    /// The pod the cluster's figures are summed over, with its latest figures.
    fn latest(&self) -> impl Iterator<Item = (&String, &PodMetrics)> {
        self.pods
            .iter()
            .filter_map(|(n, p)| p.metrics.as_ref().map(|m| (n, m)))
    }

    /// The largest replication lag now: seconds on any replica, bytes on any primary.
    pub fn lag(&self) -> (Option<f64>, Option<f64>) {
        let secs = self
            .pods
            .values()
            .filter_map(|p| p.lag_seconds.last())
            .reduce(f64::max);
        let bytes = self
            .pods
            .values()
            .filter_map(|p| p.lag_bytes.last())
            .reduce(f64::max);
        (secs, bytes)
    }

    /// Connections against max_connections on the pod with the highest share.
    pub fn connections(&self) -> Option<(f64, f64)> {
        self.latest()
            .filter_map(|(_, m)| Some((m.connections?, m.max_connections?)))
            .filter(|(_, max)| *max > 0.0)
            .max_by(|a, b| (a.0 / a.1).total_cmp(&(b.0 / b.1)))
    }

    /// Transactions per second over the cluster's pods.
    pub fn tps(&self) -> Option<f64> {
        self.pods
            .values()
            .filter_map(|p| p.tps_now)
            .reduce(|a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn scrape(at: DateTime<Utc>, text: &str) -> ClusterScrape {
        ClusterScrape {
            at,
            metrics: vec![("pg-0".into(), Ok(text.to_string()))],
            patroni: None,
        }
    }

    #[test]
    fn archive_failures_rise_and_a_reset_clears_them() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut h = ClusterHealth::default();
        h.record(&scrape(t0, "pg_stat_archiver_failed_count 3\n"));
        assert_eq!(
            h.pods["pg-0"].archive_failures, None,
            "one reading: no rise"
        );
        h.record(&scrape(
            t0 + Duration::seconds(10),
            "pg_stat_archiver_failed_count 5\n",
        ));
        h.record(&scrape(
            t0 + Duration::seconds(20),
            "pg_stat_archiver_failed_count 5\n",
        ));
        let f = h.pods["pg-0"].archive_failures.unwrap();
        assert_eq!(
            (f.from, f.to, f.since),
            (3.0, 5.0, t0 + Duration::seconds(10))
        );
        h.record(&scrape(
            t0 + Duration::seconds(30),
            "pg_stat_archiver_failed_count 0\n",
        ));
        assert_eq!(h.pods["pg-0"].archive_failures, None);
    }

    /// A problem with no date of its own is dated by the scrape that first showed it, keeps
    /// that date while it lasts (its figures changing), and starts again after it cleared.
    #[test]
    fn health_problems_are_dated_by_the_scrape_that_first_showed_them() {
        use crate::domain::health::rules::{HealthLimits, verdict};
        use crate::rows::ObjKey;
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let cluster = ObjKey::new("ns", "pg");
        let lag = |secs: u32| format!("pg_replication_lag_seconds {secs}\n");
        let mut h = ClusterHealth::default();
        let judge = |h: &mut ClusterHealth, at: DateTime<Utc>, text: &str| {
            h.record(&scrape(at, text));
            let mut v = verdict(&cluster, &[], h, &HealthLimits::default(), at);
            h.date(&mut v);
            v.problems.iter().map(|p| p.since).collect::<Vec<_>>()
        };
        let t = |s: i64| t0 + Duration::seconds(s);
        assert_eq!(judge(&mut h, t(0), &lag(1)), []);
        assert_eq!(judge(&mut h, t(10), &lag(45)), [Some(t(10))]);
        assert_eq!(
            judge(&mut h, t(20), &lag(90)),
            [Some(t(10))],
            "the same problem"
        );
        assert_eq!(judge(&mut h, t(30), &lag(2)), []);
        assert_eq!(judge(&mut h, t(40), &lag(50)), [Some(t(40))], "a new one");
    }

    #[test]
    fn tps_survives_a_counter_reset_and_a_failed_scrape() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut h = ClusterHealth::default();
        let c = |n: u32| format!("pg_stat_database_xact_commit{{datname=\"a\"}} {n}\n");
        h.record(&scrape(t0, &c(1000)));
        h.record(&scrape(t0 + Duration::seconds(10), &c(1200)));
        assert_eq!(h.tps(), Some(20.0));
        h.record(&scrape(t0 + Duration::seconds(20), &c(100)));
        assert_eq!(
            h.tps(),
            Some(10.0),
            "after a restart the count starts from 0"
        );
        h.record(&ClusterScrape {
            at: t0 + Duration::seconds(30),
            metrics: vec![("pg-0".into(), Err(FetchError::Unreachable("x".into())))],
            patroni: None,
        });
        h.record(&scrape(t0 + Duration::seconds(40), &c(300)));
        assert_eq!(h.pods["pg-0"].tps_now, None, "no rate across a gap");
        let tps: Vec<_> = h.pods["pg-0"].tps.iter().collect();
        assert_eq!(tps, vec![None, Some(20.0), Some(10.0), None, None]);
    }
}
