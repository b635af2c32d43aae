//! VolumeExpansion: refuses shrinking below a PVC's capacity, then grows each PVC and the
//! Cluster's volumeClaimTemplates.

use serde_json::{Value, json};

use super::status;
use super::{Op, OpError};
use crate::operator::cluster;
use crate::operator::ctx::Ctx;
use crate::operator::objects::{self as obj, COMPONENT};
use kbdash_core::domain::quantity::Quantity;
use kbdash_core::kinds::Kind;

/// Simulated seconds the storage driver takes per volume.
const EXPAND_SECS: f64 = 6.0;

/// The component's data PVCs.
fn pvcs(ctx: &Ctx, op: &Op) -> Vec<Value> {
    ctx.store
        .list(Kind::PersistentVolumeClaim, op.cluster.ns())
        .0
        .iter()
        .filter(|o| {
            o.label("app.kubernetes.io/instance") == Some(op.cluster.name.as_str())
                && o.label("apps.kubeblocks.io/vct-name") == Some(obj::VCT)
        })
        .map(|o| o.value())
        .collect()
}

pub(super) fn validate(ctx: &Ctx, op: &Op, cluster: &Value, items: &[Value]) -> Result<(), String> {
    let known = obj::comp_spec(cluster)
        .map(|c| obj::names_at(c, "/volumeClaimTemplates"))
        .unwrap_or_default();
    let claims = pvcs(ctx, op);
    for item in items {
        let comp = super::item_component(item);
        let vcts = item
            .get("volumeClaimTemplates")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let missing: Vec<&str> = vcts
            .iter()
            .filter_map(|v| v.get("name").and_then(Value::as_str))
            .filter(|n| !known.iter().any(|k| k == n))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "volumeClaimTemplates: [{}] not found in component: {comp}, you can view infos by command: kubectl get cluster {} -n {}",
                missing.join(" "),
                op.cluster.name,
                op.cluster.ns
            ));
        }
        for vct in &vcts {
            let name = vct.get("name").and_then(Value::as_str).unwrap_or_default();
            let storage = vct
                .get("storage")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Ok(wanted) = Quantity::parse(storage).map(|q| q.nanos()) else {
                return Err(format!(
                    "invalid value for \"{storage}\": quantities must match the regular expression"
                ));
            };
            for pvc in &claims {
                let capacity = pvc
                    .pointer("/status/capacity/storage")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if Quantity::parse(capacity).is_ok_and(|c| wanted < c.nanos()) {
                    return Err(format!(
                        "requested storage size of volumeClaimTemplate \"{name}\" can not less than status.capacity.storage \"{capacity}\" "
                    ));
                }
            }
        }
    }
    Ok(())
}

pub(super) async fn run(ctx: &Ctx, op: &Op) -> Result<(), OpError> {
    let item = op
        .items("volumeExpansion")
        .into_iter()
        .next()
        .unwrap_or(Value::Null);
    let Some(storage) = item
        .pointer("/volumeClaimTemplates/0/storage")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Ok(());
    };
    let before = cluster::get(ctx, &op.cluster)
        .map(|c| obj::comp_storage(&c))
        .unwrap_or_default();
    op.last_configuration(
        ctx,
        json!({"volumeClaimTemplates": [{"name": obj::VCT, "storage": before}]}),
    );
    let written = cluster::modify_comp_spec(ctx, &op.cluster, |comp| {
        if let Some(t) = comp.pointer_mut("/volumeClaimTemplates/0/spec/resources/requests") {
            t["storage"] = storage.clone().into();
        }
    })
    .map_err(|e| OpError::Failed(e.to_string()))?;
    op.cluster_generation(ctx, &written);
    let mut claims: Vec<String> = pvcs(ctx, op)
        .iter()
        .map(|p| cluster::name_of(p).to_string())
        .collect();
    claims.sort();
    op.running(ctx, Some(claims.len()));
    let start = ctx.now();
    for pvc in &claims {
        op.detail(
            ctx,
            status::pvc_detail(obj::VCT, pvc, COMPONENT, &start, None),
        );
    }
    for pvc in &claims {
        let _ = ctx
            .store
            .modify(Kind::PersistentVolumeClaim, op.cluster.ns(), pvc, |p| {
                p["spec"]["resources"]["requests"]["storage"] = storage.clone().into();
                Ok(())
            });
        ctx.pause(EXPAND_SECS).await;
        let _ = ctx
            .store
            .modify(Kind::PersistentVolumeClaim, op.cluster.ns(), pvc, |p| {
                p["status"]["capacity"]["storage"] = storage.clone().into();
                Ok(())
            });
        let end = ctx.now();
        op.detail(
            ctx,
            status::pvc_detail(obj::VCT, pvc, COMPONENT, &start, Some(&end)),
        );
    }
    Ok(())
}
