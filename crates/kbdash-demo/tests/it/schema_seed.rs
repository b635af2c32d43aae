//! The demo fleet is what a real API server would have accepted: every seeded KubeBlocks
//! object passes schema validation, and so does everything the simulated operator writes
//! while it runs requests (both write to the store directly, bypassing admission, so this is
//! the check that their objects and statuses have the shapes the CRDs allow).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kbdash_core::kinds::Kind;
use kbdash_core::schema;
use kbdash_demo::operator::{self, OperatorConfig};
use kbdash_demo::seed::{SeedConfig, seed};
use kbdash_demo::store::{Store, system_clock};
use serde_json::{Value, json};

/// Every KubeBlocks object in the store that fails validation, with its causes.
fn invalid_objects(store: &Store) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut failures = Vec::new();
    for kind in Kind::all().filter(|k| k.info().crd_schema.is_some()) {
        for obj in store.list(kind, None).0 {
            let v: Value = serde_json::from_str(&obj.json).unwrap();
            if let Err(causes) = schema::validate_only(kind, &v) {
                failures.push(format!("{kind:?} {}: {causes:?}", obj.name));
            }
            checked += 1;
        }
    }
    (checked, failures)
}

#[test]
fn every_seeded_kubeblocks_object_validates() {
    let start: DateTime<Utc> = "2025-06-03T10:00:00Z".parse().unwrap();
    let store = Store::new(100_000, Arc::new(move || start), 7);
    seed(&store, &SeedConfig::default());
    let (checked, failures) = invalid_objects(&store);
    assert!(checked > 20, "only {checked} objects seeded");
    assert!(failures.is_empty(), "{failures:#?}");
}

fn text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Admits a request as the API server would, then stores it; returns its name.
fn submit(store: &Store, kind: Kind, mut obj: Value) -> String {
    schema::admit(kind, &mut obj).unwrap();
    text(&store.create(kind, obj).unwrap(), "/metadata/name")
}

#[tokio::test]
async fn objects_written_by_the_operator_validate() {
    let store = Arc::new(Store::new(100_000, system_clock(), 5));
    seed(
        &store,
        &SeedConfig {
            clusters: 6,
            seed: 5,
            ..SeedConfig::default()
        },
    );
    let op = operator::spawn(
        store.clone(),
        OperatorConfig {
            speed: 200.0,
            seed: 5,
        },
    );

    let running: Vec<(String, String)> = store
        .list(Kind::Cluster, None)
        .0
        .iter()
        .map(|o| o.value())
        .filter(|c| text(c, "/status/phase") == "Running")
        .map(|c| (text(&c, "/metadata/namespace"), text(&c, "/metadata/name")))
        .collect();
    assert!(running.len() >= 2, "need two running clusters");
    let ops_request = |ns: &str, cluster: &str, spec: Value| {
        json!({
            "apiVersion": "operations.kubeblocks.io/v1alpha1",
            "kind": "OpsRequest",
            "metadata": {"generateName": format!("{cluster}-"), "namespace": ns},
            "spec": spec,
        })
    };
    let (ns0, c0) = &running[0];
    let (ns1, c1) = &running[1];
    let submitted = [
        (
            ns0.clone(),
            submit(
                &store,
                Kind::OpsRequest,
                ops_request(
                    ns0,
                    c0,
                    json!({"clusterName": c0, "type": "Restart",
                    "restart": [{"componentName": "postgresql"}]}),
                ),
            ),
        ),
        (
            ns1.clone(),
            submit(
                &store,
                Kind::OpsRequest,
                ops_request(
                    ns1,
                    c1,
                    json!({"clusterName": c1, "type": "HorizontalScaling",
                    "horizontalScaling": [{"componentName": "postgresql",
                        "scaleOut": {"replicaChanges": 1}}]}),
                ),
            ),
        ),
    ];

    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let done = submitted.iter().all(|(ns, name)| {
                store
                    .get_value(Kind::OpsRequest, Some(ns), name)
                    .is_some_and(|o| {
                        matches!(text(&o, "/status/phase").as_str(), "Succeed" | "Failed")
                    })
            });
            if done {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("requests reach a terminal phase");
    op.abort();

    let (_, failures) = invalid_objects(&store);
    assert!(failures.is_empty(), "{failures:#?}");
}
