//! The triage list kept up to date event by event must always equal running every rule over the
//! whole model: random sequences of watch events, relists, stream failures and clock ticks over
//! a small fleet, compared after every step; and no verdict is reached on a down stream's data.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use crate::app_fixtures::problems;
use kbdash::k8s::watch::{StreamError, WatchEvent};
use kbdash::state::model::Model;
use kbdash::state::msg::Msg;
use kbdash::update::triage::recompute;
use kbdash::update::update;
use kbdash_core::domain::triage::{Level, Problem};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{
    BackupRow, ClusterRow, Condition, ObjKey, OpsRow, PodRow, Progress, Row, ScheduleEntry,
    ScheduleRow,
};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 5, 9, 0, 0).unwrap()
}

const CLUSTERS: [&str; 2] = ["pg-a", "pg-b"];

fn key(name: &str) -> ObjKey {
    ObjKey::new("demo", name)
}

fn minutes_ago(now: DateTime<Utc>, m: i64) -> Option<DateTime<Utc>> {
    Some(now - Duration::minutes(m))
}

/// One step of a session.
#[derive(Debug, Clone)]
enum Step {
    Cluster {
        c: usize,
        phase: usize,
    },
    Pod {
        i: usize,
        c: usize,
        role: usize,
        ready: bool,
        crash: bool,
        restarts: u32,
    },
    Ops {
        i: usize,
        c: usize,
        phase: usize,
        started_min_ago: i64,
    },
    Backup {
        i: usize,
        c: usize,
        continuous: bool,
        failed: bool,
        end_min_ago: i64,
        method: usize,
    },
    Schedule {
        c: usize,
        method: usize,
        enabled: bool,
    },
    Delete {
        kind: usize,
        i: usize,
    },
    Relist {
        kind: usize,
    },
    StreamDown {
        kind: usize,
    },
    Tick {
        seconds: i64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..2usize, 0..5usize).prop_map(|(c, phase)| Step::Cluster { c, phase }),
        (
            0..6usize,
            0..2usize,
            0..3usize,
            any::<bool>(),
            any::<bool>(),
            0..4u32
        )
            .prop_map(|(i, c, role, ready, crash, restarts)| Step::Pod {
                i,
                c,
                role,
                ready,
                crash,
                restarts
            }),
        (0..4usize, 0..2usize, 0..4usize, 0..30i64).prop_map(|(i, c, phase, started_min_ago)| {
            Step::Ops {
                i,
                c,
                phase,
                started_min_ago,
            }
        }),
        (
            0..5usize,
            0..2usize,
            any::<bool>(),
            any::<bool>(),
            0..40i64,
            0..3usize
        )
            .prop_map(|(i, c, continuous, failed, end_min_ago, method)| {
                Step::Backup {
                    i,
                    c,
                    continuous,
                    failed,
                    end_min_ago,
                    method,
                }
            }),
        (0..2usize, 0..3usize, any::<bool>())
            .prop_map(|(c, method, enabled)| { Step::Schedule { c, method, enabled } }),
        (0..5usize, 0..6usize).prop_map(|(kind, i)| Step::Delete { kind, i }),
        (0..5usize).prop_map(|kind| Step::Relist { kind }),
        (0..5usize).prop_map(|kind| Step::StreamDown { kind }),
        (1..900i64).prop_map(|seconds| Step::Tick { seconds }),
    ]
}

const KINDS: [Kind; 5] = [
    Kind::Cluster,
    Kind::Pod,
    Kind::OpsRequest,
    Kind::Backup,
    Kind::BackupSchedule,
];
const METHODS: [&str; 3] = ["pg-basebackup", "archive-wal", "volume-snapshot"];

fn row(step: &Step, now: DateTime<Utc>) -> Option<Row> {
    Some(match *step {
        Step::Cluster { c, phase } => Row::Cluster(ClusterRow {
            key: key(CLUSTERS[c]),
            phase: ["Running", "Abnormal", "Failed", "Updating", "Stopped"][phase].into(),
            conditions: vec![Condition {
                type_: "Ready".into(),
                status: "False".into(),
                message: "pods not ready".into(),
                last_transition: minutes_ago(now, 3),
                ..Condition::default()
            }],
            ..ClusterRow::default()
        }),
        Step::Pod {
            i,
            c,
            role,
            ready,
            crash,
            restarts,
        } => Row::Pod(PodRow {
            key: key(&format!("pod-{i}")),
            cluster: CLUSTERS[c].into(),
            role: ["primary", "secondary", ""][role].into(),
            ready,
            ready_containers: u32::from(ready),
            containers: 1,
            status: if crash { "CrashLoopBackOff" } else { "Running" }.into(),
            restarts,
            created: minutes_ago(now, 60),
            ..PodRow::default()
        }),
        Step::Ops {
            i,
            c,
            phase,
            started_min_ago,
        } => Row::Ops(OpsRow {
            key: key(&format!("ops-{i}")),
            cluster: CLUSTERS[c].into(),
            op_type: "Switchover".into(),
            phase: ["Running", "Failed", "Succeed", "Aborted"][phase].into(),
            progress: Progress::Counts(0, 1),
            started: minutes_ago(now, started_min_ago),
            created: minutes_ago(now, started_min_ago + 1),
            reason: "timed out".into(),
            ..OpsRow::default()
        }),
        Step::Backup {
            i,
            c,
            continuous,
            failed,
            end_min_ago,
            method,
        } => Row::Backup(BackupRow {
            key: key(&format!("backup-{i}")),
            cluster: CLUSTERS[c].into(),
            backup_type: if continuous { "Continuous" } else { "Full" }.into(),
            method: METHODS[method].into(),
            phase: if failed {
                "Failed"
            } else if continuous {
                "Running"
            } else {
                "Completed"
            }
            .into(),
            created: minutes_ago(now, end_min_ago * 60),
            range_end: minutes_ago(now, end_min_ago),
            ..BackupRow::default()
        }),
        Step::Schedule { c, method, enabled } => Row::Schedule(ScheduleRow {
            key: key(&format!("{}-schedule", CLUSTERS[c])),
            cluster: CLUSTERS[c].into(),
            created: minutes_ago(now, 3000),
            entries: vec![ScheduleEntry {
                method: METHODS[method].into(),
                enabled,
                cron: "0 18 * * *".into(),
                retention: "7d".into(),
            }],
            ..ScheduleRow::default()
        }),
        _ => return None,
    })
}

fn current_rows(m: &Model, kind: Kind) -> Vec<Row> {
    match kind {
        Kind::Cluster => m.store.clusters.iter().cloned().map(Row::Cluster).collect(),
        Kind::Pod => m.store.pods.iter().cloned().map(Row::Pod).collect(),
        Kind::OpsRequest => m.store.ops.iter().cloned().map(Row::Ops).collect(),
        Kind::Backup => m.store.backups.iter().cloned().map(Row::Backup).collect(),
        _ => m
            .store
            .schedules
            .values()
            .cloned()
            .map(Row::Schedule)
            .collect(),
    }
}

fn watch(m: &mut Model, kind: Kind, event: WatchEvent) {
    let at = m.now;
    update(m, Msg::Watch { kind, at, event });
}

fn run(m: &mut Model, step: &Step) {
    let now = m.now;
    if let Some(row) = row(step, now) {
        watch(m, row.kind(), WatchEvent::Apply(Box::new(row)));
        return;
    }
    match *step {
        Step::Delete { kind, i } => {
            let name = match KINDS[kind] {
                Kind::Cluster => CLUSTERS[i % 2].to_string(),
                Kind::Pod => format!("pod-{i}"),
                Kind::OpsRequest => format!("ops-{i}"),
                Kind::Backup => format!("backup-{i}"),
                _ => format!("{}-schedule", CLUSTERS[i % 2]),
            };
            watch(m, KINDS[kind], WatchEvent::Delete(key(&name)));
        }
        Step::Relist { kind } => {
            // A relist that drops the first row: deletions seen only through the list.
            let kind = KINDS[kind];
            let rows = current_rows(m, kind);
            watch(m, kind, WatchEvent::Init);
            for r in rows.into_iter().skip(1) {
                watch(m, kind, WatchEvent::InitRow(Box::new(r)));
            }
            watch(m, kind, WatchEvent::InitDone);
        }
        Step::StreamDown { kind } => watch(
            m,
            KINDS[kind],
            WatchEvent::Error(StreamError::Other("connection refused".into())),
        ),
        Step::Tick { seconds } => {
            let t = m.now + Duration::seconds(seconds);
            update(m, Msg::Tick(t));
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn kept_list_equals_a_full_recompute(steps in prop::collection::vec(step(), 1..60)) {
        let mut m = Model::new("test", None, start());
        for s in &steps {
            run(&mut m, s);
            let kept = problems(&m);
            let full = recompute(&m);
            prop_assert_eq!(&kept, &full, "after {:?}", s);
            no_verdict_on_a_down_stream(&m, &kept)?;
        }
    }
}

/// Every problem about a pod, an OpsRequest or a backup that is judged while that kind's stream
/// is down is marked stale: the rules concluded nothing new from data that is not current.
fn no_verdict_on_a_down_stream(m: &Model, found: &[Problem]) -> Result<(), TestCaseError> {
    for p in found {
        let Some(object) = &p.object else {
            continue;
        };
        let reads = match object.kind {
            Kind::Pod | Kind::OpsRequest | Kind::Backup => object.kind,
            _ => continue,
        };
        if m.triage.down.contains_key(&reads) {
            prop_assert_eq!(p.level, Level::Stale, "{:?} while {:?} is down", p, reads);
        }
    }
    Ok(())
}

/// A rule that fires only as time passes (a stuck OpsRequest) appears on a tick with no event,
/// and its "unchanged for" text follows the clock.
#[test]
fn time_alone_brings_a_stuck_request_and_updates_its_age() {
    let mut m = Model::new("test", None, start());
    run(
        &mut m,
        &Step::Ops {
            i: 0,
            c: 0,
            phase: 0,
            started_min_ago: 5,
        },
    );
    assert!(problems(&m).is_empty());
    update(&mut m, Msg::Tick(start() + Duration::minutes(6)));
    let found = problems(&m);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].reason.contains("unchanged for 11 min"),
        "{found:?}"
    );
    update(&mut m, Msg::Tick(start() + Duration::minutes(9)));
    assert!(problems(&m)[0].reason.contains("unchanged for 14 min"));
}
