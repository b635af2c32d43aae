//! `spec.cancel` on a running VerticalScaling or HorizontalScaling (the only cancellable
//! types): the op stops where it is, goes Cancelling, the component returns to its
//! `lastConfiguration`, and the op ends Cancelled.

use serde_json::{Value, json};

use super::Op;
use crate::operator::cluster;
use crate::operator::ctx::Ctx;
use crate::operator::objects::{self as obj, COMPONENT};
use kbdash_core::kinds::Kind;

/// Whether an op type honours `spec.cancel`.
pub(super) fn cancellable(op_type: &str) -> bool {
    matches!(op_type, "VerticalScaling" | "HorizontalScaling")
}

/// Resolves once `spec.cancel` is true (checked every simulated second).
pub(super) async fn requested(ctx: &Ctx, op: &Op) {
    loop {
        let cancel = ctx
            .store
            .get_value(Kind::OpsRequest, op.key.ns(), &op.key.name)
            .and_then(|o| o.pointer("/spec/cancel").and_then(Value::as_bool))
            .unwrap_or(false);
        if cancel {
            return;
        }
        ctx.pause(1.0).await;
    }
}

/// Rolls the component back to the op's `lastConfiguration` and ends the op Cancelled.
pub(super) async fn run(ctx: &Ctx, op: &Op) {
    let at = ctx.now();
    let mut last = Value::Null;
    op.status(ctx, |s| {
        s.insert("phase".into(), "Cancelling".into());
        s.insert("cancelTimestamp".into(), at.clone().into());
        last = s
            .get("lastConfiguration")
            .and_then(|l| l.pointer(&format!("/components/{COMPONENT}")))
            .cloned()
            .unwrap_or(Value::Null);
        push(
            s,
            condition(
                false,
                "Cancelling",
                &format!(
                    "Start to cancel the OpsRequest: {} in Cluster: {}",
                    op.key.name, op.cluster.name
                ),
                &at,
            ),
        );
    });
    let restored = cluster::modify_comp_spec(ctx, &op.cluster, |comp| {
        if let Some(replicas) = last.get("replicas") {
            comp["replicas"] = replicas.clone();
        }
        for part in ["requests", "limits"] {
            if let Some(v) = last.get(part) {
                comp["resources"][part] = v.clone();
            }
        }
    });
    if restored.is_ok() {
        if op.ty == "HorizontalScaling" {
            cluster::reconcile_replicas(ctx, &op.cluster).await;
        } else {
            roll_changed(ctx, op).await;
        }
    }
    let at = ctx.now();
    op.status(ctx, |s| {
        s.insert("phase".into(), "Cancelled".into());
        s.insert("completionTimestamp".into(), at.clone().into());
        push(
            s,
            condition(
                true,
                "CancelSucceed",
                &format!(
                    "Cancel OpsRequest: {} successfully in Cluster: {}",
                    op.key.name, op.cluster.name
                ),
                &at,
            ),
        );
        if let Some(comp) = s.get_mut("components").and_then(|c| c.get_mut(COMPONENT)) {
            comp["phase"] = "Running".into();
        }
    });
    cluster::settle(ctx, &op.cluster);
}

/// Recreates the pods whose resources differ from the (restored) spec.
async fn roll_changed(ctx: &Ctx, op: &Op) {
    let Some(current) = cluster::get(ctx, &op.cluster) else {
        return;
    };
    let wanted = obj::comp_spec(&current)
        .and_then(|c| c.get("resources"))
        .cloned()
        .unwrap_or(json!({}));
    for pod in cluster::rolling_order(cluster::pods(ctx, &op.cluster)) {
        if pod.pointer("/spec/containers/0/resources") != Some(&wanted) {
            // A pod that cannot be recreated stays as it is; the cluster then settles Failed.
            let _ = cluster::recreate_pod(ctx, &op.cluster, &pod).await;
        }
    }
}

/// The `Cancelled` condition (False while cancelling, True once done).
fn condition(done: bool, reason: &str, message: &str, at: &str) -> Value {
    obj::condition("Cancelled", done, reason, message, at)
}

fn push(s: &mut serde_json::Map<String, Value>, cond: Value) {
    obj::set_condition(s, cond);
}
