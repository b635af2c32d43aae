//! `kbdash demo-server` as a process: URL first on stdout, kubeconfig and request log written.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn headless_server_prints_its_url_first_and_writes_its_files() {
    let dir = std::env::temp_dir().join(format!("kbdash-srv-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let kubeconfig = dir.join("kubeconfig");
    let log = dir.join("requests.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kbdash"))
        .arg("demo-server")
        .args(["--clusters", "0", "--write-kubeconfig"])
        .arg(&kubeconfig)
        .arg("--request-log")
        .arg(&log)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("kbdash starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = tokio::time::timeout(WAIT, lines.next_line())
        .await
        .expect("a first line in time")
        .expect("readable")
        .expect("a line");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    // The kubeconfig is written before the URL is printed.
    let config =
        kube::config::Kubeconfig::read_from(&kubeconfig).expect("the kubeconfig is written");
    let config = kube::Config::from_custom_kubeconfig(config, &Default::default())
        .await
        .expect("kube accepts the kubeconfig");
    assert_eq!(config.cluster_url.to_string().trim_end_matches('/'), url);
    let client = kube::Client::try_from(config).expect("client");
    let version = client.apiserver_version().await.expect("/version");
    assert_eq!(version.major, "1");
    let text = std::fs::read_to_string(&log).expect("request log");
    assert!(
        text.lines()
            .any(|l| l.contains(" GET /version ") && l.ends_with(" 200")),
        "{text}"
    );

    tokio::time::timeout(WAIT, child.kill())
        .await
        .expect("stops")
        .expect("killed");
    let _ = std::fs::remove_dir_all(&dir);
}
