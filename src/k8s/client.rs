//! Building a kube client: from a kubeconfig like kubectl does, or for a plain URL (the demo).
//! An exec credential plugin in the kubeconfig is run by kbdash itself ([`credentials`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow};
use kbdash_core::kinds::Kind;
use kube::Client;
use kube::api::GroupVersionKind;
use kube::config::{Config, KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::discovery::ApiResource;

use crate::k8s::credentials::{self, Plugin};

/// How long an exec credential plugin may take by default: long enough for a plugin that has
/// the user log in (in a browser, with a device code), short enough that a hung one ends.
pub const PLUGIN_TIMEOUT: Duration = Duration::from_secs(120);

/// Where the API server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A kubeconfig, read like kubectl reads it.
    Kubeconfig {
        /// The file (a `KUBECONFIG`-style list is merged), or kubectl's default.
        path: Option<PathBuf>,
        /// How long an exec credential plugin may take.
        plugin_timeout: Duration,
    },
    /// A URL with no authentication (the embedded demo).
    Url(String),
}

impl Source {
    /// The kubeconfig at `path` (kubectl's default when `None`), plugins limited to
    /// [`PLUGIN_TIMEOUT`].
    pub fn kubeconfig(path: Option<PathBuf>) -> Source {
        Source::Kubeconfig {
            path,
            plugin_timeout: PLUGIN_TIMEOUT,
        }
    }
}

/// A connected client and what the header shows about it.
#[derive(Clone)]
pub struct Connection {
    /// The client, as the kubeconfig or URL describes it (not behind the read-only gate).
    pub client: Client,
    /// Context name ("demo" for the embedded demo).
    pub context: String,
    /// The API server's URL, as messages name it.
    pub server: String,
    /// The context's default namespace.
    pub(crate) default_namespace: String,
    /// Every context of the kubeconfig, for `:ctx`.
    pub contexts: Vec<String>,
    /// The context's exec credential plugin, if it has one.
    pub plugin: Option<Arc<Plugin>>,
}

/// The kubeconfig files to read, as kubectl picks them: `path` or `$KUBECONFIG` (each a list
/// of files, merged), else `~/.kube/config`.
fn kubeconfig_paths(path: Option<&Path>) -> Result<Vec<PathBuf>> {
    let list = path
        .map(|p| p.as_os_str().to_os_string())
        .or_else(|| std::env::var_os("KUBECONFIG"));
    let listed: Vec<PathBuf> = list
        .iter()
        .flat_map(std::env::split_paths)
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    if !listed.is_empty() {
        return Ok(listed);
    }
    let home = directories::BaseDirs::new()
        .map(|d| d.home_dir().to_path_buf())
        .ok_or_else(|| anyhow!("no kubeconfig: no home directory to find ~/.kube/config in"))?;
    Ok(vec![home.join(".kube").join("config")])
}

/// Reads one kubeconfig file. kube's own message for a file it cannot read quotes the path
/// oddly and its source repeats the OS error: the error is said once here.
fn read_kubeconfig_file(path: &Path) -> Result<Kubeconfig> {
    match Kubeconfig::read_from(path) {
        Ok(config) => Ok(config),
        Err(KubeconfigError::ReadConfig(io, _)) => {
            Err(anyhow!("reading kubeconfig {}: {io}", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("reading kubeconfig {}", path.display())),
    }
}

fn read_kubeconfig(path: Option<&Path>) -> Result<Kubeconfig> {
    kubeconfig_paths(path)?
        .iter()
        .try_fold(Kubeconfig::default(), |acc, p| {
            let next = read_kubeconfig_file(p)?;
            acc.merge(next).context("merging kubeconfig files")
        })
}

/// Whether the user's `exec` plugin is what authenticates: kube's client prefers an auth
/// provider, a user name and password, a token and a token file, in that order, to it.
fn exec_in_use(auth: &kube::config::AuthInfo) -> bool {
    auth.exec.is_some()
        && auth.auth_provider.is_none()
        && !(auth.username.is_some() && auth.password.is_some())
        && auth.token.is_none()
        && auth.token_file.is_none()
}

/// The URL messages name the server by.
fn server_of(config: &Config) -> String {
    config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string()
}

/// Turns off the client's own retries of 429/503/504 answers. They back off for minutes (a
/// DELETE answered 503 took 376 s to fail), keeping a form "submitting" that long, and a create
/// answered 504 may already have been carried out: retrying it could create a second
/// OpsRequest. Watches retry by themselves with their own backoff; forms let the user retry.
fn without_retries(mut config: Config) -> Config {
    config.default_retry = false;
    config
}

/// Connects to the API server described by `source`, using `context` if given. Nothing is
/// sent yet, and an exec credential plugin has not run: the first request runs it (or
/// [`Plugin::prepare`] before).
pub async fn connect(source: &Source, context: Option<&str>) -> Result<Connection> {
    match source {
        Source::Url(url) => {
            let uri = url
                .parse()
                .with_context(|| format!("bad API server URL {url:?}"))?;
            let config = without_retries(Config::new(uri));
            let default_namespace = config.default_namespace.clone();
            Ok(Connection {
                server: server_of(&config),
                client: Client::try_from(config).context("building the API client")?,
                context: "demo".into(),
                default_namespace,
                contexts: Vec::new(),
                plugin: None,
            })
        }
        Source::Kubeconfig {
            path,
            plugin_timeout,
        } => {
            let kubeconfig = read_kubeconfig(path.as_deref())?;
            let contexts = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
            let name = context
                .map(str::to_string)
                .or_else(|| kubeconfig.current_context.clone())
                .unwrap_or_default();
            let options = KubeConfigOptions {
                context: context.map(str::to_string),
                ..KubeConfigOptions::default()
            };
            let config = Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .with_context(|| format!("loading kubeconfig context {name:?}"))?;
            let mut config = without_retries(config);
            let default_namespace = config.default_namespace.clone();
            let server = server_of(&config);
            // Taken out of the configuration: kube's client would run it itself.
            let plugin = exec_in_use(&config.auth_info)
                .then(|| config.auth_info.exec.take())
                .flatten()
                .map(|exec| Arc::new(Plugin::new(exec, *plugin_timeout)));
            let client = match &plugin {
                Some(plugin) => credentials::with_plugin(config, plugin.clone()),
                None => Client::try_from(config),
            }
            .context("building the API client")?;
            Ok(Connection {
                client,
                context: name,
                server,
                default_namespace,
                contexts,
                plugin,
            })
        }
    }
}

/// The kind as a `kube` dynamic API resource.
pub fn api_resource(kind: Kind) -> ApiResource {
    let i = kind.info();
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(i.group, i.version, i.kind_name),
        i.plural,
    )
}
