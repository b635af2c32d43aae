//! The OpsRequest envelope, built as kbcli builds it.

use serde_json::{Value, json};

use super::{FormContext, Request, RequestAction};
use crate::kinds::Kind;

/// An OpsRequest of `ops_type` with `section` under `spec.<section_key>`:
/// `generateName: <cluster>-<typelower>-`, labels `app.kubernetes.io/instance` and
/// `app.kubernetes.io/managed-by: kubeblocks`, `spec.clusterName`, `spec.type`.
pub(super) fn ops_request(
    ctx: &FormContext,
    ops_type: &str,
    section_key: &str,
    section: Value,
    notes: Vec<String>,
) -> Request {
    let body = json!({
        "apiVersion": Kind::OpsRequest.api_version(),
        "kind": "OpsRequest",
        "metadata": {
            "generateName": format!("{}-{}-", ctx.cluster, ops_type.to_lowercase()),
            "namespace": ctx.namespace,
            "labels": {
                "app.kubernetes.io/instance": ctx.cluster,
                "app.kubernetes.io/managed-by": "kubeblocks",
            },
        },
        "spec": {
            "clusterName": ctx.cluster,
            "type": ops_type,
            section_key: section,
        },
    });
    Request {
        kind: Kind::OpsRequest,
        namespace: ctx.namespace.clone(),
        action: RequestAction::Create,
        body,
        notes,
        offer: None,
    }
}
