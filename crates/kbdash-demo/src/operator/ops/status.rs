//! The OpsRequest status vocabulary: conditions, progress details and their exact messages
//! (docs/kubeblocks.md#ops-lifecycle and the `opsrequest-*.yaml` fixtures). Pure: the seed's history and the
//! live operator write the same shapes.

use serde_json::{Value, json};

use crate::operator::objects::condition;

/// `WaitForProgressing`, the condition a new OpsRequest gets.
pub(crate) fn waiting(op: &str, cluster: &str, at: &str) -> Value {
    condition(
        "WaitForProgressing",
        true,
        "WaitForProgressing",
        &format!("wait for the controller to process the OpsRequest: {op} in Cluster: {cluster}"),
        at,
    )
}

/// `Validated=True`.
pub(crate) fn validated(op: &str, at: &str) -> Value {
    condition(
        "Validated",
        true,
        "ValidateOpsRequestPassed",
        &format!("OpsRequest: {op} is validated"),
        at,
    )
}

/// `Validated=False` with a reason (`ValidateFailed`, `ClusterNotFound`).
pub(crate) fn validate_failed(reason: &str, message: &str, at: &str) -> Value {
    condition("Validated", false, reason, message, at)
}

/// `Succeed`.
pub(crate) fn succeed(op: &str, cluster: &str, at: &str) -> Value {
    condition(
        "Succeed",
        true,
        "OpsRequestProcessedSuccessfully",
        &format!("Successfully processed the OpsRequest: {op} in Cluster: {cluster}"),
        at,
    )
}

/// `Failed` with the error text.
pub(crate) fn failed(message: &str, at: &str) -> Value {
    condition("Failed", false, "OpsRequestFailed", message, at)
}

/// `Failed` without an error object: the operator's generic text, which only points at
/// `status.components` (docs/kubeblocks.md#failure-causes).
pub(crate) fn failed_see_components(op: &str, cluster: &str, at: &str) -> Value {
    failed(
        &format!(
            "Failed to process OpsRequest: {op} in cluster: {cluster}, more detailed information in status.components"
        ),
        at,
    )
}

/// `Aborted`, for an op that ran past its timeout.
pub(crate) fn aborted(message: &str, at: &str) -> Value {
    condition("Aborted", true, "OpsRequestAborted", message, at)
}

/// The type-specific condition set when an OpsRequest starts (type, reason, message).
pub(crate) fn started(op_type: &str, cluster: &str, at: &str) -> Value {
    let (kind, reason, message) = match op_type {
        "Restart" => (
            "Restarting",
            "RestartStarted",
            format!("Start to restart database in Cluster: {cluster}"),
        ),
        "VerticalScaling" => (
            "VerticalScaling",
            "VerticalScalingStarted",
            format!("Start to vertical scale resources in Cluster: {cluster}"),
        ),
        "HorizontalScaling" => (
            "HorizontalScaling",
            "HorizontalScalingStarted",
            format!("Start to horizontal scale replicas in Cluster: {cluster}"),
        ),
        "VolumeExpansion" => (
            "VolumeExpanding",
            "VolumeExpansionStarted",
            format!("Start to expand the volumes in Cluster: {cluster}"),
        ),
        "Reconfiguring" => (
            "Reconfigure",
            "ReconfigureStarted",
            format!("Start to reconfigure in Cluster: {cluster}, Component: postgresql"),
        ),
        "Switchover" => ("Switchover", "SwitchoverStarted", String::new()),
        "Stop" => (
            "Stopping",
            "StopStarted",
            format!("Start to stop the Cluster: {cluster}"),
        ),
        "Start" => (
            "Starting",
            "StartCluster",
            format!("Start the Cluster: {cluster}"),
        ),
        "Upgrade" => (
            "VersionUpgrading",
            "VersionUpgradeStarted",
            format!("Start to upgrade the version in Cluster: {cluster}"),
        ),
        "Expose" => (
            "Exposing",
            "ExposeStarted",
            format!("Start to expose the services in Cluster: {cluster}"),
        ),
        "Restore" => (
            "Backup",
            "RestoreStarted",
            format!("Start to restore the Cluster: {cluster}"),
        ),
        "Backup" => (
            "Backup",
            "BackupStarted",
            format!("Start to backup the Cluster: {cluster}"),
        ),
        other => (
            "CustomOperation",
            "CustomOperationStarted",
            format!("Start to {other} in Cluster: {cluster}"),
        ),
    };
    condition(kind, true, reason, &message, at)
}

/// How a pod-level step of an op is worded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PodVerb {
    Restart,
    VerticalScale,
    Upgrade,
    Create,
    Delete,
}

impl PodVerb {
    /// The pod verb of an op type that rolls pods.
    pub(crate) fn rolling(op_type: &str) -> PodVerb {
        match op_type {
            "VerticalScaling" => PodVerb::VerticalScale,
            "Upgrade" => PodVerb::Upgrade,
            _ => PodVerb::Restart,
        }
    }

    fn word(self) -> &'static str {
        match self {
            PodVerb::Restart => "restart",
            PodVerb::VerticalScale => "vertical scale",
            PodVerb::Upgrade => "upgrade",
            PodVerb::Create => "create",
            PodVerb::Delete => "delete",
        }
    }
}

/// A progress detail for a pod: `Processing` when `end` is None, else `Succeed`.
pub(crate) fn pod_detail(
    verb: PodVerb,
    pod: &str,
    comp: &str,
    start: &str,
    end: Option<&str>,
) -> Value {
    let word = verb.word();
    let mut d = match verb {
        PodVerb::Create | PodVerb::Delete => {
            let group = if verb == PodVerb::Create {
                "Create"
            } else {
                "Delete"
            };
            let message = match end {
                None => format!("Start to {word} \"Pod/{pod}\" in Component: {comp}"),
                Some(_) => format!("Successfully {word} \"Pod/{pod}\" in Component: {comp}"),
            };
            json!({"group": format!("{comp}/{group}"), "objectKey": format!("Pod/{pod}"), "message": message})
        }
        _ => {
            let message = match end {
                None => format!("Start to {word}: Pod/{pod} in Component: {comp}"),
                Some(_) => format!("Successfully {word}: Pod/{pod} in Component: {comp}"),
            };
            json!({"objectKey": format!("Pod/{pod}"), "message": message})
        }
    };
    finish(&mut d, start, end);
    d
}

/// A failed progress detail for a pod of a rolling op, with the cause the operator appends.
pub(crate) fn pod_detail_failed(
    verb: PodVerb,
    pod: &str,
    comp: &str,
    cause: &str,
    start: &str,
    end: &str,
) -> Value {
    json!({
        "objectKey": format!("Pod/{pod}"),
        "status": "Failed",
        "message": format!("Failed to {}: Pod/{pod} in Component: {comp}, message: {cause}", verb.word()),
        "startTime": start,
        "endTime": end,
    })
}

/// A progress detail for a PVC being expanded.
pub(crate) fn pvc_detail(
    vct: &str,
    pvc: &str,
    comp: &str,
    start: &str,
    end: Option<&str>,
) -> Value {
    let message = match end {
        None => format!("Start expanding volume: PVC/{pvc} in component: {comp}"),
        Some(_) => format!("Successfully expand volume: PVC/{pvc} in component: {comp}"),
    };
    let mut d = json!({"group": vct, "objectKey": format!("PVC/{pvc}"), "message": message});
    finish(&mut d, start, end);
    d
}

/// The switchover progress detail; `group` is the role the instance had when it started.
pub(crate) fn switchover_detail(group: &str, comp: &str, start: &str, end: Option<&str>) -> Value {
    let message = if end.is_some() {
        "do switchover succeed"
    } else {
        "doing switchover"
    };
    let mut d =
        json!({"group": group, "objectKey": format!("Switchover/{comp}"), "message": message});
    finish(&mut d, start, end);
    d
}

fn finish(d: &mut Value, start: &str, end: Option<&str>) {
    d["status"] = if end.is_some() {
        "Succeed"
    } else {
        "Processing"
    }
    .into();
    d["startTime"] = start.into();
    if let Some(end) = end {
        d["endTime"] = end.into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_the_fixtures() {
        let d = pod_detail(PodVerb::Restart, "p-1", "postgresql", "a", Some("b"));
        assert_eq!(
            d["message"],
            "Successfully restart: Pod/p-1 in Component: postgresql"
        );
        assert_eq!(d["status"], "Succeed");
        let d = pod_detail(PodVerb::Create, "p-2", "postgresql", "a", None);
        assert_eq!(d["group"], "postgresql/Create");
        assert_eq!(
            d["message"],
            "Start to create \"Pod/p-2\" in Component: postgresql"
        );
        assert!(d.get("endTime").is_none());
        let c = started("Start", "pg", "t");
        assert_eq!(
            (c["type"].as_str(), c["reason"].as_str()),
            (Some("Starting"), Some("StartCluster"))
        );
    }
}
