//! Following a submitted restore until it ends: the new Cluster, its Restore objects
//! (`<cluster>-<comp>-<uid8>-preparedata` / `-postready`) and, for the OpsRequest form, the
//! Restore OpsRequest, read from live objects (docs/kubeblocks.md#restore-progress: the OpsRequest succeeds
//! when the new Cluster is Running and fails when the Cluster is Failed or a Restore CR failed).
//!
//! Pure: the dashboard passes the objects its watches hold and shows the outcome.

use serde_json::Value;

/// Where a restore stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreOutcome {
    /// Still going; the text says what is happening, e.g.
    /// `cluster Creating · pg-cluster-pitr-postgresql-9c4d7e21-preparedata Running (prepareData-1 Processing)`.
    InProgress(String),
    /// The new cluster is Running.
    Running,
    /// It failed; the text is the operator's message where there is one.
    Failed(String),
}

impl RestoreOutcome {
    /// Whether following can stop.
    pub fn is_final(&self) -> bool {
        !matches!(self, RestoreOutcome::InProgress(_))
    }
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The Restore objects of cluster `namespace/cluster` (label `app.kubernetes.io/instance`),
/// ordered by name.
pub fn restores_of<'a>(restores: &'a [Value], namespace: &str, cluster: &str) -> Vec<&'a Value> {
    let mut out: Vec<&Value> = restores
        .iter()
        .filter(|r| {
            text(r, "/metadata/namespace") == namespace
                && text(r, "/metadata/labels/app.kubernetes.io~1instance") == cluster
        })
        .collect();
    out.sort_by_key(|r| text(r, "/metadata/name").to_string());
    out
}

/// The message of a failed object: its `Failed`-ish or `False` condition's message, else
/// a failed action's message.
fn failure_message(obj: &Value) -> Option<String> {
    let conditions = obj.pointer("/status/conditions").and_then(Value::as_array);
    let condition = conditions.into_iter().flatten().find(|c| {
        text(c, "/type") == "Failed"
            || (text(c, "/status") == "False" && !text(c, "/message").is_empty())
    });
    if let Some(c) = condition {
        return Some(text(c, "/message").to_string());
    }
    obj.pointer("/status/actions")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|stages| stages.values())
        .filter_map(Value::as_array)
        .flatten()
        .find(|a| text(a, "/status") == "Failed")
        .map(|a| text(a, "/message").to_string())
}

/// The latest action of a Restore that is not Completed, as `name status`.
fn current_action(restore: &Value) -> Option<String> {
    restore
        .pointer("/status/actions")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|stages| stages.values())
        .filter_map(Value::as_array)
        .flatten()
        .find(|a| text(a, "/status") != "Completed")
        .map(|a| format!("{} {}", text(a, "/name"), text(a, "/status")))
}

/// Where the restore of the new cluster stands, from the Cluster (`None` until it exists),
/// its Restore objects (see [`restores_of`]) and the Restore OpsRequest if one was sent.
pub fn follow(cluster: Option<&Value>, restores: &[&Value], ops: Option<&Value>) -> RestoreOutcome {
    if let Some(ops) = ops {
        let phase = text(ops, "/status/phase");
        if matches!(phase, "Failed" | "Aborted" | "Cancelled") {
            let why = failure_message(ops).unwrap_or_default();
            return RestoreOutcome::Failed(format!(
                "OpsRequest {} {phase}{}",
                text(ops, "/metadata/name"),
                if why.is_empty() {
                    String::new()
                } else {
                    format!(": {why}")
                }
            ));
        }
    }
    for r in restores {
        if text(r, "/status/phase") == "Failed" {
            let why = failure_message(r).unwrap_or_else(|| "failed".to_string());
            return RestoreOutcome::Failed(format!(
                "restore {} failed: {why}",
                text(r, "/metadata/name")
            ));
        }
    }
    let cluster_phase = cluster.map(|c| text(c, "/status/phase"));
    match cluster_phase {
        Some("Running") => return RestoreOutcome::Running,
        Some("Failed") => {
            let name = cluster.map_or("", |c| text(c, "/metadata/name"));
            return RestoreOutcome::Failed(format!("cluster {name} is Failed"));
        }
        _ => {}
    }
    let mut parts = vec![match cluster_phase {
        None => "cluster not created yet".to_string(),
        Some("") => "cluster has no phase yet".to_string(),
        Some(p) => format!("cluster {p}"),
    }];
    for r in restores {
        let phase = text(r, "/status/phase");
        let mut part = format!(
            "{} {}",
            text(r, "/metadata/name"),
            if phase.is_empty() { "Pending" } else { phase }
        );
        if let Some(action) = current_action(r) {
            part.push_str(&format!(" ({action})"));
        }
        parts.push(part);
    }
    RestoreOutcome::InProgress(parts.join(" · "))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fixture(text: &str) -> Value {
        serde_yaml_ng::from_str(text).unwrap()
    }

    #[test]
    fn a_restore_in_progress_says_what_it_is_doing() {
        let cluster = fixture(include_str!(
            "../../../../tests/fixtures/kubeblocks/cluster-restore-from-backup-pitr.yaml"
        ));
        let restore = fixture(include_str!(
            "../../../../tests/fixtures/kubeblocks/restore-preparedata-pitr.yaml"
        ));
        let all = [restore.clone()];
        let mine = restores_of(&all, "demo", "pg-cluster-pitr");
        assert_eq!(mine.len(), 1);
        assert!(restores_of(&all, "demo", "other").is_empty());
        let outcome = follow(Some(&cluster), &mine, None);
        let RestoreOutcome::InProgress(text) = &outcome else {
            panic!("{outcome:?}");
        };
        assert!(text.starts_with("cluster Creating · "), "{text}");
        assert!(
            text.ends_with("-preparedata Running (prepareData-1 Processing)"),
            "{text}"
        );
        assert!(!outcome.is_final());
        assert_eq!(
            follow(None, &[], None),
            RestoreOutcome::InProgress("cluster not created yet".into())
        );
    }

    #[test]
    fn running_and_the_ways_to_fail() {
        let running = json!({"metadata": {"name": "n"}, "status": {"phase": "Running"}});
        assert_eq!(follow(Some(&running), &[], None), RestoreOutcome::Running);
        let failed = json!({"metadata": {"name": "n"}, "status": {"phase": "Failed"}});
        assert_eq!(
            follow(Some(&failed), &[], None),
            RestoreOutcome::Failed("cluster n is Failed".into())
        );
        let restore = json!({"metadata": {"name": "n-postgresql-1234abcd-preparedata"},
            "status": {"phase": "Failed", "actions": {"prepareData": [
                {"name": "prepareData-1", "status": "Failed", "message": "wal-g: no WAL segment"}]}}});
        assert_eq!(
            follow(Some(&running), &[&restore], None),
            RestoreOutcome::Failed(
                "restore n-postgresql-1234abcd-preparedata failed: wal-g: no WAL segment".into()
            )
        );
        let ops = json!({"metadata": {"name": "n"}, "status": {"phase": "Failed", "conditions": [
            {"type": "Validated", "status": "False", "reason": "ValidateFailed",
             "message": "backup b not found in namespace demo"}]}});
        let outcome = follow(None, &[], Some(&ops));
        assert_eq!(
            outcome,
            RestoreOutcome::Failed(
                "OpsRequest n Failed: backup b not found in namespace demo".into()
            )
        );
        assert!(outcome.is_final());
    }
}
