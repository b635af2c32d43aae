//! A kubeconfig for the demo server: one cluster, one context, a user without credentials.

/// The name of the cluster, context and user in the written kubeconfig.
pub(crate) const CONTEXT: &str = "kbdash-demo";

/// The kubeconfig YAML pointing at `url`.
pub(crate) fn kubeconfig_yaml(url: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: {CONTEXT}
  cluster:
    server: {url}
contexts:
- name: {CONTEXT}
  context:
    cluster: {CONTEXT}
    user: {CONTEXT}
current-context: {CONTEXT}
users:
- name: {CONTEXT}
  user: {{}}
preferences: {{}}
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_rs_reads_it() {
        let yaml = kubeconfig_yaml("http://127.0.0.1:1234");
        let kc = kube::config::Kubeconfig::from_yaml(&yaml).expect("parses");
        assert_eq!(kc.current_context.as_deref(), Some(CONTEXT));
        assert_eq!(
            kc.clusters[0]
                .cluster
                .as_ref()
                .and_then(|c| c.server.as_deref()),
            Some("http://127.0.0.1:1234")
        );
    }
}
