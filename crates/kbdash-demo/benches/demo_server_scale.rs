//! Fleet-scale figures for the demo API server: a synthetic fleet of about 50,000 objects
//! (5,000 clusters, 15,000 pods, 20,000 OpsRequests, 10,000 backups) put straight into the
//! store, then full lists (raw HTTP and kube-rs), a label-selected list, a Table list as
//! `kubectl get` asks for it, and a watch's initial state.
//!
//! Run with `cargo bench --bench demo_server_scale` (`harness = false`; without `--bench`, as
//! under `cargo test --all-targets`, it does nothing).

mod bench {
    use std::time::Instant;

    use anyhow::Context;
    use futures::StreamExt;
    use kbdash_core::kinds::Kind;
    use kbdash_demo::store::Store;
    use kbdash_demo::{DemoConfig, DemoServer};
    use kube::api::{DynamicObject, ListParams, WatchEvent, WatchParams};
    use serde_json::{Value, json};

    const CLUSTERS: usize = 5_000;

    fn rss_mb() -> f64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    /// GETs `path` over a fresh connection and returns how many response bytes arrived.
    async fn fetch_len(url: &str, path: &str, accept: &str) -> anyhow::Result<usize> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = url.trim_start_matches("http://");
        let mut s = tokio::net::TcpStream::connect(addr)
            .await
            .context("connect")?;
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.context("write")?;
        let mut buf = vec![0u8; 1 << 20];
        let mut total = 0;
        loop {
            let n = s.read(&mut buf).await.context("read")?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    fn pod(ns: &str, cluster: &str, i: usize) -> Value {
        let name = format!("{cluster}-postgresql-{i}");
        let role = if i == 0 { "primary" } else { "secondary" };
        json!({
            "metadata": {
                "name": name, "namespace": ns,
                "labels": {
                    "app.kubernetes.io/instance": cluster,
                    "app.kubernetes.io/managed-by": "kubeblocks",
                    "apps.kubeblocks.io/component-name": "postgresql",
                    "app.kubernetes.io/component": "postgresql-16-1.0.5",
                    "apps.kubeblocks.io/service-version": "16.4.0",
                    "apps.kubeblocks.io/release-phase": "stable",
                    "workloads.kubeblocks.io/managed-by": "InstanceSet",
                    "workloads.kubeblocks.io/instance": format!("{cluster}-postgresql"),
                    "apps.kubeblocks.io/pod-name": name,
                    "controller-revision-hash": "7c9d8f6b5",
                    "kubeblocks.io/role": role,
                },
                "ownerReferences": [{"apiVersion": "workloads.kubeblocks.io/v1", "kind": "InstanceSet",
                    "name": format!("{cluster}-postgresql"), "uid": "5f8e2c1a-3b4d-4e6f-9a0b-1c2d3e4f5a6b",
                    "controller": true, "blockOwnerDeletion": true}],
            },
            "spec": {
                "nodeName": format!("node-{}", i % 7),
                "containers": [
                    {"name": "postgresql", "image": "docker.io/apecloud/spilo:16.4.0",
                     "ports": [{"name": "tcp-postgresql", "containerPort": 5432, "protocol": "TCP"}],
                     "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m", "memory": "512Mi"}},
                     "volumeMounts": [{"name": "data", "mountPath": "/home/postgres/pgdata"}]},
                    {"name": "exporter", "image": "docker.io/apecloud/agamotto:0.1.2",
                     "resources": {"limits": {"cpu": "0", "memory": "0"}}}
                ],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": format!("data-{name}")}}],
            },
            "status": {
                "phase": "Running",
                "podIP": format!("10.0.{}.{}", i % 250, i % 200),
                "startTime": "2026-01-01T00:00:00Z",
                "conditions": [
                    {"type": "Initialized", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"},
                    {"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:10Z"},
                    {"type": "ContainersReady", "status": "True", "lastTransitionTime": "2026-01-01T00:00:10Z"},
                    {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}
                ],
                "containerStatuses": [
                    {"name": "postgresql", "ready": true, "restartCount": 0, "started": true,
                     "image": "docker.io/apecloud/spilo:16.4.0", "state": {"running": {"startedAt": "2026-01-01T00:00:05Z"}}},
                    {"name": "exporter", "ready": true, "restartCount": 0, "started": true,
                     "image": "docker.io/apecloud/agamotto:0.1.2", "state": {"running": {"startedAt": "2026-01-01T00:00:05Z"}}}
                ],
            },
        })
    }

    fn fill(store: &Store) -> anyhow::Result<()> {
        for c in 0..CLUSTERS {
            let ns = format!("ns-{}", c % 3);
            let cluster = format!("pg-{c:05}");
            store
                .create(Kind::Cluster, json!({
                    "metadata": {"name": cluster, "namespace": ns},
                    "spec": {"terminationPolicy": "Delete", "componentSpecs": [{"name": "postgresql", "replicas": 3,
                        "serviceVersion": "16.4.0", "componentDef": "postgresql-16-1.0.5"}]},
                    "status": {"phase": "Running"},
                }))
                .context("cluster")?;
            for i in 0..3 {
                store
                    .create(Kind::Pod, pod(&ns, &cluster, i))
                    .context("pod")?;
            }
            for (i, t) in [
                "Restart",
                "VerticalScaling",
                "Switchover",
                "HorizontalScaling",
            ]
            .iter()
            .enumerate()
            {
                store
                    .create(Kind::OpsRequest, json!({
                        "metadata": {"name": format!("{cluster}-ops-{i}"), "namespace": ns,
                            "labels": {"app.kubernetes.io/instance": cluster, "operations.kubeblocks.io/ops-type": t}},
                        "spec": {"clusterName": cluster, "type": t},
                        "status": {"phase": "Succeed", "progress": "3/3",
                            "startTimestamp": "2026-01-01T00:00:00Z", "completionTimestamp": "2026-01-01T00:01:00Z"},
                    }))
                    .context("ops")?;
            }
            for (i, method) in ["pg-basebackup", "archive-wal"].iter().enumerate() {
                store
                    .create(Kind::Backup, json!({
                        "metadata": {"name": format!("{cluster}-backup-{i}"), "namespace": ns,
                            "labels": {"app.kubernetes.io/instance": cluster}},
                        "spec": {"backupMethod": method, "backupPolicyName": format!("{cluster}-postgresql-backup-policy"),
                            "deletionPolicy": "Delete"},
                        "status": {"phase": "Completed", "totalSize": "1Gi",
                            "timeRange": {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T01:00:00Z"}},
                    }))
                    .context("backup")?;
            }
        }
        Ok(())
    }

    /// Runs every measurement and prints the figures.
    pub async fn run() -> anyhow::Result<()> {
        let rss_before = rss_mb();
        let server = DemoServer::start(DemoConfig {
            clusters: 0,
            ..DemoConfig::default()
        })
        .await
        .context("the demo server starts")?;
        let t = Instant::now();
        fill(&server.store)?;
        let fill_time = t.elapsed();
        let objects = [Kind::Cluster, Kind::Pod, Kind::OpsRequest, Kind::Backup]
            .iter()
            .map(|k| server.store.count(*k))
            .sum::<usize>();
        assert_eq!(objects, CLUSTERS * 10);
        assert_eq!(server.store.count(Kind::Pod), CLUSTERS * 3);
        let rss_filled = rss_mb();

        // The server's side alone: one HTTP request, the response read to its end, not parsed.
        let mut raw_times = Vec::new();
        let mut body_len = 0;
        for _ in 0..3 {
            let t = Instant::now();
            body_len = fetch_len(&server.url, "/api/v1/pods", "application/json").await?;
            raw_times.push(t.elapsed());
        }
        assert!(body_len > 15_000 * 1_000);
        let t = Instant::now();
        let selected_len = fetch_len(
            &server.url,
            "/api/v1/pods?labelSelector=kubeblocks.io%2Frole%3Dprimary",
            "application/json",
        )
        .await?;
        let raw_selected = t.elapsed();
        let t = Instant::now();
        let table_len = fetch_len(
            &server.url,
            "/api/v1/pods",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        )
        .await?;
        let raw_table = t.elapsed();

        // A kube-rs client: request, transfer and decoding into typed pods.
        let pods: kube::Api<k8s_openapi::api::core::v1::Pod> =
            kube::Api::all(server.client().context("client")?);
        let t = Instant::now();
        let list = pods.list(&ListParams::default()).await.context("list")?;
        let kube_list = t.elapsed();
        assert_eq!(list.items.len(), CLUSTERS * 3);
        drop(list);

        let t = Instant::now();
        let primaries = pods
            .list(&ListParams::default().labels("kubeblocks.io/role=primary"))
            .await
            .context("list")?;
        let selected = t.elapsed();
        assert_eq!(primaries.items.len(), CLUSTERS);

        let ops: kube::Api<DynamicObject> = kube::Api::all_with(
            server.client().context("client")?,
            &kbdash_demo::api_resource(Kind::OpsRequest),
        );
        let t = Instant::now();
        let ops_list = ops.list(&ListParams::default()).await.context("list")?;
        let ops_time = t.elapsed();
        assert_eq!(ops_list.items.len(), CLUSTERS * 4);

        let t = Instant::now();
        let mut w = pods
            .watch(&WatchParams::default(), "0")
            .await
            .context("watch")?
            .boxed();
        let mut added = 0;
        while added < CLUSTERS * 3 {
            match w.next().await {
                Some(Ok(WatchEvent::Added(_))) => added += 1,
                other => anyhow::bail!("unexpected watch event: {other:?}"),
            }
        }
        let watch_time = t.elapsed();
        let rss_end = rss_mb();

        println!(
            "objects: {objects} ({} pods); store filled in {fill_time:?}",
            CLUSTERS * 3
        );
        println!(
            "RSS: {rss_before:.0} MB before, {rss_filled:.0} MB filled, {rss_end:.0} MB after the lists"
        );
        println!("full pod list, raw HTTP (server + transfer): {raw_times:?}, {body_len} bytes");
        println!("pod list with labelSelector, raw HTTP: {raw_selected:?}, {selected_len} bytes");
        println!("pod list as a Table (kubectl get), raw HTTP: {raw_table:?}, {table_len} bytes");
        println!("full pod list, kube-rs Api<Pod> (with typed decoding): {kube_list:?}");
        println!("pod list with labelSelector, kube-rs Api<Pod>: {selected:?}");
        println!("full OpsRequest list (20,000), kube-rs DynamicObject: {ops_time:?}");
        println!("watch from 0, all 15,000 initial ADDED events received: {watch_time:?}");
        Ok(())
    }
}

fn main() -> anyhow::Result<()> {
    use anyhow::Context;

    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it,
    // and a fleet-scale run has no place in the test suite.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("a tokio runtime")?;
    runtime.block_on(bench::run())
}
