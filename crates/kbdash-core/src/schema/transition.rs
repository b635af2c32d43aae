//! The transition rules (`oldSelf`) of an update: each is evaluated where the field is in both
//! the old and the new object, as the API server correlates them: through object fields, and
//! through the items of map lists by their keys (other lists' items are not correlated).

use serde_json::Value;

use super::FieldCause;
use super::cause::{self, child, index};
use super::node::{ListType, Node};

/// Checks the transition rules of `node` and below on `new` against `old`, at `path`.
pub(crate) fn check(node: &Node, old: &Value, new: &Value, path: &str, out: &mut Vec<FieldCause>) {
    for (rule, message) in &node.transitions {
        if !(rule.check)(old, new) {
            out.push(cause::rule_failed(path, new, message));
        }
    }
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, nv) in n {
                if let (Some(ov), Some(sub)) = (o.get(k), node.field(k)) {
                    check(sub, ov, nv, &child(path, k), out);
                }
            }
        }
        (Value::Array(o), Value::Array(n)) => {
            let (Some(item), Some(ListType::Map(keys))) = (node.items.as_deref(), &node.list_type)
            else {
                return;
            };
            let key = |v: &Value| -> Vec<Option<Value>> {
                keys.iter().map(|k| v.get(k).cloned()).collect()
            };
            for (i, nv) in n.iter().enumerate() {
                if let Some(ov) = o.iter().find(|ov| key(ov) == key(nv)) {
                    check(item, ov, nv, &index(path, i), out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(schema: Value, old: Value, new: Value) -> Vec<String> {
        let mut out = Vec::new();
        check(&Node::compile(&schema), &old, &new, "spec", &mut out);
        out.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn immutable_fields_refuse_a_change_where_both_sides_have_them() {
        let schema = json!({"type": "object", "properties": {
            "type": {"type": "string", "x-kubernetes-validations": [
                {"rule": "self == oldSelf", "message": "forbidden to update spec.type"}]},
            "list": {"type": "array", "x-kubernetes-validations": [
                {"rule": "self == oldSelf", "message": "forbidden to update spec.list"}],
                "items": {"type": "object"}}}});
        assert_eq!(
            errors(
                schema.clone(),
                json!({"type": "A", "list": [1]}),
                json!({"type": "B", "list": [2]})
            ),
            [
                "spec.list: Invalid value: forbidden to update spec.list",
                "spec.type: Invalid value: \"B\": forbidden to update spec.type",
            ]
        );
        // A field added or removed is no transition.
        assert!(errors(schema.clone(), json!({}), json!({"type": "B"})).is_empty());
        assert!(errors(schema, json!({"type": "A"}), json!({})).is_empty());
    }

    #[test]
    fn map_list_items_are_correlated_by_key() {
        let schema = json!({"type": "array", "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"], "items": {"type": "object", "properties": {
                "v": {"type": "string", "x-kubernetes-validations": [
                    {"rule": "self == oldSelf", "message": "immutable"}]}}}});
        assert_eq!(
            errors(
                schema,
                json!([{"name": "a", "v": "1"}, {"name": "b", "v": "1"}]),
                json!([{"name": "b", "v": "2"}, {"name": "a", "v": "1"}])
            ),
            ["spec[0].v: Invalid value: \"2\": immutable"]
        );
    }
}
