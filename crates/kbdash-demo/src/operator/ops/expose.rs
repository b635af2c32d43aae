//! Expose: adds (Enable) or removes (Disable) a Service per entry, recorded in the Cluster's
//! component services; progress counts services.

use serde_json::{Value, json};

use super::{Op, OpError};
use crate::operator::cluster;
use crate::operator::ctx::Ctx;
use crate::operator::objects::{self as obj, COMPONENT};
use kbdash_core::kinds::Kind;

/// Simulated seconds a load balancer takes to be provisioned.
const PROVISION_SECS: f64 = 5.0;

pub(super) async fn run(ctx: &Ctx, op: &Op) -> Result<(), OpError> {
    let entries: Vec<(bool, Value)> = op
        .items("expose")
        .iter()
        .flat_map(|item| {
            let enable = item.get("switch").and_then(Value::as_str) != Some("Disable");
            item.get("services")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |s| (enable, s))
        })
        .collect();
    let total = entries.len();
    op.running(ctx, Some(total));
    for (done, (enable, svc)) in entries.iter().enumerate() {
        let name = svc
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("external")
            .to_string();
        let service_type = svc
            .get("serviceType")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP")
            .to_string();
        let role = svc
            .get("roleSelector")
            .and_then(Value::as_str)
            .unwrap_or("primary")
            .to_string();
        let full_name = format!("{}-{COMPONENT}-{name}", op.cluster.name);
        ctx.pause(PROVISION_SECS).await;
        let Some(current) = cluster::get(ctx, &op.cluster) else {
            return Err(OpError::Failed(format!(
                "spec.clusterName {} is not found",
                op.cluster.name
            )));
        };
        if *enable {
            let ip = format!("10.96.{}.{}", ctx.random(0, 255), ctx.random(1, 255));
            let mut object = obj::service(
                &current,
                Some(&name),
                &service_type,
                &role,
                &ctx.uid(),
                &ctx.now(),
                &ip,
            );
            if let Some(annotations) = svc.get("annotations").filter(|a| a.is_object()) {
                object["metadata"]["annotations"] = annotations.clone();
            }
            let _ = ctx.store.create(Kind::Service, object);
        } else {
            let _ = ctx.store.delete(Kind::Service, op.cluster.ns(), &full_name);
        }
        let written = cluster::modify_comp_spec(ctx, &op.cluster, |comp| {
            let mut services: Vec<Value> = comp
                .get("services")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            services.retain(|s| s.get("name").and_then(Value::as_str) != Some(name.as_str()));
            if *enable {
                services
                    .push(json!({"name": name, "serviceType": service_type, "roleSelector": role}));
            }
            if services.is_empty() {
                if let Some(m) = comp.as_object_mut() {
                    m.remove("services");
                }
            } else {
                comp["services"] = Value::Array(services);
            }
        })
        .map_err(|e| OpError::Failed(e.to_string()))?;
        op.cluster_generation(ctx, &written);
        op.status(ctx, |s| {
            s.insert("progress".into(), format!("{}/{total}", done + 1).into());
        });
    }
    Ok(())
}
