//! Fleet-scale figures for the demo: `kbdash demo-server --clusters 5000` in-process (seed,
//! object counts, RSS), a full pod list over HTTP with kube-rs, and the operator's steady write
//! rate. Run with `cargo bench --bench demo_operator_scale`; `KBDASH_BENCH_CLUSTERS` changes
//! the fleet size.

mod bench {
    use std::time::{Duration, Instant};

    use k8s_openapi::api::core::v1::Pod;
    use kbdash_core::kinds::{KINDS, Kind};
    use kbdash_demo::{DemoConfig, DemoServer};
    use kube::Api;
    use kube::api::ListParams;

    /// Resident set size of this process in MiB, from /proc (0 off Linux).
    fn rss_mib() -> f64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_string();
                line.split_whitespace().nth(1)?.parse::<f64>().ok()
            })
            .map_or(0.0, |kb| kb / 1024.0)
    }

    pub async fn run(clusters: usize) -> anyhow::Result<()> {
        let rss0 = rss_mib();
        let t = Instant::now();
        let server = DemoServer::start(DemoConfig {
            clusters,
            ..DemoConfig::default()
        })
        .await?;
        println!(
            "demo server with {clusters} clusters started in {:.2?}",
            t.elapsed()
        );
        let mut total = 0usize;
        for info in KINDS {
            let (items, _) = server.store.list(info.kind, None);
            let bytes: usize = items.iter().map(|o| o.json.len()).sum();
            total += bytes;
            if !items.is_empty() {
                println!(
                    "  {:<22} {:>6} objects {:>7.1} MiB JSON",
                    info.plural,
                    items.len(),
                    bytes as f64 / 1048576.0
                );
            }
        }
        println!(
            "  all objects: {:.1} MiB JSON; RSS {rss0:.0} MiB before, {:.0} MiB after start",
            total as f64 / 1048576.0,
            rss_mib()
        );

        let client = server.client()?;
        // The server's side alone: the raw body, not deserialized into typed pods.
        for round in 1..=3 {
            let t = Instant::now();
            let request = hyper::Request::get("/api/v1/pods").body(Vec::new())?;
            let body = client.request_text(request).await?;
            println!(
                "full pod list over HTTP (raw) #{round}: {:.1} MiB in {:.2?}; RSS {:.0} MiB",
                body.len() as f64 / 1048576.0,
                t.elapsed(),
                rss_mib()
            );
        }
        // The whole client path, as the dashboard's first list would go.
        let pods: Api<Pod> = Api::all(client);
        let t = Instant::now();
        let list = pods.list(&ListParams::default()).await?;
        println!(
            "full pod list with kube-rs into typed Pods: {} pods in {:.2?}; RSS {:.0} MiB (client and server in one process)",
            list.items.len(),
            t.elapsed(),
            rss_mib()
        );
        drop(list);

        let rv = server.store.resource_version();
        tokio::time::sleep(Duration::from_secs(10)).await;
        let writes = server.store.resource_version() - rv;
        println!(
            "operator writes over 10 s at speed 1: {writes} ({:.1}/s); {} continuous backups; RSS {:.0} MiB",
            writes as f64 / 10.0,
            server
                .store
                .list(Kind::Backup, None)
                .0
                .iter()
                .filter(
                    |o| o.label("dataprotection.kubeblocks.io/backup-type") == Some("Continuous")
                )
                .count(),
            rss_mib()
        );
        server.shutdown().await;
        Ok(())
    }
}

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, and
    // a fleet-scale run has no place in the test suite.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let clusters = std::env::var("KBDASH_BENCH_CLUSTERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(bench::run(clusters))
}
