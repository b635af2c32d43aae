//! A deleted Cluster handled the way the cluster controller handles it
//! (`transformer_cluster_deletion.go`, docs/kubeblocks.md#deletion): the phase turns `Deleting`,
//! then the termination policy decides. DoNotTerminate deletes nothing and records its Warning
//! event; Delete removes what the cluster owns (pods, PVCs, component, services, backup policy
//! and schedule) and its failed non-continuous backups; WipeOut removes its backups too, except
//! those with deletionPolicy Retain. Then the finalizer goes and with it the Cluster.

use std::sync::Arc;

use serde_json::Value;

use super::cluster;
use super::ctx::{Ctx, Key};
use super::objects as obj;
use super::provision;
use kbdash_core::kinds::Kind;

/// Whether a Cluster has been deleted (it has its `deletionTimestamp`).
pub(crate) fn is_deleted(cluster: &Value) -> bool {
    cluster.pointer("/metadata/deletionTimestamp").is_some()
}

/// Carries out the deletion of one Cluster as its termination policy says.
pub(crate) async fn run(ctx: Arc<Ctx>, key: Key) {
    delete(&ctx, &key).await;
    ctx.end(Kind::Cluster, &key);
}

async fn delete(ctx: &Ctx, key: &Key) {
    let Some(current) = cluster::get(ctx, key) else {
        return;
    };
    let at = ctx.now();
    // The phase turns Deleting before the policy is looked at; the components keep theirs.
    let _ = ctx.store.modify(Kind::Cluster, key.ns(), &key.name, |c| {
        obj::ensure_object(c, "status").insert("phase".into(), "Deleting".into());
        Ok(())
    });
    let policy = current
        .pointer("/spec/terminationPolicy")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if policy == "DoNotTerminate" {
        warn_held(ctx, key, &current, &at);
        return;
    }
    ctx.pause(1.0).await;
    provision::tear_down_owned(ctx, key);
    ctx.pause(1.0).await;
    let backups: Vec<(String, Value)> = ctx
        .store
        .list(Kind::Backup, key.ns())
        .0
        .iter()
        .filter(|o| o.label("app.kubernetes.io/instance") == Some(key.name.as_str()))
        .map(|o| (o.name.to_string(), o.value()))
        .collect();
    for (name, backup) in backups {
        if removes(&policy, &backup) {
            let _ = ctx.store.delete(Kind::Backup, key.ns(), &name);
        }
    }
    let _ = ctx.store.delete(Kind::Cluster, key.ns(), &key.name);
}

/// Whether the policy removes this backup of the deleted cluster.
fn removes(policy: &str, backup: &Value) -> bool {
    let field = |p: &str| {
        backup
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let continuous = backup
        .pointer("/metadata/labels/dataprotection.kubeblocks.io~1backup-type")
        .and_then(Value::as_str)
        == Some("Continuous");
    match policy {
        "WipeOut" => field("/spec/deletionPolicy") != "Retain",
        _ => field("/status/phase") == "Failed" && !continuous,
    }
}

/// The Warning event of a deletion DoNotTerminate holds, once: the controller's later reports
/// of it only count up.
fn warn_held(ctx: &Ctx, key: &Key, cluster: &Value, at: &str) {
    let reported = ctx.store.list(Kind::Event, key.ns()).0.iter().any(|e| {
        let v = e.value();
        v.pointer("/involvedObject/name").and_then(Value::as_str) == Some(key.name.as_str())
            && v.pointer("/reason").and_then(Value::as_str) == Some("DoNotTerminate")
    });
    if !reported {
        let _ = ctx.store.create(
            Kind::Event,
            obj::do_not_terminate_event(cluster, &ctx.uid(), 1, at, at),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn backup(policy: &str, phase: &str, kind: &str) -> Value {
        json!({
            "metadata": {"labels": {"dataprotection.kubeblocks.io/backup-type": kind}},
            "spec": {"deletionPolicy": policy},
            "status": {"phase": phase},
        })
    }

    #[test]
    fn the_policy_decides_which_backups_go() {
        let full = backup("Delete", "Completed", "Full");
        let kept = backup("Retain", "Completed", "Full");
        let failed = backup("Delete", "Failed", "Full");
        let failed_wal = backup("Delete", "Failed", "Continuous");
        assert!(!removes("Delete", &full));
        assert!(removes("Delete", &failed));
        assert!(!removes("Delete", &failed_wal));
        assert!(removes("WipeOut", &full));
        assert!(removes("WipeOut", &failed_wal));
        assert!(!removes("WipeOut", &kept));
    }
}
