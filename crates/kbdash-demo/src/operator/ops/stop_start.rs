//! Stop deletes the pods (PVCs stay), marks the component stopped and ends its continuous
//! backups; Start recreates the pods and applies the cluster's schedules again.

use futures::future::join_all;
use serde_json::{Value, json};

use super::status::{self, PodVerb};
use super::{Op, OpError};
use crate::operator::ctx::Ctx;
use crate::operator::objects::{self as obj, COMPONENT};
use crate::operator::{backups, cluster};

pub(super) async fn stop(ctx: &Ctx, op: &Op) -> Result<(), OpError> {
    let replicas = cluster::get(ctx, &op.cluster)
        .map(|c| obj::comp_replicas(&c))
        .unwrap_or(0);
    op.last_configuration(ctx, json!({"replicas": replicas}));
    let written =
        cluster::modify_comp_spec(ctx, &op.cluster, |comp| comp["stop"] = Value::Bool(true))
            .map_err(|e| OpError::Failed(e.to_string()))?;
    op.cluster_generation(ctx, &written);
    let pods: Vec<String> = cluster::pods(ctx, &op.cluster)
        .iter()
        .map(|p| cluster::name_of(p).to_string())
        .collect();
    op.running(ctx, Some(pods.len()));
    join_all(pods.iter().map(|pod| async move {
        let start = ctx.now();
        op.detail(
            ctx,
            status::pod_detail(PodVerb::Delete, pod, COMPONENT, &start, None),
        );
        cluster::delete_pod(ctx, &op.cluster, pod).await;
        let end = ctx.now();
        op.detail(
            ctx,
            status::pod_detail(PodVerb::Delete, pod, COMPONENT, &start, Some(&end)),
        );
    }))
    .await;
    backups::stop_archiving(ctx, &op.cluster);
    Ok(())
}

pub(super) async fn start(ctx: &Ctx, op: &Op) -> Result<(), OpError> {
    let written = cluster::modify_comp_spec(ctx, &op.cluster, |comp| {
        if let Some(m) = comp.as_object_mut() {
            m.remove("stop");
        }
    })
    .map_err(|e| OpError::Failed(e.to_string()))?;
    op.cluster_generation(ctx, &written);
    let replicas = obj::comp_replicas(&written);
    let offline = obj::comp_offline(&written);
    let running: Vec<String> = cluster::pods(ctx, &op.cluster)
        .iter()
        .map(|p| cluster::name_of(p).to_string())
        .collect();
    let ordinals: Vec<usize> = (0..)
        .filter(|o| !offline.contains(&obj::pod_name(&op.cluster.name, COMPONENT, *o)))
        .take(replicas)
        .filter(|o| !running.contains(&obj::pod_name(&op.cluster.name, COMPONENT, *o)))
        .collect();
    op.running(ctx, Some(ordinals.len()));
    let has_primary = !running.is_empty();
    let results = join_all(ordinals.iter().enumerate().map(|(i, &ordinal)| async move {
        let pod = obj::pod_name(&op.cluster.name, COMPONENT, ordinal);
        let start = ctx.now();
        op.detail(
            ctx,
            status::pod_detail(PodVerb::Create, &pod, COMPONENT, &start, None),
        );
        let role = if i == 0 && !has_primary {
            "primary"
        } else {
            "secondary"
        };
        cluster::create_pod(ctx, &op.cluster, ordinal, Some(role), None).await?;
        let end = ctx.now();
        op.detail(
            ctx,
            status::pod_detail(PodVerb::Create, &pod, COMPONENT, &start, Some(&end)),
        );
        Ok::<(), String>(())
    }))
    .await;
    results
        .into_iter()
        .collect::<Result<(), String>>()
        .map_err(OpError::Failed)?;
    backups::resume_archiving(ctx, &op.cluster);
    Ok(())
}
