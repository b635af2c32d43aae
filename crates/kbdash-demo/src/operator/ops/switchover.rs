//! Switchover: moves the primary role to the candidate (or a ready secondary). Like the PG
//! addon's script, naming an instance that is not the primary succeeds without doing anything.

use serde_json::Value;

use super::status;
use super::{Op, OpError};
use crate::operator::cluster;
use crate::operator::ctx::Ctx;
use crate::operator::objects as obj;
use kbdash_core::kinds::Kind;

/// Simulated seconds Patroni takes to hand over.
const SWITCHOVER_SECS: f64 = 6.0;

pub(super) fn validate(items: &[Value]) -> Result<(), String> {
    for item in items {
        let instance = item
            .get("instanceName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if instance.is_empty() {
            return Err("\"instanceName\" can not be empty".to_string());
        }
    }
    Ok(())
}

/// The pod, checked to exist and belong to the component.
fn member(ctx: &Ctx, op: &Op, comp: &str, name: &str) -> Result<Value, OpError> {
    let pod = ctx
        .store
        .get_value(Kind::Pod, op.cluster.ns(), name)
        .ok_or_else(|| OpError::Failed(format!("pods \"{name}\" not found")))?;
    let labels = pod.pointer("/metadata/labels");
    let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    if label("app.kubernetes.io/instance") != Some(op.cluster.name.as_str())
        || label("apps.kubeblocks.io/component-name") != Some(comp)
    {
        return Err(OpError::Failed(format!(
            "the pod \"{name}\" not belongs to the component \"{comp}\""
        )));
    }
    Ok(pod)
}

pub(super) async fn run(ctx: &Ctx, op: &Op) -> Result<(), OpError> {
    let items = op.items("switchover");
    op.running(ctx, Some(items.len()));
    for item in items {
        let comp = super::item_component(&item);
        let instance_name = item
            .get("instanceName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let instance = member(ctx, op, comp, instance_name)?;
        let Some(role) = obj::pod_role(&instance) else {
            return Err(OpError::Failed(format!(
                "pod {instance_name} cannot perform switchover because it does not have a role label"
            )));
        };
        let candidate = match item
            .get("candidateName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            Some(name) => Some(member(ctx, op, comp, name)?),
            None => None,
        };
        let start = ctx.now();
        op.detail(ctx, status::switchover_detail(&role, comp, &start, None));
        ctx.pause(SWITCHOVER_SECS).await;
        if role == "primary" {
            let target = candidate
                .filter(|c| cluster::name_of(c) != instance_name)
                .map(|c| cluster::name_of(&c).to_string())
                .or_else(|| {
                    cluster::pods(ctx, &op.cluster)
                        .iter()
                        .find(|p| cluster::name_of(p) != instance_name && obj::pod_ready(p))
                        .map(|p| cluster::name_of(p).to_string())
                });
            let Some(target) = target else {
                return Err(OpError::Failed(
                    "switchover timeout after 5 minutes".to_string(),
                ));
            };
            cluster::set_role(ctx, &op.cluster, instance_name, Some("secondary"));
            cluster::set_role(ctx, &op.cluster, &target, Some("primary"));
        }
        let end = ctx.now();
        op.detail(
            ctx,
            status::switchover_detail(&role, comp, &start, Some(&end)),
        );
    }
    Ok(())
}
