//! Unit tests over the bundled schemas themselves.

use super::*;

/// Calls `f(path, schema)` for every schema node under `s`.
fn walk(s: &Value, path: &str, f: &mut dyn FnMut(&str, &Value)) {
    f(path, s);
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            walk(v, &format!("{path}.{k}"), f);
        }
    }
    if let Some(items) = s.get("items") {
        walk(items, &format!("{path}[]"), f);
    }
    if let Some(add) = s.get("additionalProperties").filter(|v| v.is_object()) {
        walk(add, &format!("{path}{{}}"), f);
    }
    for key in ["allOf", "anyOf"] {
        for sub in s.get(key).and_then(Value::as_array).into_iter().flatten() {
            walk(sub, path, f);
        }
    }
}

fn crd_kinds() -> Vec<Kind> {
    Kind::all()
        .filter(|k| k.info().crd_schema.is_some())
        .collect()
}

#[test]
fn every_crd_kind_has_a_bundled_schema() {
    for kind in crd_kinds() {
        assert!(raw_schema(kind).is_some(), "{kind:?}");
        assert!(compiled(kind).is_some(), "{kind:?}");
    }
    assert!(compiled(Kind::Pod).is_none());
}

/// The script the brief asks for: list every CEL rule of the bundled schemas; every rule must
/// have a Rust implementation.
#[test]
fn every_cel_rule_is_implemented() {
    let mut listed = Vec::new();
    for kind in crd_kinds() {
        let schema = raw_schema(kind).expect("bundled");
        walk(&schema, "", &mut |path, s| {
            for rule in s
                .get("x-kubernetes-validations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let text = rule["rule"].as_str().expect("rule text");
                listed.push((kind, path.to_owned(), text.to_owned()));
            }
        });
    }
    let non_transition: Vec<_> = listed
        .iter()
        .filter(|(_, _, r)| !cel::is_transition_rule(r))
        .collect();
    assert_eq!(listed.len(), 46);
    assert_eq!(non_transition.len(), 13);
    for (kind, path, rule) in &listed {
        let implemented = if cel::is_transition_rule(rule) {
            cel::lookup_transition(rule).is_some()
        } else {
            cel::lookup(rule).is_some()
        };
        assert!(implemented, "{kind:?} {path}: {rule}");
    }
}

#[test]
fn every_bundled_pattern_compiles() {
    for kind in crd_kinds() {
        let schema = raw_schema(kind).expect("bundled");
        walk(&schema, "", &mut |path, s| {
            if let Some(p) = s.get("pattern").and_then(Value::as_str) {
                assert!(regex::Regex::new(p).is_ok(), "{kind:?} {path}: {p}");
            }
        });
    }
}

#[test]
fn core_kinds_pass_unchanged() {
    let mut pod = serde_json::json!({"metadata": {"name": "NOT valid"}, "spec": {"x": null}});
    let before = pod.clone();
    assert_eq!(admit(Kind::Pod, &mut pod), Ok(()));
    assert_eq!(pod, before);
}

#[test]
fn causes_display_as_field_and_message() {
    assert_eq!(
        cause::required("spec.type", "").to_string(),
        "spec.type: Required value"
    );
    assert_eq!(
        cause::type_invalid("", "object", &serde_json::json!(1)).to_string(),
        "Invalid value: \"integer\": body must be of type object: \"integer\""
    );
}
