//! One-shot lists a detail view or a form asks for when it opens, for facts no watch stream
//! carries: a cluster's Services (how to connect) and its Restore objects (where it was
//! restored from); the StorageClasses and every Cluster (the create form's choices and taken
//! names). A watch of every Service of a fleet would cost a stream and memory for what one
//! detail shows; a list of one cluster's costs one request.

use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;

use kbdash_core::detail::restored::{self, RestoreSource};
use kbdash_core::detail::services::ServiceFacts;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;

/// The Services of `cluster`: those labelled `app.kubernetes.io/instance=<cluster>`, as
/// KubeBlocks labels the ones it makes (docs/kubeblocks.md#services), sorted by name.
pub async fn services(client: Client, cluster: &ObjKey) -> Result<Vec<ServiceFacts>, String> {
    let params =
        ListParams::default().labels(&format!("app.kubernetes.io/instance={}", cluster.name));
    let mut found: Vec<ServiceFacts> = list(client, Kind::Service, cluster, &params)
        .await?
        .iter()
        .map(ServiceFacts::from_value)
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// Where `cluster` (whose components are `components`) was restored from, as its Restore
/// objects say; empty when it has none.
pub async fn restores(
    client: Client,
    cluster: &ObjKey,
    components: &[String],
) -> Result<Vec<RestoreSource>, String> {
    let components: Vec<&str> = components.iter().map(String::as_str).collect();
    Ok(list(client, Kind::Restore, cluster, &ListParams::default())
        .await?
        .iter()
        .filter_map(|r| restored::from_restore_object(&cluster.name, &components, r))
        .collect())
}

/// Every object of `kind` in every namespace (or of a cluster-scoped kind), as JSON.
pub async fn everywhere(client: Client, kind: Kind) -> Result<Vec<Value>, String> {
    let api: Api<DynamicObject> = Api::all_with(client, &crate::k8s::client::api_resource(kind));
    as_json(&api, &ListParams::default()).await
}

async fn list(
    client: Client,
    kind: Kind,
    cluster: &ObjKey,
    params: &ListParams,
) -> Result<Vec<Value>, String> {
    let api: Api<DynamicObject> = Api::namespaced_with(
        client,
        &cluster.namespace,
        &crate::k8s::client::api_resource(kind),
    );
    as_json(&api, params).await
}

/// What `api` lists with `params`, each object as JSON; the failure in words.
async fn as_json(api: &Api<DynamicObject>, params: &ListParams) -> Result<Vec<Value>, String> {
    let objects = api
        .list(params)
        .await
        .map_err(|e| crate::k8s::cause::describe(&e))?;
    Ok(objects
        .items
        .into_iter()
        .filter_map(|o| serde_json::to_value(o).ok())
        .collect())
}
