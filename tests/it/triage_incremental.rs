//! The triage list kept up to date event by event must always equal running every rule over the
//! whole model: random sequences of watch events, relists, stream failures and clock ticks over
//! a small fleet, compared after every step; and no verdict is reached on a down stream's data.
//! The fleet has what the rules read: clusters deleting, of another engine, new or with no
//! status, component messages, pods fewer than desired, archivers with and without pods,
//! schedules with status, requests of two types that fail and succeed, times in the future,
//! and the BackupPolicies and ActionSets that type the methods. The user acknowledges problems
//! and shows them again: the kept list and the recompute agree on what is hidden.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use crate::app_fixtures::problems;
use crossterm::event::{KeyCode, KeyEvent};
use kbdash::k8s::watch::{StreamError, WatchEvent};
use kbdash::state::model::{Model, Overlay};
use kbdash::state::msg::Msg;
use kbdash::update::triage::recompute;
use kbdash::update::update;
use kbdash_core::domain::triage::{Level, Problem};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{
    ActionSetRow, BackupRow, ClusterRow, ComponentStatus, Condition, ObjKey, OpsRow, PodRow,
    PolicyMethod, PolicyRow, Progress, Row, ScheduleEntry, ScheduleRow,
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
        /// An index into [`PHASES`]; the last is no status at all.
        phase: usize,
        /// Another engine's cluster.
        other: bool,
        /// Minutes since its deletion was requested, with DoNotTerminate or not.
        deleting: Option<(i64, bool)>,
        message: bool,
        /// Minutes since it was created: new clusters are given time to settle.
        created_min_ago: i64,
        desired: u32,
        /// Its Ready condition is dated in the future.
        future: bool,
    },
    Pod {
        i: usize,
        c: usize,
        role: usize,
        ready: bool,
        crash: bool,
        restarts: u32,
        other: bool,
        /// Created in the future.
        future: bool,
    },
    Ops {
        i: usize,
        c: usize,
        phase: usize,
        started_min_ago: i64,
        /// An index into [`OP_TYPES`]: a failure is made good by a later success of its type.
        op_type: usize,
        /// Created in year 9999.
        future: bool,
    },
    Backup {
        i: usize,
        c: usize,
        continuous: bool,
        failed: bool,
        end_min_ago: i64,
        method: usize,
        /// The archiver's available pods, if the action says.
        pods: Option<u32>,
        /// Its time range ends in the future.
        future: bool,
    },
    /// The user acknowledges the problem at this rank of the list shown, or, in the
    /// acknowledged list, shows it again.
    Acknowledge {
        i: usize,
        listing: bool,
    },
    Schedule {
        c: usize,
        method: usize,
        enabled: bool,
        /// Minutes since the entry's last success, if recorded.
        success_min_ago: Option<i64>,
        failed: bool,
    },
    Policy {
        c: usize,
    },
    ActionSet {
        i: usize,
        backup_type: usize,
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
        (
            (
                0..2usize,
                0..PHASES.len(),
                prop::bool::weighted(0.2),
                prop::option::weighted(0.3, (0..40i64, any::<bool>())),
                any::<bool>()
            ),
            (0..30i64, 0..4u32, prop::bool::weighted(0.1))
        )
            .prop_map(
                |((c, phase, other, deleting, message), (created_min_ago, desired, future))| {
                    Step::Cluster {
                        c,
                        phase,
                        other,
                        deleting,
                        message,
                        created_min_ago,
                        desired,
                        future,
                    }
                }
            ),
        (
            (
                0..6usize,
                0..2usize,
                0..3usize,
                any::<bool>(),
                any::<bool>(),
                0..4u32,
                prop::bool::weighted(0.2)
            ),
            prop::bool::weighted(0.1)
        )
            .prop_map(|((i, c, role, ready, crash, restarts, other), future)| {
                Step::Pod {
                    i,
                    c,
                    role,
                    ready,
                    crash,
                    restarts,
                    other,
                    future,
                }
            }),
        (
            0..4usize,
            0..2usize,
            0..4usize,
            0..30i64,
            0..OP_TYPES.len(),
            prop::bool::weighted(0.1)
        )
            .prop_map(|(i, c, phase, started_min_ago, op_type, future)| {
                Step::Ops {
                    i,
                    c,
                    phase,
                    started_min_ago,
                    op_type,
                    future,
                }
            }),
        (
            (
                0..5usize,
                0..2usize,
                any::<bool>(),
                any::<bool>(),
                0..40i64,
                0..METHODS.len(),
                prop::option::of(0..2u32)
            ),
            prop::bool::weighted(0.1)
        )
            .prop_map(
                |((i, c, continuous, failed, end_min_ago, method, pods), future)| {
                    Step::Backup {
                        i,
                        c,
                        continuous,
                        failed,
                        end_min_ago,
                        method,
                        pods,
                        future,
                    }
                }
            ),
        (0..4usize, prop::bool::weighted(0.3))
            .prop_map(|(i, listing)| Step::Acknowledge { i, listing }),
        (
            0..2usize,
            0..METHODS.len(),
            any::<bool>(),
            prop::option::of(0..5000i64),
            prop::bool::weighted(0.2)
        )
            .prop_map(|(c, method, enabled, success_min_ago, failed)| {
                Step::Schedule {
                    c,
                    method,
                    enabled,
                    success_min_ago,
                    failed,
                }
            }),
        (0..2usize).prop_map(|c| Step::Policy { c }),
        (0..ACTION_SETS.len(), 0..3usize)
            .prop_map(|(i, backup_type)| Step::ActionSet { i, backup_type }),
        (0..KINDS.len(), 0..6usize).prop_map(|(kind, i)| Step::Delete { kind, i }),
        (0..KINDS.len()).prop_map(|kind| Step::Relist { kind }),
        (0..KINDS.len()).prop_map(|kind| Step::StreamDown { kind }),
        (1..900i64).prop_map(|seconds| Step::Tick { seconds }),
    ]
}

const KINDS: [Kind; 7] = [
    Kind::Cluster,
    Kind::Pod,
    Kind::OpsRequest,
    Kind::Backup,
    Kind::BackupSchedule,
    Kind::BackupPolicy,
    Kind::ActionSet,
];
/// Cluster phases; the last, empty, is a cluster with no status at all.
const PHASES: [&str; 6] = ["Running", "Abnormal", "Failed", "Updating", "Stopped", ""];
const OP_TYPES: [&str; 2] = ["Switchover", "Restart"];
const METHODS: [&str; 5] = [
    "pg-basebackup",
    "archive-wal",
    "volume-snapshot",
    "wal-g",
    "wal-g-archive",
];
/// The ActionSet of each method but the volume snapshot's.
const ACTION_SETS: [&str; 4] = [
    "postgresql-basebackup",
    "postgresql-for-pitr",
    "postgresql-wal-g",
    "postgres-wal-g-pitr",
];

fn action_set_of(method: &str) -> &'static str {
    match method {
        "pg-basebackup" => ACTION_SETS[0],
        "archive-wal" => ACTION_SETS[1],
        "wal-g" => ACTION_SETS[2],
        "wal-g-archive" => ACTION_SETS[3],
        _ => "",
    }
}

fn policy_name(c: usize) -> String {
    format!("{}-policy", CLUSTERS[c])
}

/// A time far in the future.
fn year_9999() -> Option<DateTime<Utc>> {
    Some(Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap())
}

fn row(step: &Step, now: DateTime<Utc>) -> Option<Row> {
    Some(match *step {
        Step::Cluster {
            c,
            phase,
            other,
            deleting,
            message,
            created_min_ago,
            desired,
            future,
        } => Row::Cluster(ClusterRow {
            key: key(CLUSTERS[c]),
            created: minutes_ago(now, created_min_ago),
            desired,
            phase: PHASES[phase].into(),
            conditions: if PHASES[phase].is_empty() {
                Vec::new()
            } else {
                vec![Condition {
                    type_: "Ready".into(),
                    status: "False".into(),
                    message: "pods not ready".into(),
                    last_transition: if future {
                        minutes_ago(now, -20)
                    } else {
                        minutes_ago(now, 3)
                    },
                    ..Condition::default()
                }]
            },
            components: if PHASES[phase].is_empty() {
                Vec::new()
            } else {
                vec![ComponentStatus {
                    name: "postgresql".into(),
                    phase: if phase == 0 { "Running" } else { "Failed" }.into(),
                    message: if message {
                        "InstanceSet/x: Role probe timeout, check whether the application is \
                         available"
                            .into()
                    } else {
                        String::new()
                    },
                }]
            },
            deleting: deleting.and_then(|(m, _)| minutes_ago(now, m)),
            termination_policy: match deleting {
                Some((_, true)) => "DoNotTerminate",
                _ => "Delete",
            }
            .into(),
            other_engine: other,
            ..ClusterRow::default()
        }),
        Step::Pod {
            i,
            c,
            role,
            ready,
            crash,
            restarts,
            other,
            future,
        } => Row::Pod(PodRow {
            key: key(&format!("pod-{i}")),
            cluster: CLUSTERS[c].into(),
            role: ["primary", "secondary", ""][role].into(),
            ready,
            ready_containers: u32::from(ready),
            containers: 1,
            status: if crash { "CrashLoopBackOff" } else { "Running" }.into(),
            restarts,
            created: if future {
                year_9999()
            } else {
                minutes_ago(now, 60)
            },
            other_engine: other,
            ..PodRow::default()
        }),
        Step::Ops {
            i,
            c,
            phase,
            started_min_ago,
            op_type,
            future,
        } => Row::Ops(OpsRow {
            key: key(&format!("ops-{i}")),
            cluster: CLUSTERS[c].into(),
            op_type: OP_TYPES[op_type].into(),
            phase: ["Running", "Failed", "Succeed", "Aborted"][phase].into(),
            progress: Progress::Counts(0, 1),
            started: minutes_ago(now, started_min_ago),
            created: if future {
                year_9999()
            } else {
                minutes_ago(now, started_min_ago + 1)
            },
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
            pods,
            future,
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
            completed: minutes_ago(now, end_min_ago),
            range_start: minutes_ago(now, end_min_ago * 60),
            range_end: if future {
                minutes_ago(now, -30)
            } else {
                minutes_ago(now, end_min_ago)
            },
            archiver_pods: pods,
            ..BackupRow::default()
        }),
        Step::Schedule {
            c,
            method,
            enabled,
            success_min_ago,
            failed,
        } => Row::Schedule(ScheduleRow {
            key: key(&format!("{}-schedule", CLUSTERS[c])),
            cluster: CLUSTERS[c].into(),
            policy: policy_name(c).into(),
            created: minutes_ago(now, 3000),
            phase: if failed { "Failed" } else { "Available" }.into(),
            failure_reason: if failed {
                "no such method".into()
            } else {
                String::new()
            },
            entries: vec![ScheduleEntry {
                name: METHODS[method].into(),
                method: METHODS[method].into(),
                enabled,
                cron: "0 18 * * *".into(),
                retention: "7d".into(),
                last_success: success_min_ago.and_then(|m| minutes_ago(now, m)),
                ..ScheduleEntry::default()
            }],
        }),
        Step::Policy { c } => Row::Policy(PolicyRow::new(
            key(&policy_name(c)),
            CLUSTERS[c].into(),
            METHODS.iter().map(|m| PolicyMethod {
                name: m,
                action_set: action_set_of(m),
                snapshot_volumes: action_set_of(m).is_empty(),
            }),
        )),
        Step::ActionSet { i, backup_type } => Row::ActionSet(ActionSetRow {
            key: ObjKey::new("", ACTION_SETS[i]),
            backup_type: ["Full", "Continuous", "Incremental"][backup_type].into(),
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
        Kind::BackupPolicy => m
            .store
            .policies
            .values()
            .cloned()
            .map(Row::Policy)
            .collect(),
        Kind::ActionSet => m
            .store
            .action_sets
            .values()
            .cloned()
            .map(Row::ActionSet)
            .collect(),
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
    update(
        m,
        Msg::Watch {
            ctx: kbdash_core::rows::Ctx(0),
            kind,
            at,
            event,
        },
    );
}

fn run(m: &mut Model, step: &Step) {
    let now = m.now;
    if let Some(row) = row(step, now) {
        watch(m, row.kind(), WatchEvent::Apply(Box::new(row)));
        return;
    }
    match *step {
        Step::Delete { kind, i } => {
            let target = match KINDS[kind] {
                Kind::Cluster => key(CLUSTERS[i % 2]),
                Kind::Pod => key(&format!("pod-{i}")),
                Kind::OpsRequest => key(&format!("ops-{i}")),
                Kind::Backup => key(&format!("backup-{i}")),
                Kind::BackupPolicy => key(&policy_name(i % 2)),
                Kind::ActionSet => ObjKey::new("", ACTION_SETS[i % ACTION_SETS.len()]),
                _ => key(&format!("{}-schedule", CLUSTERS[i % 2])),
            };
            watch(m, KINDS[kind], WatchEvent::Delete(target));
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
        Step::Acknowledge { i, listing } => {
            m.overlay = Overlay::Triage { selected: i };
            m.triage.listing_acknowledged = listing;
            update(m, Msg::Key(KeyEvent::from(KeyCode::Char('a'))));
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
            let hidden: Vec<Problem> = m.triage.problems.acknowledged().cloned().collect();
            let (full, full_hidden) = recompute(&m);
            prop_assert_eq!(&kept, &full, "after {:?}", s);
            prop_assert_eq!(&hidden, &full_hidden, "acknowledged, after {:?}", s);
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
        if m.triage
            .down
            .get(&kbdash_core::rows::Ctx(0))
            .is_some_and(|d| d.contains_key(&reads))
        {
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
            op_type: 0,
            future: false,
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
