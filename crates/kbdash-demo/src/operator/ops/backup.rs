//! OpsRequest type Backup: creates the Backup and follows it to Completed (or Running, for a
//! continuous method).

use serde_json::{Value, json};

use super::{Op, OpError};
use crate::operator::backups::is_continuous;
use crate::operator::ctx::Ctx;
use crate::operator::objects as obj;
use kbdash_core::kinds::Kind;

/// Simulated seconds the op waits for its backup, at most.
const BACKUP_TIMEOUT_SECS: u64 = 3600;

pub(super) async fn run(ctx: &Ctx, op: &Op) -> Result<(), OpError> {
    let spec = op.spec.get("backup").cloned().unwrap_or(Value::Null);
    let text = |k: &str| {
        spec.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let method = text("backupMethod").unwrap_or_else(|| "pg-basebackup".to_string());
    let name = text("backupName").unwrap_or_else(|| {
        format!(
            "backup-{}-{}-{}",
            op.key.ns,
            op.cluster.name,
            ctx.store.now().format("%Y%m%d%H%M%S")
        )
    });
    let backup = json!({
        "apiVersion": "dataprotection.kubeblocks.io/v1alpha1",
        "kind": "Backup",
        "metadata": {
            "name": name,
            "namespace": op.key.ns,
            "labels": {
                "app.kubernetes.io/instance": op.cluster.name,
                "operations.kubeblocks.io/ops-name": op.key.name,
            },
        },
        "spec": {
            "backupMethod": method,
            "backupPolicyName": text("backupPolicyName").unwrap_or_else(|| obj::policy_name(&op.cluster.name)),
            "deletionPolicy": text("deletionPolicy").unwrap_or_else(|| "Delete".to_string()),
            "retentionPeriod": text("retentionPeriod").unwrap_or_else(|| "7d".to_string()),
        },
    });
    ctx.store
        .create(Kind::Backup, backup)
        .map_err(|e| OpError::Failed(e.to_string()))?;
    op.running(ctx, None);
    for _ in 0..BACKUP_TIMEOUT_SECS {
        ctx.pause(1.0).await;
        let stored = ctx.store.get_value(Kind::Backup, op.key.ns(), &name);
        let phase = stored.as_ref().and_then(|b| {
            b.pointer("/status/phase")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        match phase.as_deref() {
            Some("Completed") => return Ok(()),
            Some("Running") if stored.as_ref().is_some_and(is_continuous) => return Ok(()),
            Some("Failed") => return Err(OpError::Failed(format!("backup {name} failed"))),
            None if ctx.store.get(Kind::Backup, op.key.ns(), &name).is_none() => {
                return Err(OpError::Failed(format!("backup {name} is deleted")));
            }
            _ => {}
        }
    }
    Err(OpError::Failed(format!(
        "timed out waiting for backup {name}"
    )))
}
