//! Writes: create, update (PUT), patch and delete, on objects and on their `status`
//! subresource, with admission of KubeBlocks kinds against their CRD schemas.
//!
//! As the API server does for CRDs with a status subresource (and for pods), writes to the
//! main resource keep the stored `status` (a create starts with none) and writes to `status`
//! change nothing else.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::list::Params;
use super::patch::{json_patch, merge_patch};
use super::route::ResourcePath;
use super::status::ApiError;
use super::store::{Store, StoreError, timestamp};
use kbdash_core::kinds::Kind;

/// A successful write: the HTTP code, the object (or Status) to answer with, and the texts of
/// the `Warning` headers to send with it.
#[derive(Debug)]
pub(crate) struct Written {
    pub(crate) code: StatusCode,
    pub(crate) body: Value,
    pub(crate) warnings: Vec<String>,
}

impl Written {
    fn new(code: StatusCode, body: Value) -> Self {
        Written {
            code,
            body,
            warnings: Vec::new(),
        }
    }
}

/// How fields a schema does not declare are treated (`fieldValidation`): refused, dropped with
/// a warning (the default when a request names none), or dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldValidation {
    Strict,
    Warn,
    Ignore,
}

impl FieldValidation {
    fn of(params: &Params) -> Self {
        match params.get("fieldValidation") {
            Some("Strict") => FieldValidation::Strict,
            Some("Ignore") => FieldValidation::Ignore,
            _ => FieldValidation::Warn,
        }
    }
}

/// Maps a store refusal to the API server's answer.
pub(crate) fn store_error(kind: Kind, name: &str, e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound { .. } => ApiError::not_found(kind, name),
        StoreError::AlreadyExists { .. } => ApiError::already_exists(kind, name),
        StoreError::Expired { .. } => ApiError::expired(e.to_string()),
        StoreError::Invalid(msg) => {
            let (field, message) = msg.split_once(": ").unwrap_or(("", msg.as_str()));
            ApiError::invalid_field(kind, name, "FieldValueInvalid", field, message)
        }
    }
}

/// Parses a request body: JSON, or YAML (apply patches, YAML content types).
pub(crate) fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return Ok(v);
    }
    serde_yaml_ng::from_slice::<Value>(body).map_err(|e| {
        ApiError::bad_request(format!("the body of the request could not be decoded: {e}"))
    })
}

fn dry_run(params: &Params) -> bool {
    params.get("dryRun") == Some("All")
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")?
        .get(field)?
        .as_str()
        .filter(|s| !s.is_empty())
}

fn metadata_mut(obj: &mut Value) -> Result<&mut Map<String, Value>, ApiError> {
    let map = obj
        .as_object_mut()
        .ok_or_else(|| ApiError::bad_request("the request body must be a JSON object"))?;
    map.entry("metadata")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| ApiError::bad_request("metadata must be an object"))
}

/// Checks `apiVersion`/`kind` when given, and the namespace against the path's.
fn check_identity(kind: Kind, rp: &ResourcePath, obj: &mut Value) -> Result<(), ApiError> {
    if let Some(v) = obj.get("apiVersion").and_then(Value::as_str)
        && v != kind.api_version()
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({v}) does not match the expected API version ({})",
            kind.api_version()
        )));
    }
    if let Some(k) = obj.get("kind").and_then(Value::as_str)
        && k != kind.info().kind_name
    {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({k}) does not match the expected kind ({})",
            kind.info().kind_name
        )));
    }
    let body_ns = meta_str(obj, "namespace").map(str::to_string);
    let meta = metadata_mut(obj)?;
    if kind.info().namespaced {
        match (body_ns, &rp.namespace) {
            (Some(b), Some(p)) if &b != p => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            (_, Some(p)) => {
                meta.insert("namespace".into(), json!(p));
            }
            (_, None) => return Err(ApiError::method_not_allowed()),
        }
    } else {
        meta.remove("namespace");
    }
    Ok(())
}

/// A lowercase RFC 1123 subdomain, as object names must be.
fn valid_name(name: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
    !name.is_empty()
        && name.len() <= 253
        && name.chars().all(ok_char)
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// What a write asks admission for.
#[derive(Clone, Copy)]
enum Admission<'a> {
    Create,
    /// An update of the object from the stored one.
    Update(&'a Value),
    /// A write of the status subresource over the stored object.
    Status(&'a Value),
}

/// Runs schema admission for KubeBlocks kinds: fields the schema does not declare are
/// dropped first, as `validation` says; answers the warnings to send.
fn admit(
    kind: Kind,
    name: &str,
    admission: Admission<'_>,
    obj: &mut Value,
    validation: FieldValidation,
) -> Result<Vec<String>, ApiError> {
    if kind.info().crd_schema.is_none() {
        return Ok(Vec::new());
    }
    let unknown = kbdash_core::schema::prune_unknown(kind, obj);
    let warnings = match validation {
        FieldValidation::Strict if !unknown.is_empty() => {
            return Err(ApiError::strict_decoding(kind, &unknown));
        }
        FieldValidation::Warn => unknown
            .iter()
            .map(|f| format!("unknown field \"{f}\""))
            .collect(),
        _ => Vec::new(),
    };
    match admission {
        Admission::Create => kbdash_core::schema::admit(kind, obj),
        Admission::Update(old) => kbdash_core::schema::admit_update(kind, old, obj),
        Admission::Status(old) => kbdash_core::schema::admit_status_update(kind, old, obj),
    }
    .map_err(|causes| ApiError::invalid(kind, name, &causes))?;
    Ok(warnings)
}

/// POST to a collection; with `apply` an absent object is created by server-side apply.
pub(crate) fn create(
    store: &Store,
    rp: &ResourcePath,
    params: &Params,
    mut obj: Value,
) -> Result<Written, ApiError> {
    let kind = rp.kind;
    check_identity(kind, rp, &mut obj)?;
    if meta_str(&obj, "resourceVersion").is_some() {
        return Err(ApiError::bad_request(
            "resourceVersion should not be set on objects to be created",
        ));
    }
    if let Some(map) = obj.as_object_mut() {
        if kind.info().has_status {
            map.remove("status");
        }
        if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            for field in [
                "uid",
                "creationTimestamp",
                "generation",
                "managedFields",
                "deletionTimestamp",
                "selfLink",
            ] {
                meta.remove(field);
            }
        }
    }
    super::defaults::on_create(kind, &mut obj);
    let display_name = meta_str(&obj, "name")
        .or_else(|| meta_str(&obj, "generateName"))
        .unwrap_or_default()
        .to_string();
    match meta_str(&obj, "name") {
        Some(n) if !valid_name(n) => {
            return Err(ApiError::invalid_field(
                kind,
                n,
                "FieldValueInvalid",
                "metadata.name",
                &format!(
                    "Invalid value: \"{n}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
                ),
            ));
        }
        None if meta_str(&obj, "generateName").is_none() => {
            return Err(ApiError::invalid_field(
                kind,
                "",
                "FieldValueRequired",
                "metadata.name",
                "Required value: name or generateName is required",
            ));
        }
        _ => {}
    }
    let warnings = admit(
        kind,
        &display_name,
        Admission::Create,
        &mut obj,
        FieldValidation::of(params),
    )?;
    let mut written = if dry_run(params) {
        dry_run_create(store, kind, obj)?
    } else {
        let stored = store
            .create(kind, obj)
            .map_err(|e| store_error(kind, &display_name, e))?;
        Written::new(StatusCode::CREATED, stored)
    };
    written.warnings = warnings;
    Ok(written)
}

/// What a create would store, without storing it.
fn dry_run_create(store: &Store, kind: Kind, mut obj: Value) -> Result<Written, ApiError> {
    let ns = meta_str(&obj, "namespace").map(str::to_string);
    let meta = metadata_mut(&mut obj)?;
    let name = match meta.get("name").and_then(Value::as_str) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => {
            let prefix = meta
                .get("generateName")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let n = format!("{prefix}{}", store.random_suffix(5));
            meta.insert("name".into(), json!(n));
            n
        }
    };
    meta.insert("uid".into(), json!(store.random_uid()));
    meta.insert("creationTimestamp".into(), json!(timestamp(store.now())));
    meta.insert("generation".into(), json!(1));
    if store.get(kind, ns.as_deref(), &name).is_some() {
        return Err(ApiError::already_exists(kind, &name));
    }
    if let Some(map) = obj.as_object_mut() {
        map.insert("apiVersion".into(), json!(kind.api_version()));
        map.insert("kind".into(), json!(kind.info().kind_name));
    }
    Ok(Written::new(StatusCode::CREATED, obj))
}

/// Applies a change computed from the stored object (the new object and the warnings to
/// send), or only computes it on dry run.
fn change<F>(
    store: &Store,
    rp: &ResourcePath,
    name: &str,
    params: &Params,
    compute: F,
) -> Result<Written, ApiError>
where
    F: FnOnce(&Value) -> Result<(Value, Vec<String>), ApiError>,
{
    let kind = rp.kind;
    let ns = rp.namespace.as_deref();
    let answer = |(body, warnings)| Written {
        code: StatusCode::OK,
        body,
        warnings,
    };
    if dry_run(params) {
        let old = store
            .get_value(kind, ns, name)
            .ok_or_else(|| ApiError::not_found(kind, name))?;
        return compute(&old).map(answer);
    }
    // The store's closure can only fail with a StoreError: the API error is kept aside and
    // the placeholder merely abandons the write.
    let mut failure = None;
    let mut warnings = Vec::new();
    let result = store.modify(kind, ns, name, |obj| match compute(obj) {
        Ok((new, w)) => {
            *obj = new;
            warnings = w;
            Ok(())
        }
        Err(e) => {
            failure = Some(e);
            Err(StoreError::Invalid(String::new()))
        }
    });
    match (result, failure) {
        (_, Some(e)) => Err(e),
        (Ok(v), None) => Ok(answer((v, warnings))),
        (Err(e), None) => Err(store_error(kind, name, e)),
    }
}

/// Builds the object to store from the stored one and the client's version of it, with the
/// warnings to send.
fn merge_into_stored(
    kind: Kind,
    rp: &ResourcePath,
    name: &str,
    old: &Value,
    mut new: Value,
    validation: FieldValidation,
) -> Result<(Value, Vec<String>), ApiError> {
    let old_rv = meta_str(old, "resourceVersion").unwrap_or_default();
    if let Some(rv) = meta_str(&new, "resourceVersion")
        && rv != old_rv
    {
        return Err(ApiError::conflict(kind, name));
    }
    let status_only = rp.subresource.as_deref() == Some("status");
    if status_only {
        let mut result = old.clone();
        match new.get("status") {
            Some(s) => result["status"] = s.clone(),
            None => {
                if let Some(m) = result.as_object_mut() {
                    m.remove("status");
                }
            }
        }
        let warnings = admit(kind, name, Admission::Status(old), &mut result, validation)?;
        return Ok((result, warnings));
    }
    let meta = metadata_mut(&mut new)?;
    meta.insert("name".into(), json!(name));
    match old.pointer("/metadata/namespace") {
        Some(ns) => meta.insert("namespace".into(), ns.clone()),
        None => meta.remove("namespace"),
    };
    meta.remove("managedFields");
    if kind.info().has_status
        && let Some(m) = new.as_object_mut()
    {
        match old.get("status") {
            Some(s) => m.insert("status".into(), s.clone()),
            None => m.remove("status"),
        };
    }
    let warnings = admit(kind, name, Admission::Update(old), &mut new, validation)?;
    Ok((new, warnings))
}

/// PUT on an object or its status.
pub(crate) fn update(
    store: &Store,
    rp: &ResourcePath,
    name: &str,
    params: &Params,
    mut obj: Value,
) -> Result<Written, ApiError> {
    let kind = rp.kind;
    if let Some(body_name) = meta_str(&obj, "name")
        && body_name != name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    check_identity(kind, rp, &mut obj)?;
    change(store, rp, name, params, |old| {
        merge_into_stored(kind, rp, name, old, obj, FieldValidation::of(params))
    })
}

/// How a PATCH body is to be applied, from its Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchType {
    /// JSON merge patch.
    Merge,
    /// Strategic merge patch: applied as a merge patch to core kinds (the demo knows no patch
    /// strategies); custom resources refuse it, as the API server does.
    StrategicMerge,
    /// JSON patch (RFC 6902).
    Json,
    /// Server-side apply.
    Apply,
}

impl PatchType {
    /// Reads the Content-Type of a PATCH.
    pub(crate) fn from_content_type(ct: &str) -> Option<Self> {
        let base = ct.split(';').next().unwrap_or_default().trim();
        match base {
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::StrategicMerge),
            "application/json-patch+json" => Some(PatchType::Json),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => {
                Some(PatchType::Apply)
            }
            _ => None,
        }
    }
}

/// PATCH on an object or its status. Server-side apply creates an absent object; it is
/// otherwise applied as a merge patch (fields the manager no longer sets are kept).
pub(crate) fn patch(
    store: &Store,
    rp: &ResourcePath,
    name: &str,
    params: &Params,
    patch_type: PatchType,
    body: Value,
) -> Result<Written, ApiError> {
    let kind = rp.kind;
    if patch_type == PatchType::StrategicMerge && kind.info().crd_schema.is_some() {
        return Err(ApiError::unsupported_patch());
    }
    if patch_type == PatchType::Apply {
        if params.get("fieldManager").is_none_or(str::is_empty) {
            return Err(ApiError {
                code: 422,
                reason: "Invalid",
                message: "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch".into(),
                details: Some(json!({"group": "meta.k8s.io", "kind": "PatchOptions", "causes": [
                    {"reason": "FieldValueRequired", "message": "Required value: is required for apply patch", "field": "fieldManager"}
                ]})),
            });
        }
        let absent = store.get(kind, rp.namespace.as_deref(), name).is_none();
        if absent && rp.subresource.is_none() {
            let mut obj = body;
            metadata_mut(&mut obj)?.insert("name".into(), json!(name));
            return create(store, rp, params, obj);
        }
    }
    change(store, rp, name, params, |old| {
        let mut new = old.clone();
        match patch_type {
            PatchType::Merge | PatchType::StrategicMerge | PatchType::Apply => {
                merge_patch(&mut new, &body)
            }
            PatchType::Json => json_patch(&mut new, &body)
                .map_err(|e| ApiError::invalid_field(kind, name, "FieldValueInvalid", "", &e))?,
        }
        let patched_rv = meta_str(&new, "resourceVersion").map(str::to_string);
        let old_rv = meta_str(old, "resourceVersion").unwrap_or_default();
        if patched_rv.as_deref().is_some_and(|rv| rv != old_rv) {
            return Err(ApiError::conflict(kind, name));
        }
        merge_into_stored(kind, rp, name, old, new, FieldValidation::of(params))
    })
}

/// What a DELETE answers once the object is gone: a core kind's object as it was, a custom
/// resource's `Status` of success naming it (as the API server answers for both).
fn deleted(kind: Kind, obj: Value) -> Written {
    if kind.info().crd_schema.is_none() {
        return Written::new(StatusCode::OK, obj);
    }
    let i = kind.info();
    let meta = &obj["metadata"];
    let status = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": meta["name"], "group": i.group, "kind": i.plural, "uid": meta["uid"]},
    });
    Written::new(StatusCode::OK, status)
}

/// DELETE: answers as [`deleted`] says. `options` is the DeleteOptions body, if any: its
/// `dryRun` and `preconditions` (uid, resourceVersion) are honoured.
pub(crate) fn delete(
    store: &Store,
    rp: &ResourcePath,
    name: &str,
    params: &Params,
    options: Option<&Value>,
) -> Result<Written, ApiError> {
    let kind = rp.kind;
    let ns = rp.namespace.as_deref();
    let body_dry_run = options
        .and_then(|o| o.get("dryRun"))
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|v| v == "All"));
    if let Some(pre) = options.and_then(|o| o.get("preconditions")) {
        let current = store
            .get_value(kind, ns, name)
            .ok_or_else(|| ApiError::not_found(kind, name))?;
        for field in ["uid", "resourceVersion"] {
            if let Some(want) = pre.get(field).and_then(Value::as_str)
                && current
                    .pointer(&format!("/metadata/{field}"))
                    .and_then(Value::as_str)
                    != Some(want)
            {
                return Err(ApiError::conflict(kind, name));
            }
        }
    }
    if dry_run(params) || body_dry_run {
        return store
            .get_value(kind, ns, name)
            .map(|v| deleted(kind, v))
            .ok_or_else(|| ApiError::not_found(kind, name));
    }
    if kind == Kind::Cluster {
        return mark_deleted(store, ns, name);
    }
    store
        .delete(kind, ns, name)
        .map(|v| deleted(kind, v))
        .map_err(|e| store_error(kind, name, e))
}

/// A Cluster holding finalizers is not removed by a DELETE: as the API server does, it gets
/// its `deletionTimestamp` and stays until the cluster controller has done what its
/// termination policy says and removed the finalizer (`operator::deletion`). The answer is
/// the object as it now is.
fn mark_deleted(store: &Store, ns: Option<&str>, name: &str) -> Result<Written, ApiError> {
    let kind = Kind::Cluster;
    let held = store
        .get_value(kind, ns, name)
        .ok_or_else(|| ApiError::not_found(kind, name))?
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty());
    if !held {
        return store
            .delete(kind, ns, name)
            .map(|v| deleted(kind, v))
            .map_err(|e| store_error(kind, name, e));
    }
    let at = crate::store::timestamp(store.now());
    store
        .modify(kind, ns, name, |c| {
            if c.pointer("/metadata/deletionTimestamp").is_none() {
                c["metadata"]["deletionTimestamp"] = at.clone().into();
                c["metadata"]["deletionGracePeriodSeconds"] = 0.into();
            }
            Ok(())
        })
        .map(|v| Written::new(StatusCode::OK, v))
        .map_err(|e| store_error(kind, name, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use std::sync::Arc;

    fn store() -> Store {
        Store::new(100, Arc::new(Utc::now), 1)
    }

    fn path(kind: Kind, ns: &str, name: Option<&str>, sub: Option<&str>) -> ResourcePath {
        ResourcePath {
            kind,
            namespace: Some(ns.into()),
            name: name.map(str::to_string),
            subresource: sub.map(str::to_string),
        }
    }

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn status_and_main_resource_writes_stay_apart() {
        let s = store();
        let rp = path(Kind::Pod, "d", None, None);
        let Written {
            code,
            body: created,
            ..
        } = create(
            &s,
            &rp,
            &params(&[]),
            json!({"metadata": {"name": "p"}, "spec": {"a": 1}, "status": {"phase": "X"}}),
        )
        .expect("created");
        assert_eq!(code, StatusCode::CREATED);
        assert_eq!(
            created["status"],
            json!({"phase": "Pending", "qosClass": "BestEffort"}),
            "create drops the status given; a pod starts Pending"
        );

        let status_path = path(Kind::Pod, "d", Some("p"), Some("status"));
        let Written { body: v, .. } = patch(
            &s,
            &status_path,
            "p",
            &params(&[]),
            PatchType::Merge,
            json!({"spec": {"a": 2}, "status": {"phase": "Running"}}),
        )
        .expect("patched");
        assert_eq!(v["status"]["phase"], "Running");
        assert_eq!(v["spec"]["a"], 1, "a status write leaves spec alone");

        let main = path(Kind::Pod, "d", Some("p"), None);
        let Written { body: v, .. } = patch(
            &s,
            &main,
            "p",
            &params(&[]),
            PatchType::Merge,
            json!({"spec": {"a": 3}, "status": {"phase": "Gone"}}),
        )
        .expect("patched");
        assert_eq!(
            (v["spec"]["a"].clone(), v["status"]["phase"].clone()),
            (json!(3), json!("Running"))
        );
    }

    #[test]
    fn update_checks_names_and_versions() {
        let s = store();
        let rp = path(Kind::Pod, "d", None, None);
        create(&s, &rp, &params(&[]), json!({"metadata": {"name": "p"}})).expect("created");
        let main = path(Kind::Pod, "d", Some("p"), None);
        let stale = json!({"metadata": {"name": "p", "resourceVersion": "1"}, "spec": {}});
        let e = update(&s, &main, "p", &params(&[]), stale).expect_err("stale");
        assert_eq!(e.code, 409);
        let other = json!({"metadata": {"name": "q"}});
        assert_eq!(
            update(&s, &main, "p", &params(&[]), other)
                .expect_err("renamed")
                .code,
            400
        );
    }

    #[test]
    fn apply_needs_a_field_manager_and_creates() {
        let s = store();
        let main = path(Kind::Pod, "d", Some("p"), None);
        let body = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
        let e = patch(&s, &main, "p", &params(&[]), PatchType::Apply, body.clone())
            .expect_err("no manager");
        assert_eq!(e.code, 422);
        let Written { code, .. } = patch(
            &s,
            &main,
            "p",
            &params(&[("fieldManager", "t")]),
            PatchType::Apply,
            body,
        )
        .expect("applied");
        assert_eq!(code, StatusCode::CREATED);
        assert!(s.get(Kind::Pod, Some("d"), "p").is_some());
    }

    #[test]
    fn dry_run_create_stores_nothing() {
        let s = store();
        let rp = path(Kind::OpsRequest, "d", None, None);
        let Written { body: v, .. } = create(
            &s,
            &rp,
            &params(&[("dryRun", "All")]),
            json!({"metadata": {"generateName": "x-"}, "spec": {"clusterName": "c", "type": "Restart", "restart": [{"componentName": "postgresql"}]}}),
        )
        .expect("dry run");
        assert!(
            v["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("x-"))
        );
        assert_eq!(s.count(Kind::OpsRequest), 0);
        let bad = create(
            &s,
            &rp,
            &params(&[]),
            json!({"metadata": {"name": "Bad_Name"}}),
        );
        assert_eq!(bad.expect_err("invalid").code, 422);
    }

    fn restart(name: &str) -> Value {
        json!({"metadata": {"name": name}, "spec": {"clusterName": "c", "type": "Restart",
            "restart": [{"componentName": "postgresql"}], "bogus": 1}})
    }

    /// Found side by side with a real kube-apiserver: unknown fields are refused only under
    /// `fieldValidation=Strict` (400), dropped with a warning by default, dropped under Ignore.
    #[test]
    fn field_validation_decides_what_unknown_fields_do() {
        let s = store();
        let rp = path(Kind::OpsRequest, "d", None, None);
        let e = create(
            &s,
            &rp,
            &params(&[("fieldValidation", "Strict")]),
            restart("a"),
        )
        .expect_err("strict");
        assert_eq!((e.code, e.reason), (400, "BadRequest"));
        assert_eq!(
            e.message,
            "OpsRequest in version \"v1alpha1\" cannot be handled as a OpsRequest: strict decoding error: unknown field \"spec.bogus\""
        );
        let warned = create(&s, &rp, &params(&[]), restart("b")).expect("warn");
        assert_eq!(warned.warnings, ["unknown field \"spec.bogus\""]);
        assert!(warned.body["spec"].get("bogus").is_none());
        let ignored = create(
            &s,
            &rp,
            &params(&[("fieldValidation", "Ignore")]),
            restart("c"),
        )
        .expect("ignore");
        assert!(ignored.warnings.is_empty());
        assert!(ignored.body["spec"].get("bogus").is_none());
    }

    /// Found side by side with a real kube-apiserver: updates meet the CRDs' transition rules,
    /// strategic merge patches of custom resources are refused, deleting a custom resource
    /// answers a Status.
    #[test]
    fn custom_resources_update_patch_and_delete_as_the_api_server_does() {
        let s = store();
        let rp = path(Kind::OpsRequest, "d", None, None);
        create(&s, &rp, &params(&[]), restart("o")).expect("created");
        let one = path(Kind::OpsRequest, "d", Some("o"), None);
        let e = patch(
            &s,
            &one,
            "o",
            &params(&[]),
            PatchType::Merge,
            json!({"spec": {"type": "Stop"}}),
        )
        .expect_err("immutable");
        assert_eq!(
            e.message,
            "OpsRequest.operations.kubeblocks.io \"o\" is invalid: spec.type: Invalid value: \"Stop\": forbidden to update spec.type"
        );
        let label = json!({"metadata": {"labels": {"a": "b"}}});
        let e = patch(
            &s,
            &one,
            "o",
            &params(&[]),
            PatchType::StrategicMerge,
            label.clone(),
        )
        .expect_err("strategic");
        assert_eq!((e.code, e.reason), (415, "UnsupportedMediaType"));
        assert!(patch(&s, &one, "o", &params(&[]), PatchType::Merge, label).is_ok());
        let gone = delete(&s, &one, "o", &params(&[]), None).expect("deleted");
        assert_eq!(gone.body["kind"], "Status");
        assert_eq!(gone.body["details"]["kind"], "opsrequests");
    }
}
