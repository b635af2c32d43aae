//! Structural validation of a (defaulted) value against a compiled schema node, collecting
//! every violation as the API server does (it does not stop at the first one).

use serde_json::{Map, Value};

use super::FieldCause;
use super::cause::{self, child, index, quote, show};
use super::cel::Verdict;
use super::node::{JsonType, ListType, Node};

/// Validates `v` at `path` against `node`, appending causes to `errs`.
pub(crate) fn validate(node: &Node, v: &Value, path: &str, errs: &mut Vec<FieldCause>) {
    validate_in(node, v, path, node.preserve_unknown, errs);
}

/// Like [`validate`]; `preserve` says whether unknown fields of this value are kept: its own
/// `x-kubernetes-preserve-unknown-fields`, or that of the array it is an item of (the API
/// server's pruning skips one object level below a preserving array).
fn validate_in(node: &Node, v: &Value, path: &str, preserve: bool, errs: &mut Vec<FieldCause>) {
    if !type_ok(node, v, path, errs) {
        return;
    }
    if let Some(allowed) = &node.enumeration
        && !allowed.contains(v)
    {
        errs.push(cause::not_supported(path, v, allowed));
    }
    match v {
        Value::String(s) => check_string(node, s, path, errs),
        Value::Number(n) => check_number(node, n, path, errs),
        Value::Object(map) => check_fields(node, map, path, &[], preserve, errs),
        Value::Array(items) => check_array(node, items, path, preserve, errs),
        _ => {}
    }
    for sub in &node.all_of {
        validate(sub, v, path, errs);
    }
    // `anyOf` only appears as the `integer`/`string` pair of int-or-string, handled by the
    // type check; any other use is checked generically.
    if !node.any_of.is_empty() && !node.int_or_string {
        let any_passes = node.any_of.iter().any(|sub| {
            let mut sub_errs = Vec::new();
            validate(sub, v, path, &mut sub_errs);
            sub_errs.is_empty()
        });
        if !any_passes {
            errs.push(cause::invalid(
                path,
                &show(v),
                &format!("{path} in body must validate at least one schema (anyOf)"),
            ));
        }
    }
    check_rules(node, v, path, errs);
}

/// Checks the JSON type; returns false when the value cannot be examined further.
fn type_ok(node: &Node, v: &Value, path: &str, errs: &mut Vec<FieldCause>) -> bool {
    if v.is_null() && node.nullable {
        return false;
    }
    if node.int_or_string {
        let ok = v.is_string() || is_integer(v);
        if !ok {
            errs.push(cause::type_invalid(path, "integer,string", v));
        }
        return ok;
    }
    let Some(expected) = node.json_type else {
        return true;
    };
    let ok = match expected {
        JsonType::Object => v.is_object(),
        JsonType::Array => v.is_array(),
        JsonType::String => v.is_string(),
        JsonType::Integer => is_integer(v),
        JsonType::Number => v.is_number(),
        JsonType::Boolean => v.is_boolean(),
    };
    if !ok {
        errs.push(cause::type_invalid(path, expected.name(), v));
    }
    ok
}

fn is_integer(v: &Value) -> bool {
    v.is_i64() || v.is_u64()
}

fn check_string(node: &Node, s: &str, path: &str, errs: &mut Vec<FieldCause>) {
    let len = s.chars().count() as u64;
    if let Some(max) = node.max_length
        && len > max
    {
        errs.push(cause::too_long(path, max));
    }
    if let Some(min) = node.min_length
        && len < min
    {
        errs.push(cause::invalid(
            path,
            &quote(s),
            &format!("{path} in body should be at least {min} chars long"),
        ));
    }
    if let Some((source, re)) = &node.pattern
        && !re.is_match(s)
    {
        errs.push(cause::invalid(
            path,
            &quote(s),
            &format!("{path} in body should match '{source}'"),
        ));
    }
    if node.format.as_deref() == Some("date-time") && !is_date_time(s) {
        errs.push(cause::invalid(
            path,
            &quote(s),
            &format!("{path} in body must be of type date-time: {}", quote(s)),
        ));
    }
}

/// The layouts kube-openapi's `strfmt` accepts for `date-time`.
fn is_date_time(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z").is_ok()
        || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}

fn check_number(node: &Node, n: &serde_json::Number, path: &str, errs: &mut Vec<FieldCause>) {
    let Some(x) = n.as_f64() else {
        return;
    };
    if let Some(min) = node.minimum
        && x < min
    {
        errs.push(cause::invalid(
            path,
            &n.to_string(),
            &format!("{path} in body should be greater than or equal to {min}"),
        ));
    }
    if let Some(max) = node.maximum
        && x > max
    {
        errs.push(cause::invalid(
            path,
            &n.to_string(),
            &format!("{path} in body should be less than or equal to {max}"),
        ));
    }
}

/// Validates the fields of an object: required ones, known ones recursively, unknown ones
/// rejected unless the schema preserves them. Fields in `skip` are left to the caller.
pub(crate) fn validate_fields(
    node: &Node,
    map: &Map<String, Value>,
    path: &str,
    skip: &[&str],
    errs: &mut Vec<FieldCause>,
) {
    check_fields(node, map, path, skip, node.preserve_unknown, errs);
}

fn check_fields(
    node: &Node,
    map: &Map<String, Value>,
    path: &str,
    skip: &[&str],
    preserve: bool,
    errs: &mut Vec<FieldCause>,
) {
    for name in &node.required {
        if !map.contains_key(name) {
            errs.push(cause::required(&child(path, name), ""));
        }
    }
    for (k, fv) in map {
        if skip.contains(&k.as_str()) {
            continue;
        }
        let field_path = child(path, k);
        if let Some(sub) = node.field(k) {
            validate(sub, fv, &field_path, errs);
        } else if preserve
            || (node.embedded_resource && matches!(k.as_str(), "apiVersion" | "kind" | "metadata"))
        {
            continue;
        } else {
            errs.push(cause::unknown(&field_path));
        }
    }
    let count = map.len();
    if let Some(max) = node.max_properties
        && count as u64 > max
    {
        errs.push(cause::too_many(path, count, max));
    }
    if let Some(min) = node.min_properties
        && (count as u64) < min
    {
        errs.push(cause::invalid(
            path,
            &count.to_string(),
            &format!("{path} in body should have at least {min} properties"),
        ));
    }
}

fn check_array(
    node: &Node,
    items: &[Value],
    path: &str,
    preserve: bool,
    errs: &mut Vec<FieldCause>,
) {
    if let Some(item) = node.items.as_deref() {
        let preserve_item = preserve || item.preserve_unknown;
        for (i, v) in items.iter().enumerate() {
            validate_in(item, v, &index(path, i), preserve_item, errs);
        }
    }
    if let Some(max) = node.max_items
        && items.len() as u64 > max
    {
        errs.push(cause::too_many(path, items.len(), max));
    }
    if let Some(min) = node.min_items
        && (items.len() as u64) < min
    {
        errs.push(cause::invalid(
            path,
            &items.len().to_string(),
            &format!("{path} in body should have at least {min} items"),
        ));
    }
    match &node.list_type {
        Some(ListType::Map(keys)) => check_unique(items, path, errs, |v| {
            let mut key = Map::new();
            for k in keys {
                key.insert(k.clone(), v.get(k).cloned().unwrap_or(Value::Null));
            }
            Value::Object(key)
        }),
        Some(ListType::Set) => check_unique(items, path, errs, Value::clone),
        _ => {}
    }
}

fn check_unique(
    items: &[Value],
    path: &str,
    errs: &mut Vec<FieldCause>,
    key_of: impl Fn(&Value) -> Value,
) {
    let keys: Vec<Value> = items.iter().map(key_of).collect();
    for (i, key) in keys.iter().enumerate() {
        if keys[..i].contains(key) {
            errs.push(cause::duplicate(&index(path, i), key));
        }
    }
}

fn check_rules(node: &Node, v: &Value, path: &str, errs: &mut Vec<FieldCause>) {
    for rule in &node.rules {
        let shown = quote(cause::type_name(v));
        match (rule.check)(v) {
            Verdict::Pass => {}
            Verdict::Fail => errs.push(cause::invalid(path, &shown, rule.message)),
            Verdict::Error(e) => errs.push(cause::invalid(
                path,
                &shown,
                &format!("{e} evaluating rule: {}", rule.rule),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(schema: Value, v: Value) -> Vec<FieldCause> {
        let mut errs = Vec::new();
        validate(&Node::compile(&schema), &v, "spec", &mut errs);
        errs
    }

    #[test]
    fn integer_is_not_number() {
        let e = errors(json!({"type": "integer"}), json!(1.5));
        assert_eq!(e[0].reason, "FieldValueTypeInvalid");
        assert_eq!(
            e[0].message,
            "Invalid value: \"number\": spec in body must be of type integer: \"number\""
        );
        assert!(errors(json!({"type": "number"}), json!(1)).is_empty());
    }

    #[test]
    fn int_or_string_accepts_both_and_checks_pattern_on_strings() {
        let s = json!({"x-kubernetes-int-or-string": true, "pattern": "^[0-9]+Gi$",
            "anyOf": [{"type": "integer"}, {"type": "string"}]});
        assert!(errors(s.clone(), json!(3)).is_empty());
        assert!(errors(s.clone(), json!("3Gi")).is_empty());
        assert_eq!(
            errors(s.clone(), json!("3G"))[0].reason,
            "FieldValueInvalid"
        );
        assert_eq!(errors(s, json!(true))[0].reason, "FieldValueTypeInvalid");
    }

    #[test]
    fn bounds_and_lengths() {
        assert_eq!(
            errors(json!({"type": "integer", "minimum": 0}), json!(-1))[0].message,
            "Invalid value: -1: spec in body should be greater than or equal to 0"
        );
        assert_eq!(
            errors(json!({"type": "integer", "maximum": 5}), json!(6))[0].message,
            "Invalid value: 6: spec in body should be less than or equal to 5"
        );
        assert_eq!(
            errors(json!({"type": "string", "maxLength": 2}), json!("abc"))[0].reason,
            "FieldValueTooLong"
        );
        assert_eq!(
            errors(json!({"type": "array", "maxItems": 1}), json!([1, 2]))[0].reason,
            "FieldValueTooMany"
        );
        assert_eq!(
            errors(json!({"type": "array", "minItems": 1}), json!([]))[0].message,
            "Invalid value: 0: spec in body should have at least 1 items"
        );
    }

    #[test]
    fn date_time_format() {
        let s = json!({"type": "string", "format": "date-time"});
        assert!(errors(s.clone(), json!("2025-06-04T10:00:00Z")).is_empty());
        assert!(errors(s.clone(), json!("2025-06-04T10:00:00.5+08:00")).is_empty());
        assert_eq!(
            errors(s, json!("yesterday"))[0].message,
            "Invalid value: \"yesterday\": spec in body must be of type date-time: \"yesterday\""
        );
    }

    #[test]
    fn map_list_keys_are_unique() {
        let s = json!({"type": "array", "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            "items": {"type": "object", "properties": {"name": {"type": "string"}}}});
        let e = errors(s, json!([{"name": "a"}, {"name": "b"}, {"name": "a"}]));
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "spec[2]");
        assert_eq!(e[0].reason, "FieldValueDuplicate");
    }

    #[test]
    fn preserve_unknown_fields_keeps_unknown_but_checks_known() {
        let s = json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true,
            "properties": {"a": {"type": "string"}}});
        assert!(errors(s.clone(), json!({"zzz": 1})).is_empty());
        assert_eq!(errors(s, json!({"a": 1}))[0].field, "spec.a");
        let preserving_array = json!({"type": "array", "x-kubernetes-preserve-unknown-fields": true,
            "items": {"type": "object", "properties": {"a": {"type": "object", "properties": {}}}}});
        assert!(errors(preserving_array.clone(), json!([{"zzz": 1}])).is_empty());
        assert_eq!(
            errors(preserving_array, json!([{"a": {"zzz": 1}}]))[0].field,
            "spec[0].a.zzz"
        );
        let closed = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        assert_eq!(
            errors(closed, json!({"zzz": 1}))[0].message,
            "unknown field \"spec.zzz\""
        );
    }

    #[test]
    fn embedded_resource_allows_type_meta() {
        let s = json!({"type": "object", "x-kubernetes-embedded-resource": true,
            "properties": {"spec": {"type": "object"}}});
        assert!(
            errors(
                s,
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {}})
            )
            .is_empty()
        );
    }

    #[test]
    fn null_is_a_type_error_unless_nullable() {
        assert_eq!(
            errors(json!({"type": "string"}), Value::Null)[0].reason,
            "FieldValueTypeInvalid"
        );
        assert!(errors(json!({"type": "string", "nullable": true}), Value::Null).is_empty());
    }
}
