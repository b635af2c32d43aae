//! Structural validation of a (defaulted, pruned) value against a compiled schema node,
//! collecting every violation as the API server does (it does not stop at the first one).
//! Violations of the CEL rules are kept apart: the API server reports them only when no
//! schema violation blocks the rules from being evaluated.

use serde_json::{Map, Value};

use super::FieldCause;
use super::cause::{self, child, index, quote, show};
use super::cel::Verdict;
use super::node::{JsonType, ListType, Node};

/// What validation found.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Violations of the OpenAPI schema and of the list types.
    pub(crate) schema: Vec<FieldCause>,
    /// Violations of the CEL `x-kubernetes-validations` rules.
    pub(crate) rules: Vec<FieldCause>,
}

impl Found {
    fn is_empty(&self) -> bool {
        self.schema.is_empty() && self.rules.is_empty()
    }
}

/// Validates `v` at `path` against `node`, adding what it finds to `found`.
pub(crate) fn validate(node: &Node, v: &Value, path: &str, found: &mut Found) {
    if !type_ok(node, v, path, found) {
        // The API server's validator still applies what does not depend on the type.
        if node.int_or_string {
            int_or_string_failed(v, path, found);
        }
        check_enum(node, v, path, found);
        check_all_of(node, v, path, found);
        return;
    }
    check_enum(node, v, path, found);
    match v {
        Value::String(s) => check_string(node, s, path, found),
        Value::Number(n) => check_number(node, n, path, found),
        Value::Object(map) => check_fields(node, map, path, &[], found),
        Value::Array(items) => check_array(node, items, path, found),
        _ => {}
    }
    check_all_of(node, v, path, found);
    // `anyOf` only appears as the `integer`/`string` pair of int-or-string, handled by the
    // type check; any other use is checked generically.
    if !node.any_of.is_empty() && !node.int_or_string {
        let any_passes = node.any_of.iter().any(|sub| {
            let mut sub_found = Found::default();
            validate(sub, v, path, &mut sub_found);
            sub_found.is_empty()
        });
        if !any_passes {
            found.schema.push(any_of_failed(path));
        }
    }
    check_rules(node, v, path, found);
}

fn check_enum(node: &Node, v: &Value, path: &str, found: &mut Found) {
    if let Some(allowed) = &node.enumeration
        && !allowed.contains(v)
    {
        found.schema.push(cause::not_supported(path, v, allowed));
    }
}

/// Every `allOf` schema's violations, and a cause on no field when some did not validate.
fn check_all_of(node: &Node, v: &Value, path: &str, found: &mut Found) {
    if node.all_of.is_empty() {
        return;
    }
    let mut validated = 0;
    for sub in &node.all_of {
        let mut sub_found = Found::default();
        validate(sub, v, path, &mut sub_found);
        if sub_found.is_empty() {
            validated += 1;
        }
        found.schema.extend(sub_found.schema);
        found.rules.extend(sub_found.rules);
    }
    if validated < node.all_of.len() {
        let none = if validated == 0 {
            ". None validated"
        } else {
            ""
        };
        found.schema.push(cause::invalid(
            "<nil>",
            "\"\"",
            &format!(
                "{} must validate all the schemas (allOf){none}",
                quote(path)
            ),
        ));
    }
}

fn any_of_failed(path: &str) -> FieldCause {
    cause::invalid(
        "<nil>",
        "\"\"",
        &format!("{} must validate at least one schema (anyOf)", quote(path)),
    )
}

/// What the API server adds when an int-or-string value is neither: its `anyOf` of integer
/// and string failed, and the integer branch's errors (the first of two equally bad).
fn int_or_string_failed(v: &Value, path: &str, found: &mut Found) {
    found.schema.push(any_of_failed(path));
    found.schema.push(cause::type_invalid(path, "integer", v));
    if v.is_f64() {
        found.schema.push(cause::invalid(
            "<nil>",
            "\"\"",
            &format!("Checked value must be of type integer (default format) in {path}"),
        ));
    }
}

/// Checks the JSON type; returns false when the value cannot be examined further.
fn type_ok(node: &Node, v: &Value, path: &str, found: &mut Found) -> bool {
    if v.is_null() && node.nullable {
        return false;
    }
    if node.int_or_string {
        let ok = v.is_string() || is_integer(v);
        if !ok {
            found
                .schema
                .push(cause::type_invalid(path, "integer,string", v));
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
        found
            .schema
            .push(cause::type_invalid(path, expected.name(), v));
    }
    ok
}

fn is_integer(v: &Value) -> bool {
    v.is_i64() || v.is_u64()
}

fn check_string(node: &Node, s: &str, path: &str, found: &mut Found) {
    let errs = &mut found.schema;
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

fn check_number(node: &Node, n: &serde_json::Number, path: &str, found: &mut Found) {
    let errs = &mut found.schema;
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

/// Validates the fields of an object: required ones, known ones recursively (unknown ones
/// were pruned before). Fields in `skip` are left to the caller.
pub(crate) fn validate_fields(
    node: &Node,
    map: &Map<String, Value>,
    path: &str,
    skip: &[&str],
    found: &mut Found,
) {
    check_fields(node, map, path, skip, found);
}

fn check_fields(
    node: &Node,
    map: &Map<String, Value>,
    path: &str,
    skip: &[&str],
    found: &mut Found,
) {
    for name in &node.required {
        if !map.contains_key(name) {
            found.schema.push(cause::required(&child(path, name), ""));
        }
    }
    for (k, fv) in map {
        if skip.contains(&k.as_str()) {
            continue;
        }
        if let Some(sub) = node.field(k) {
            validate(sub, fv, &child(path, k), found);
        }
    }
    let errs = &mut found.schema;
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

fn check_array(node: &Node, items: &[Value], path: &str, found: &mut Found) {
    if let Some(item) = node.items.as_deref() {
        for (i, v) in items.iter().enumerate() {
            validate(item, v, &index(path, i), found);
        }
    }
    let errs = &mut found.schema;
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
        Some(ListType::Map(keys)) => {
            // Items must be objects; the API server stops at the first that is not.
            if let Some((i, item)) = items.iter().enumerate().find(|(_, v)| !v.is_object()) {
                errs.push(cause::invalid(
                    &index(path, i),
                    &show(item),
                    "must be an object for an array of list-type map",
                ));
                return;
            }
            // An item's key is made of the key fields it has (none: the empty key).
            check_unique(items, path, errs, |v| {
                let mut key = Map::new();
                for k in keys {
                    if let Some(kv) = v.get(k) {
                        key.insert(k.clone(), kv.clone());
                    }
                }
                Value::Object(key)
            })
        }
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

fn check_rules(node: &Node, v: &Value, path: &str, found: &mut Found) {
    for rule in &node.rules {
        match (rule.check)(v) {
            Verdict::Pass => {}
            Verdict::Fail => found.rules.push(cause::rule_failed(path, v, rule.message)),
            Verdict::Error(e) => found.rules.push(cause::rule_failed(
                path,
                v,
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
        let mut found = Found::default();
        validate(&Node::compile(&schema), &v, "spec", &mut found);
        found.schema.into_iter().chain(found.rules).collect()
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
    fn known_fields_under_preserving_nodes_are_checked() {
        let s = json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true,
            "properties": {"a": {"type": "string"}}});
        assert!(errors(s.clone(), json!({"zzz": 1})).is_empty());
        assert_eq!(errors(s, json!({"a": 1}))[0].field, "spec.a");
    }

    fn texts(schema: Value, v: Value) -> Vec<String> {
        errors(schema, v).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_value_of_the_wrong_type_still_meets_the_enum_and_all_of() {
        let s = json!({"type": "string", "allOf": [{"enum": ["A"]}, {"enum": ["A"]}]});
        assert_eq!(
            texts(s, json!([1])),
            [
                "spec: Invalid value: \"array\": spec in body must be of type string: \"array\"",
                "spec: Unsupported value: [1]: supported values: \"A\"",
                "spec: Unsupported value: [1]: supported values: \"A\"",
                "<nil>: Invalid value: \"\": \"spec\" must validate all the schemas (allOf). None validated",
            ]
        );
        let s = json!({"type": "string", "allOf": [{"enum": ["A"]}, {"pattern": "^B"}]});
        assert_eq!(
            texts(s, json!("A"))[1],
            "<nil>: Invalid value: \"\": \"spec\" must validate all the schemas (allOf)"
        );
    }

    #[test]
    fn an_int_or_string_of_another_type_fails_its_any_of() {
        let s = json!({"x-kubernetes-int-or-string": true,
            "anyOf": [{"type": "integer"}, {"type": "string"}]});
        assert_eq!(
            texts(s.clone(), json!(1.5)),
            [
                "spec: Invalid value: \"number\": spec in body must be of type integer,string: \"number\"",
                "<nil>: Invalid value: \"\": \"spec\" must validate at least one schema (anyOf)",
                "spec: Invalid value: \"number\": spec in body must be of type integer: \"number\"",
                "<nil>: Invalid value: \"\": Checked value must be of type integer (default format) in spec",
            ]
        );
        assert_eq!(texts(s, json!(true)).len(), 3);
    }

    #[test]
    fn items_of_a_map_list_must_be_objects() {
        let s = json!({"type": "array", "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"], "items": {}});
        assert_eq!(
            texts(s.clone(), json!([{"name": "a"}, 1, 2, {"name": "a"}])),
            ["spec[1]: Invalid value: 1: must be an object for an array of list-type map"]
        );
        // Items without the key share the empty key.
        assert_eq!(
            texts(s, json!([{"x": 1}, {"y": 2}])),
            ["spec[1]: Duplicate value: {}"]
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
