//! Rolling pod replacement, shared by Restart, VerticalScaling, Upgrade and static
//! Reconfiguring: secondaries first, the primary last, one pod at a time.

use super::status::{self, PodVerb};
use super::{Op, OpError};
use crate::operator::cluster;
use crate::operator::ctx::Ctx;
use crate::operator::objects::COMPONENT;

/// Restart: roll every pod.
pub(super) async fn restart(ctx: &Ctx, op: &Op) -> Result<(), OpError> {
    roll(ctx, op, Some(PodVerb::Restart)).await
}

/// Replaces every pod of the cluster from its current spec. With a verb, each pod gets a
/// progress detail and counts toward the progress.
pub(super) async fn roll(ctx: &Ctx, op: &Op, verb: Option<PodVerb>) -> Result<(), OpError> {
    let pods = cluster::rolling_order(cluster::pods(ctx, &op.cluster));
    if verb.is_some() {
        op.running(ctx, Some(pods.len()));
    }
    for pod in &pods {
        let name = cluster::name_of(pod).to_string();
        let start = ctx.now();
        if let Some(verb) = verb {
            op.detail(
                ctx,
                status::pod_detail(verb, &name, COMPONENT, &start, None),
            );
        }
        cluster::recreate_pod(ctx, &op.cluster, pod)
            .await
            .map_err(OpError::Failed)?;
        if let Some(verb) = verb {
            let end = ctx.now();
            op.detail(
                ctx,
                status::pod_detail(verb, &name, COMPONENT, &start, Some(&end)),
            );
        }
    }
    Ok(())
}
