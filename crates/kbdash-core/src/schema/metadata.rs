//! Light validation of `metadata`, as the API server's ObjectMeta checks word it: the name
//! (DNS-1123 subdomain), label and annotation maps of strings with valid keys and label values.
//! Fields `ObjectMeta` does not have are pruned before (`prune`).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::FieldCause;
use super::cause::{self, child, quote};

const DNS1123_SUBDOMAIN: &str = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const QUALIFIED_NAME: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

// The patterns above are constants that compile (checked by the tests).
#[allow(
    clippy::expect_used,
    reason = "a constant pattern, compiled by the tests"
)]
static SUBDOMAIN_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{DNS1123_SUBDOMAIN}$")).expect("constant regex"));
#[allow(
    clippy::expect_used,
    reason = "a constant pattern, compiled by the tests"
)]
static QUALIFIED_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{QUALIFIED_NAME}$")).expect("constant regex"));
#[allow(
    clippy::expect_used,
    reason = "a constant pattern, compiled by the tests"
)]
static LABEL_VALUE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{LABEL_VALUE}$")).expect("constant regex"));

/// Why `s` is not a DNS-1123 subdomain, if it is not.
pub(crate) fn dns1123_subdomain_error(s: &str) -> Option<String> {
    if s.len() > 253 {
        return Some("must be no more than 253 characters".to_owned());
    }
    if SUBDOMAIN_RE.is_match(s) {
        return None;
    }
    Some(format!(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{DNS1123_SUBDOMAIN}')"
    ))
}

fn qualified_name_error(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if p.is_empty() {
            return Some("prefix part must be non-empty".to_owned());
        }
        if let Some(e) = dns1123_subdomain_error(p) {
            return Some(format!("prefix part {e}"));
        }
    }
    if name.is_empty() {
        return Some("name part must be non-empty".to_owned());
    }
    if name.len() > 63 {
        return Some("name part must be no more than 63 characters".to_owned());
    }
    if !QUALIFIED_RE.is_match(name) {
        return Some(format!(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '{QUALIFIED_NAME}')"
        ));
    }
    None
}

fn label_value_error(v: &str) -> Option<String> {
    if v.len() > 63 {
        return Some("must be no more than 63 characters".to_owned());
    }
    if !LABEL_VALUE_RE.is_match(v) {
        return Some(format!(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '{LABEL_VALUE}')"
        ));
    }
    None
}

/// Validates `metadata` (absent metadata is reported as a missing name).
pub(crate) fn validate(meta: Option<&Value>, errs: &mut Vec<FieldCause>) {
    let empty = Map::new();
    let map = match meta {
        None => &empty,
        Some(Value::Object(m)) => m,
        Some(other) => {
            errs.push(cause::type_invalid("metadata", "object", other));
            return;
        }
    };
    check_name(map, errs);
    for field in ["namespace", "generateName"] {
        if let Some(v) = map.get(field)
            && !v.is_string()
        {
            errs.push(cause::type_invalid(&child("metadata", field), "string", v));
        }
    }
    check_string_map(map, "labels", errs, label_value_error);
    check_string_map(map, "annotations", errs, |_| None);
}

fn check_name(map: &Map<String, Value>, errs: &mut Vec<FieldCause>) {
    match map.get("name") {
        Some(Value::String(name)) if !name.is_empty() => {
            if let Some(e) = dns1123_subdomain_error(name) {
                errs.push(cause::invalid("metadata.name", &quote(name), &e));
            }
        }
        Some(v) if !v.is_string() && !v.is_null() => {
            errs.push(cause::type_invalid("metadata.name", "string", v));
        }
        _ => {
            let has_generate = map
                .get("generateName")
                .and_then(Value::as_str)
                .is_some_and(|g| !g.is_empty());
            if !has_generate {
                errs.push(cause::required(
                    "metadata.name",
                    "name or generateName is required",
                ));
            }
        }
    }
}

fn check_string_map(
    meta: &Map<String, Value>,
    field: &str,
    errs: &mut Vec<FieldCause>,
    value_error: impl Fn(&str) -> Option<String>,
) {
    let path = child("metadata", field);
    let entries = match meta.get(field) {
        None | Some(Value::Null) => return,
        Some(Value::Object(m)) => m,
        Some(other) => {
            errs.push(cause::type_invalid(&path, "object", other));
            return;
        }
    };
    for (k, v) in entries {
        if let Some(e) = qualified_name_error(k) {
            errs.push(cause::invalid(&path, &quote(k), &e));
        }
        match v.as_str() {
            Some(s) => {
                if let Some(e) = value_error(s) {
                    errs.push(cause::invalid(&path, &quote(s), &e));
                }
            }
            None => errs.push(cause::type_invalid(&child(&path, k), "string", v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(meta: Value) -> Vec<FieldCause> {
        let mut errs = Vec::new();
        validate(Some(&meta), &mut errs);
        errs
    }

    #[test]
    fn good_metadata_passes() {
        assert!(
            errors(json!({"name": "pg-cluster", "namespace": "demo",
                "labels": {"app.kubernetes.io/instance": "pg-cluster", "empty": ""},
                "annotations": {"kubeblocks.io/x": "{\"a\": 1}"}}))
            .is_empty()
        );
        assert!(errors(json!({"generateName": "pg-cluster-restart-"})).is_empty());
    }

    #[test]
    fn bad_names_are_refused() {
        let e = errors(json!({"name": "Bad_Name"}));
        assert_eq!(e[0].field, "metadata.name");
        assert!(
            e[0].message
                .starts_with("Invalid value: \"Bad_Name\": a lowercase RFC 1123")
        );
        assert_eq!(errors(json!({}))[0].reason, "FieldValueRequired");
        assert_eq!(
            errors(json!({"name": 3}))[0].reason,
            "FieldValueTypeInvalid"
        );
    }

    #[test]
    fn labels_are_checked() {
        let e = errors(json!({"name": "a", "labels": {"k": "bad value!"}}));
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "metadata.labels");
        assert!(
            e[0].message
                .contains("a valid label must be an empty string")
        );
        assert_eq!(
            errors(json!({"name": "a", "labels": {"k": 1}}))[0].field,
            "metadata.labels.k"
        );
        assert!(!errors(json!({"name": "a", "labels": {"-k": "v"}})).is_empty());
        assert!(!errors(json!({"name": "a", "annotations": {"k": true}})).is_empty());
    }
}
