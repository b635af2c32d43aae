//! Restore: validates the backup (and the point in time against a continuous backup), then
//! creates the new Cluster from the backup's cluster-snapshot with the restore-from-backup
//! annotation; the provisioning controller does the rest. Succeeds when the new cluster runs.

use serde_json::{Value, json};

use super::{Op, OpError};
use crate::operator::backups::is_continuous;
use crate::operator::cluster;
use crate::operator::ctx::{Ctx, Key};
use crate::operator::objects::COMPONENT;
use crate::operator::provision::{parse_time, pitr_base};
use crate::store::timestamp;
use kbdash_core::kinds::Kind;

/// Simulated seconds the op waits for the new cluster, at most.
const RESTORE_TIMEOUT_SECS: u64 = 3600;

fn backup_key(op: &Op) -> Key {
    let spec = op.spec.get("restore");
    let field = |k: &str| {
        spec.and_then(|s| s.get(k))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    Key::new(
        field("backupNamespace").unwrap_or(&op.key.ns),
        field("backupName").unwrap_or_default(),
    )
}

pub(super) fn validate(ctx: &Ctx, op: &Op) -> Result<(), String> {
    let key = backup_key(op);
    let Some(backup) = ctx.store.get_value(Kind::Backup, key.ns(), &key.name) else {
        return Err(format!(
            "backup {} not found in namespace {}",
            key.name, key.ns
        ));
    };
    let phase = backup
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let continuous = is_continuous(&backup);
    if !continuous && phase != "Completed" {
        return Err(format!(
            "backup {} status is {phase}, only completed backup can be used to restore",
            key.name
        ));
    }
    if backup
        .pointer("/metadata/annotations/kubeblocks.io~1cluster-snapshot")
        .is_none()
    {
        return Err(format!(
            "missing snapshot annotation in backup {}, kubeblocks.io/cluster-snapshot is empty",
            key.name
        ));
    }
    let time = op
        .spec
        .pointer("/restore/restorePointInTime")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    if continuous && let Some(t) = time {
        let t = parse_time(ctx, t)?;
        let start = backup
            .pointer("/status/timeRange/start")
            .and_then(Value::as_str);
        let end = backup
            .pointer("/status/timeRange/end")
            .and_then(Value::as_str);
        if start.is_none() || end.is_none() {
            return Err("invalid timeRange of the backup".to_string());
        }
        // Only the range is the op's check; a missing base backup fails the Restore later.
        if let Err(msg) = pitr_base(ctx, &backup, t)
            && msg.starts_with("restore-to-time")
        {
            return Err(msg);
        }
    }
    Ok(())
}

pub(super) async fn run(ctx: &Ctx, op: &Op) -> Result<(), OpError> {
    let key = backup_key(op);
    let backup = ctx
        .store
        .get_value(Kind::Backup, key.ns(), &key.name)
        .ok_or_else(|| {
            OpError::Failed(format!(
                "backup {} not found in namespace {}",
                key.name, key.ns
            ))
        })?;
    let snapshot: Value = backup
        .pointer("/metadata/annotations/kubeblocks.io~1cluster-snapshot")
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str(s).ok())
        .ok_or_else(|| {
            OpError::Failed(format!("invalid cluster snapshot in backup {}", key.name))
        })?;
    let restore = op.spec.get("restore").cloned().unwrap_or(Value::Null);
    let text = |k: &str| {
        restore
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut from = json!({
        "name": key.name,
        "namespace": key.ns,
        "volumeRestorePolicy": if text("volumeRestorePolicy").is_empty() { "Parallel".to_string() } else { text("volumeRestorePolicy") },
        "doReadyRestoreAfterClusterRunning": restore
            .get("deferPostReadyUntilClusterRunning")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            .to_string(),
    });
    if !text("restorePointInTime").is_empty() {
        let t = parse_time(ctx, &text("restorePointInTime")).map_err(OpError::Invalid)?;
        from["restoreTime"] = kbdash_core::domain::restore_time::format_restore_time(t).into();
    }
    let mut spec = snapshot.get("spec").cloned().unwrap_or_else(|| json!({}));
    if let Some(comps) = spec.get_mut("componentSpecs").and_then(Value::as_array_mut) {
        for comp in comps {
            if let Some(m) = comp.as_object_mut() {
                m.remove("offlineInstances");
                m.remove("tls");
                m.remove("issuer");
                m.remove("stop");
                if let Some(services) = m.get_mut("services").and_then(Value::as_array_mut) {
                    services.retain(|s| {
                        s.get("serviceType").and_then(Value::as_str) != Some("LoadBalancer")
                    });
                }
            }
        }
    }
    let new_cluster = json!({
        "apiVersion": "apps.kubeblocks.io/v1",
        "kind": "Cluster",
        "metadata": {
            "name": op.cluster.name,
            "namespace": op.cluster.ns,
            "labels": {"clusterdefinition.kubeblocks.io/name": "postgresql"},
            "annotations": {
                "kubeblocks.io/crd-api-version": "apps.kubeblocks.io/v1",
                "kubeblocks.io/restore-from-backup": json!({ COMPONENT: from }).to_string(),
                "kubeblocks.io/ops-request": json!([{"name": op.key.name, "type": "Restore"}]).to_string(),
            },
        },
        "spec": spec,
    });
    let created = ctx
        .store
        .create(Kind::Cluster, new_cluster)
        .map_err(|e| OpError::Failed(e.to_string()))?;
    let uid = created
        .pointer("/metadata/uid")
        .cloned()
        .unwrap_or(Value::Null);
    let _ = ctx.store.modify(Kind::OpsRequest, op.key.ns(), &op.key.name, |o| {
        o["metadata"]["ownerReferences"] = json!([{
            "apiVersion": "apps.kubeblocks.io/v1", "kind": "Cluster", "name": op.cluster.name, "uid": uid}]);
        Ok(())
    });
    op.running(ctx, None);
    for _ in 0..RESTORE_TIMEOUT_SECS {
        ctx.pause(1.0).await;
        let Some(c) = cluster::get(ctx, &op.cluster) else {
            return Err(OpError::Failed(format!(
                "cluster {} is deleted",
                op.cluster.name
            )));
        };
        match c.pointer("/status/phase").and_then(Value::as_str) {
            Some("Running") => return Ok(()),
            Some("Failed") => {
                let msg = c
                    .pointer("/status/message")
                    .and_then(Value::as_str)
                    .unwrap_or("restore failed")
                    .to_string();
                return Err(OpError::Failed(msg));
            }
            _ => {}
        }
    }
    Err(OpError::Failed(format!(
        "timed out waiting for cluster {} to be restored at {}",
        op.cluster.name,
        timestamp(ctx.store.now())
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operator::objects as obj;

    #[test]
    fn backup_key_defaults_to_the_op_namespace() {
        let op = Op {
            key: Key::new("demo", "r"),
            ty: "Restore".into(),
            cluster: Key::new("demo", "new"),
            spec: json!({"restore": {"backupName": "b"}}),
        };
        assert_eq!(backup_key(&op), Key::new("demo", "b"));
        assert_eq!(obj::comp_def("12.15.0"), format!("{COMPONENT}-12-1.0.5"));
    }
}
