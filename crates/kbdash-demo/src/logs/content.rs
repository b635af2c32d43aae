//! What each container of the demo's pods writes, following what the demo is doing: Patroni and
//! PostgreSQL in `postgresql` (the crash-looping secondary's runs end with the error that stops
//! it), pgbouncer, kbagent, the exporter, and a backup's `backupdata` (an archiver uploading
//! WAL until it fails, a job's base backup and why it failed). Containers the demo knows nothing
//! of say that they started and, every second, that they still run.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::script::Script;
use crate::operator::objects as obj;
use crate::seed::ARCHIVER_FAILS_ANNOTATION;
use crate::status::ApiError;
use crate::store::Store;
use kbdash_core::kinds::Kind;

/// How long one crash-looping run of PostgreSQL lasts before it exits.
const CRASH_RUN: Duration = Duration::seconds(12);

/// A timestamp as Patroni's log format writes it.
fn patroni_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S,%3f").to_string()
}

/// A timestamp as PostgreSQL's `%m` writes it.
fn pg_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string()
}

fn time_at(v: Option<&Value>) -> Option<DateTime<Utc>> {
    v.and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/labels")
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
}

/// Which run of the container the request asks for, and how it is going.
struct Run {
    start: DateTime<Utc>,
    /// When it ended, if it did.
    end: Option<DateTime<Utc>>,
    /// It ended by crashing (else, if it ended, by a restart or as a job's run ends).
    crashed: bool,
}

/// The run of `container` in `pod` a request for its (or its `previous`) log reads, or the
/// API server's refusal.
fn run_of(pod: &Value, container: &str, previous: bool) -> Result<Run, ApiError> {
    let name = obj::meta(pod, "name");
    let status = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .and_then(|all| {
            all.iter()
                .find(|c| c.get("name").and_then(Value::as_str) == Some(container))
        });
    let created = time_at(pod.pointer("/metadata/creationTimestamp"));
    let pod_start = time_at(pod.pointer("/status/startTime")).or(created);
    let Some(status) = status else {
        return Err(ApiError::bad_request(format!(
            "container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating"
        )));
    };
    let restarts = status
        .get("restartCount")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let last = status.pointer("/lastState/terminated");
    let waiting = status.pointer("/state/waiting");
    let terminated = status.pointer("/state/terminated");
    let running_since = time_at(status.pointer("/state/running/startedAt")).or(pod_start);
    if previous {
        if restarts == 0 && last.is_none() {
            return Err(ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{name}\" not found"
            )));
        }
        return Ok(match (waiting, last) {
            // A crash loop: the run before the last crash crashed too, a back-off earlier.
            (Some(_), Some(last)) => {
                let end =
                    time_at(last.get("finishedAt")).unwrap_or_default() - Duration::minutes(5);
                Run {
                    start: end - CRASH_RUN,
                    end: Some(end),
                    crashed: true,
                }
            }
            _ => {
                let end = running_since.unwrap_or_default() - Duration::seconds(2);
                Run {
                    start: end - Duration::hours(3),
                    end: Some(end),
                    crashed: false,
                }
            }
        });
    }
    match (waiting, terminated, last) {
        // Waiting to start again after a crash: the log is the crashed run's.
        (Some(_), _, Some(last)) => {
            let end = time_at(last.get("finishedAt")).unwrap_or_default();
            Ok(Run {
                start: end - CRASH_RUN,
                end: Some(end),
                crashed: true,
            })
        }
        (Some(w), _, None) => Err(ApiError::bad_request(format!(
            "container \"{container}\" in pod \"{name}\" is waiting to start: {}",
            w.get("reason")
                .and_then(Value::as_str)
                .unwrap_or("ContainerCreating")
        ))),
        (None, Some(t), _) => Ok(Run {
            start: time_at(t.get("startedAt"))
                .or(pod_start)
                .unwrap_or_default(),
            end: time_at(t.get("finishedAt")),
            crashed: t.get("exitCode").and_then(Value::as_i64).unwrap_or(0) != 0,
        }),
        _ => Ok(Run {
            start: running_since.unwrap_or_default(),
            end: None,
            crashed: false,
        }),
    }
}

/// The script of the run of `container` in `pod` that a log request reads (`previous`: the one
/// before), or the API server's refusal: a container the pod does not have, a previous run
/// there was not, a container not started.
pub(crate) fn script(
    store: &Store,
    pod: &Value,
    container: &str,
    previous: bool,
) -> Result<Script, ApiError> {
    let name = obj::meta(pod, "name").to_string();
    let known = ["/spec/containers", "/spec/initContainers"]
        .iter()
        .filter_map(|p| pod.pointer(p).and_then(Value::as_array))
        .flatten()
        .any(|c| c.get("name").and_then(Value::as_str) == Some(container));
    if !known {
        return Err(ApiError::bad_request(format!(
            "container {container} is not valid for pod {name}"
        )));
    }
    let run = run_of(pod, container, previous)?;
    Ok(match container {
        "postgresql" => postgresql(store, pod, &name, &run),
        "pgbouncer" => pgbouncer(&run),
        "kbagent" => kbagent(store, pod, &run),
        "exporter" => exporter(&run),
        "backupdata" => backupdata(store, pod, &name, &run),
        other => {
            let other = other.to_string();
            let script =
                Script::new(run.start, vec![(0, format!("{other}: started"))]).every(1000, {
                    let other = other.clone();
                    move |k, _| format!("{other}: running for {k}s")
                });
            finish(script, &run, vec![(0, format!("{other}: stopped"))])
        }
    })
}

fn finish(script: Script, run: &Run, last: Vec<(i64, String)>) -> Script {
    match run.end {
        Some(end) => script.ended(end, last),
        None => script,
    }
}

fn postgresql(store: &Store, pod: &Value, name: &str, run: &Run) -> Script {
    let role = label(pod, "kubeblocks.io/role")
        .unwrap_or_default()
        .to_string();
    let cluster = label(pod, "app.kubernetes.io/instance").unwrap_or_default();
    let ns = obj::meta(pod, "namespace");
    let leader = store
        .list(Kind::Pod, Some(ns))
        .0
        .iter()
        .find(|p| {
            p.label("app.kubernetes.io/instance") == Some(cluster)
                && p.label("kubeblocks.io/role") == Some("primary")
        })
        .map(|p| p.name.to_string())
        .unwrap_or_else(|| "none".to_string());
    let version = label(pod, "apps.kubeblocks.io/service-version")
        .unwrap_or("16.4.0")
        .to_string();
    let s = run.start;
    let at = |ms: i64| s + Duration::milliseconds(ms);
    let pa = |ms: i64, text: &str| (ms, format!("{} {text}", patroni_time(at(ms))));
    let pg = |ms: i64, text: &str| (ms, format!("{} [41] {text}", pg_time(at(ms))));
    let mut boot = vec![
        pa(
            0,
            "INFO: Selected new K8s API server endpoint https://10.96.0.1:443",
        ),
        pa(
            310,
            "INFO: No PostgreSQL configuration items changed, nothing to reload.",
        ),
        pa(905, &format!("INFO: Lock owner: {leader}; I am {name}")),
    ];
    if run.crashed {
        // A replica whose timeline forked off before the primary's (after a failover without
        // a rewind): it cannot follow, and exits (kubeblocks-addons#3171 is this incident).
        boot.extend([
            pa(1010, "INFO: starting as a secondary"),
            pg(
                1502,
                &format!("LOG:  starting PostgreSQL {version} on x86_64-pc-linux-gnu"),
            ),
            pg(1704, "LOG:  entering standby mode"),
            pg(1811, "LOG:  redo starts at 0/5000028"),
            pg(1902, "LOG:  consistent recovery state reached at 0/5000100"),
        ]);
        let end = run.end.unwrap_or(s + CRASH_RUN);
        let off = |ms: i64| (end - s).num_milliseconds() - 600 + ms;
        let last = [
            pg(
                off(0),
                "LOG:  started streaming WAL from primary at 0/5000000 on timeline 3",
            ),
            pg(
                off(2),
                "FATAL:  requested timeline 3 is not a child of this server's history",
            ),
            pg(
                off(3),
                "DETAIL:  Latest checkpoint is at 0/5000100 on timeline 2, but in the history of \
                 the requested timeline, the server forked off from that timeline at 0/40000A0.",
            ),
            pg(
                off(104),
                "LOG:  startup process (PID 43) exited with exit code 1",
            ),
            pg(
                off(105),
                "LOG:  aborting startup due to startup process failure",
            ),
            pg(off(220), "LOG:  database system is shut down"),
        ];
        boot.extend(last);
        return Script::new(s, boot).ended(end, Vec::new());
    }
    let primary = role == "primary";
    boot.push(pa(
        1010,
        if primary {
            "INFO: promoted self to leader by acquiring session lock"
        } else {
            "INFO: starting as a secondary"
        },
    ));
    boot.push(pg(
        1502,
        &format!("LOG:  starting PostgreSQL {version} on x86_64-pc-linux-gnu"),
    ));
    boot.push(pg(
        2301,
        if primary {
            "LOG:  database system is ready to accept connections"
        } else {
            "LOG:  database system is ready to accept read-only connections"
        },
    ));
    let name = name.to_string();
    let script = Script::new(s, boot).every(10_000, move |_, t| {
        let said = if primary {
            format!("INFO: no action. I am ({name}), the leader with the lock")
        } else {
            format!(
                "INFO: no action. I am ({name}), a secondary, and following a leader ({leader})"
            )
        };
        format!("{} {said}", patroni_time(t))
    });
    let stop =
        |end: DateTime<Utc>, ms: i64| format!("{} ", pg_time(end + Duration::milliseconds(ms)));
    match run.end {
        Some(end) => script.ended(
            end,
            vec![
                (
                    0,
                    format!("{}[41] LOG:  received fast shutdown request", stop(end, 0)),
                ),
                (
                    400,
                    format!("{}[41] LOG:  database system is shut down", stop(end, 400)),
                ),
            ],
        ),
        None => script,
    }
}

fn pgbouncer(run: &Run) -> Script {
    let s = run.start;
    let t = |ms: i64| pg_time(s + Duration::milliseconds(ms));
    let script = Script::new(
        s,
        vec![
            (
                0,
                format!(
                    "{} [1] LOG kernel file descriptor limit: 1048576 (hard: 1048576); \
                     max_client_conn: 10000, max expected fd use: 10012",
                    t(0)
                ),
            ),
            (20, format!("{} [1] LOG listening on 0.0.0.0:6432", t(20))),
            (
                25,
                format!("{} [1] LOG process up: PgBouncer 1.19.0", t(25)),
            ),
        ],
    )
    .every(60_000, |_, t| {
        format!(
            "{} [1] LOG stats: 0 xacts/s, 0 queries/s, in 0 B/s, out 0 B/s, xact 0 us, query 0 us, \
             wait 0 us",
            pg_time(t)
        )
    });
    finish(
        script,
        run,
        vec![(0, format!("{} [1] LOG got SIGTERM, fast exit", t(0)))],
    )
}

fn kbagent(store: &Store, pod: &Value, run: &Run) -> Script {
    let role = label(pod, "kubeblocks.io/role")
        .unwrap_or("secondary")
        .to_string();
    // The cluster whose role probe times out (the operator's "Role probe timeout" message on
    // its component): its kbagent says so on every probe, as Go says a deadline passed.
    let cluster = label(pod, "app.kubernetes.io/instance").unwrap_or_default();
    let timing_out = store
        .get_value(Kind::Cluster, Some(obj::meta(pod, "namespace")), cluster)
        .is_some_and(|c| {
            c.pointer("/metadata/annotations/demo.kbdash.io~1database")
                .and_then(Value::as_str)
                == Some(crate::seed::ROLE_PROBE_TIMEOUT_DATABASE)
        });
    let z = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let s = run.start;
    let script = Script::new(
        s,
        vec![
            (0, format!("{}\tINFO\tkbagent\tstarting the kbagent server\t{{\"port\": 3501}}", z(s))),
            (
                40,
                format!(
                    "{}\tINFO\tprobe\tstarting the probe\t{{\"probe\": \"roleProbe\", \"period\": 1}}",
                    z(s + Duration::milliseconds(40))
                ),
            ),
        ],
    )
    .every(30_000, move |_, t| {
        if timing_out {
            format!(
                "{}\tERROR\tprobe\tprobe failed\t{{\"probe\": \"roleProbe\", \"error\": \"context deadline exceeded\"}}",
                z(t)
            )
        } else {
            format!(
                "{}\tINFO\tprobe\tsend probe event\t{{\"probe\": \"roleProbe\", \"code\": 0, \"output\": \"{role}\"}}",
                z(t)
            )
        }
    });
    finish(script, run, Vec::new())
}

fn exporter(run: &Run) -> Script {
    let s = run.start;
    let ts = |ms: i64| (s + Duration::milliseconds(ms)).format("%Y-%m-%dT%H:%M:%S%.3fZ");
    finish(
        Script::new(
            s,
            vec![
                (
                    0,
                    format!(
                        "ts={} caller=main.go:86 level=info msg=\"Listening on address\" address=:9187",
                        ts(0)
                    ),
                ),
                (
                    3,
                    format!(
                        "ts={} caller=tls_config.go:313 level=info msg=\"TLS is disabled.\" http2=false address=[::]:9187",
                        ts(3)
                    ),
                ),
            ],
        ),
        run,
        Vec::new(),
    )
}

/// The backup the pod works for (its label `dataprotection.kubeblocks.io/backup-name`,
/// docs/kubeblocks.md#backup-jobs).
fn backup_of(store: &Store, pod: &Value) -> Option<Value> {
    let name = label(pod, "dataprotection.kubeblocks.io/backup-name")?;
    store.get_value(Kind::Backup, Some(obj::meta(pod, "namespace")), name)
}

fn backupdata(store: &Store, pod: &Value, name: &str, run: &Run) -> Script {
    let backup = backup_of(store, pod).unwrap_or_default();
    let glog = |t: DateTime<Utc>| t.format("%Y/%m/%d %H:%M:%S%.6f").to_string();
    let s = run.start;
    // A continuous backup runs as the StatefulSet pod `<backup>-0`: it uploads WAL.
    let continuous = label(&backup, "dataprotection.kubeblocks.io/backup-type")
        == Some("Continuous")
        || name.ends_with("-0") && !name.starts_with("dp-backup-");
    if continuous {
        let fails_at = time_at(
            backup
                .pointer("/metadata/annotations")
                .and_then(|a| a.get(ARCHIVER_FAILS_ANNOTATION)),
        );
        let script = Script::new(
            s,
            vec![(
                0,
                format!(
                    "INFO: {} archiving WAL with wal-g to the backup repository",
                    glog(s)
                ),
            )],
        )
        .every(60_000, move |k, t| match fails_at {
            Some(f) if t >= f => format!(
                "ERROR: {} failed to upload '0000000300000000000000{:02X}': AccessDenied: Access \
                 Denied status code: 403, request id: 1790F3A2C5B0E4D1",
                glog(t),
                (k % 250) as u8
            ),
            _ => format!(
                "INFO: {} FILE PATH: 0000000300000000000000{:02X}.br",
                glog(t),
                (k % 250) as u8
            ),
        });
        return finish(script, run, Vec::new());
    }
    let method = backup
        .pointer("/spec/backupMethod")
        .and_then(Value::as_str)
        .unwrap_or("pg-basebackup")
        .to_string();
    let phase = backup
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let reason = backup
        .pointer("/status/failureReason")
        .and_then(Value::as_str)
        .unwrap_or("the backup job failed")
        .to_string();
    let at = |ms: i64| s + Duration::milliseconds(ms);
    let boot = vec![
        (
            0,
            format!("INFO: {} backup method {method}: starting", glog(at(0))),
        ),
        (
            120,
            "pg_basebackup: initiating base backup, waiting for checkpoint to complete".to_string(),
        ),
        (2300, "pg_basebackup: checkpoint completed".to_string()),
        (
            2310,
            "pg_basebackup: write-ahead log start point: 0/6000028 on timeline 3".to_string(),
        ),
        (
            2400,
            "pg_basebackup: starting background WAL receiver".to_string(),
        ),
    ];
    let script = Script::new(s, boot).every(5_000, |k, _| {
        format!("{} kB copied ({}%)", k * 81_920, (k * 7).min(99))
    });
    let last = if phase == "Failed" || run.crashed {
        vec![
            (0, format!("pg_basebackup: error: {reason}")),
            (
                10,
                "pg_basebackup: removing contents of data directory \"/backupdata\"".to_string(),
            ),
            (
                20,
                format!(
                    "ERROR: {} backup failed: {reason}",
                    glog(run.end.unwrap_or(s))
                ),
            ),
        ]
    } else {
        vec![
            (
                0,
                "pg_basebackup: write-ahead log end point: 0/6000100".to_string(),
            ),
            (10, "pg_basebackup: base backup completed".to_string()),
            (
                20,
                format!("INFO: {} backup done", glog(run.end.unwrap_or(s))),
            ),
        ]
    };
    finish(script, run, last)
}
