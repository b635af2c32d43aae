//! Fleet-scale seed measurement (not a timed unit test: it asserts only the object counts and
//! prints the figures). Run with
//! `cargo test --release --test demo_operator_scale -- --ignored --nocapture`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kbdash::demo::HISTORY_CAPACITY;
use kbdash::demo::operator::{self, OperatorConfig};
use kbdash::demo::seed::{SeedConfig, seed};
use kbdash::demo::store::{Store, system_clock};
use kbdash::k8s::kinds::{KINDS, Kind};

/// Resident set size of this process in MiB, from /proc (None off Linux).
fn rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run explicitly with --ignored --nocapture"]
async fn seed_5000_clusters() {
    let rss0 = rss_mib().unwrap_or(0.0);
    let store = Arc::new(Store::new(HISTORY_CAPACITY, system_clock(), 1));
    let t = Instant::now();
    seed(
        &store,
        &SeedConfig {
            clusters: 5000,
            seed: 1,
        },
    );
    let seed_time = t.elapsed();
    let rss_seeded = rss_mib().unwrap_or(0.0);
    let mut total_bytes = 0usize;
    println!("seed of 5000 clusters: {:.2?}", seed_time);
    for info in KINDS {
        let (items, _) = store.list(info.kind, None);
        let bytes: usize = items.iter().map(|o| o.json.len()).sum();
        total_bytes += bytes;
        if !items.is_empty() {
            println!(
                "  {:<22} {:>6} objects, {:>6.1} MiB JSON",
                info.plural,
                items.len(),
                bytes as f64 / 1048576.0
            );
        }
    }
    println!(
        "  total JSON {:.1} MiB; RSS {:.0} MiB -> {:.0} MiB",
        total_bytes as f64 / 1048576.0,
        rss0,
        rss_seeded
    );
    assert!((13_000..=16_000).contains(&store.count(Kind::Pod)));
    assert_eq!(store.count(Kind::OpsRequest), 20_000);
    assert!((9_500..=10_500).contains(&store.count(Kind::Backup)));

    let t = Instant::now();
    let (pods, _) = store.list(Kind::Pod, None);
    let body: usize = pods.iter().map(|o| o.json.len() + 1).sum();
    println!(
        "list all pods: {:.2?} ({} pods, {:.1} MiB)",
        t.elapsed(),
        pods.len(),
        body as f64 / 1048576.0
    );
    drop(pods);

    let rv = store.resource_version();
    let handle = operator::spawn(
        store.clone(),
        OperatorConfig {
            speed: 1.0,
            seed: 1,
        },
    );
    let t = Instant::now();
    // The operator's startup scan is done when its first periodic write lands.
    tokio::time::timeout(Duration::from_secs(60), async {
        while store.resource_version() == rv {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the operator starts writing");
    println!("operator startup to first write: {:.2?}", t.elapsed());
    let rv = store.resource_version();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let writes = store.resource_version() - rv;
    println!(
        "operator writes in 5 s at speed 1: {writes} ({:.1}/s); RSS {:.0} MiB",
        writes as f64 / 5.0,
        rss_mib().unwrap_or(0.0)
    );
    handle.abort();
}
