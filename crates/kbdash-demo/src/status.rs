//! `metav1.Status` error answers, worded the way the Kubernetes API server words them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use kbdash_core::kinds::Kind;
use kbdash_core::schema::FieldCause;

/// An error answer: HTTP code, Kubernetes reason, message and optional details.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    /// HTTP status code.
    pub(crate) code: u16,
    /// `metav1.StatusReason`, e.g. `NotFound`.
    pub(crate) reason: &'static str,
    /// Human-readable message.
    pub(crate) message: String,
    /// `metav1.StatusDetails`, when the error concerns an object.
    pub(crate) details: Option<Value>,
}

/// `plural.group`, or `plural` for the core group, as the API server names a resource.
pub(crate) fn qualified_resource(kind: Kind) -> String {
    let i = kind.info();
    if i.group.is_empty() {
        i.plural.to_string()
    } else {
        format!("{}.{}", i.plural, i.group)
    }
}

/// `metav1.StatusDetails` naming a resource: the core group is left out, as Go's `omitempty`
/// leaves it.
fn resource_details(kind: Kind, name: &str) -> Value {
    let i = kind.info();
    let mut d = json!({"name": name, "kind": i.plural});
    if !i.group.is_empty() {
        d["group"] = json!(i.group);
    }
    d
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    /// 400 BadRequest.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(400, "BadRequest", message)
    }

    /// 400 for fields a schema does not declare under strict field validation, as the API
    /// server's decoder words it (`fields` sorted).
    pub(crate) fn strict_decoding(kind: Kind, fields: &[String]) -> Self {
        let i = kind.info();
        let unknown: Vec<String> = fields
            .iter()
            .map(|f| format!("unknown field \"{f}\""))
            .collect();
        ApiError::bad_request(format!(
            "{k} in version \"{v}\" cannot be handled as a {k}: strict decoding error: {}",
            unknown.join(", "),
            k = i.kind_name,
            v = i.version
        ))
    }

    /// 415 for a patch type the resource does not take (strategic merge on a custom resource).
    pub(crate) fn unsupported_patch() -> Self {
        ApiError::new(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        )
    }

    /// 404 for a path that names no resource.
    pub(crate) fn path_not_found() -> Self {
        let mut e = ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        );
        e.details = Some(json!({}));
        e
    }

    /// 404 for a missing object.
    pub(crate) fn not_found(kind: Kind, name: &str) -> Self {
        let mut e = ApiError::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", qualified_resource(kind)),
        );
        e.details = Some(resource_details(kind, name));
        e
    }

    /// 405 MethodNotAllowed.
    pub(crate) fn method_not_allowed() -> Self {
        let mut e = ApiError::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        );
        e.details = Some(json!({}));
        e
    }

    /// 409 AlreadyExists.
    pub(crate) fn already_exists(kind: Kind, name: &str) -> Self {
        let mut e = ApiError::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", qualified_resource(kind)),
        );
        e.details = Some(resource_details(kind, name));
        e
    }

    /// 409 Conflict on a stale resourceVersion.
    pub(crate) fn conflict(kind: Kind, name: &str) -> Self {
        let mut e = ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                qualified_resource(kind)
            ),
        );
        e.details = Some(resource_details(kind, name));
        e
    }

    /// 410 Expired: a watch or continue token reaches back further than the history.
    pub(crate) fn expired(message: impl Into<String>) -> Self {
        ApiError::new(410, "Expired", message)
    }

    /// 403 Forbidden, as RBAC answers it.
    pub(crate) fn forbidden(kind: Kind, verb: &str, namespace: Option<&str>) -> Self {
        let i = kind.info();
        let scope = match namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        let mut e = ApiError::new(
            403,
            "Forbidden",
            format!(
                "{} is forbidden: User \"demo\" cannot {verb} resource \"{}\" in API group \"{}\" {scope}",
                qualified_resource(kind),
                i.plural,
                i.group
            ),
        );
        let mut details = json!({"kind": i.plural});
        if !i.group.is_empty() {
            details["group"] = json!(i.group);
        }
        e.details = Some(details);
        e
    }

    /// 422 Invalid with one cause per refused field.
    pub(crate) fn invalid(kind: Kind, name: &str, causes: &[FieldCause]) -> Self {
        let i = kind.info();
        let group_kind = if i.group.is_empty() {
            i.kind_name.to_string()
        } else {
            format!("{}.{}", i.kind_name, i.group)
        };
        let parts: Vec<String> = causes
            .iter()
            .map(|c| {
                if c.field.is_empty() {
                    c.message.clone()
                } else {
                    format!("{}: {}", c.field, c.message)
                }
            })
            .collect();
        let listed = if parts.len() == 1 {
            parts[0].clone()
        } else {
            format!("[{}]", parts.join(", "))
        };
        let mut e = ApiError::new(
            422,
            "Invalid",
            format!("{group_kind} \"{name}\" is invalid: {listed}"),
        );
        let causes: Vec<Value> = causes
            .iter()
            .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
            .collect();
        e.details = Some(json!({
            "name": name,
            "group": i.group,
            "kind": i.kind_name,
            "causes": causes,
        }));
        e
    }

    /// 422 Invalid with a single cause, for checks the server itself makes.
    pub(crate) fn invalid_field(
        kind: Kind,
        name: &str,
        reason: &str,
        field: &str,
        message: &str,
    ) -> Self {
        ApiError::invalid(
            kind,
            name,
            &[FieldCause {
                reason: reason.to_string(),
                field: field.to_string(),
                message: message.to_string(),
            }],
        )
    }

    /// The `metav1.Status` object.
    pub(crate) fn to_status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            s["details"] = d.clone();
        }
        s
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (code, self.to_status().to_string()).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cause(field: &str, message: &str) -> FieldCause {
        FieldCause {
            reason: "FieldValueNotSupported".into(),
            field: field.into(),
            message: message.into(),
        }
    }

    #[test]
    fn invalid_lists_causes_like_the_api_server() {
        let one = ApiError::invalid(
            Kind::OpsRequest,
            "x",
            &[cause("spec.type", "Unsupported value: \"Foo\"")],
        );
        assert_eq!(
            one.message,
            "OpsRequest.operations.kubeblocks.io \"x\" is invalid: spec.type: Unsupported value: \"Foo\""
        );
        let two = ApiError::invalid(Kind::OpsRequest, "x", &[cause("a", "m1"), cause("b", "m2")]);
        assert!(two.message.ends_with("is invalid: [a: m1, b: m2]"));
        assert_eq!(two.to_status()["details"]["causes"][1]["field"], "b");
        assert_eq!(two.to_status()["code"], 422);
    }

    #[test]
    fn names_resources_by_plural_and_group() {
        assert_eq!(
            ApiError::not_found(Kind::Pod, "p").message,
            "pods \"p\" not found"
        );
        assert_eq!(
            ApiError::forbidden(Kind::OpsRequest, "list", Some("demo")).message,
            "opsrequests.operations.kubeblocks.io is forbidden: User \"demo\" cannot list resource \"opsrequests\" in API group \"operations.kubeblocks.io\" in the namespace \"demo\""
        );
    }
}
