//! HorizontalScaling: scale out adds pods (Pending, then Running as secondaries); scale in
//! removes the named `onlineInstancesToOffline` first, then the largest ordinals.

use futures::future::join_all;
use serde_json::{Value, json};

use super::status::{self, PodVerb};
use super::{Op, OpError};
use crate::operator::cluster;
use crate::operator::ctx::Ctx;
use crate::operator::objects::{self as obj, COMPONENT};
use kbdash_core::kinds::Kind;

/// The replica limits KubeBlocks applies when the component definition sets none.
const MAX_REPLICAS: u64 = 16384;

fn changes(item: &Value, dir: &str) -> u64 {
    item.pointer(&format!("/{dir}/replicaChanges"))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// The operator's checks, with its messages (docs/kubeblocks.md#type-checks).
pub(super) fn validate(cluster: &Value, items: &[Value]) -> Result<(), String> {
    let replicas = obj::comp_replicas(cluster) as u64;
    for item in items {
        let comp = super::item_component(item);
        let (scale_in, scale_out) = (changes(item, "scaleIn"), changes(item, "scaleOut"));
        if scale_in > replicas {
            return Err(format!(
                "\"scaleIn.replicaChanges\" can't be greater than {replicas} for component \"{comp}\""
            ));
        }
        let offline = obj::strings_at(item, "/scaleIn/onlineInstancesToOffline");
        if offline.len() as u64 > scale_in && item.get("scaleIn").is_some() {
            return Err(
                "the length of onlineInstancesToOffline can't be greater than the \"replicaChanges\" for the component"
                    .to_string(),
            );
        }
        for name in obj::strings_at(item, "/scaleOut/offlineInstancesToOnline") {
            if offline.contains(&name) {
                return Err(format!(
                    "instance \"{name}\" cannot be both in \"OfflineInstancesToOnline\" and \"OnlineInstancesToOffline\""
                ));
            }
        }
        if replicas.saturating_add(scale_out) - scale_in > MAX_REPLICAS {
            return Err(format!(
                "the number of replicas after scaling up violates the replica limit for component \"{comp}\""
            ));
        }
    }
    Ok(())
}

pub(super) async fn run(ctx: &Ctx, op: &Op) -> Result<(), OpError> {
    let Some(current) = cluster::get(ctx, &op.cluster) else {
        return Err(OpError::Failed(format!(
            "spec.clusterName {} is not found",
            op.cluster.name
        )));
    };
    let phase = current
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if matches!(phase, "Stopped" | "Stopping") {
        return Err(OpError::Failed(
            "please start the cluster before scaling the cluster horizontally".to_string(),
        ));
    }
    let item = op
        .items("horizontalScaling")
        .into_iter()
        .next()
        .unwrap_or(Value::Null);
    let replicas = obj::comp_replicas(&current);
    op.last_configuration(ctx, json!({"replicas": replicas}));
    let pods = cluster::pods(ctx, &op.cluster);
    let existing: Vec<String> = pods
        .iter()
        .map(|p| cluster::name_of(p).to_string())
        .collect();

    // Who goes: the named instances that exist, then the largest ordinals.
    let scale_in = changes(&item, "scaleIn") as usize;
    let named = obj::strings_at(&item, "/scaleIn/onlineInstancesToOffline");
    let mut leaving: Vec<String> = named
        .iter()
        .filter(|n| existing.contains(n))
        .cloned()
        .collect();
    let mut by_ordinal = existing.clone();
    by_ordinal.sort_by_key(|p| std::cmp::Reverse(obj::ordinal_of(p)));
    for p in by_ordinal {
        if leaving.len() >= scale_in {
            break;
        }
        if !leaving.contains(&p) {
            leaving.push(p);
        }
    }
    leaving.truncate(scale_in);

    // Who comes: the lowest free ordinals that are not offline.
    let scale_out = changes(&item, "scaleOut") as usize;
    let mut offline = obj::comp_offline(&current);
    offline.retain(|n| !obj::strings_at(&item, "/scaleOut/offlineInstancesToOnline").contains(n));
    for n in &named {
        if !offline.contains(n) {
            offline.push(n.clone());
        }
    }
    let mut coming = Vec::new();
    let mut ordinal = 0;
    while coming.len() < scale_out {
        let name = obj::pod_name(&op.cluster.name, COMPONENT, ordinal);
        let stays = existing.contains(&name) && !leaving.contains(&name);
        if !stays && !offline.contains(&name) && !leaving.contains(&name) {
            coming.push(ordinal);
        }
        ordinal += 1;
    }

    let new_replicas = replicas.saturating_add(scale_out) - scale_in.min(replicas);
    let written = cluster::modify_comp_spec(ctx, &op.cluster, |comp| {
        comp["replicas"] = new_replicas.into();
        if offline.is_empty() {
            if let Some(m) = comp.as_object_mut() {
                m.remove("offlineInstances");
            }
        } else {
            comp["offlineInstances"] = json!(offline);
        }
    })
    .map_err(|e| OpError::Failed(e.to_string()))?;
    op.cluster_generation(ctx, &written);
    op.running(ctx, Some(leaving.len() + coming.len()));

    let removals = leaving.iter().map(|pod| async move {
        let start = ctx.now();
        op.detail(
            ctx,
            status::pod_detail(PodVerb::Delete, pod, COMPONENT, &start, None),
        );
        cluster::delete_pod(ctx, &op.cluster, pod).await;
        let _ = ctx.store.delete(
            Kind::PersistentVolumeClaim,
            op.cluster.ns(),
            &obj::pvc_name(pod),
        );
        let end = ctx.now();
        op.detail(
            ctx,
            status::pod_detail(PodVerb::Delete, pod, COMPONENT, &start, Some(&end)),
        );
    });
    join_all(removals).await;
    cluster::ensure_primary(ctx, &op.cluster);

    let additions = coming.iter().map(|&ordinal| async move {
        let pod = obj::pod_name(&op.cluster.name, COMPONENT, ordinal);
        let start = ctx.now();
        op.detail(
            ctx,
            status::pod_detail(PodVerb::Create, &pod, COMPONENT, &start, None),
        );
        cluster::create_pod(ctx, &op.cluster, ordinal, Some("secondary"), None).await?;
        let end = ctx.now();
        op.detail(
            ctx,
            status::pod_detail(PodVerb::Create, &pod, COMPONENT, &start, Some(&end)),
        );
        Ok::<(), String>(())
    });
    for result in join_all(additions).await {
        result.map_err(OpError::Failed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate;
    use serde_json::json;

    #[test]
    fn scale_in_beyond_replicas_is_refused() {
        let cluster = json!({"spec": {"componentSpecs": [{"name": "postgresql", "replicas": 2}]}});
        let items = json!([{"componentName": "postgresql", "scaleIn": {"replicaChanges": 3}}]);
        assert_eq!(
            validate(&cluster, items.as_array().unwrap()),
            Err(
                "\"scaleIn.replicaChanges\" can't be greater than 2 for component \"postgresql\""
                    .to_string()
            )
        );
        let items = json!([{"componentName": "postgresql", "scaleIn": {"replicaChanges": 1,
            "onlineInstancesToOffline": ["a", "b"]}}]);
        assert!(validate(&cluster, items.as_array().unwrap()).is_err());
        let items = json!([{"componentName": "postgresql", "scaleOut": {"replicaChanges": 1}}]);
        assert_eq!(validate(&cluster, items.as_array().unwrap()), Ok(()));
    }
}
