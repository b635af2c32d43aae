//! Reconfiguring: the Parameter controller checks each name and value against the addon's
//! parameter rules for the cluster's major version (`kbdash_core::domain::pg_params`, operator value
//! mode); static parameters roll the pods, dynamic ones are reloaded in place.

use serde_json::{Map, Value};

use super::{Op, OpError, rolling};
use crate::operator::cluster;
use crate::operator::ctx::Ctx;
use crate::operator::objects::{self as obj, COMPONENT};
use kbdash_core::domain::pg_params::{self, ParamError, ValueMode};
use kbdash_core::kinds::Kind;

/// Simulated seconds the Parameter controller takes to merge, and a reload takes.
const MERGE_SECS: f64 = 2.0;
const RELOAD_SECS: f64 = 3.0;

/// Where the demo keeps the parameters applied to a component (the real operator keeps them
/// in a ConfigMap and a ComponentParameter, kinds the demo does not serve).
pub(crate) const APPLIED_ANNOTATION: &str = "kbdash.io/applied-parameters";

/// The operator's message for a refused parameter.
fn message(e: &ParamError) -> String {
    match e {
        ParamError::InvalidValue { message, .. } => {
            format!("reconfigure parameter failed: failed to validate updated config: {message}")
        }
        other => format!("reconfigure parameter failed: {other}"),
    }
}

/// Checks every parameter; returns whether any needs a restart.
pub(super) fn check(major: u32, items: &[Value]) -> Result<bool, String> {
    let mut restart = false;
    for item in items {
        for p in item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = p.get("key").and_then(Value::as_str).unwrap_or_default();
            let Some(value) = p.get("value").and_then(Value::as_str) else {
                // A null value resets the parameter to its default: only the name is checked.
                match pg_params::lookup(major, key) {
                    Some(_) => continue,
                    None => return Err(message(&ParamError::NotFound(key.to_string()))),
                }
            };
            let normalized = pg_params::validate(major, key, value, ValueMode::Operator)
                .map_err(|e| message(&e))?;
            restart |= normalized.restart_required;
        }
    }
    Ok(restart)
}

pub(super) async fn run(ctx: &Ctx, op: &Op) -> Result<(), OpError> {
    let items = op.items("reconfigures");
    let version = cluster::get(ctx, &op.cluster)
        .map(|c| obj::comp_str(&c, "serviceVersion"))
        .unwrap_or_default();
    let major = pg_params::major_of(&version).unwrap_or(0);
    op.running(ctx, None);
    ctx.pause(MERGE_SECS).await;
    let restart = check(major, &items).map_err(OpError::Failed)?;
    if restart {
        rolling::roll(ctx, op, None).await?;
    } else {
        ctx.pause(RELOAD_SECS).await;
    }
    let component = format!("{}-{COMPONENT}", op.cluster.name);
    let _ = ctx
        .store
        .modify(Kind::Component, op.cluster.ns(), &component, |c| {
            let annotations = obj::annotations_mut(c);
            let mut applied: Map<String, Value> = annotations
                .get(APPLIED_ANNOTATION)
                .and_then(Value::as_str)
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            for item in &items {
                for p in item
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let key = p
                        .get("key")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    match p.get("value").and_then(Value::as_str) {
                        Some(v) => applied.insert(key, v.into()),
                        None => applied.remove(&key),
                    };
                }
            }
            annotations.insert(
                APPLIED_ANNOTATION.into(),
                Value::Object(applied).to_string().into(),
            );
            Ok(())
        });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;
    use serde_json::json;

    #[test]
    fn operator_messages() {
        let unknown = json!([{"parameters": [{"key": "no_such_param", "value": "1"}]}]);
        assert_eq!(
            check(16, unknown.as_array().unwrap()),
            Err("reconfigure parameter failed: parameter no_such_param not found in parameters schema".to_string())
        );
        let dynamic =
            json!([{"parameters": [{"key": "log_min_duration_statement", "value": "500"}]}]);
        assert_eq!(check(16, dynamic.as_array().unwrap()), Ok(false));
        let static_param = json!([{"parameters": [{"key": "max_connections", "value": "200"}]}]);
        assert_eq!(check(16, static_param.as_array().unwrap()), Ok(true));
    }
}
