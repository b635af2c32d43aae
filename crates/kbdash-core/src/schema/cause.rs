//! Builders for [`FieldCause`]s worded as the Kubernetes API server words them
//! (`k8s.io/apimachinery/pkg/util/validation/field` and kube-openapi's validation errors).

use serde_json::Value;

use super::FieldCause;

/// Reason for an unknown field under strict field validation. The API server reports these as
/// a 400 `strict decoding error: unknown field "spec.foo"` rather than a 422 cause; callers that
/// need that distinction match on this reason.
pub(crate) const UNKNOWN_FIELD: &str = "FieldValueUnknown";

/// A child path: `spec` + `type` = `spec.type`.
pub(crate) fn child(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// An element path: `spec.switchover` + 0 = `spec.switchover[0]`.
pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// A value as Go's field errors print it: strings quoted, numbers and booleans bare, the rest
/// as JSON.
pub(crate) fn show(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        other => other.to_string(),
    }
}

/// A string quoted like Go's `%q` (close enough for messages: JSON string escaping).
pub(crate) fn quote(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

/// The JSON type name of a value, as type errors print it.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn cause(reason: &str, field: &str, message: String) -> FieldCause {
    FieldCause {
        reason: reason.to_owned(),
        field: field.to_owned(),
        message,
    }
}

/// `Required value` (with an optional detail).
pub(crate) fn required(field: &str, detail: &str) -> FieldCause {
    let message = if detail.is_empty() {
        "Required value".to_owned()
    } else {
        format!("Required value: {detail}")
    };
    cause("FieldValueRequired", field, message)
}

/// `Invalid value: <shown>: <detail>`, `shown` already formatted.
pub(crate) fn invalid(field: &str, shown: &str, detail: &str) -> FieldCause {
    cause(
        "FieldValueInvalid",
        field,
        format!("Invalid value: {shown}: {detail}"),
    )
}

/// A wrong JSON type: `Invalid value: "string": spec.x in body must be of type integer: "string"`.
pub(crate) fn type_invalid(field: &str, expected: &str, actual: &Value) -> FieldCause {
    let actual = quote(type_name(actual));
    let place = if field.is_empty() {
        "body".to_owned()
    } else {
        format!("{field} in body")
    };
    cause(
        "FieldValueTypeInvalid",
        field,
        format!("Invalid value: {actual}: {place} must be of type {expected}: {actual}"),
    )
}

/// `Unsupported value: "Foo": supported values: "A", "B"`.
pub(crate) fn not_supported(field: &str, value: &Value, allowed: &[Value]) -> FieldCause {
    let allowed: Vec<String> = allowed.iter().map(show).collect();
    cause(
        "FieldValueNotSupported",
        field,
        format!(
            "Unsupported value: {}: supported values: {}",
            show(value),
            allowed.join(", ")
        ),
    )
}

/// `Too long: may not be more than N bytes`.
pub(crate) fn too_long(field: &str, max: u64) -> FieldCause {
    cause(
        "FieldValueTooLong",
        field,
        format!("Too long: may not be more than {max} bytes"),
    )
}

/// `Too many: N: must have at most M items`.
pub(crate) fn too_many(field: &str, actual: usize, max: u64) -> FieldCause {
    cause(
        "FieldValueTooMany",
        field,
        format!("Too many: {actual}: must have at most {max} items"),
    )
}

/// `Duplicate value: ...`.
pub(crate) fn duplicate(field: &str, value: &Value) -> FieldCause {
    cause(
        "FieldValueDuplicate",
        field,
        format!("Duplicate value: {}", show(value)),
    )
}

/// A CEL rule's failure on `value`: `Invalid value: "x": <message>` for a scalar,
/// `Invalid value: <message>` for an object or a list (the API server shows no value then).
pub(crate) fn rule_failed(field: &str, value: &Value, message: &str) -> FieldCause {
    let text = match value {
        Value::Object(_) | Value::Array(_) => format!("Invalid value: {message}"),
        scalar => format!("Invalid value: {}: {message}", show(scalar)),
    };
    cause("FieldValueInvalid", field, text)
}

/// What the API server adds when schema violations kept it from evaluating the CEL rules:
/// a cause on no field (`<nil>`, Go's nil field path).
pub(crate) fn rules_not_checked() -> FieldCause {
    cause(
        "FieldValueInvalid",
        "<nil>",
        "Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation".to_owned(),
    )
}

/// `unknown field "spec.foo"` (strict field validation).
pub(crate) fn unknown(field: &str) -> FieldCause {
    cause(
        UNKNOWN_FIELD,
        field,
        format!("unknown field {}", quote(field)),
    )
}
