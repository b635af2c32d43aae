//! When a submitted restore is over, read from the rows of the new Cluster and, for the
//! OpsRequest form, of the Restore OpsRequest, as the operator decides it
//! (docs/kubeblocks.md#restore-progress: the op succeeds when the new Cluster is Running and
//! fails when the Cluster is deleted, or Failed with its Restore objects done or failed).
//!
//! The op's own end is the operator's verdict on the Restore objects, so they need not be read
//! here; a restore sent as a Cluster (no op) ends with the Cluster's phase. One rule for the
//! dashboard, which follows a restore it submitted, and for the demo's end-to-end tests.

use crate::rows::{ClusterRow, OpsRow};

/// Where a restore stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreOutcome {
    /// Still going.
    InProgress,
    /// The new cluster is Running.
    Running,
    /// It failed; the text is why, beyond the new cluster's own Failed phase (the op that
    /// ended, with the operator's message), and empty when the Cluster's phase says it all.
    Failed(String),
}

impl RestoreOutcome {
    /// Whether following can stop.
    pub fn is_final(&self) -> bool {
        !matches!(self, RestoreOutcome::InProgress)
    }
}

/// Where the restore of the new cluster stands, from its row (`None` until it exists) and the
/// row of the Restore OpsRequest when the restore was sent as one.
pub fn follow(cluster: Option<&ClusterRow>, ops: Option<&OpsRow>) -> RestoreOutcome {
    if let Some(ops) = ops
        && ops.is_finished()
        && ops.phase != "Succeed"
    {
        let why = if ops.reason.is_empty() {
            String::new()
        } else {
            format!(": {}", ops.reason)
        };
        return RestoreOutcome::Failed(format!("OpsRequest {} {}{why}", ops.key, ops.phase));
    }
    match cluster.map(|c| c.phase.as_str()) {
        Some("Running") => RestoreOutcome::Running,
        Some("Failed") => RestoreOutcome::Failed(String::new()),
        _ => RestoreOutcome::InProgress,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fixture(text: &str) -> serde_json::Value {
        serde_yaml_ng::from_str(text).unwrap()
    }

    fn cluster(phase: &str) -> ClusterRow {
        ClusterRow::from_value(&json!({"metadata": {"name": "n", "namespace": "demo"},
            "status": {"phase": phase}}))
    }

    #[test]
    fn a_restore_in_progress_is_followed_on() {
        let creating = ClusterRow::from_value(&fixture(include_str!(
            "../../../../tests/fixtures/kubeblocks/cluster-restore-from-backup-pitr.yaml"
        )));
        assert_eq!(creating.phase, "Creating");
        let outcome = follow(Some(&creating), None);
        assert_eq!(outcome, RestoreOutcome::InProgress);
        assert!(!outcome.is_final());
        assert_eq!(follow(None, None), RestoreOutcome::InProgress);
        let running_op =
            OpsRow::from_value(&json!({"metadata": {"name": "n", "namespace": "demo"},
            "spec": {"type": "Restore"}, "status": {"phase": "Running"}}));
        assert_eq!(follow(None, Some(&running_op)), RestoreOutcome::InProgress);
    }

    #[test]
    fn running_and_the_ways_to_fail() {
        assert_eq!(
            follow(Some(&cluster("Running")), None),
            RestoreOutcome::Running
        );
        assert_eq!(
            follow(Some(&cluster("Failed")), None),
            RestoreOutcome::Failed(String::new())
        );
        let ops = OpsRow::from_value(&json!({"metadata": {"name": "n", "namespace": "demo"},
            "status": {"phase": "Failed", "conditions": [
            {"type": "Validated", "status": "False", "reason": "ValidateFailed",
             "message": "backup b not found in namespace demo"}]}}));
        let outcome = follow(None, Some(&ops));
        assert_eq!(
            outcome,
            RestoreOutcome::Failed(
                "OpsRequest demo/n Failed: backup b not found in namespace demo".into()
            )
        );
        assert!(outcome.is_final());
        // The op's end wins over a cluster still being created.
        assert_eq!(follow(Some(&cluster("Creating")), Some(&ops)), outcome);
        let succeeded = OpsRow::from_value(&json!({"metadata": {"name": "n", "namespace": "demo"},
            "status": {"phase": "Succeed"}}));
        assert_eq!(
            follow(Some(&cluster("Running")), Some(&succeeded)),
            RestoreOutcome::Running
        );
    }
}
