//! Upgrade: the new service version must be a release the ComponentVersion pairs with the
//! component's definition (so it stays within the major); pods roll onto the new image.

use serde_json::{Value, json};

use super::status::PodVerb;
use super::{Op, OpError, rolling};
use crate::operator::cluster;
use crate::operator::ctx::Ctx;
use crate::operator::objects as obj;
use kbdash_core::kinds::Kind;

/// Whether the ComponentVersion has a rule pairing `comp_def` with `service_version`.
fn compatible(cmpv: &Value, comp_def: &str, service_version: &str) -> bool {
    cmpv.pointer("/spec/compatibilityRules")
        .and_then(Value::as_array)
        .is_some_and(|rules| {
            rules.iter().any(|rule| {
                let defs = rule.get("compDefs").and_then(Value::as_array);
                let releases = rule.get("releases").and_then(Value::as_array);
                defs.is_some_and(|d| {
                    d.iter()
                        .filter_map(Value::as_str)
                        .any(|p| comp_def.starts_with(p))
                }) && releases
                    .is_some_and(|r| r.iter().any(|v| v.as_str() == Some(service_version)))
            })
        })
}

pub(super) async fn run(ctx: &Ctx, op: &Op) -> Result<(), OpError> {
    let item = op
        .spec
        .pointer("/upgrade/components/0")
        .cloned()
        .unwrap_or(Value::Null);
    let current = cluster::get(ctx, &op.cluster).unwrap_or(Value::Null);
    let old_version = obj::comp_str(&current, "serviceVersion");
    let old_def = obj::comp_def(&old_version);
    let version = item
        .get("serviceVersion")
        .and_then(Value::as_str)
        .unwrap_or(&old_version)
        .to_string();
    let comp_def = item
        .get("componentDefinitionName")
        .and_then(Value::as_str)
        .unwrap_or(&old_def)
        .to_string();
    let cmpv = ctx
        .store
        .get_value(Kind::ComponentVersion, None, "postgresql")
        .unwrap_or(Value::Null);
    if !compatible(&cmpv, &comp_def, &version) {
        return Err(OpError::Failed(format!(
            "no matched component definition found with componentDef \"{comp_def}\" and serviceVersion \"{version}\""
        )));
    }
    op.last_configuration(
        ctx,
        json!({"serviceVersion": old_version, "componentDefinitionName": old_def}),
    );
    let written = cluster::modify_comp_spec(ctx, &op.cluster, |comp| {
        comp["serviceVersion"] = version.clone().into();
    })
    .map_err(|e| OpError::Failed(e.to_string()))?;
    op.cluster_generation(ctx, &written);
    rolling::roll(ctx, op, Some(PodVerb::Upgrade)).await
}

#[cfg(test)]
mod tests {
    use super::compatible;
    use crate::operator::objects::component_version;

    #[test]
    fn only_releases_of_the_same_major() {
        let cmpv = component_version("u", "t");
        assert!(compatible(&cmpv, "postgresql-16-1.0.5", "16.9.0"));
        assert!(!compatible(&cmpv, "postgresql-16-1.0.5", "15.7.0"));
        assert!(!compatible(&cmpv, "postgresql-16-1.0.5", "16.99.0"));
    }
}
