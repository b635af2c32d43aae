//! `/usr/bin/kubectl` against the demo server, as a person would use it. Skipped, with a
//! message, where kubectl is not installed.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::demo_server_support::{WAIT, api, create};
use kbdash_core::kinds::Kind;
use kbdash_demo::DemoServer;
use kube::api::{DynamicObject, PostParams};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const KUBECTL: &str = "/usr/bin/kubectl";

fn kubectl_present() -> bool {
    if Path::new(KUBECTL).exists() {
        return true;
    }
    println!("SKIPPED: {KUBECTL} is not installed; the kubectl tests did not run");
    false
}

/// A scratch directory with the kubeconfig and kubectl's discovery cache.
struct Env {
    dir: PathBuf,
}

impl Env {
    fn new(server: &DemoServer, name: &str) -> Env {
        let dir =
            std::env::temp_dir().join(format!("kbdash-kubectl-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        server
            .write_kubeconfig(&dir.join("kubeconfig"))
            .expect("kubeconfig");
        Env { dir }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(KUBECTL);
        c.arg("--kubeconfig")
            .arg(self.dir.join("kubeconfig"))
            .arg("--cache-dir")
            .arg(self.dir.join("cache"))
            .arg("--request-timeout=10s")
            .args(args)
            .env("HOME", &self.dir)
            .kill_on_drop(true);
        c
    }

    /// Runs kubectl to completion: (success, stdout, stderr).
    async fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out = tokio::time::timeout(WAIT * 2, self.command(args).output())
            .await
            .expect("kubectl finishes in time")
            .expect("kubectl runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn start() -> DemoServer {
    crate::demo_server_support::start().await
}

async fn create_value(server: &DemoServer, kind: Kind, obj: Value) {
    let obj: DynamicObject = serde_json::from_value(obj).expect("object");
    api(server, kind, obj.metadata.namespace.as_deref())
        .create(&PostParams::default(), &obj)
        .await
        .expect("created");
}

/// The fixture as a person would submit it: without the server-owned metadata.
fn fixture_without_server_fields(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/kubeblocks/opsrequest-switchover-succeed.yaml"
    ))
    .expect("fixture");
    let mut v: Value = serde_yaml_ng::from_str(&text).expect("yaml");
    if let Some(meta) = v["metadata"].as_object_mut() {
        for f in ["resourceVersion", "uid", "creationTimestamp"] {
            meta.remove(f);
        }
    }
    let path = dir.join("ops.yaml");
    std::fs::write(&path, serde_yaml_ng::to_string(&v).expect("yaml")).expect("written");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_discovers_lists_and_prints_columns() {
    if !kubectl_present() {
        return;
    }
    let server = start().await;
    let env = Env::new(&server, "get");
    let (ok, out, err) = env.run(&["api-resources"]).await;
    assert!(ok, "{err}");
    for (plural, short) in [
        ("opsrequests", "ops"),
        ("componentversions", "cmpv"),
        ("backuppolicies", "bp"),
        ("backupschedules", "bs"),
        ("pods", "po"),
    ] {
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().take(2).eq([plural, short])),
            "{plural} {short} in\n{out}"
        );
    }

    for (i, role) in ["primary", "secondary"].iter().enumerate() {
        let mut pod = crate::demo_server_support::object(
            Kind::Pod,
            "demo",
            &format!("manual-{i}"),
            json!({"kubeblocks.io/role": role}),
        );
        pod["spec"] = json!({"containers": [{"name": "postgresql", "image": "pg"}]});
        create_value(&server, Kind::Pod, pod).await;
    }
    let mut cluster = crate::demo_server_support::object(Kind::Cluster, "demo", "pg", json!({}));
    cluster["spec"] = json!({"terminationPolicy": "Delete"});
    create_value(&server, Kind::Cluster, cluster).await;
    let mut ops =
        crate::demo_server_support::object(Kind::OpsRequest, "demo", "pg-restart-x", json!({}));
    ops["spec"] = json!({"clusterName": "pg", "type": "Restart"});
    create_value(&server, Kind::OpsRequest, ops).await;
    create(&server, Kind::Backup, "demo", "pg-backup-1", json!({})).await;

    let (ok, out, err) = env
        .run(&["get", "pods", "-A", "-L", "kubeblocks.io/role"])
        .await;
    assert!(ok, "{err}");
    let header: Vec<&str> = out
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "NAMESPACE",
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "ROLE"
        ],
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("manual-0") && l.ends_with("primary")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("manual-1") && l.ends_with("secondary")),
        "{out}"
    );

    let (ok, out, err) = env.run(&["get", "clusters,ops,backups", "-A"]).await;
    assert!(ok, "{err}");
    for want in [
        "cluster.apps.kubeblocks.io/pg",
        "opsrequest.operations.kubeblocks.io/pg-restart-x",
        "backup.dataprotection.kubeblocks.io/pg-backup-1",
        "TERMINATION-POLICY",
        "PROGRESS",
    ] {
        assert!(out.contains(want), "{want} in\n{out}");
    }
    assert!(
        out.lines()
            .any(|l| l.contains("pg-restart-x") && l.contains("Restart")),
        "{out}"
    );

    let (ok, _, err) = env.run(&["get", "ops", "-n", "demo", "missing"]).await;
    assert!(!ok);
    assert!(
        err.contains("NotFound") && err.contains("not found"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_creates_with_and_without_server_dry_run() {
    if !kubectl_present() {
        return;
    }
    let server = start().await;
    let env = Env::new(&server, "create");
    let file = fixture_without_server_fields(&env.dir);
    let file = file.to_string_lossy().to_string();
    let (ok, out, err) = env.run(&["create", "--dry-run=server", "-f", &file]).await;
    assert!(ok, "{err}");
    assert!(out.contains("opsrequest.operations.kubeblocks.io/pg-cluster-switchover-m5c3t created (server dry run)"), "{out}");
    assert_eq!(
        server.store.count(Kind::OpsRequest),
        0,
        "dry run stores nothing"
    );
    let (ok, out, err) = env.run(&["create", "-f", &file]).await;
    assert!(ok, "{err}");
    assert!(out.contains("created"), "{out}");
    let stored = server
        .store
        .get_value(
            Kind::OpsRequest,
            Some("demo"),
            "pg-cluster-switchover-m5c3t",
        )
        .expect("stored");
    assert_eq!(stored["spec"]["type"], "Switchover");
    let (ok, _, err) = env.run(&["create", "-f", &file]).await;
    assert!(!ok);
    assert!(err.contains("AlreadyExists"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_watch_sees_changes() {
    if !kubectl_present() {
        return;
    }
    let server = start().await;
    let env = Env::new(&server, "watch");
    create(&server, Kind::OpsRequest, "demo", "first", json!({})).await;
    let mut child = env
        .command(&["get", "ops", "-n", "demo", "-w"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    wait_for(&mut rx, &mut seen, "first").await;
    create(&server, Kind::OpsRequest, "demo", "second", json!({})).await;
    wait_for(&mut rx, &mut seen, "second").await;
    let ops = api(&server, Kind::OpsRequest, Some("demo"));
    ops.patch_status(
        "second",
        &Default::default(),
        &kube::api::Patch::Merge(json!({"status": {"phase": "Succeed"}})),
    )
    .await
    .expect("status");
    wait_for(&mut rx, &mut seen, "Succeed").await;
    tokio::time::timeout(WAIT, child.kill())
        .await
        .expect("kubectl stops in time")
        .expect("kubectl stopped");
}

/// Reads kubectl's lines until one contains `needle`, failing the test after [`WAIT`].
async fn wait_for(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>,
    seen: &mut Vec<String>,
    needle: &str,
) {
    tokio::time::timeout(WAIT, async {
        loop {
            if seen.iter().any(|l| l.contains(needle)) {
                return;
            }
            match rx.recv().await {
                Some(l) => seen.push(l),
                None => panic!("kubectl stopped; saw {seen:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("kubectl never printed {needle}"));
}
