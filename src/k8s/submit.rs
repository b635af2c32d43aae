//! The one place kbdash writes to the API: sending a validated form request (create, JSON
//! merge patch or delete), for real or as a server-side dry run. Every mutating call of the forms goes
//! through [`send`], so a read-only gate has a single function to wrap.

use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::Value;

use kbdash_core::forms::{Request, RequestAction};

/// Why the API refused a request: its own message (for a 4xx/5xx `Status`), or the cause of
/// the failure.
fn api_message(e: kube::Error) -> String {
    match e {
        kube::Error::Api(status) if !status.message.is_empty() => status.message,
        other => crate::k8s::cause::describe(&other),
    }
}

/// Sends `req` (`dry_run`: with `dryRun=All`, so the API validates and stores nothing) and
/// returns the object the API answered with (its `metadata.name` is the generated name).
pub(crate) async fn send(client: &Client, req: &Request, dry_run: bool) -> Result<Value, String> {
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        &req.namespace,
        &crate::k8s::client::api_resource(req.kind),
    );
    let answer = match &req.action {
        RequestAction::Create => {
            let obj: DynamicObject = serde_json::from_value(req.body.clone())
                .map_err(|e| format!("the request is not a Kubernetes object: {e}"))?;
            let params = PostParams {
                dry_run,
                ..PostParams::default()
            };
            api.create(&params, &obj).await.map_err(api_message)?
        }
        RequestAction::MergePatch { name } => {
            let params = PatchParams {
                dry_run,
                ..PatchParams::default()
            };
            api.patch(name, &params, &Patch::Merge(&req.body))
                .await
                .map_err(api_message)?
        }
        RequestAction::Delete { name } => {
            let params = DeleteParams {
                dry_run,
                ..DeleteParams::default()
            };
            // The API answers with the object still there (finalizers hold it: a Cluster is
            // `Deleting` until its controller is done) or with a `Status`; either way the
            // object is named by the request.
            api.delete(name, &params).await.map_err(api_message)?;
            return Ok(serde_json::json!({"metadata": {"name": name}}));
        }
    };
    serde_json::to_value(answer).map_err(|e| e.to_string())
}
