//! What proves a triage problem, and what usually fixes it: which container's last lines to
//! show (kbagent for a role problem, the crashed postgresql container for a crash loop, the
//! backup job's `backupdata` for a failed backup; docs/kubeblocks.md#logs,
//! docs/kubeblocks.md#backup-jobs), and the operation that is the usual remedy (a Restart to
//! finish a restart that did not, a Backup for an overdue full backup, a Switchover when the
//! primary's pod is failing). Pure: the caller gives the rows the problem is about.

use crate::forms::OpKind;
use crate::rows::{BackupRow, ClusterRow, OpsRow, PodRow};

/// How many lines of the container's log the evidence shows.
pub const TAIL_LINES: u32 = 20;

/// Which pod's log: one by name, or the job pod of a backup (found by its label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogPod {
    /// The pod of this name.
    Named(String),
    /// The job pod labelled `dataprotection.kubeblocks.io/backup-name=<backup>`.
    BackupJob(String),
}

/// The log lines to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPlan {
    /// Whose.
    pub pod: LogPod,
    /// The container.
    pub container: String,
    /// The previous (crashed) instance of the container.
    pub previous: bool,
}

/// A problem's evidence and remedy, as far as the rows tell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// The log to show, if one is the evidence.
    pub log: Option<LogPlan>,
    /// The operation that usually fixes it.
    pub remedy: Option<OpKind>,
}

/// The rows a problem is about.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    /// The problem's pod, if it is about one.
    pub pod: Option<&'a PodRow>,
    /// The problem's cluster (or the cluster of its object).
    pub cluster: Option<&'a ClusterRow>,
    /// The cluster's primary pod, else its first pod: whose kbagent reports roles.
    pub primary: Option<&'a PodRow>,
    /// The problem's backup, if it is about one.
    pub backup: Option<&'a BackupRow>,
    /// The problem's OpsRequest, if it is about one.
    pub op: Option<&'a OpsRow>,
}

/// The plan for a problem whose line says `reason`.
pub fn plan(reason: &str, s: Subject<'_>) -> Plan {
    if let Some(pod) = s.pod {
        let crashing = pod.status.contains("CrashLoopBackOff") || reason.contains("restarts");
        let log = LogPlan {
            pod: LogPod::Named(pod.key.name.to_string()),
            container: "postgresql".into(),
            previous: crashing,
        };
        let remedy = (pod.is_primary() && (crashing || !pod.ready)).then_some(OpKind::Switchover);
        return Plan {
            log: Some(log),
            remedy,
        };
    }
    if let Some(b) = s.backup {
        let log = (b.phase == "Failed" && !b.is_continuous()).then(|| LogPlan {
            pod: LogPod::BackupJob(b.key.name.to_string()),
            container: "backupdata".into(),
            previous: false,
        });
        return Plan { log, remedy: None };
    }
    if let Some(op) = s.op {
        let remedy = (op.op_type == "Restart" && op.phase != "Succeed").then_some(OpKind::Restart);
        return Plan { log: None, remedy };
    }
    let role_problem = reason.contains("primar")
        || reason.contains("role")
        || s.cluster.is_some_and(|c| {
            c.components
                .iter()
                .any(|x| x.phase != "Running" && x.message.contains("Role probe"))
        });
    let log = role_problem
        .then_some(s.primary)
        .flatten()
        .map(|p| LogPlan {
            pod: LogPod::Named(p.key.name.to_string()),
            container: "kbagent".into(),
            previous: false,
        });
    // The schedule rule's words for an overdue full backup (`triage::schedule_entry`).
    let remedy = reason.contains("was due by").then_some(OpKind::Backup);
    Plan { log, remedy }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::{Atom, ComponentStatus, ObjKey};

    fn pod(name: &str, role: &str, status: &str, ready: bool) -> PodRow {
        PodRow {
            key: ObjKey::new("n", name),
            role: Atom::new(role),
            status: Atom::new(status),
            ready,
            ..PodRow::default()
        }
    }

    #[test]
    fn a_crash_looping_primary_shows_its_previous_postgresql_and_offers_a_switchover() {
        let p = pod("pg-0", "primary", "CrashLoopBackOff", false);
        let plan = plan(
            "CrashLoopBackOff (6 restarts)",
            Subject {
                pod: Some(&p),
                ..Subject::default()
            },
        );
        assert_eq!(
            plan.log,
            Some(LogPlan {
                pod: LogPod::Named("pg-0".into()),
                container: "postgresql".into(),
                previous: true
            })
        );
        assert_eq!(plan.remedy, Some(OpKind::Switchover));
        let s = pod("pg-1", "secondary", "CrashLoopBackOff", false);
        let plan = super::plan(
            "x",
            Subject {
                pod: Some(&s),
                ..Subject::default()
            },
        );
        assert_eq!(plan.remedy, None, "a secondary's crash needs no switchover");
    }

    #[test]
    fn a_role_problem_shows_the_primarys_kbagent_and_an_overdue_backup_offers_a_backup() {
        let c = ClusterRow {
            components: vec![ComponentStatus {
                name: Atom::new("postgresql"),
                phase: Atom::new("Failed"),
                message: "InstanceSet/pg-postgresql: Role probe timeout".into(),
            }],
            ..ClusterRow::default()
        };
        let p = pod("pg-0", "primary", "Running", true);
        let s = Subject {
            cluster: Some(&c),
            primary: Some(&p),
            ..Subject::default()
        };
        let log = plan("cluster is Failed", s).log.unwrap();
        assert_eq!(
            (log.container.as_str(), log.pod),
            ("kbagent", LogPod::Named("pg-0".into()))
        );
        let due = "last successful pg-basebackup backup at 2025-06-01 02:00; `0 2 * * *` runs every 1d, so one was due by 2025-06-03 03:00";
        let s = Subject {
            primary: Some(&p),
            ..Subject::default()
        };
        assert_eq!(
            plan(due, s),
            Plan {
                log: None,
                remedy: Some(OpKind::Backup)
            }
        );
    }

    #[test]
    fn a_failed_backup_shows_its_jobs_backupdata_and_an_unfinished_restart_offers_a_restart() {
        let b = BackupRow {
            key: ObjKey::new("n", "b1"),
            phase: Atom::new("Failed"),
            ..BackupRow::default()
        };
        let log = plan(
            "last pg-basebackup backup Failed",
            Subject {
                backup: Some(&b),
                ..Subject::default()
            },
        )
        .log;
        assert_eq!(
            log.map(|l| (l.pod, l.container)),
            Some((LogPod::BackupJob("b1".into()), "backupdata".into()))
        );
        let op = OpsRow {
            op_type: Atom::new("Restart"),
            phase: Atom::new("Failed"),
            ..OpsRow::default()
        };
        let plan = plan(
            "Restart Failed",
            Subject {
                op: Some(&op),
                ..Subject::default()
            },
        );
        assert_eq!(plan.remedy, Some(OpKind::Restart));
    }
}
