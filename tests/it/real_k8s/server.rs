//! A real kube-apiserver with its etcd, run by `scripts/real-k8s.sh run` as a child process
//! (testenv/README.md), with kbdash's KubeBlocks CRDs installed.
//!
//! When the binaries are not built, tests print why and return early, unless
//! `KBDASH_REQUIRE_REAL_K8S=1` says they must run (CI sets it): then their absence fails.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use kbdash::k8s::client::{Connection, Source, connect};
use kbdash_core::kinds::Kind;
use serde_json::Value;

/// Set to `1` to make the tier's absence a failure instead of a skip.
const REQUIRE: &str = "KBDASH_REQUIRE_REAL_K8S";

/// The kubeconfig context of the `system:masters` identity.
pub const ADMIN: &str = "admin";
/// The kubeconfig context of the identity that may only get, list and watch.
pub const READER: &str = "reader";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn script() -> PathBuf {
    repo().join("scripts/real-k8s.sh")
}

/// The binaries' directory, or why there is none (`real-k8s.sh bin-dir`'s reason).
fn binaries() -> &'static Result<PathBuf, String> {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BIN.get_or_init(|| {
        let out = Command::new("bash")
            .arg(script())
            .arg("bin-dir")
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script().display()))?;
        if out.status.success() {
            Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    })
}

/// Whether `test` must be skipped because the binaries are absent (the reason is printed);
/// panics instead when the environment requires the tier.
pub fn skipped(test: &str) -> bool {
    match binaries() {
        Ok(_) => false,
        Err(reason) if std::env::var(REQUIRE).as_deref() == Ok("1") => {
            panic!("{REQUIRE}=1 but the real Kubernetes tier cannot run: {reason}")
        }
        Err(reason) => {
            eprintln!(
                "{test}: skipped, no real kube-apiserver ({reason}); build it with scripts/real-k8s.sh build"
            );
            true
        }
    }
}

/// The CRD manifests of the KubeBlocks kinds, written once per test process (and removed at
/// its exit).
fn crd_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kbdash-real-k8s-{}-crds", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // SAFETY: registers a plain function to run at exit; it only signals and waits for
        // the shared server's process and removes directories.
        unsafe {
            libc::atexit(at_exit);
        }
        std::fs::create_dir_all(&dir).unwrap();
        for crd in Kind::all().filter_map(kbdash_core::schema::custom_resource_definition) {
            let name = crd["metadata"]["name"].as_str().unwrap();
            let text = serde_json::to_string_pretty(&crd).unwrap();
            std::fs::write(dir.join(format!("{name}.json")), text).unwrap();
        }
        dir
    })
}

/// How a server is started besides the defaults (`--watch-cache false`, compaction every 10 s).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `--compaction-interval`, e.g. `5s`.
    pub compaction_interval: Option<&'static str>,
    /// `--watch-cache true`: what production servers run (bookmarks come from the cache).
    pub watch_cache: bool,
}

/// What `real-k8s.sh run` printed about the servers it started.
#[derive(Debug, Clone)]
pub struct Env {
    /// A kubeconfig with the contexts [`ADMIN`] and [`READER`].
    pub kubeconfig: PathBuf,
    /// The API server's audit log: one JSON line per request.
    pub audit_log: PathBuf,
    /// The `run` state directory.
    pub state_dir: PathBuf,
}

impl Env {
    fn parse(line: &str) -> Env {
        let v: Value = serde_json::from_str(line).unwrap();
        let path = |key: &str| PathBuf::from(v[key].as_str().unwrap());
        Env {
            kubeconfig: path("KUBECONFIG"),
            audit_log: path("AUDIT_LOG"),
            state_dir: path("STATE_DIR"),
        }
    }
}

/// A running kube-apiserver and etcd; dropping it stops them and removes their state.
pub struct RealK8s {
    /// Where the servers are.
    pub env: Env,
    /// The `run` process and its stdout (kept open: the script must be able to write to it).
    process: Mutex<Option<(Child, ChildStdout)>>,
    dir: PathBuf,
}

impl RealK8s {
    /// Starts a server with the CRDs installed, its state in a fresh directory named after
    /// `name`; waits until it is ready (about 5 s). Panics with the script's output when it
    /// fails.
    pub fn start(name: &str, options: Options) -> RealK8s {
        let dir =
            std::env::temp_dir().join(format!("kbdash-real-k8s-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let state = dir.join("state");
        let log = dir.join("run.log");
        let mut cmd = Command::new("bash");
        cmd.arg(script())
            .arg("run")
            .arg("--state")
            .arg(&state)
            .arg("--crds")
            .arg(crd_dir());
        if let Some(interval) = options.compaction_interval {
            cmd.args(["--compaction-interval", interval]);
        }
        if options.watch_cache {
            cmd.args(["--watch-cache", "true"]);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            if stdout.read_line(&mut line).unwrap() == 0 {
                let _ = child.wait();
                let mut text = String::new();
                let _ = std::fs::File::open(&log).and_then(|mut f| f.read_to_string(&mut text));
                panic!("real-k8s.sh run ended before the server was ready:\n{text}");
            }
            if line.starts_with('{') {
                break;
            }
        }
        RealK8s {
            env: Env::parse(&line),
            process: Mutex::new(Some((child, stdout.into_inner()))),
            dir,
        }
    }

    /// Stops the servers (SIGTERM to `run`, which stops kube-apiserver, then etcd) and removes
    /// their state.
    fn stop(&self) {
        let process = self
            .process
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some((mut child, _stdout)) = process {
            // SAFETY: kill(2) on the pid of our own child, which has not been waited for.
            unsafe {
                libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
            }
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// Where the servers are, as kbdash's `--kubeconfig` takes it.
    pub fn source(&self) -> Source {
        Source::kubeconfig(Some(self.env.kubeconfig.clone()))
    }

    /// A connection as kbdash makes it, for the identity of kubeconfig context `context`.
    pub async fn connection(&self, context: &str) -> Connection {
        connect(&self.source(), Some(context)).await.unwrap()
    }

    /// A kube client of the admin identity.
    pub async fn admin(&self) -> kube::Client {
        self.connection(ADMIN).await.client
    }

    /// Restarts kube-apiserver (etcd keeps running) with `real-k8s.sh restart-apiserver` and
    /// its options (`--signal KILL`, `--down-for 3`...); blocks until it is ready again.
    pub fn restart_apiserver(state_dir: &Path, options: &[&str]) {
        let out = Command::new("bash")
            .arg(script())
            .arg("restart-apiserver")
            .arg("--state")
            .arg(state_dir)
            .args(options)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "restart-apiserver failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The audit log's records, oldest first (lines still being written are left out).
    pub fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.env.audit_log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for RealK8s {
    fn drop(&mut self) {
        self.stop();
    }
}

static SHARED: OnceLock<Option<RealK8s>> = OnceLock::new();

/// Stops the shared server and removes the CRD manifests when the test process exits.
extern "C" fn at_exit() {
    if let Some(Some(server)) = SHARED.get() {
        server.stop();
    }
    let _ = std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("kbdash-real-k8s-{}-crds", std::process::id())),
    );
}

/// The server the tests that need no server of their own share (each in its own namespace),
/// started by the first of them; `None` (after printing why) when `test` must be skipped. It
/// compacts every 5 s, so that 410 comes quickly. It is stopped when the test process exits.
pub fn shared(test: &str) -> Option<&'static RealK8s> {
    if skipped(test) {
        return None;
    }
    SHARED
        .get_or_init(|| {
            Some(RealK8s::start(
                "shared",
                Options {
                    compaction_interval: Some("5s"),
                    ..Options::default()
                },
            ))
        })
        .as_ref()
}

/// A server of `test`'s own (it restarts, compacts or reconfigures it); `None` (after
/// printing why) when `test` must be skipped.
pub fn own(test: &str, options: Options) -> Option<RealK8s> {
    (!skipped(test)).then(|| RealK8s::start(test, options))
}
