//! Exec credential plugins (a kubeconfig user's `exec:`), run by kbdash rather than by kube's
//! client. kube's runs the plugin without a time limit, synchronously where the client is built
//! (a plugin that hangs freezes whatever awaits it, before anything is on the screen), and when
//! the plugin fails it puts the plugin's whole output in its error: the credential the plugin
//! printed on stdout included, and its environment.
//!
//! Here the plugin is a child process with a time limit, killed when the limit passes; its
//! stdout is parsed and never shown, and a failure is described by the plugin's exit status and
//! the last line of its stderr ([`PluginError`]). The client asks for the credential on each
//! request ([`with_plugin`]): it is kept until shortly before it expires, or until the server
//! answers 401, and the plugin runs again then. A failure is kept for a little while, so that
//! requests waiting on a plugin that failed do not each run it again.
//!
//! Before the dashboard is up, the plugin may talk to the user ([`Mode::Terminal`]: stdin and
//! stderr are the terminal's, as with kubectl); once the terminal is the dashboard's, it may not
//! ([`Mode::Session`]: stdin is empty, stderr is read).

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use futures::future::BoxFuture;
use hyper::header::{AUTHORIZATION, HeaderValue};
use hyper::{Request, Response, StatusCode};
use kube::Client;
use kube::client::Body;
use kube::config::{ExecConfig, ExecInteractiveMode};
use serde::Deserialize;
use serde_json::{Value, json};

/// How long a credential is used before its expiry is considered reached: a request sent just
/// before would arrive with an expired token.
const EXPIRY_MARGIN: TimeDelta = TimeDelta::seconds(10);
/// How long a failure is answered without running the plugin again.
const FAILURE_KEPT: TimeDelta = TimeDelta::seconds(10);
/// At most this much of the plugin's stderr is quoted.
const STDERR_CHARS: usize = 200;

/// Where the plugin runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Before the dashboard: the plugin may prompt on the terminal (unless its kubeconfig says
    /// `interactiveMode: Never`), and its stderr is the terminal's.
    Terminal,
    /// Under the dashboard: no terminal for the plugin; its stderr is read.
    Session,
}

/// Why the plugin gave no credential. Never quotes the plugin's stdout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PluginError {
    /// The command could not be run.
    #[error("the credential plugin {name} could not be started: {error}")]
    Start {
        /// The plugin's command.
        name: String,
        /// The operating system's error.
        error: String,
    },
    /// The time limit passed; the plugin was stopped.
    #[error("the credential plugin {name} gave no credentials within {seconds} s; it was stopped")]
    Timeout {
        /// The plugin's command.
        name: String,
        /// The time limit.
        seconds: u64,
    },
    /// The plugin exited with an error.
    #[error("the credential plugin {name} failed ({status}){}", stderr_note(.stderr))]
    Failed {
        /// The plugin's command.
        name: String,
        /// Its exit status.
        status: String,
        /// The last line of its stderr, if it was read and said something.
        stderr: Option<String>,
    },
    /// The plugin's stdout is not an ExecCredential, or carries no credential.
    #[error("the credential plugin {name} printed no usable ExecCredential ({what})")]
    Unusable {
        /// The plugin's command.
        name: String,
        /// What is wrong with it, without quoting it.
        what: String,
    },
}

fn stderr_note(stderr: &Option<String>) -> String {
    stderr
        .as_deref()
        .map(|s| format!(": {s}"))
        .unwrap_or_default()
}

/// What a plugin gave.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    /// A bearer token.
    Token {
        token: String,
        expires: Option<DateTime<Utc>>,
    },
    /// A client certificate and its key (PEM).
    Certificate {
        certificate: String,
        key: String,
        expires: Option<DateTime<Utc>>,
    },
}

// Not derived: the credential itself must never reach a log line or an error message.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Token { expires, .. } => write!(f, "Token(expires {expires:?})"),
            Credential::Certificate { expires, .. } => {
                write!(f, "Certificate(expires {expires:?})")
            }
        }
    }
}

impl Credential {
    fn expires(&self) -> Option<DateTime<Utc>> {
        match self {
            Credential::Token { expires, .. } | Credential::Certificate { expires, .. } => *expires,
        }
    }

    fn fresh(&self, now: DateTime<Utc>) -> bool {
        self.expires().is_none_or(|at| now + EXPIRY_MARGIN < at)
    }
}

/// The last answer of the plugin.
#[derive(Debug, Clone)]
enum Held {
    Credential(Credential),
    Failed(PluginError, DateTime<Utc>),
}

/// One kubeconfig user's exec plugin.
pub struct Plugin {
    exec: ExecConfig,
    limit: Duration,
    /// The last answer; locked while the plugin runs, so it runs once at a time.
    held: tokio::sync::Mutex<Option<Held>>,
    /// Since when the plugin has been running, while it is.
    running: Mutex<Option<DateTime<Utc>>>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Plugin({})", self.name())
    }
}

/// The ExecCredential a plugin prints (client.authentication.k8s.io).
#[derive(Deserialize)]
struct ExecCredential {
    status: Option<ExecStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecStatus {
    token: Option<String>,
    client_certificate_data: Option<String>,
    client_key_data: Option<String>,
    expiration_timestamp: Option<String>,
}

impl Plugin {
    /// The plugin of `exec`, each run limited to `limit`.
    pub(crate) fn new(exec: ExecConfig, limit: Duration) -> Plugin {
        Plugin {
            exec,
            limit,
            held: tokio::sync::Mutex::new(None),
            running: Mutex::new(None),
        }
    }

    /// The plugin's command as the kubeconfig writes it (its arguments may hold secrets).
    pub fn name(&self) -> &str {
        self.exec.command.as_deref().unwrap_or("(no command)")
    }

    /// Since when the plugin has been running, if it is.
    pub fn running_since(&self) -> Option<DateTime<Utc>> {
        *self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The credential: the one held while fresh, else the plugin's new answer.
    pub(crate) async fn credential(&self, mode: Mode) -> Result<Credential, PluginError> {
        let mut held = self.held.lock().await;
        let now = Utc::now();
        match &*held {
            Some(Held::Credential(c)) if c.fresh(now) => return Ok(c.clone()),
            Some(Held::Failed(e, at)) if now - *at < FAILURE_KEPT => return Err(e.clone()),
            _ => {}
        }
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) = Some(now);
        let answer = self.run(mode).await;
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) = None;
        *held = Some(match &answer {
            Ok(c) => Held::Credential(c.clone()),
            Err(e) => Held::Failed(e.clone(), Utc::now()),
        });
        answer
    }

    /// Gets (before the dashboard) the credential the first request will use.
    pub async fn prepare(&self) -> Result<(), PluginError> {
        self.credential(Mode::Terminal).await.map(|_| ())
    }

    /// Drops `credential` if it is the one held: the server refused it.
    async fn forget(&self, credential: &Credential) {
        let mut held = self.held.lock().await;
        if matches!(&*held, Some(Held::Credential(c)) if c == credential) {
            *held = None;
        }
    }

    /// Runs the plugin once.
    async fn run(&self, mode: Mode) -> Result<Credential, PluginError> {
        let name = self.name().to_string();
        let Some(command) = &self.exec.command else {
            return Err(PluginError::Start {
                name,
                error: "the kubeconfig gives no command".into(),
            });
        };
        let interactive = mode == Mode::Terminal
            && self.exec.interactive_mode != Some(ExecInteractiveMode::Never)
            && std::io::IsTerminal::is_terminal(&std::io::stdin());
        let mut cmd = tokio::process::Command::new(command);
        cmd.args(self.exec.args.iter().flatten());
        for pair in self.exec.env.iter().flatten() {
            if let (Some(k), Some(v)) = (pair.get("name"), pair.get("value")) {
                cmd.env(k, v);
            }
        }
        cmd.env(
            "KUBERNETES_EXEC_INFO",
            self.exec_info(interactive).to_string(),
        );
        cmd.stdout(Stdio::piped());
        if interactive {
            cmd.stdin(Stdio::inherit()).stderr(Stdio::inherit());
        } else if mode == Mode::Terminal {
            cmd.stdin(Stdio::null()).stderr(Stdio::inherit());
        } else {
            cmd.stdin(Stdio::null()).stderr(Stdio::piped());
        }
        // A plugin past its time limit is killed with its future.
        cmd.kill_on_drop(true);
        let child = cmd.spawn().map_err(|e| PluginError::Start {
            name: name.clone(),
            error: e.to_string(),
        })?;
        let out = match tokio::time::timeout(self.limit, child.wait_with_output()).await {
            Ok(Ok(out)) => out,
            Ok(Err(e)) => {
                return Err(PluginError::Start {
                    name,
                    error: e.to_string(),
                });
            }
            Err(_) => {
                return Err(PluginError::Timeout {
                    name,
                    seconds: self.limit.as_secs(),
                });
            }
        };
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(|l| l.chars().take(STDERR_CHARS).collect());
            return Err(PluginError::Failed {
                name,
                status: out.status.to_string(),
                stderr: last,
            });
        }
        parse(&name, &out.stdout)
    }

    /// `KUBERNETES_EXEC_INFO`: the ExecCredential the plugin is given, with the cluster when
    /// the kubeconfig asks for it (`provideClusterInfo`), in client-go's field names.
    fn exec_info(&self, interactive: bool) -> Value {
        let api_version = self
            .exec
            .api_version
            .clone()
            .unwrap_or_else(|| "client.authentication.k8s.io/v1beta1".into());
        let mut spec = json!({ "interactive": interactive });
        if let Some(c) = self
            .exec
            .cluster
            .as_ref()
            .filter(|_| self.exec.provide_cluster_info)
        {
            let mut cluster = serde_json::Map::new();
            let mut put = |k: &str, v: Option<Value>| {
                if let Some(v) = v {
                    cluster.insert(k.into(), v);
                }
            };
            put("server", c.server.clone().map(Value::from));
            put("tlsServerName", c.tls_server_name.clone().map(Value::from));
            put(
                "insecureSkipTLSVerify",
                c.insecure_skip_tls_verify.map(Value::from),
            );
            put(
                "certificateAuthorityData",
                c.certificate_authority_data
                    .as_ref()
                    .map(|d| base64::engine::general_purpose::STANDARD.encode(d).into()),
            );
            put("proxyURL", c.proxy_url.clone().map(Value::from));
            put("config", c.config.clone());
            spec["cluster"] = Value::Object(cluster);
        }
        json!({"apiVersion": api_version, "kind": "ExecCredential", "spec": spec})
    }
}

/// The credential in a plugin's stdout (JSON, or YAML as client-go also reads).
fn parse(name: &str, stdout: &[u8]) -> Result<Credential, PluginError> {
    let unusable = |what: &str| PluginError::Unusable {
        name: name.to_string(),
        what: what.to_string(),
    };
    // The parser's own message may quote the input: it is not passed on.
    let cred: ExecCredential =
        serde_yaml_ng::from_slice(stdout).map_err(|_| unusable("not an ExecCredential"))?;
    let status = cred.status.ok_or_else(|| unusable("no status"))?;
    let expires = match &status.expiration_timestamp {
        Some(t) => Some(
            DateTime::parse_from_rfc3339(t)
                .map_err(|_| unusable("its expirationTimestamp is not a time"))?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    match (
        status.token,
        status.client_certificate_data,
        status.client_key_data,
    ) {
        (_, Some(certificate), Some(key)) => Ok(Credential::Certificate {
            certificate,
            key,
            expires,
        }),
        (Some(token), _, _) if !token.is_empty() => Ok(Credential::Token { token, expires }),
        _ => Err(unusable("neither a token nor a client certificate")),
    }
}

/// A client that puts the plugin's credential on every request. `config` is the context's
/// client configuration without the plugin; a client certificate from the plugin gets a client
/// built with it (again when it changes).
pub(crate) fn with_plugin(
    config: kube::Config,
    plugin: Arc<Plugin>,
) -> Result<Client, kube::Error> {
    let namespace = config.default_namespace.clone();
    let base = Client::try_from(config.clone())?;
    let service = WithPlugin {
        plugin,
        config: Arc::new(config),
        base,
        by_certificate: Arc::new(Mutex::new(None)),
    };
    Ok(Client::new(service, namespace))
}

/// The request service of [`with_plugin`].
#[derive(Clone)]
struct WithPlugin {
    plugin: Arc<Plugin>,
    config: Arc<kube::Config>,
    /// The client for bearer tokens.
    base: Client,
    /// The client built with the last client certificate, and that certificate.
    by_certificate: Arc<Mutex<Option<(String, Client)>>>,
}

impl WithPlugin {
    /// The client for `certificate` and `key`, built once per certificate.
    fn certificate_client(&self, certificate: &str, key: &str) -> Result<Client, kube::Error> {
        let mut held = self
            .by_certificate
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some((cert, client)) = &*held
            && cert == certificate
        {
            return Ok(client.clone());
        }
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let mut config = (*self.config).clone();
        config.auth_info.client_certificate_data = Some(b64(certificate));
        config.auth_info.client_key_data = Some(b64(key).into());
        let client = Client::try_from(config)?;
        *held = Some((certificate.to_string(), client.clone()));
        Ok(client)
    }
}

impl tower::Service<Request<Body>> for WithPlugin {
    type Response = Response<Body>;
    type Error = tower::BoxError;
    type Future = BoxFuture<'static, Result<Response<Body>, tower::BoxError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: Request<Body>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let credential = this.plugin.credential(Mode::Session).await?;
            let client = match &credential {
                Credential::Token { token, .. } => {
                    let mut value =
                        HeaderValue::try_from(format!("Bearer {token}")).map_err(|_| {
                            PluginError::Unusable {
                                name: this.plugin.name().to_string(),
                                what: "its token is not a valid header value".into(),
                            }
                        })?;
                    value.set_sensitive(true);
                    req.headers_mut().insert(AUTHORIZATION, value);
                    this.base.clone()
                }
                Credential::Certificate {
                    certificate, key, ..
                } => this.certificate_client(certificate, key)?,
            };
            let response = client.send(req).await?;
            if response.status() == StatusCode::UNAUTHORIZED {
                this.plugin.forget(&credential).await;
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_is_read_from_json_or_yaml_and_never_quoted() {
        let json = br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
            "status":{"token":"TOKEN123","expirationTimestamp":"2030-01-01T00:00:00Z"}}"#;
        let Ok(Credential::Token { token, expires }) = parse("p", json) else {
            panic!("a token");
        };
        assert_eq!(token, "TOKEN123");
        assert!(expires.is_some());
        let yaml =
            b"kind: ExecCredential\nstatus:\n  clientCertificateData: C\n  clientKeyData: K\n";
        assert!(matches!(
            parse("p", yaml),
            Ok(Credential::Certificate { .. })
        ));
        for bad in [&b"TOKEN123 is not json"[..], b"{\"status\":{}}", b"{}"] {
            let e = parse("p", bad).unwrap_err().to_string();
            assert!(!e.contains("TOKEN123"), "{e}");
            assert!(
                e.starts_with("the credential plugin p printed no usable"),
                "{e}"
            );
        }
        let cred = parse("p", json).unwrap();
        assert!(!format!("{cred:?}").contains("TOKEN123"));
    }
}
