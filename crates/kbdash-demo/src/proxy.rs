//! The API server's pod proxy for the demo's PostgreSQL pods (docs/kubeblocks.md#metrics,
//! #patroni): `GET /api/v1/namespaces/NS/pods/NAME:9187/proxy/metrics` answers postgres_exporter
//! v0.15 text and `NAME:8008/proxy/cluster` Patroni's `/cluster` JSON, with figures that follow
//! the simulated state and the store's clock:
//!
//! - a crash-looping member falls behind, further each second (its Patroni state `starting`,
//!   on an older timeline);
//! - a cluster whose continuous backup's archiver is down counts archiving failures, when its
//!   method is `wal-g-archive` (with `archive-wal` the addon leaves `archive_command` empty
//!   and pg_stat_archiver stays flat, docs/kubeblocks.md#continuous-backup);
//! - [`crate::seed::DATABASE_ANNOTATION`] makes a cluster `busy` (connections near
//!   max_connections), `idle` (no transactions) or `leader-moved` (Patroni's leader is not the
//!   pod labelled primary, kubeblocks-addons#3545);
//! - a pod without the exporter container (the cluster disables it), or not running, refuses
//!   the connection, which the API server reports as a 503.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::status::ApiError;
use crate::store::Store;
use kbdash_core::kinds::Kind;

/// The exporter's port (`http-metrics`).
const EXPORTER_PORT: u16 = 9187;
/// Patroni's REST port.
const PATRONI_PORT: u16 = 8008;
/// max_connections of every demo database.
const MAX_CONNECTIONS: u64 = 100;
/// Bytes of WAL a lagging standby falls behind per second.
const LAG_BYTES_PER_SECOND: f64 = 1024.0 * 1024.0;

/// A request for a pod's port through the proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProxyPath {
    namespace: String,
    pod: String,
    port: u16,
    path: String,
}

/// Parses `/api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH`.
pub(crate) fn parse(path: &str) -> Option<ProxyPath> {
    let rest = path.strip_prefix("/api/v1/namespaces/")?;
    let (namespace, rest) = rest.split_once("/pods/")?;
    let (target, rest) = rest.split_once("/proxy")?;
    let (pod, port) = target.split_once(':')?;
    (!namespace.contains('/') && !pod.contains('/')).then_some(())?;
    Some(ProxyPath {
        namespace: namespace.to_string(),
        pod: pod.to_string(),
        port: port.parse().ok()?,
        path: rest.trim_start_matches('/').to_string(),
    })
}

/// The API server's refusal of a role without `get` on `pods/proxy`.
pub(crate) fn forbidden(p: &ProxyPath) -> ApiError {
    ApiError {
        code: 403,
        reason: "Forbidden",
        message: format!(
            "pods \"{}:{}\" is forbidden: User \"demo\" cannot get resource \"pods/proxy\" in API group \"\" in the namespace \"{}\"",
            p.pod, p.port, p.namespace
        ),
        details: None,
    }
}

/// Answers a proxied GET as the pod's sidecar would, through the API server.
pub(crate) fn answer(store: &Store, p: &ProxyPath) -> Response {
    let Some(pod) = store.get_value(Kind::Pod, Some(&p.namespace), &p.pod) else {
        return ApiError::not_found(Kind::Pod, &p.pod).into_response();
    };
    let ip = pod
        .pointer("/status/podIP")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let refused = || {
        ApiError {
            code: 503,
            reason: "ServiceUnavailable",
            message: format!(
                "error trying to reach service: dial tcp {ip}:{}: connect: connection refused",
                p.port
            ),
            details: None,
        }
        .into_response()
    };
    if ip.is_empty() || !has_container(&pod, "postgresql") {
        return refused();
    }
    let sim = Sim::new(store, &pod);
    match (p.port, p.path.as_str()) {
        (EXPORTER_PORT, _) if !has_container(&pod, "exporter") => refused(),
        (EXPORTER_PORT, "metrics") => {
            text("text/plain; version=0.0.4; charset=utf-8", sim.metrics())
        }
        (PATRONI_PORT, "cluster") => text("application/json", sim.patroni().to_string()),
        (EXPORTER_PORT | PATRONI_PORT, _) => {
            let mut resp = text("text/plain; charset=utf-8", "404 page not found\n".into());
            *resp.status_mut() = StatusCode::NOT_FOUND;
            resp
        }
        _ => refused(),
    }
}

fn text(content_type: &'static str, body: String) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

fn has_container(pod: &Value, name: &str) -> bool {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .is_some_and(|cs| cs.iter().any(|c| c["name"] == name))
}

fn str_at<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn time_at(v: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(str_at(v, pointer))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A stable number per name, for figures that differ between clusters but not between runs.
fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// One pod as the simulation sees it: its cluster's behaviour, its siblings and the clock.
struct Sim {
    now: DateTime<Utc>,
    name: String,
    cluster: String,
    behaviour: String,
    primary: bool,
    /// Since when the pod's postgresql last crashed, if it is crash-looping.
    crashed: Option<DateTime<Utc>>,
    started: DateTime<Utc>,
    /// The cluster's running pods: name, IP, labelled primary, crashed since.
    members: Vec<(String, String, bool, Option<DateTime<Utc>>)>,
    /// The continuous backup's archiver: `(wal-g-archive, down since)`.
    archive: Option<(bool, Option<DateTime<Utc>>)>,
}

fn crashed_since(pod: &Value) -> Option<DateTime<Utc>> {
    let statuses = pod.pointer("/status/containerStatuses")?.as_array()?;
    let pg = statuses.iter().find(|c| c["name"] == "postgresql")?;
    (pg.pointer("/state/waiting/reason").and_then(Value::as_str) == Some("CrashLoopBackOff"))
        .then(|| time_at(pg, "/lastState/terminated/finishedAt"))
        .flatten()
}

/// The label naming a pod's or a backup's cluster.
const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";
/// The label saying whether a backup is full or continuous.
const BACKUP_TYPE_LABEL: &str = "dataprotection.kubeblocks.io/backup-type";

impl Sim {
    fn new(store: &Store, pod: &Value) -> Sim {
        let now = store.now();
        let ns = str_at(pod, "/metadata/namespace");
        let cluster = str_at(pod, "/metadata/labels/app.kubernetes.io~1instance").to_string();
        let behaviour = store
            .get_value(Kind::Cluster, Some(ns), &cluster)
            .map(|c| str_at(&c, "/metadata/annotations/demo.kbdash.io~1database").to_string())
            .unwrap_or_default();
        // Labels are read without parsing: only the cluster's own objects are parsed, not the
        // namespace's thousands (a scrape of the Clusters pane asks this ~13 times a second).
        let (pods, _) = store.list(Kind::Pod, Some(ns));
        let mut members: Vec<_> = pods
            .iter()
            .filter(|p| p.label(INSTANCE_LABEL) == Some(cluster.as_str()))
            .map(|p| p.value())
            .filter(|p| !str_at(p, "/status/podIP").is_empty())
            .map(|p| {
                (
                    str_at(&p, "/metadata/name").to_string(),
                    str_at(&p, "/status/podIP").to_string(),
                    str_at(&p, "/metadata/labels/kubeblocks.io~1role") == "primary",
                    crashed_since(&p),
                )
            })
            .collect();
        members.sort();
        let (backups, _) = store.list(Kind::Backup, Some(ns));
        let archive = backups
            .iter()
            .filter(|b| {
                b.label(INSTANCE_LABEL) == Some(cluster.as_str())
                    && b.label(BACKUP_TYPE_LABEL) == Some("Continuous")
            })
            .map(|b| b.value())
            .find_map(|b| {
                let mine = str_at(&b, "/status/phase") == "Running";
                let down = b
                    .pointer("/status/actions/0/availableReplicas")
                    .and_then(Value::as_u64)
                    == Some(0);
                let since = time_at(
                    &b,
                    "/metadata/annotations/demo.kbdash.io~1archiver-fails-at",
                );
                mine.then(|| {
                    (
                        str_at(&b, "/spec/backupMethod") == "wal-g-archive",
                        down.then(|| since.unwrap_or(now)),
                    )
                })
            });
        Sim {
            now,
            name: str_at(pod, "/metadata/name").to_string(),
            behaviour,
            primary: str_at(pod, "/metadata/labels/kubeblocks.io~1role") == "primary",
            crashed: crashed_since(pod),
            started: time_at(pod, "/status/startTime")
                .or_else(|| time_at(pod, "/metadata/creationTimestamp"))
                .unwrap_or(now),
            cluster,
            members,
            archive,
        }
    }

    fn secs_since(&self, t: DateTime<Utc>) -> f64 {
        ((self.now - t).num_milliseconds() as f64 / 1000.0).max(0.0)
    }

    /// How far a member is behind: a crash-looping one further each second.
    fn lag_seconds(&self, crashed: Option<DateTime<Utc>>) -> f64 {
        crashed.map_or(0.0, |t| 30.0 + self.secs_since(t))
    }

    /// Transactions since the pod started: a steady rate with a slow swell, never going back.
    fn transactions(&self) -> f64 {
        if self.behaviour == "idle" {
            return 1000.0;
        }
        let rate = (5 + hash(&self.cluster) % 60) as f64 * if self.primary { 1.0 } else { 0.1 };
        let t = self.secs_since(self.started);
        rate * t + 0.3 * rate * 60.0 * (1.0 - (t / 60.0).cos())
    }

    fn connections(&self) -> u64 {
        let t = self.now.timestamp().unsigned_abs();
        match self.behaviour.as_str() {
            "busy" if self.primary => 92 + (t / 10) % 6,
            "idle" => 2,
            _ if self.primary => 4 + hash(&self.cluster) % 12 + (t / 30) % 3,
            _ => 2,
        }
    }

    fn metrics(&self) -> String {
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, samples: &[(String, f64)]| {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
            for (labels, v) in samples {
                out.push_str(&format!("{name}{labels} {v}\n"));
            }
        };
        let one = |v: f64| vec![(String::new(), v)];
        let h = hash(&self.cluster);
        family(
            "pg_up",
            "gauge",
            "Whether the last scrape of metrics from PostgreSQL was able to connect to the server (1 for yes, 0 for no).",
            &one(1.0),
        );
        family(
            "pg_settings_max_connections",
            "gauge",
            "Server Parameter: max_connections",
            &one(MAX_CONNECTIONS as f64),
        );
        let conns = self.connections();
        family(
            "pg_stat_activity_count",
            "gauge",
            "number of connections in this state",
            &[
                ("{application_name=\"Patroni heartbeat\",datname=\"postgres\",state=\"idle\",usename=\"postgres\"}".into(), 1.0),
                (format!("{{application_name=\"app\",datname=\"{}\",state=\"active\",usename=\"app\"}}", self.cluster), (conns - 1) as f64),
            ],
        );
        family(
            "pg_stat_activity_max_tx_duration",
            "gauge",
            "max duration in seconds any active transaction has been running",
            &[(
                format!(
                    "{{application_name=\"app\",datname=\"{}\",state=\"active\",usename=\"app\"}}",
                    self.cluster
                ),
                if conns > 2 { 0.4 } else { 0.0 },
            )],
        );
        let xacts = self.transactions();
        let db = |v: f64| {
            vec![
                (
                    "{datid=\"13757\",datname=\"postgres\"}".to_string(),
                    (v * 0.02).floor(),
                ),
                (
                    format!("{{datid=\"16384\",datname=\"{}\"}}", self.cluster),
                    (v * 0.98).floor(),
                ),
            ]
        };
        family(
            "pg_stat_database_numbackends",
            "gauge",
            "Number of backends currently connected to this database.",
            &[
                ("{datid=\"13757\",datname=\"postgres\"}".to_string(), 1.0),
                (
                    format!("{{datid=\"16384\",datname=\"{}\"}}", self.cluster),
                    (conns - 1) as f64,
                ),
            ],
        );
        family(
            "pg_stat_database_xact_commit",
            "counter",
            "Number of transactions in this database that have been committed",
            &db(xacts * 0.99),
        );
        family(
            "pg_stat_database_xact_rollback",
            "counter",
            "Number of transactions in this database that have been rolled back",
            &db(xacts * 0.01),
        );
        family(
            "pg_database_size_bytes",
            "gauge",
            "Disk space used by the database",
            &[
                ("{datname=\"postgres\"}".to_string(), 7_746_019.0),
                (
                    format!("{{datname=\"{}\"}}", self.cluster),
                    (100 + h % 900) as f64 * 1_048_576.0 + xacts.floor(),
                ),
            ],
        );
        let segments = 5 + h % 10;
        family(
            "pg_wal_segments",
            "gauge",
            "Number of WAL segments",
            &one(segments as f64),
        );
        family(
            "pg_wal_size_bytes",
            "gauge",
            "Total size of WAL segments",
            &one((segments * 16 * 1_048_576) as f64),
        );
        let uptime = self.secs_since(self.started);
        let (archived, failed, age) = match self.archive {
            Some((true, down)) if self.primary => match down {
                Some(since) => (
                    (uptime / 60.0).floor(),
                    1.0 + (self.secs_since(since) / 15.0).floor(),
                    Some(self.secs_since(since)),
                ),
                None => ((uptime / 60.0).floor(), 0.0, Some(uptime % 60.0)),
            },
            _ => (0.0, 0.0, None),
        };
        family(
            "pg_stat_archiver_archived_count",
            "counter",
            "Number of WAL files that have been successfully archived",
            &one(archived),
        );
        family(
            "pg_stat_archiver_failed_count",
            "counter",
            "Number of failed attempts for archiving WAL files",
            &one(failed),
        );
        if let Some(age) = age {
            family(
                "pg_stat_archiver_last_archive_age",
                "gauge",
                "Time in seconds since last WAL segment was successfully archived",
                &one(age.floor()),
            );
        }
        if self.primary {
            let standbys: Vec<(String, f64)> = self
                .members
                .iter()
                .filter(|(name, _, _, _)| *name != self.name)
                .map(|(name, ip, _, crashed)| {
                    let bytes = self.lag_seconds(*crashed) * LAG_BYTES_PER_SECOND
                        + ((self.now.timestamp().unsigned_abs() / 10) % 4 * 8192) as f64;
                    (
                        format!("{{application_name=\"{name}\",client_addr=\"{ip}\",state=\"streaming\"}}"),
                        bytes.floor(),
                    )
                })
                .collect();
            family(
                "pg_stat_replication_pg_wal_lsn_diff",
                "gauge",
                "Lag in bytes between master and slave",
                &standbys,
            );
            family(
                "pg_replication_is_replica",
                "gauge",
                "Indicates if the server is a replica",
                &one(0.0),
            );
        } else {
            family(
                "pg_replication_is_replica",
                "gauge",
                "Indicates if the server is a replica",
                &one(1.0),
            );
            family(
                "pg_replication_lag_seconds",
                "gauge",
                "Replication lag behind master in seconds",
                &one(self.lag_seconds(self.crashed).floor()),
            );
        }
        out
    }

    fn patroni(&self) -> Value {
        let timeline = 2 + hash(&self.cluster) % 3;
        // Patroni's leader: the labelled primary, unless the cluster's story moved it.
        let leader = if self.behaviour == crate::seed::ROLE_PROBE_TIMEOUT_DATABASE {
            self.members
                .iter()
                .find(|m| !m.2)
                .or_else(|| self.members.first())
        } else {
            self.members.iter().find(|m| m.2)
        }
        .map(|m| m.0.clone());
        let members: Vec<Value> = self
            .members
            .iter()
            .map(|(name, ip, _, crashed)| {
                let mut m = json!({
                    "name": name,
                    "host": ip,
                    "port": 5432,
                    "api_url": format!("http://{ip}:8008/patroni"),
                    "timeline": timeline,
                });
                if leader.as_deref() == Some(name.as_str()) {
                    m["role"] = "leader".into();
                    m["state"] = "running".into();
                } else if crashed.is_some() {
                    m["role"] = "replica".into();
                    m["state"] = "starting".into();
                    m["timeline"] = (timeline - 1).into();
                    m["lag"] = "unknown".into();
                } else {
                    m["role"] = "replica".into();
                    m["state"] = "streaming".into();
                    m["lag"] = 0.into();
                }
                m
            })
            .collect();
        json!({"members": members, "scope": format!("{}-postgresql", self.cluster)})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_paths_name_the_pod_and_port() {
        assert_eq!(
            parse("/api/v1/namespaces/demo/pods/pg-0:9187/proxy/metrics"),
            Some(ProxyPath {
                namespace: "demo".into(),
                pod: "pg-0".into(),
                port: 9187,
                path: "metrics".into(),
            })
        );
        assert_eq!(parse("/api/v1/namespaces/demo/pods/pg-0/log"), None);
        assert_eq!(
            parse("/api/v1/namespaces/demo/pods/pg-0:x/proxy/metrics"),
            None
        );
    }
}
