//! Fields the schema does not declare, found and removed the way the API server's decoding
//! prunes a custom resource (`apiextensions-apiserver`'s `pruning` package): before defaulting
//! and validation, and whatever the types of the values.
//!
//! An object value keeps only the fields its schema declares (or its `additionalProperties`
//! schema takes), even where the schema expects no object at all: the fields of an object
//! given for a string are all unknown. Arrays are walked with their `items` schema, or none.
//! `x-kubernetes-preserve-unknown-fields` keeps a value's unknown fields (known ones are
//! still pruned below, and items of a preserving array are kept whole one level down);
//! an embedded resource keeps its `apiVersion`, `kind` and `metadata`. At the root
//! `apiVersion`, `kind` and `metadata` are kept, and `metadata` is checked against
//! `ObjectMeta`'s fields.

use serde_json::{Map, Value};

use super::cause::{child, index};
use super::node::Node;

/// The fields of `ObjectMeta`; anything else in `metadata` is unknown.
const OBJECT_META_FIELDS: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

/// Removes the unknown fields of object `v` validated by `root`; answers their paths, sorted.
pub(crate) fn prune(root: &Node, v: &mut Value) -> Vec<String> {
    let mut pruned = Vec::new();
    if let Value::Object(map) = v {
        for (k, fv) in map.iter_mut() {
            match k.as_str() {
                "apiVersion" | "kind" => {}
                "metadata" => prune_metadata(fv, &mut pruned),
                _ => {
                    if let Some(sub) = root.field(k) {
                        prune_value(Some(sub), fv, k, &mut pruned);
                    }
                }
            }
        }
        remove_unknown(map, "", &mut pruned, |k| {
            matches!(k, "apiVersion" | "kind" | "metadata") || root.field(k).is_some()
        });
    } else {
        prune_value(Some(root), v, "", &mut pruned);
    }
    pruned.sort();
    pruned
}

fn prune_metadata(v: &mut Value, pruned: &mut Vec<String>) {
    if let Value::Object(map) = v {
        remove_unknown(map, "metadata", pruned, |k| OBJECT_META_FIELDS.contains(&k));
    }
}

/// Removes the fields of `map` that `known` does not accept, noting their paths under `path`.
fn remove_unknown(
    map: &mut Map<String, Value>,
    path: &str,
    pruned: &mut Vec<String>,
    known: impl Fn(&str) -> bool,
) {
    map.retain(|k, _| {
        let keep = known(k);
        if !keep {
            pruned.push(child(path, k));
        }
        keep
    });
}

fn prune_value(node: Option<&Node>, v: &mut Value, path: &str, pruned: &mut Vec<String>) {
    if let Some(n) = node.filter(|n| n.preserve_unknown) {
        skip_prune(n, v, path, pruned);
        return;
    }
    match v {
        Value::Object(map) => {
            let Some(n) = node else {
                remove_unknown(map, path, pruned, |_| false);
                return;
            };
            let embedded = |k: &str| n.embedded_resource && is_type_meta(k);
            for (k, fv) in map.iter_mut() {
                if !embedded(k)
                    && let Some(sub) = n.field(k)
                {
                    prune_value(Some(sub), fv, &child(path, k), pruned);
                }
            }
            remove_unknown(map, path, pruned, |k| embedded(k) || n.field(k).is_some());
        }
        Value::Array(items) => {
            let item = node.and_then(|n| n.items.as_deref());
            for (i, iv) in items.iter_mut().enumerate() {
                prune_value(item, iv, &index(path, i), pruned);
            }
        }
        _ => {}
    }
}

/// Below a preserving node: unknown fields stay, known ones are pruned by their schema.
fn skip_prune(n: &Node, v: &mut Value, path: &str, pruned: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, fv) in map.iter_mut() {
                if n.embedded_resource && is_type_meta(k) {
                    continue;
                }
                if let Some(sub) = n.field(k) {
                    prune_value(Some(sub), fv, &child(path, k), pruned);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = n.items.as_deref() {
                for (i, iv) in items.iter_mut().enumerate() {
                    skip_prune(item, iv, &index(path, i), pruned);
                }
            }
        }
        _ => {}
    }
}

fn is_type_meta(k: &str) -> bool {
    matches!(k, "apiVersion" | "kind" | "metadata")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pruned(schema: Value, mut v: Value) -> (Vec<String>, Value) {
        let paths = prune(&Node::compile(&schema), &mut v);
        (paths, v)
    }

    #[test]
    fn fields_of_values_of_the_wrong_type_are_unknown() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
            "properties": {"type": {"type": "string"}, "list": {"type": "string"}}}}});
        let (paths, v) = pruned(
            schema,
            json!({"apiVersion": "v", "kind": "K", "metadata": {"name": "a", "lables": {}},
                "spec": {"type": {"bogus": 2}, "list": [{"a": 1}], "zeta": null}, "extra": 1}),
        );
        assert_eq!(
            paths,
            [
                "extra",
                "metadata.lables",
                "spec.list[0].a",
                "spec.type.bogus",
                "spec.zeta"
            ]
        );
        assert_eq!(
            v,
            json!({"apiVersion": "v", "kind": "K", "metadata": {"name": "a"},
                "spec": {"type": {}, "list": [{}]}})
        );
    }

    #[test]
    fn preserving_nodes_keep_unknown_fields_but_prune_known_ones() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
            "x-kubernetes-preserve-unknown-fields": true,
            "properties": {"a": {"type": "object", "properties": {}}},
            "items": {"type": "object", "properties": {"b": {"type": "object", "properties": {}}}}}}});
        let (paths, _) = pruned(schema.clone(), json!({"spec": {"zzz": 1, "a": {"zzz": 1}}}));
        assert_eq!(paths, ["spec.a.zzz"]);
        let array = json!({"type": "object", "properties": {"env": {"type": "array",
            "x-kubernetes-preserve-unknown-fields": true,
            "items": {"type": "object", "properties": {"b": {"type": "object", "properties": {}}}}}}});
        let (paths, _) = pruned(array, json!({"env": [{"zzz": 1, "b": {"zzz": 1}}]}));
        assert_eq!(paths, ["env[0].b.zzz"]);
    }

    #[test]
    fn additional_properties_and_embedded_resources_keep_their_fields() {
        let schema = json!({"type": "object", "properties": {
            "m": {"type": "object", "additionalProperties": {"type": "object", "properties": {"x": {}}}},
            "r": {"type": "object", "x-kubernetes-embedded-resource": true, "properties": {}}}});
        let (paths, _) = pruned(
            schema,
            json!({"m": {"any": {"x": 1, "y": 2}}, "r": {"apiVersion": "v1", "kind": "Pod", "spec": {}}}),
        );
        assert_eq!(paths, ["m.any.y", "r.spec"]);
    }
}
