//! `apiextensions.k8s.io/v1` CustomResourceDefinitions of the KubeBlocks kinds, built from what
//! kbdash bundles: the kinds table (names, scope, printer columns) and the CRD schemas.
//!
//! They let a real API server serve the kinds the way KubeBlocks' own CRDs do, so that its
//! answers can be compared with kbdash's admission and the demo server. Only the storage
//! version is defined (the one kbdash reads and writes), with the status subresource.

use serde_json::{Value, json};

use crate::kinds::{Kind, PrinterColumn};

/// The CRD of a KubeBlocks kind; `None` for Kubernetes' own kinds (the core group, and
/// built-in groups such as `storage.k8s.io`). A kind without a bundled schema gets one that
/// keeps every field (`x-kubernetes-preserve-unknown-fields`).
pub fn custom_resource_definition(kind: Kind) -> Option<Value> {
    let info = kind.info();
    if !info.group.ends_with(".kubeblocks.io") {
        return None;
    }
    let schema = super::raw_schema(kind)
        .unwrap_or_else(|| json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}));
    let mut version = json!({
        "name": info.version,
        "served": true,
        "storage": true,
        "schema": {"openAPIV3Schema": schema},
    });
    if info.has_status {
        version["subresources"] = json!({"status": {}});
    }
    if !info.printer_columns.is_empty() {
        version["additionalPrinterColumns"] =
            info.printer_columns.iter().map(printer_column).collect();
    }
    let mut names = json!({
        "kind": info.kind_name,
        "listKind": format!("{}List", info.kind_name),
        "plural": info.plural,
        "singular": info.singular,
    });
    if !info.short_names.is_empty() {
        names["shortNames"] = json!(info.short_names);
    }
    if !info.categories.is_empty() {
        names["categories"] = json!(info.categories);
    }
    Some(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{}.{}", info.plural, info.group)},
        "spec": {
            "group": info.group,
            "names": names,
            "scope": if info.namespaced { "Namespaced" } else { "Cluster" },
            "versions": [version],
        },
    }))
}

fn printer_column(c: &PrinterColumn) -> Value {
    json!({"name": c.name, "type": c.type_name, "jsonPath": c.json_path})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_requests_are_namespaced_with_status_and_columns() {
        let crd = custom_resource_definition(Kind::OpsRequest).unwrap();
        assert_eq!(
            crd["metadata"]["name"],
            "opsrequests.operations.kubeblocks.io"
        );
        let spec = &crd["spec"];
        assert_eq!(spec["scope"], "Namespaced");
        assert_eq!(spec["names"]["shortNames"], json!(["ops"]));
        assert_eq!(spec["names"]["categories"], json!(["kubeblocks"]));
        assert_eq!(spec["names"]["listKind"], "OpsRequestList");
        let v = &spec["versions"][0];
        assert_eq!(
            (v["name"].as_str(), v["storage"].as_bool()),
            (Some("v1alpha1"), Some(true))
        );
        assert_eq!(v["subresources"], json!({"status": {}}));
        assert_eq!(
            v["additionalPrinterColumns"][1],
            json!({"name": "CLUSTER", "type": "string", "jsonPath": ".spec.clusterName"})
        );
        assert_eq!(
            v["schema"]["openAPIV3Schema"],
            super::super::raw_schema(Kind::OpsRequest).unwrap()
        );
    }

    #[test]
    fn component_versions_are_cluster_scoped_and_core_kinds_have_none() {
        let crd = custom_resource_definition(Kind::ComponentVersion).unwrap();
        assert_eq!(crd["spec"]["scope"], "Cluster");
        assert!(custom_resource_definition(Kind::Pod).is_none());
        assert!(custom_resource_definition(Kind::StorageClass).is_none());
        let kubeblocks: Vec<Kind> = Kind::all()
            .filter(|k| custom_resource_definition(*k).is_some())
            .collect();
        assert_eq!(
            kubeblocks,
            [
                Kind::Cluster,
                Kind::Component,
                Kind::ComponentVersion,
                Kind::OpsRequest,
                Kind::Backup,
                Kind::BackupPolicy,
                Kind::BackupSchedule,
                Kind::Restore,
                Kind::ActionSet,
                Kind::InstanceSet,
            ]
        );
    }
}
