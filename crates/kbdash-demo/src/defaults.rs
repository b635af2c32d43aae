//! What the API server fills in on a created core object before storing it: a Pod's initial
//! status (`Pending`, with its QoS class), a Namespace's phase and finalizer.

use serde_json::{Value, json};

use kbdash_core::domain::quantity::Quantity;
use kbdash_core::kinds::Kind;

/// Fills in what the API server sets on creating an object of `kind` (whose `status`, if it
/// had one, is already dropped).
pub(crate) fn on_create(kind: Kind, obj: &mut Value) {
    let status = match kind {
        Kind::Pod => json!({"phase": "Pending", "qosClass": qos_class(obj)}),
        Kind::Namespace => json!({"phase": "Active"}),
        _ => return,
    };
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    map.insert("status".into(), status);
    if kind == Kind::Namespace
        && let Some(spec) = map
            .entry("spec")
            .or_insert_with(|| json!({}))
            .as_object_mut()
    {
        spec.entry("finalizers")
            .or_insert_with(|| json!(["kubernetes"]));
    }
}

/// A Pod's QoS class from its containers' cpu and memory requests and limits: `BestEffort`
/// with none, `Guaranteed` when every container limits both and requests what it limits (a
/// request left out is the limit), `Burstable` otherwise.
fn qos_class(pod: &Value) -> &'static str {
    let containers: Vec<&Value> = ["/spec/containers", "/spec/initContainers"]
        .iter()
        .filter_map(|p| pod.pointer(p).and_then(Value::as_array))
        .flatten()
        .collect();
    let amount = |c: &Value, what: &str, res: &str| {
        c.pointer(&format!("/resources/{what}/{res}"))
            .and_then(|v| match v {
                Value::String(s) => Quantity::parse(s).ok(),
                Value::Number(n) => Quantity::parse(&n.to_string()).ok(),
                _ => None,
            })
            .map(|q| q.nanos())
    };
    let resources = ["cpu", "memory"];
    let any = containers.iter().any(|c| {
        resources
            .iter()
            .any(|r| amount(c, "requests", r).is_some() || amount(c, "limits", r).is_some())
    });
    if !any {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        resources.iter().all(|r| match amount(c, "limits", r) {
            Some(limit) => amount(c, "requests", r).is_none_or(|req| req == limit),
            None => false,
        })
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(resources: Value) -> Value {
        json!({"spec": {"containers": [{"name": "c", "resources": resources}]}})
    }

    #[test]
    fn pods_start_pending_with_their_qos_class() {
        let mut p = pod(json!({}));
        on_create(Kind::Pod, &mut p);
        assert_eq!(
            p["status"],
            json!({"phase": "Pending", "qosClass": "BestEffort"})
        );
        let equal = json!({"limits": {"cpu": "1", "memory": "1Gi"},
            "requests": {"cpu": "1000m", "memory": "1Gi"}});
        assert_eq!(qos_class(&pod(equal)), "Guaranteed");
        let limits_only = json!({"limits": {"cpu": "1", "memory": "1Gi"}});
        assert_eq!(qos_class(&pod(limits_only)), "Guaranteed");
        let less = json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}});
        assert_eq!(qos_class(&pod(less)), "Burstable");
    }

    #[test]
    fn namespaces_start_active_with_the_kubernetes_finalizer() {
        let mut ns = json!({"metadata": {"name": "x"}});
        on_create(Kind::Namespace, &mut ns);
        assert_eq!(ns["status"]["phase"], "Active");
        assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
    }
}
