//! The smallest OpenAPI v3 documents kubectl needs: it reads them to learn that the server
//! validates fields itself (`fieldValidation`), and refuses to create objects without them.
//! They carry no schemas; `/openapi/v2` stays 404.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use kbdash_core::kinds::KINDS;

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3`: one entry per group version not `hidden`.
pub(crate) fn root(hidden: &dyn Fn(&str) -> bool) -> Value {
    let gvs: BTreeSet<(&str, &str)> = KINDS
        .iter()
        .filter(|k| !hidden(k.group))
        .map(|k| (k.group, k.version))
        .collect();
    let mut paths = Map::new();
    for (g, v) in gvs {
        let p = gv_path(g, v);
        paths.insert(
            p.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash=kbdash")}),
        );
    }
    json!({"paths": paths})
}

/// `/openapi/v3/{api/v1 | apis/group/version}`: a PATCH operation per kind that accepts the
/// `fieldValidation` query parameter.
pub(crate) fn group_version(path: &str) -> Option<Value> {
    let mut paths = Map::new();
    for k in KINDS.iter().filter(|k| gv_path(k.group, k.version) == path) {
        let object_path = if k.namespaced {
            format!("/{path}/namespaces/{{namespace}}/{}/{{name}}", k.plural)
        } else {
            format!("/{path}/{}/{{name}}", k.plural)
        };
        paths.insert(
            object_path,
            json!({"patch": {
                "operationId": format!("patch{}", k.kind_name),
                "x-kubernetes-group-version-kind": {
                    "group": k.group, "version": k.version, "kind": k.kind_name
                },
                "parameters": [
                    {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
                    {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
                    {"name": "fieldManager", "in": "query", "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "OK"}}
            }}),
        );
    }
    if paths.is_empty() {
        return None;
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_cover_each_group_version() {
        let r = root(&|g| g == "apps.kubeblocks.io");
        assert!(r["paths"]["api/v1"]["serverRelativeURL"].is_string());
        assert!(r["paths"].get("apis/apps.kubeblocks.io/v1").is_none());
        let doc = group_version("apis/operations.kubeblocks.io/v1alpha1").expect("exists");
        let op = &doc["paths"]["/apis/operations.kubeblocks.io/v1alpha1/namespaces/{namespace}/opsrequests/{name}"]
            ["patch"];
        assert_eq!(op["x-kubernetes-group-version-kind"]["kind"], "OpsRequest");
        assert!(group_version("apis/nope/v1").is_none());
    }
}
