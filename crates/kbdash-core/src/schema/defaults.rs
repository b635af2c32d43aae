//! The API server's mutation before validation: nulls of non-nullable fields without a default
//! are pruned, then `default`s are filled in, recursively (defaults are themselves defaulted).

use serde_json::Value;

use super::node::Node;

/// Prunes nulls and applies defaults to `v` according to `node`.
pub(crate) fn apply(node: &Node, v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|k, fv| {
                !(fv.is_null()
                    && node
                        .field(k)
                        .is_some_and(|c| !c.nullable && c.default.is_none()))
            });
            for (k, child) in &node.properties {
                let Some(default) = &child.default else {
                    continue;
                };
                let missing = match map.get(k) {
                    None => true,
                    Some(Value::Null) => !child.nullable,
                    Some(_) => false,
                };
                if missing {
                    map.insert(k.clone(), default.clone());
                }
            }
            for (k, fv) in map.iter_mut() {
                if let Some(child) = node.properties.get(k) {
                    apply(child, fv);
                } else if let Some(add) = node.additional.as_deref() {
                    fill_null(add, fv);
                    apply(add, fv);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = node.items.as_deref() {
                for i in items.iter_mut() {
                    fill_null(item, i);
                    apply(item, i);
                }
            }
        }
        _ => {}
    }
}

fn fill_null(node: &Node, v: &mut Value) {
    if v.is_null()
        && !node.nullable
        && let Some(default) = &node.default
    {
        *v = default.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_fill_missing_and_null_fields_recursively() {
        let node = Node::compile(&json!({
            "type": "object",
            "properties": {
                "a": {"type": "string", "default": "x"},
                "b": {"type": "object", "default": {}, "properties": {
                    "c": {"type": "integer", "default": 3}
                }},
                "d": {"type": "string"},
                "e": {"type": "string", "nullable": true}
            }
        }));
        let mut v = json!({"a": null, "d": null, "e": null});
        apply(&node, &mut v);
        assert_eq!(v, json!({"a": "x", "b": {"c": 3}, "e": null}));
    }

    #[test]
    fn defaults_reach_array_items_and_map_values() {
        let node = Node::compile(&json!({
            "type": "object",
            "properties": {
                "list": {"type": "array", "items": {"type": "object", "properties": {
                    "p": {"type": "string", "default": "TCP"}
                }}},
                "map": {"type": "object", "additionalProperties": {"type": "object", "properties": {
                    "q": {"type": "boolean", "default": false}
                }}}
            }
        }));
        let mut v = json!({"list": [{}, {"p": "UDP"}], "map": {"k": {}}});
        apply(&node, &mut v);
        assert_eq!(
            v,
            json!({"list": [{"p": "TCP"}, {"p": "UDP"}], "map": {"k": {"q": false}}})
        );
    }
}
