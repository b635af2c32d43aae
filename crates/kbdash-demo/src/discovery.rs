//! `/version` and the legacy (unaggregated) discovery documents, built from the kinds table.
//!
//! Clients asking for aggregated discovery get these plain documents with
//! `Content-Type: application/json`; client-go and kube-rs then fall back to per-group discovery.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use kbdash_core::kinds::{KINDS, KindInfo};

/// The verbs every kind supports here.
const VERBS: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];

/// `/version`.
pub(crate) fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0-kbdash-demo",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// `/api`.
pub(crate) fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    })
}

/// The API groups (besides core), in table order, without those `hidden` rejects.
fn groups(hidden: &dyn Fn(&str) -> bool) -> Vec<(&'static str, &'static str)> {
    let mut seen = BTreeSet::new();
    KINDS
        .iter()
        .filter(|k| !k.group.is_empty() && !hidden(k.group))
        .filter(|k| seen.insert(k.group))
        .map(|k| (k.group, k.version))
        .collect()
}

fn group_doc(group: &str, version: &str) -> Value {
    let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
    json!({
        "name": group,
        "versions": [gv.clone()],
        "preferredVersion": gv,
    })
}

/// `/apis`.
pub(crate) fn group_list(hidden: &dyn Fn(&str) -> bool) -> Value {
    let groups: Vec<Value> = groups(hidden)
        .into_iter()
        .map(|(g, v)| group_doc(g, v))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/{group}`, if the group exists.
pub(crate) fn group(group: &str) -> Option<Value> {
    let info = KINDS.iter().find(|k| k.group == group)?;
    let mut doc = group_doc(info.group, info.version);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

fn resource_entry(k: &KindInfo) -> Value {
    let mut r = json!({
        "name": k.plural,
        "singularName": k.singular,
        "namespaced": k.namespaced,
        "kind": k.kind_name,
        "verbs": VERBS,
    });
    if !k.short_names.is_empty() {
        r["shortNames"] = json!(k.short_names);
    }
    if !k.categories.is_empty() {
        r["categories"] = json!(k.categories);
    }
    r
}

/// `/api/v1` or `/apis/{group}/{version}`, if that group version exists.
pub(crate) fn resource_list(group: &str, version: &str) -> Option<Value> {
    let kinds: Vec<&KindInfo> = KINDS
        .iter()
        .filter(|k| k.group == group && k.version == version)
        .collect();
    if kinds.is_empty() {
        return None;
    }
    let mut resources = Vec::new();
    for k in kinds {
        resources.push(resource_entry(k));
        if k.has_status {
            resources.push(json!({
                "name": format!("{}/status", k.plural),
                "singularName": "",
                "namespaced": k.namespaced,
                "kind": k.kind_name,
                "verbs": ["get", "patch", "update"],
            }));
        }
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_lists_carry_short_names_and_status() {
        let doc = resource_list("operations.kubeblocks.io", "v1alpha1").expect("exists");
        assert_eq!(doc["groupVersion"], "operations.kubeblocks.io/v1alpha1");
        let r = &doc["resources"];
        assert_eq!(r[0]["name"], "opsrequests");
        assert_eq!(r[0]["shortNames"], json!(["ops"]));
        assert_eq!(r[0]["categories"], json!(["kubeblocks"]));
        assert_eq!(r[1]["name"], "opsrequests/status");
        let core = resource_list("", "v1").expect("exists");
        assert_eq!(core["groupVersion"], "v1");
        assert!(resource_list("apps", "v1").is_none());
    }

    #[test]
    fn hidden_groups_leave_the_group_list() {
        let all = group_list(&|_| false);
        assert_eq!(all["groups"].as_array().map(Vec::len), Some(5));
        let some = group_list(&|g| g == "operations.kubeblocks.io");
        let names: Vec<&str> = some["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| g["name"].as_str())
            .collect();
        assert_eq!(
            names,
            vec![
                "apps.kubeblocks.io",
                "dataprotection.kubeblocks.io",
                "storage.k8s.io",
                "workloads.kubeblocks.io",
            ]
        );
    }
}
