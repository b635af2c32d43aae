//! VerticalScaling: resource keys and request <= limit are checked, then the Cluster spec's
//! resources change and the pods roll.

use serde_json::{Map, Value, json};

use super::status::PodVerb;
use super::{Op, OpError, rolling};
use crate::operator::ctx::Ctx;
use crate::operator::{cluster, objects as obj};
use kbdash_core::domain::quantity::Quantity;

/// Resource keys and request <= limit, with the operator's messages.
pub(super) fn validate(items: &[Value]) -> Result<(), String> {
    for item in items {
        let requests = item.get("requests").and_then(Value::as_object);
        let limits = item.get("limits").and_then(Value::as_object);
        for map in [requests, limits].into_iter().flatten() {
            for key in map.keys() {
                if key != "cpu" && key != "memory" && !key.starts_with("hugepages-") {
                    return Err(format!(
                        "invalid value for \"{key}\": resource key is not cpu or memory or hugepages- "
                    ));
                }
            }
        }
        let (Some(requests), Some(limits)) = (requests, limits) else {
            continue;
        };
        for (res, request) in requests {
            let (Some(request), Some(limit)) =
                (request.as_str(), limits.get(res).and_then(Value::as_str))
            else {
                continue;
            };
            if let (Ok(r), Ok(l)) = (Quantity::parse(request), Quantity::parse(limit))
                && r.nanos() > l.nanos()
            {
                return Err(format!(
                    "invalid value for \"{request}\": must be less than or equal to {res} limit"
                ));
            }
        }
    }
    Ok(())
}

pub(super) async fn run(ctx: &Ctx, op: &Op) -> Result<(), OpError> {
    let item = op
        .items("verticalScaling")
        .into_iter()
        .next()
        .unwrap_or(Value::Null);
    let before = cluster::get(ctx, &op.cluster)
        .and_then(|c| obj::comp_spec(&c).and_then(|s| s.get("resources")).cloned())
        .unwrap_or_else(|| json!({}));
    op.last_configuration(ctx, before);
    let written = cluster::modify_comp_spec(ctx, &op.cluster, |comp| {
        let resources = obj::ensure_object(comp, "resources");
        for part in ["requests", "limits"] {
            if let Some(new) = item.get(part).and_then(Value::as_object) {
                let entry = resources
                    .entry(part)
                    .or_insert_with(|| Value::Object(Map::new()));
                for (k, v) in new {
                    entry[k] = v.clone();
                }
            }
        }
    })
    .map_err(|e| OpError::Failed(e.to_string()))?;
    op.cluster_generation(ctx, &written);
    rolling::roll(ctx, op, Some(PodVerb::VerticalScale)).await
}

#[cfg(test)]
mod tests {
    use super::validate;
    use serde_json::json;

    #[test]
    fn messages_match_facts() {
        let bad = json!([{"componentName": "postgresql", "requests": {"cpu": "4"}, "limits": {"cpu": "2"}}]);
        assert_eq!(
            validate(bad.as_array().unwrap()),
            Err("invalid value for \"4\": must be less than or equal to cpu limit".to_string())
        );
        let key = json!([{"requests": {"gpu": "1"}}]);
        assert_eq!(
            validate(key.as_array().unwrap()),
            Err(
                "invalid value for \"gpu\": resource key is not cpu or memory or hugepages- "
                    .to_string()
            )
        );
        let ok = json!([{"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}]);
        assert_eq!(validate(ok.as_array().unwrap()), Ok(()));
    }
}
