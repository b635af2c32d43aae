//! Building a kube client: from a kubeconfig like kubectl does, or for a plain URL (the demo).

use std::path::Path;

use anyhow::{Context as _, Result};
use kbdash_core::kinds::Kind;
use kube::Client;
use kube::api::GroupVersionKind;
use kube::config::{Config, KubeConfigOptions, Kubeconfig};
use kube::discovery::ApiResource;

/// Where the API server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A kubeconfig: the given path (a `KUBECONFIG`-style list is merged), or kubectl's default.
    Kubeconfig(Option<std::path::PathBuf>),
    /// A URL with no authentication (the embedded demo).
    Url(String),
}

/// A connected client and what the header shows about it.
#[derive(Clone)]
pub struct Connection {
    /// The client, as the kubeconfig or URL describes it (not behind the read-only gate).
    pub client: Client,
    /// Context name ("demo" for the embedded demo).
    pub context: String,
    /// The context's default namespace.
    pub(crate) default_namespace: String,
    /// Every context of the kubeconfig, for `:ctx`.
    pub contexts: Vec<String>,
}

fn read_kubeconfig(path: Option<&Path>) -> Result<Kubeconfig> {
    match path {
        Some(p) => std::env::split_paths(p.as_os_str())
            .filter(|p| !p.as_os_str().is_empty())
            .try_fold(Kubeconfig::default(), |acc, p| {
                let next = Kubeconfig::read_from(&p)
                    .with_context(|| format!("reading kubeconfig {}", p.display()))?;
                acc.merge(next).context("merging kubeconfig files")
            }),
        None => {
            Kubeconfig::read().context("reading the kubeconfig ($KUBECONFIG or ~/.kube/config)")
        }
    }
}

/// Turns off the client's own retries of 429/503/504 answers. They back off for minutes (a
/// DELETE answered 503 took 376 s to fail), keeping a form "submitting" that long, and a create
/// answered 504 may already have been carried out: retrying it could create a second
/// OpsRequest. Watches retry by themselves with their own backoff; forms let the user retry.
fn without_retries(mut config: Config) -> Config {
    config.default_retry = false;
    config
}

/// Connects to the API server described by `source`, using `context` if given.
pub async fn connect(source: &Source, context: Option<&str>) -> Result<Connection> {
    match source {
        Source::Url(url) => {
            let uri = url
                .parse()
                .with_context(|| format!("bad API server URL {url:?}"))?;
            let config = without_retries(Config::new(uri));
            let default_namespace = config.default_namespace.clone();
            Ok(Connection {
                client: Client::try_from(config).context("building the API client")?,
                context: "demo".into(),
                default_namespace,
                contexts: Vec::new(),
            })
        }
        Source::Kubeconfig(path) => {
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
            let config = without_retries(config);
            let default_namespace = config.default_namespace.clone();
            Ok(Connection {
                client: Client::try_from(config).context("building the API client")?,
                context: name,
                default_namespace,
                contexts,
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
