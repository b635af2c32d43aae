//! The operator seen through the demo API server with a kube-rs client, the way the
//! dashboard sees it: the seeded fleet lists, and an OpsRequest created over HTTP runs to
//! Succeed with its effect on the pods.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kbdash_core::kinds::Kind;
use kbdash_demo::{DemoConfig, DemoServer};
use kube::api::{DynamicObject, ListParams, PostParams};
use kube::{Api, ResourceExt};
use serde_json::{Value, json};

fn dynamic(client: &kube::Client, kind: Kind, ns: Option<&str>) -> Api<DynamicObject> {
    let ar = kbdash_demo::api_resource(kind);
    match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

fn field(o: &DynamicObject, pointer: &str) -> String {
    o.data
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_restart_created_over_http_succeeds_and_rolls_the_pods() {
    let server = DemoServer::start(DemoConfig {
        speed: 200.0,
        ..DemoConfig::default()
    })
    .await
    .expect("server starts");
    let client = server.client().expect("client");

    let clusters = dynamic(&client, Kind::Cluster, None)
        .list(&ListParams::default())
        .await
        .expect("clusters list");
    assert_eq!(
        clusters.items.len(),
        9,
        "eight PostgreSQL clusters and a MySQL one"
    );
    let phases: Vec<String> = clusters
        .items
        .iter()
        .map(|c| field(c, "/status/phase"))
        .collect();
    assert!(phases.iter().any(|p| p == "Failed") && phases.iter().any(|p| p == "Stopped"));
    let target = clusters
        .items
        .iter()
        .find(|c| field(c, "/status/phase") == "Running")
        .expect("a running cluster");
    let (ns, name) = (target.namespace().unwrap_or_default(), target.name_any());

    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    let selector =
        format!("app.kubernetes.io/instance={name},app.kubernetes.io/managed-by=kubeblocks");
    let before = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .expect("pods");
    let primaries = pods
        .list(&ListParams::default().labels(&format!("{selector},kubeblocks.io/role=primary")))
        .await
        .expect("primary");
    assert_eq!(primaries.items.len(), 1);

    let ops = dynamic(&client, Kind::OpsRequest, Some(&ns));
    let mut op: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "operations.kubeblocks.io/v1alpha1",
        "kind": "OpsRequest",
        "metadata": {"generateName": format!("{name}-restart-"), "namespace": ns},
        "spec": {"clusterName": name, "type": "Restart", "restart": [{"componentName": "postgresql"}]},
    }))
    .expect("an OpsRequest");
    op = ops
        .create(&PostParams::default(), &op)
        .await
        .expect("created");
    let op_name = op.name_any();

    let done = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let o = ops.get(&op_name).await.expect("get");
            if matches!(field(&o, "/status/phase").as_str(), "Succeed" | "Failed") {
                return o;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the op finishes");
    assert_eq!(field(&done, "/status/phase"), "Succeed");
    let n = before.items.len();
    assert_eq!(field(&done, "/status/progress"), format!("{n}/{n}"));
    assert_eq!(
        done.labels()
            .get("operations.kubeblocks.io/ops-type")
            .map(String::as_str),
        Some("Restart")
    );

    let after = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .expect("pods");
    assert_eq!(after.items.len(), n);
    for p in &after.items {
        let old = before
            .items
            .iter()
            .find(|b| b.name_any() == p.name_any())
            .expect("same names");
        assert_ne!(old.uid(), p.uid(), "{} was recreated", p.name_any());
    }
    server.shutdown().await;
}
