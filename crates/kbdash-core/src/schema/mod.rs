//! Validation of KubeBlocks objects against the real CRD schemas, the way the API server does it.
//!
//! On create the API server, for a CRD with a structural schema, first decodes the object,
//! pruning the fields the schema does not declare (with strict field validation, kubectl's
//! default, any such field refuses the object on its own: 400, nothing else is checked); it
//! then prunes `null`s of non-nullable fields, fills `default`s, validates against the OpenAPI
//! schema and, unless a violation blocks them (a wrong type, a missing required field, a
//! value not in an enum, too long, too many), evaluates the CEL `x-kubernetes-validations`
//! rules. [`admit`] does the same from the schemas bundled in `crds/`, [`admit_update`] adds
//! the transition rules (`oldSelf`) of an update, and [`prune_unknown`] is the lenient
//! decoding (field validation `Warn` or `Ignore`). `kbdash`'s real-server test tier compares all of
//! this with a real kube-apiserver.

mod cause;
mod cel;
mod crd;
mod defaults;
mod metadata;
mod node;
mod prune;
mod transition;
mod validate;

use std::sync::{LazyLock, OnceLock};

use serde_json::Value;

use crate::kinds::{KINDS, Kind};

use node::Node;

pub use crd::custom_resource_definition;

/// One reason an object was refused, tied to the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldCause {
    /// Kubernetes cause reason: `FieldValueRequired`, `FieldValueInvalid`,
    /// `FieldValueNotSupported`, `FieldValueTypeInvalid`, `FieldValueForbidden`,
    /// `FieldValueTooLong`, `FieldValueTooMany`, `FieldValueDuplicate`, or
    /// `FieldValueUnknown` (strict field validation: a field the schema does not declare).
    pub reason: String,
    /// JSON path like `spec.horizontalScaling[0].scaleOut.replicaChanges`.
    pub field: String,
    /// The message without the field prefix, e.g. `Required value`.
    pub message: String,
}

impl std::fmt::Display for FieldCause {
    /// `field: message`, as the API server joins them in a Status message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// The bundled CRD schemas, by the file name `KindInfo::crd_schema` gives.
pub(crate) const BUNDLED_SCHEMAS: &[(&str, &str)] = &[
    (
        "backuppolicies.dataprotection.kubeblocks.io.v1alpha1.json",
        include_str!("crds/backuppolicies.dataprotection.kubeblocks.io.v1alpha1.json"),
    ),
    (
        "backups.dataprotection.kubeblocks.io.v1alpha1.json",
        include_str!("crds/backups.dataprotection.kubeblocks.io.v1alpha1.json"),
    ),
    (
        "backupschedules.dataprotection.kubeblocks.io.v1alpha1.json",
        include_str!("crds/backupschedules.dataprotection.kubeblocks.io.v1alpha1.json"),
    ),
    (
        "clusters.apps.kubeblocks.io.v1.json",
        include_str!("crds/clusters.apps.kubeblocks.io.v1.json"),
    ),
    (
        "components.apps.kubeblocks.io.v1.json",
        include_str!("crds/components.apps.kubeblocks.io.v1.json"),
    ),
    (
        "componentversions.apps.kubeblocks.io.v1.json",
        include_str!("crds/componentversions.apps.kubeblocks.io.v1.json"),
    ),
    (
        "opsrequests.operations.kubeblocks.io.v1alpha1.json",
        include_str!("crds/opsrequests.operations.kubeblocks.io.v1alpha1.json"),
    ),
    (
        "restores.dataprotection.kubeblocks.io.v1alpha1.json",
        include_str!("crds/restores.dataprotection.kubeblocks.io.v1alpha1.json"),
    ),
];

/// The raw `openAPIV3Schema` of a kind as JSON, for kinds with a bundled CRD schema.
pub fn raw_schema(kind: Kind) -> Option<Value> {
    let file = kind.info().crd_schema?;
    let (_, text) = BUNDLED_SCHEMAS.iter().find(|(name, _)| *name == file)?;
    serde_json::from_str(text).ok()
}

/// One lazily compiled schema per kind, indexed like `KINDS` (which follows `Kind`'s order).
static COMPILED: LazyLock<Vec<OnceLock<Option<Node>>>> =
    LazyLock::new(|| KINDS.iter().map(|_| OnceLock::new()).collect());

fn compiled(kind: Kind) -> Option<&'static Node> {
    COMPILED
        .get(kind as usize)?
        .get_or_init(|| raw_schema(kind).map(|s| Node::compile(&s)))
        .as_ref()
}

/// The reasons of violations after which the API server does not evaluate CEL rules.
const BLOCKING: &[&str] = &[
    "FieldValueNotSupported",
    "FieldValueRequired",
    "FieldValueTooLong",
    "FieldValueTooMany",
    "FieldValueTypeInvalid",
];

/// Removes the fields of `obj` its kind's schema does not declare, as the API server's
/// decoding does with field validation `Warn` (the default when a request names none) or
/// `Ignore`; answers their paths (`spec.foo`), sorted. Kinds without a CRD schema keep
/// everything.
pub fn prune_unknown(kind: Kind, obj: &mut Value) -> Vec<String> {
    compiled(kind).map_or_else(Vec::new, |root| prune::prune(root, obj))
}

/// Admits an object of `kind` as the API server does on create with strict field validation:
/// fields the schema does not declare refuse it on their own (reason `FieldValueUnknown`, one
/// cause each, sorted by path); otherwise it prunes nulls, applies defaults, validates types,
/// enums, patterns and required fields, and runs the CEL rules unless a violation blocks them
/// (then a cause on field `<nil>` says so, as the API server's does). Kinds without a CRD
/// schema (core kinds) are admitted unchanged. On error `obj` may already be pruned and carry
/// the defaults.
pub fn admit(kind: Kind, obj: &mut Value) -> Result<(), Vec<FieldCause>> {
    admit_with(kind, None, obj)
}

/// Admits the update of an object of `kind` from `old` (as stored) to `new`: [`admit`], plus
/// the transition rules (immutable fields and the like) where both have the field.
pub fn admit_update(kind: Kind, old: &Value, new: &mut Value) -> Result<(), Vec<FieldCause>> {
    admit_with(kind, Some(old), new)
}

fn admit_with(kind: Kind, old: Option<&Value>, obj: &mut Value) -> Result<(), Vec<FieldCause>> {
    let Some(root) = compiled(kind) else {
        return Ok(());
    };
    decode(root, obj)?;
    let mut found = validate::Found::default();
    match obj.as_object() {
        Some(map) => {
            metadata::validate(map.get("metadata"), &mut found.schema);
            validate::validate_fields(root, map, "", &["metadata"], &mut found);
            if let Some(old) = old {
                transition::check(root, old, obj, "", &mut found.rules);
            }
        }
        None => found.schema.push(cause::type_invalid("", "object", obj)),
    }
    verdict(root, found)
}

/// Admits a write of the status subresource of an object of `kind`, from `old` (as stored) to
/// `new`, as the API server does: the status is validated against its own schema (the
/// messages name fields relative to it, as the server's do; the causes' fields start with
/// `status`), and the CEL rules, transition rules included, run on the whole object.
pub fn admit_status_update(
    kind: Kind,
    old: &Value,
    new: &mut Value,
) -> Result<(), Vec<FieldCause>> {
    let Some(root) = compiled(kind) else {
        return Ok(());
    };
    decode(root, new)?;
    let mut found = validate::Found::default();
    if let (Some(node), Some(status)) = (root.properties.get("status"), new.get("status")) {
        let mut own = validate::Found::default();
        validate::validate(node, status, "", &mut own);
        found.schema = own
            .schema
            .into_iter()
            .map(|mut c| {
                c.field = match c.field.as_str() {
                    "" => "status".to_owned(),
                    "<nil>" => c.field,
                    f if f.starts_with('[') => format!("status{f}"),
                    f => format!("status.{f}"),
                };
                c
            })
            .collect();
    }
    if let Some(map) = new.as_object() {
        let mut whole = validate::Found::default();
        validate::validate_fields(root, map, "", &["metadata"], &mut whole);
        found.rules = whole.rules;
        transition::check(root, old, new, "", &mut found.rules);
    }
    verdict(root, found)
}

/// The API server's decoding of a custom resource under strict field validation, then its
/// defaulting: fields the schema does not declare refuse the object on their own.
fn decode(root: &Node, obj: &mut Value) -> Result<(), Vec<FieldCause>> {
    let unknown = prune::prune(root, obj);
    if !unknown.is_empty() {
        return Err(unknown.iter().map(|f| cause::unknown(f)).collect());
    }
    defaults::apply(root, obj);
    Ok(())
}

/// The verdict on what validation found: schema violations, then the CEL rules' unless a
/// violation blocks them.
fn verdict(root: &Node, found: validate::Found) -> Result<(), Vec<FieldCause>> {
    let blocked = found
        .schema
        .iter()
        .any(|c| BLOCKING.contains(&c.reason.as_str()));
    let mut errs = found.schema;
    if !blocked {
        errs.extend(found.rules);
    } else if root.has_rules {
        errs.push(cause::rules_not_checked());
    }
    // The same violation can be found twice (e.g. an `allOf` repeating an enum); the API
    // server's message lists it once.
    let mut unique: Vec<FieldCause> = Vec::with_capacity(errs.len());
    for e in errs {
        if !unique.contains(&e) {
            unique.push(e);
        }
    }
    if unique.is_empty() {
        Ok(())
    } else {
        Err(unique)
    }
}

/// Validates an object as [`admit`] would, without changing it (defaults are applied to a
/// copy, so a field that is required but has a default is not reported).
pub fn validate_only(kind: Kind, obj: &Value) -> Result<(), Vec<FieldCause>> {
    let mut copy = obj.clone();
    admit(kind, &mut copy)
}

#[cfg(test)]
mod tests;
