//! How to reach a cluster: its Services (the component's default `<cluster>-<comp>`, the
//! headless one, and those an Expose added, `<cluster>-<comp>-<name>`), their ports and the
//! addresses a load balancer or node gave them, and the name of the account secret that holds
//! the password (docs/kubeblocks.md#postgresql-addon, #services). Never a secret's contents:
//! kbdash reads no Secret.

use serde_json::Value;

use crate::rows::{array, number, text, text_or_empty};

/// The account whose secret a client logs in with.
pub const SUPERUSER: &str = "postgres";

/// One Service of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceFacts {
    /// `metadata.name`.
    pub name: String,
    /// `spec.type` (`ClusterIP`, `NodePort`, `LoadBalancer`); `ClusterIP` when absent, as the
    /// API server defaults it.
    pub service_type: String,
    /// `spec.clusterIP`; `None` for a headless Service.
    pub cluster_ip: Option<String>,
    /// `spec.selector`'s `kubeblocks.io/role`: the role it routes to, empty for every pod.
    pub role: String,
    /// `spec.ports`.
    pub ports: Vec<Port>,
    /// Addresses from outside the cluster: `status.loadBalancer.ingress[]` IPs and hostnames
    /// and `spec.externalIPs`.
    pub external: Vec<String>,
}

/// One port of a Service.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Port {
    /// `name`, e.g. `tcp-postgresql`.
    pub name: String,
    /// `port`.
    pub port: Option<u64>,
    /// `nodePort`, for NodePort and LoadBalancer Services.
    pub node_port: Option<u64>,
}

impl ServiceFacts {
    /// Reads a Service object.
    pub fn from_value(v: &Value) -> ServiceFacts {
        let cluster_ip =
            text(v, &["spec", "clusterIP"]).filter(|ip| !ip.is_empty() && ip != "None");
        let mut external: Vec<String> = array(v, &["status", "loadBalancer", "ingress"])
            .iter()
            .filter_map(|i| text(i, &["ip"]).or_else(|| text(i, &["hostname"])))
            .filter(|a| !a.is_empty())
            .collect();
        external.extend(
            array(v, &["spec", "externalIPs"])
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string),
        );
        ServiceFacts {
            name: text_or_empty(v, &["metadata", "name"]),
            service_type: text(v, &["spec", "type"]).unwrap_or_else(|| "ClusterIP".into()),
            cluster_ip,
            role: text_or_empty(v, &["spec", "selector", "kubeblocks.io/role"]),
            ports: array(v, &["spec", "ports"])
                .iter()
                .map(|p| Port {
                    name: text_or_empty(p, &["name"]),
                    port: number(p, &["port"]),
                    node_port: number(p, &["nodePort"]),
                })
                .collect(),
            external,
        }
    }

    /// Whether it is reachable from outside the Kubernetes cluster by its type.
    pub fn is_external(&self) -> bool {
        matches!(self.service_type.as_str(), "NodePort" | "LoadBalancer")
    }
}

/// The Secret that holds account `account`'s password for component `component` of `cluster`:
/// `<cluster>-<comp>-account-<name>` (docs/kubeblocks.md#postgresql-addon).
pub fn account_secret(cluster: &str, component: &str, account: &str) -> String {
    format!("{cluster}-{component}-account-{account}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_load_balancer_and_a_headless_service() {
        let lb = json!({"metadata": {"name": "pg-postgresql-internet"},
            "spec": {"type": "LoadBalancer", "clusterIP": "10.96.1.2",
                "selector": {"kubeblocks.io/role": "primary"},
                "ports": [{"name": "tcp-postgresql", "port": 5432, "nodePort": 31234}]},
            "status": {"loadBalancer": {"ingress": [{"hostname": "a.elb.example.com"}, {"ip": "203.0.113.7"}]}}});
        let got = ServiceFacts::from_value(&lb);
        assert!(got.is_external());
        assert_eq!(got.external, ["a.elb.example.com", "203.0.113.7"]);
        assert_eq!(got.ports[0].node_port, Some(31234));
        assert_eq!(got.role, "primary");
        let headless = json!({"metadata": {"name": "pg-postgresql-headless"},
            "spec": {"clusterIP": "None", "ports": "odd"}});
        let got = ServiceFacts::from_value(&headless);
        assert_eq!(
            (got.cluster_ip.as_deref(), got.service_type.as_str()),
            (None, "ClusterIP")
        );
        assert!(got.ports.is_empty() && !got.is_external());
        assert_eq!(
            account_secret("pg", "postgresql", SUPERUSER),
            "pg-postgresql-account-postgres"
        );
    }
}
