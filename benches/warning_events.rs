//! The Warning-event watch at fleet scale (issue 16): 5,000 clusters of three pods each, and
//! the `type=Warning` stream's events read from their JSON text as the watch layer reads them
//! (`Row::from_json`) and fed to `update` as watch events: placed under their cluster, kept
//! beyond their TTL up to the bound, and recorded on the cluster's incident timeline.
//! Measured: the heap the kept events (and their timeline entries) hold at the bound, the
//! initial list of a full bound, and the CPU per event for a crash-looping tenth of the fleet
//! bumping its BackOff counts and for a storm of new events past the bound (evictions).
//!
//! Run with `cargo bench --bench warning_events` (`harness = false`; without `--bench`, as
//! under `cargo test --all-targets`, it does nothing).
#![allow(
    clippy::expect_used,
    reason = "a benchmark stops at its first broken setup; it reads no user input"
)]

#[path = "support/heap.rs"]
mod heap;

#[global_allocator]
static ALLOCATOR: heap::Counting = heap::Counting;

mod bench {
    use std::time::Instant;

    use chrono::{DateTime, Duration, Utc};
    use kbdash::k8s::watch::WatchEvent;
    use kbdash::state::model::Model;
    use kbdash::state::msg::Msg;
    use kbdash::state::store::{WARNINGS_KEPT, WATCHED};
    use kbdash::update::update;
    use kbdash_core::kinds::Kind;
    use kbdash_core::rows::Row;
    use serde_json::json;

    use super::heap::held;

    const CLUSTERS: usize = 5_000;
    const PODS_PER_CLUSTER: usize = 3;

    fn cluster_name(i: usize) -> String {
        format!("pg-{i:05}")
    }

    fn cluster(i: usize) -> Row {
        let v = json!({"metadata": {"name": cluster_name(i), "namespace": "fleet"},
            "spec": {"clusterDef": "postgresql", "topology": "replication",
                "componentSpecs": [{"name": "postgresql", "serviceVersion": "16.4.0", "replicas": 3}]},
            "status": {"phase": "Running", "components": {"postgresql": {"phase": "Running"}}}});
        Row::from_value(Kind::Cluster, &v).expect("a cluster row")
    }

    fn pod(i: usize, n: usize) -> Row {
        let v = json!({"metadata": {"name": format!("{}-postgresql-{n}", cluster_name(i)),
                "namespace": "fleet", "labels": {"app.kubernetes.io/instance": cluster_name(i),
                    "apps.kubeblocks.io/component-name": "postgresql",
                    "app.kubernetes.io/component": "postgresql-16",
                    "kubeblocks.io/role": if n == 0 { "primary" } else { "secondary" }}},
            "status": {"phase": "Running"}});
        Row::from_value(Kind::Pod, &v).expect("a pod row")
    }

    /// A Warning Event's text as the API server sends it (managedFields and all).
    fn event_text(name: &str, pod: &str, reason: &str, count: u64, last: DateTime<Utc>) -> Vec<u8> {
        let first = (last - Duration::minutes(30)).to_rfc3339();
        let v = json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": "fleet", "uid": "0b7c6e3a-4f7e-4d4e-9b8c-1f2e3d4c5b6a",
                "resourceVersion": "123456", "creationTimestamp": first,
                "managedFields": [{"manager": "kubelet", "operation": "Update", "apiVersion": "v1",
                    "time": last.to_rfc3339(), "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:count": {}, "f:firstTimestamp": {}, "f:involvedObject": {},
                        "f:lastTimestamp": {}, "f:message": {}, "f:reason": {}, "f:source": {"f:component": {}, "f:host": {}},
                        "f:type": {}}}]},
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": pod, "namespace": "fleet",
                "uid": "6f1d2c3b-4a5e-4f6d-8c7b-9a0e1d2c3b4a", "resourceVersion": "98765",
                "fieldPath": "spec.containers{postgresql}"},
            "reason": reason,
            "message": format!("Back-off restarting failed container postgresql in pod {pod}_fleet(6f1d2c3b-4a5e-4f6d-8c7b-9a0e1d2c3b4a)"),
            "source": {"component": "kubelet", "host": "node-17"},
            "firstTimestamp": first, "lastTimestamp": last.to_rfc3339(), "count": count,
            "type": "Warning", "eventTime": null, "reportingComponent": "kubelet",
            "reportingInstance": "node-17"});
        serde_json::to_vec(&v).expect("JSON")
    }

    fn read(text: &[u8]) -> Box<Row> {
        Box::new(
            Row::from_json(Kind::Event, text)
                .expect("decodes")
                .row
                .expect("a row"),
        )
    }

    fn watch(m: &mut Model, at: DateTime<Utc>, event: WatchEvent) {
        update(
            m,
            Msg::Watch {
                ctx: kbdash_core::rows::Ctx(0),
                kind: Kind::Event,
                at,
                event,
            },
        );
    }

    pub fn run() {
        let now = Utc::now();
        let mut m = Model::new("bench", None, now);
        for kind in WATCHED {
            let at = now;
            update(
                &mut m,
                Msg::Watch {
                    ctx: kbdash_core::rows::Ctx(0),
                    kind,
                    at,
                    event: WatchEvent::Init,
                },
            );
            let rows: Vec<Row> = match kind {
                Kind::Cluster => (0..CLUSTERS).map(cluster).collect(),
                Kind::Pod => (0..CLUSTERS)
                    .flat_map(|i| (0..PODS_PER_CLUSTER).map(move |n| pod(i, n)))
                    .collect(),
                _ => Vec::new(),
            };
            for row in rows {
                let event = WatchEvent::InitRow(Box::new(row));
                let ctx = kbdash_core::rows::Ctx(0);
                update(
                    &mut m,
                    Msg::Watch {
                        ctx,
                        kind,
                        at,
                        event,
                    },
                );
            }
            update(
                &mut m,
                Msg::Watch {
                    ctx: kbdash_core::rows::Ctx(0),
                    kind,
                    at,
                    event: WatchEvent::InitDone,
                },
            );
        }
        println!("fleet: {CLUSTERS} clusters, {} pods", m.store.pods.len());

        // The initial list of a full bound: one BackOff for each of 5,000 pods, as text.
        let texts: Vec<Vec<u8>> = (0..WARNINGS_KEPT)
            .map(|j| {
                let (i, n) = (j % CLUSTERS, j / CLUSTERS % PODS_PER_CLUSTER);
                let pod = format!("{}-postgresql-{n}", cluster_name(i));
                event_text(&format!("{pod}.17a0{j:012x}"), &pod, "BackOff", 3, now)
            })
            .collect();
        let before = held();
        let started = Instant::now();
        watch(&mut m, now, WatchEvent::Init);
        for text in &texts {
            watch(&mut m, now, WatchEvent::InitRow(read(text)));
        }
        watch(&mut m, now, WatchEvent::InitDone);
        let listed = started.elapsed();
        let kept = held().saturating_sub(before);
        println!(
            "initial list of {WARNINGS_KEPT} Warning events (decode, place, keep): {listed:?}, {:.1} us each",
            listed.as_secs_f64() * 1e6 / WARNINGS_KEPT as f64
        );
        println!(
            "heap held by {} kept Warning events: {:.2} MB ({} bytes each)",
            m.store.warnings.len(),
            kept as f64 / (1024.0 * 1024.0),
            kept / WARNINGS_KEPT
        );

        // A crash-looping tenth of the fleet: each pod's BackOff count bumped, 100 rounds.
        let looping: Vec<String> = (0..CLUSTERS / 10)
            .map(|i| format!("{}-postgresql-1", cluster_name(i * 10)))
            .collect();
        let rounds = 100;
        let bumps: Vec<Vec<u8>> = (0..rounds)
            .flat_map(|r| {
                looping.iter().map(move |pod| {
                    let name = format!("{pod}.loop");
                    let at = now + Duration::seconds(300 * (r as i64 + 1));
                    event_text(&name, pod, "BackOff", 3 + r as u64, at)
                })
            })
            .collect();
        let before = held();
        let started = Instant::now();
        for text in &bumps {
            watch(&mut m, now, WatchEvent::Apply(read(text)));
        }
        let took = started.elapsed();
        println!(
            "{} BackOff count bumps ({} crash-looping pods x {rounds}): {took:?}, {:.1} us each",
            bumps.len(),
            looping.len(),
            took.as_secs_f64() * 1e6 / bumps.len() as f64
        );
        println!(
            "heap after them: {:+.2} MB (the bound holds; each bump adds a timeline entry, at most 300 per cluster)",
            held().saturating_sub(before) as f64 / (1024.0 * 1024.0)
        );

        // A storm of new events past the bound: every one evicts the oldest.
        let storm: Vec<Vec<u8>> = (0..20_000)
            .map(|j| {
                let pod = format!("{}-postgresql-2", cluster_name(j % CLUSTERS));
                let at = now + Duration::hours(10) + Duration::milliseconds(j as i64);
                event_text(&format!("{pod}.storm{j}"), &pod, "FailedScheduling", 1, at)
            })
            .collect();
        let started = Instant::now();
        for text in &storm {
            watch(&mut m, now, WatchEvent::Apply(read(text)));
        }
        let took = started.elapsed();
        println!(
            "20000 new Warning events past the bound (evicting): {took:?}, {:.1} us each; kept {}",
            took.as_secs_f64() * 1e6 / storm.len() as f64,
            m.store.warnings.len()
        );
        let mb = held() as f64 / (1024.0 * 1024.0);
        println!("heap held in all (model, fleet, texts of the run): {mb:.1} MB");
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    bench::run();
}
