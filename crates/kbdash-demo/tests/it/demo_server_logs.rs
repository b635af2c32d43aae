//! `pods/{name}/log`: what the demo's containers write, the parameters the API server reads, its
//! errors in its own words, a followed stream and the fault that drops it.

use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kbdash_core::kinds::Kind;
use kbdash_demo::{DemoConfig, DemoServer};
use kube::Api;
use kube::api::{LogParams, Patch, PatchParams};
use serde_json::{Value, json};

use crate::demo_server_support::{WAIT, api, raw, start};

async fn seeded() -> DemoServer {
    DemoServer::start(DemoConfig {
        churn: 0.0,
        ..DemoConfig::default()
    })
    .await
    .expect("the demo server starts")
}

/// The seeded crash-looping pod: its namespace and name.
fn crash_looping(server: &DemoServer) -> (String, String) {
    let (pods, _) = server.store.list(Kind::Pod, None);
    pods.iter()
        .map(|p| p.value())
        .find(|p| {
            p.pointer("/spec/containers/0/name").and_then(Value::as_str) == Some("postgresql")
                && p.pointer("/status/containerStatuses/0/state/waiting/reason")
                    .and_then(Value::as_str)
                    == Some("CrashLoopBackOff")
        })
        .map(|p| {
            (
                p["metadata"]["namespace"].as_str().unwrap().to_string(),
                p["metadata"]["name"].as_str().unwrap().to_string(),
            )
        })
        .expect("a crash-looping pod")
}

fn path(ns: &str, pod: &str, query: &str) -> String {
    format!("/api/v1/namespaces/{ns}/pods/{pod}/log?{query}")
}

#[tokio::test]
async fn the_crash_looping_pods_previous_container_ends_with_its_fatal_error() {
    let server = seeded().await;
    let (ns, pod) = crash_looping(&server);
    let (code, body) = raw(
        &server,
        "GET",
        &path(&ns, &pod, "container=postgresql&previous=true"),
        &[],
        "",
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let last: Vec<&str> = body.lines().rev().take(6).collect();
    assert!(
        last.iter()
            .any(|l| l.contains("FATAL:  requested timeline 3 is not a child")),
        "{body}"
    );
    assert!(
        body.lines()
            .next()
            .unwrap()
            .contains("Selected new K8s API server endpoint")
    );
    // Its current run (waiting to start again) ended the same way.
    let (code, body) = raw(
        &server,
        "GET",
        &path(&ns, &pod, "container=postgresql"),
        &[],
        "",
    )
    .await;
    assert_eq!(code, 200);
    assert!(body.contains("FATAL:"), "{body}");
}

#[tokio::test]
async fn errors_are_worded_as_the_api_server_words_them() {
    let server = seeded().await;
    let (ns, pod) = crash_looping(&server);
    let (code, body) = raw(&server, "GET", &path(&ns, &pod, "container=nope"), &[], "").await;
    assert_eq!(code, 400);
    assert!(
        body.contains(&format!("container nope is not valid for pod {pod}")),
        "{body}"
    );
    let (code, body) = raw(
        &server,
        "GET",
        &path(&ns, "no-such-pod", "container=postgresql"),
        &[],
        "",
    )
    .await;
    assert_eq!(code, 404);
    assert!(
        body.contains("pods \\\"no-such-pod\\\" not found"),
        "{body}"
    );
    let (code, body) = raw(&server, "GET", &path(&ns, &pod, ""), &[], "").await;
    assert_eq!(code, 400);
    assert!(
        body.contains("a container name must be specified"),
        "{body}"
    );
    // pgbouncer never restarted: it has no previous container.
    let (code, body) = raw(
        &server,
        "GET",
        &path(&ns, &pod, "container=pgbouncer&previous=true"),
        &[],
        "",
    )
    .await;
    assert_eq!(code, 400);
    assert!(
        body.contains(&format!(
            "previous terminated container \\\"pgbouncer\\\" in pod \\\"{pod}\\\" not found"
        )),
        "{body}"
    );
}

#[tokio::test]
async fn tail_timestamps_since_and_limit_bytes() {
    let server = seeded().await;
    let (ns, crashing) = crash_looping(&server);
    // A healthy pod of the same cluster.
    let pod = crashing.trim_end_matches(char::is_numeric).to_string() + "0";
    let get = |q: &'static str| {
        let (server, p) = (&server, path(&ns, &pod, q));
        async move { raw(server, "GET", &p, &[], "").await }
    };
    let (code, all) = get("container=postgresql&timestamps=true").await;
    assert_eq!(code, 200, "{all}");
    let lines: Vec<&str> = all.lines().collect();
    assert!(lines.len() > 10, "{all}");
    let stamp =
        |l: &str| chrono::DateTime::parse_from_rfc3339(l.split(' ').next().unwrap()).unwrap();
    assert!(
        lines.windows(2).all(|w| stamp(w[0]) <= stamp(w[1])),
        "in order"
    );
    assert!(all.contains("INFO: no action. I am"), "{all}");
    let (_, tail) = get("container=postgresql&timestamps=true&tailLines=3").await;
    assert_eq!(tail.lines().collect::<Vec<_>>(), lines[lines.len() - 3..]);
    let (_, plain) = get("container=postgresql&tailLines=1").await;
    assert_eq!(
        plain.trim_end(),
        lines[lines.len() - 1].split_once(' ').unwrap().1
    );
    let (_, limited) = get("container=postgresql&limitBytes=10").await;
    assert_eq!(limited.len(), 10);
    // sinceTime is whole seconds and includes that second.
    let since = stamp(lines[lines.len() - 2]).timestamp();
    let at = chrono::DateTime::from_timestamp(since, 0).unwrap();
    let p = path(
        &ns,
        &pod,
        &format!(
            "container=postgresql&timestamps=true&sinceTime={}",
            at.format("%Y-%m-%dT%H:%M:%SZ")
        ),
    );
    let (_, recent) = raw(&server, "GET", &p, &[], "").await;
    let recent: Vec<&str> = recent.lines().collect();
    assert!(
        recent.len() >= 2 && recent.iter().all(|l| stamp(l).timestamp() >= since),
        "{recent:?}"
    );
    assert_eq!(recent.last(), lines.last());
}

/// A pod with a container the demo knows nothing of: it says every second that it runs.
async fn plain_pod(server: &DemoServer) -> Api<Pod> {
    let pods = api(server, Kind::Pod, Some("t"));
    let now = chrono::Utc::now() - chrono::Duration::seconds(5);
    let obj = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "t"},
        "spec": {"containers": [{"name": "app", "image": "x"}]},
    });
    pods.create(&Default::default(), &serde_json::from_value(obj).unwrap())
        .await
        .unwrap();
    let status = json!({"status": {"phase": "Running", "startTime": now.to_rfc3339(),
        "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "image": "x",
            "state": {"running": {"startedAt": now.to_rfc3339()}}}]}});
    pods.patch_status("p", &PatchParams::default(), &Patch::Merge(&status))
        .await
        .unwrap();
    Api::namespaced(server.client().unwrap(), "t")
}

#[tokio::test]
async fn a_followed_log_brings_new_lines_until_the_fault_drops_it() {
    let server = start().await;
    let pods = plain_pod(&server).await;
    let params = LogParams {
        container: Some("app".into()),
        follow: true,
        timestamps: true,
        ..LogParams::default()
    };
    let mut lines = pods.log_stream("p", &params).await.unwrap().lines().boxed();
    let first: Vec<String> = tokio::time::timeout(WAIT, (&mut lines).take(7).try_collect())
        .await
        .expect("lines in time")
        .unwrap();
    assert!(first[0].ends_with("app: started"), "{first:?}");
    // More than were written when the request came: the stream follows.
    assert!(first[6].ends_with("app: running for 6s"), "{first:?}");
    server.faults.drop_log_streams();
    let end = tokio::time::timeout(WAIT, async {
        while let Some(line) = lines.next().await {
            line.unwrap();
        }
    });
    end.await.expect("the dropped stream ends");
    // A stream without follow ends by itself.
    let once = LogParams {
        container: Some("app".into()),
        ..LogParams::default()
    };
    let once = pods.logs("p", &once);
    let text = tokio::time::timeout(Duration::from_secs(5), once)
        .await
        .unwrap()
        .unwrap();
    assert!(text.starts_with("app: started\n"), "{text}");
}

#[tokio::test]
async fn a_continuous_backups_statefulset_pod_logs_its_archiving() {
    let server = seeded().await;
    let (backups, _) = server.store.list(Kind::Backup, None);
    let running = backups
        .iter()
        .map(|b| b.value())
        .find(|b| {
            b["metadata"]["labels"]["dataprotection.kubeblocks.io/backup-type"] == "Continuous"
                && b["status"]["phase"] == "Running"
        })
        .expect("a running continuous backup");
    let (ns, name) = (
        running["metadata"]["namespace"].as_str().unwrap(),
        running["metadata"]["name"].as_str().unwrap(),
    );
    let selector = format!(
        "dataprotection.kubeblocks.io/backup-name={name},app.kubernetes.io/managed-by=kubeblocks-dataprotection"
    );
    let pods = api(&server, Kind::Pod, Some(ns))
        .list(&kube::api::ListParams::default().labels(&selector))
        .await
        .unwrap();
    let names: Vec<String> = pods
        .items
        .iter()
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    assert_eq!(names, [format!("{name}-0")]);
    let (code, body) = raw(
        &server,
        "GET",
        &path(ns, &names[0], "container=backupdata&tailLines=5"),
        &[],
        "",
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert!(
        body.lines().count() == 5 && body.contains("FILE PATH: "),
        "{body}"
    );
}

#[tokio::test]
async fn a_failed_backups_job_pod_says_why_it_failed() {
    let server = start().await;
    // No policy: the operator fails the backup with the reason.
    let backup =
        crate::demo_server_support::create(&server, Kind::Backup, "t", "b1", json!({})).await;
    let reason = crate::demo_server_support::eventually("the backup to fail", || {
        let server = &server;
        async move {
            let b = server.store.get_value(Kind::Backup, Some("t"), "b1")?;
            (b["status"]["phase"] == "Failed")
                .then(|| b["status"]["failureReason"].as_str().unwrap().to_string())
        }
    })
    .await;
    let pods = api(&server, Kind::Pod, Some("t"));
    let job_pod = format!("dp-backup-0-b1-{}", &backup.metadata.uid.unwrap()[..8]);
    let obj = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": job_pod, "namespace": "t", "labels": {
            "dataprotection.kubeblocks.io/backup-name": "b1",
            "app.kubernetes.io/managed-by": "kubeblocks-dataprotection"}},
        "spec": {"containers": [{"name": "backupdata", "image": "x"}, {"name": "manager", "image": "x"}]},
    });
    pods.create(&Default::default(), &serde_json::from_value(obj).unwrap())
        .await
        .unwrap();
    let t = |s: i64| (chrono::Utc::now() - chrono::Duration::seconds(s)).to_rfc3339();
    let status = json!({"status": {"phase": "Failed", "containerStatuses": [{"name": "backupdata",
        "restartCount": 0, "ready": false, "image": "x",
        "state": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": t(60), "finishedAt": t(30)}}}]}});
    pods.patch_status(&job_pod, &PatchParams::default(), &Patch::Merge(&status))
        .await
        .unwrap();
    let (code, body) = raw(
        &server,
        "GET",
        &path("t", &job_pod, "container=backupdata"),
        &[],
        "",
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let last = body.lines().last().unwrap();
    assert!(
        last.contains("backup failed") && last.contains(&reason),
        "{body}"
    );
}

#[tokio::test]
async fn every_pod_has_kbagent_and_the_timed_out_probes_say_so_in_its_log() {
    let server = seeded().await;
    // auth-db's role probe times out (the operator's message on its component): its kbagent
    // says so; pg-cluster's answers. Triage reads exactly this container for role trouble.
    let mut tails = Vec::new();
    for (ns, pod) in [
        ("demo", "auth-db-postgresql-0"),
        ("demo", "pg-cluster-postgresql-0"),
    ] {
        let (code, body) = raw(
            &server,
            "GET",
            &path(ns, pod, "container=kbagent&tailLines=3"),
            &[],
            "",
        )
        .await;
        assert_eq!(code, 200, "{pod}: {body}");
        tails.push(body);
    }
    assert!(
        tails[0].lines().count() == 3
            && tails[0]
                .lines()
                .all(|l| l.contains("probe failed") && l.contains("roleProbe")),
        "{}",
        tails[0]
    );
    assert!(
        tails[1].lines().count() == 3
            && tails[1]
                .lines()
                .all(|l| l.contains("send probe event") && !l.contains("failed")),
        "{}",
        tails[1]
    );
    let (pods, _) = server.store.list(Kind::Pod, None);
    for p in pods.iter().map(|p| p.value()) {
        let containers: Vec<&str> = p["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str())
            .collect();
        // Backup job and archiver pods are the data-protection controller's, not KubeBlocks'.
        if containers.contains(&"postgresql") {
            assert!(containers.contains(&"kbagent"), "{p}");
        }
    }
}
