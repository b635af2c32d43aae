//! The files of `examples/` work with `kubectl apply -f` against the demo server.

use std::path::{Path, PathBuf};
use std::process::Command;

use kbdash_core::kinds::Kind;
use kbdash_demo::{DemoConfig, DemoServer};
use serde_json::{Value, json};

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// A fixture object as a client would create it (no server-set metadata, no status): the
/// BackupSchedule the schedule patch example applies to, the OpsRequest the cancel example
/// cancels.
fn fixture_object(file: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/kubeblocks")
        .join(file);
    let full: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json!({
        "apiVersion": full["apiVersion"],
        "kind": full["kind"],
        "metadata": {
            "name": full["metadata"]["name"],
            "namespace": full["metadata"]["namespace"],
            "labels": full["metadata"]["labels"],
        },
        "spec": full["spec"],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn examples_apply_with_kubectl_against_the_demo_server() {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        eprintln!("kubectl is not installed: the examples cannot be applied here");
        return;
    }
    let server = DemoServer::start(DemoConfig {
        clusters: 0,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    server
        .store
        .create(
            Kind::BackupSchedule,
            fixture_object("backupschedule-pg-cluster.yaml"),
        )
        .unwrap();
    server
        .store
        .create(
            Kind::OpsRequest,
            fixture_object("opsrequest-horizontalscaling-running.yaml"),
        )
        .unwrap();
    // The cluster the termination policy example patches.
    server
        .store
        .create(Kind::Cluster, fixture_object("cluster-pg-cluster.yaml"))
        .unwrap();
    let dir = std::env::temp_dir().join(format!("kbdash-examples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    server.write_kubeconfig(&kubeconfig).unwrap();

    let files = examples();
    assert!(files.len() >= 13);
    let outputs = tokio::task::spawn_blocking(move || {
        files
            .iter()
            .map(|file| {
                let out = Command::new("kubectl")
                    .arg("--kubeconfig")
                    .arg(&kubeconfig)
                    .arg("apply")
                    .arg("-f")
                    .arg(file)
                    .output()
                    .unwrap();
                (file.clone(), out)
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for (file, out) in &outputs {
        assert!(
            out.status.success(),
            "kubectl apply -f {}: {}{}",
            file.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);

    let store = &server.store;
    for name in [
        "pg-cluster-restart-example",
        "pg-cluster-reconfiguring-example",
        "pg-cluster-horizontalscaling-scale-in-example",
        "pg-cluster-switchover-example",
    ] {
        let ops = store.get_value(Kind::OpsRequest, Some("demo"), name);
        assert!(ops.is_some(), "OpsRequest {name} created");
    }
    let reconf = store
        .get_value(
            Kind::OpsRequest,
            Some("demo"),
            "pg-cluster-reconfiguring-example",
        )
        .unwrap();
    assert_eq!(
        reconf["spec"]["reconfigures"][0]["parameters"][0],
        json!({"key": "max_connections", "value": "200"})
    );
    assert!(
        store
            .get_value(
                Kind::Backup,
                Some("demo"),
                "backup-demo-pg-cluster-20250604120000"
            )
            .is_some()
    );
    let schedule = store
        .get_value(
            Kind::BackupSchedule,
            Some("demo"),
            "pg-cluster-postgresql-backup-schedule",
        )
        .unwrap();
    assert_eq!(
        schedule["spec"]["schedules"][0]["cronExpression"],
        "0 3 * * *"
    );
    assert_eq!(schedule["spec"]["schedules"].as_array().unwrap().len(), 3);
    let cancelled = store
        .get_value(
            Kind::OpsRequest,
            Some("demo"),
            "pg-cluster-horizontalscaling-x7k2p",
        )
        .unwrap();
    assert_eq!(cancelled["spec"]["cancel"], true);
    assert_eq!(cancelled["spec"]["type"], "HorizontalScaling");

    // The lifecycle examples: a new cluster, the policy patch, the wal-g setup's three steps.
    let created = store
        .get_value(Kind::Cluster, Some("demo"), "pg-cluster-2")
        .expect("cluster-create.yaml created pg-cluster-2");
    assert_eq!(
        created["spec"]["componentSpecs"][0]["labels"]["apps.kubeblocks.postgres.patroni/scope"],
        "pg-cluster-2-postgresql"
    );
    let patched = store
        .get_value(Kind::Cluster, Some("demo"), "pg-cluster")
        .unwrap();
    assert_eq!(patched["spec"]["terminationPolicy"], "WipeOut");
    for name in ["pg-cluster-config-wal-g", "pg-cluster-wal-g"] {
        assert!(
            store.get_value(Kind::Backup, Some("demo"), name).is_some(),
            "Backup {name}"
        );
    }
    let archive = store
        .get_value(
            Kind::OpsRequest,
            Some("demo"),
            "pg-cluster-reconfiguring-archive-command-example",
        )
        .unwrap();
    assert_eq!(
        archive["spec"]["reconfigures"][0]["parameters"][0]["value"],
        kbdash_core::forms::WAL_G_ARCHIVE_COMMAND
    );
}
