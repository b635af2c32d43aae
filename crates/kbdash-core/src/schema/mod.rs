//! Validation of KubeBlocks objects against the real CRD schemas, the way the API server does it.
//!
//! On create the API server, for a CRD with a structural schema, prunes `null`s of non-nullable
//! fields, fills `default`s, validates against the OpenAPI schema, evaluates the CEL
//! `x-kubernetes-validations` rules and (with strict field validation, kubectl's default)
//! rejects unknown fields. [`admit`] does the same from the schemas bundled in `crds/`.
//! Transition rules (`oldSelf`) only apply on update and are skipped.

mod cause;
mod cel;
mod crd;
mod defaults;
mod metadata;
mod node;
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

/// Admits an object of `kind` as the API server does on create: prunes nulls, applies
/// defaults, validates types, enums, patterns and required fields, runs the CEL rules and
/// rejects unknown fields. Kinds without a CRD schema (core kinds) are admitted unchanged.
/// On error `obj` may already carry the defaults.
pub fn admit(kind: Kind, obj: &mut Value) -> Result<(), Vec<FieldCause>> {
    let Some(root) = compiled(kind) else {
        return Ok(());
    };
    defaults::apply(root, obj);
    let mut errs = Vec::new();
    match obj.as_object() {
        Some(map) => {
            metadata::validate(map.get("metadata"), &mut errs);
            validate::validate_fields(root, map, "", &["metadata"], &mut errs);
        }
        None => errs.push(cause::type_invalid("", "object", obj)),
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
