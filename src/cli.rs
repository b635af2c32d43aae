//! The command line: `kbdash` (dashboard on a kubeconfig), `kbdash demo` (dashboard on the
//! embedded demo) and `kbdash demo-server` (the demo API server alone, headless).

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::{Args, Parser, Subcommand};

use crate::config::Config;
use crate::k8s::client::{Connection, PLUGIN_TIMEOUT, Source, connect};
use crate::runtime::{self, Ending, Start};
use crate::state::launch::Launch;
use crate::state::theme::Theme;
use kbdash_demo::{DemoConfig, DemoServer};

/// kbdash: a terminal dashboard for PostgreSQL clusters run by KubeBlocks.
#[derive(Debug, Parser)]
#[command(name = "kbdash", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) dashboard: DashboardArgs,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// The modes besides the default dashboard.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the dashboard on the embedded demo API server (no cluster needed).
    Demo(DemoArgs),
    /// Run the embedded demo API server alone until Ctrl-C; prints its URL first.
    DemoServer(DemoServerArgs),
}

/// Options of the dashboard, accepted before or after a subcommand.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct DashboardArgs {
    /// Path of the kubeconfig file (default: $KUBECONFIG, merged like kubectl, then ~/.kube/config).
    #[arg(long, global = true)]
    pub(crate) kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use; repeated, each is shown beside the others (default: the
    /// config's `contexts:`, else the current context).
    #[arg(long, global = true)]
    pub(crate) context: Vec<String>,
    /// Show every context of the kubeconfig together.
    #[arg(long, global = true, conflicts_with = "context")]
    pub(crate) all_contexts: bool,
    /// Namespace to show (default: the context's namespace).
    #[arg(short = 'n', long, global = true)]
    pub(crate) namespace: Option<String>,
    /// Show every namespace.
    #[arg(short = 'A', long, global = true)]
    pub(crate) all_namespaces: bool,
    /// Theme name (default, light, high-contrast) or path of a theme YAML file.
    #[arg(long, global = true)]
    pub(crate) theme: Option<String>,
    /// Log file (default: kbdash.log in the user's state directory).
    #[arg(long, global = true)]
    pub(crate) log_file: Option<PathBuf>,
    /// Never change anything: shows a READ-ONLY badge.
    #[arg(long, global = true)]
    pub(crate) readonly: bool,
    /// Allow changes on a context the config file marks read-only.
    #[arg(long, global = true, conflicts_with = "readonly")]
    pub(crate) write: bool,
    /// Open on the triage view (what is broken, worst first).
    #[arg(long, global = true)]
    pub(crate) triage: bool,
    /// Wall-screen mode: cluster tiles, triage strip, clock; read-only, never exits on API loss.
    #[arg(long, global = true, conflicts_with = "write")]
    pub(crate) wall: bool,
    /// Seconds between wall pages when the tiles do not fit (default 10, or the config's).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) cycle: Option<u64>,
    /// Config file (default: $XDG_CONFIG_HOME/kbdash/config.yaml).
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// Seconds a kubeconfig's exec credential plugin may take before it is stopped (default 120).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) credential_timeout: Option<u64>,
}

/// Options of the simulated KubeBlocks installation.
#[derive(Debug, Clone, Args)]
pub(crate) struct SimArgs {
    /// Number of PostgreSQL clusters to seed (the first eight each show one behaviour of the
    /// operator; a MySQL cluster comes with them).
    #[arg(long, default_value_t = 8)]
    pub(crate) clusters: usize,
    /// Seed of the simulation: the same seed gives the same fleet and the same behaviour.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// How much faster than real time the simulated operator works.
    #[arg(long, default_value_t = 1.0)]
    pub(crate) speed: f64,
    /// Background changes per second across the fleet (continuous backups' time ranges
    /// advancing, crash-looping pods restarting); 0 stops them, and the operator then only
    /// acts on requests.
    #[arg(long, default_value_t = kbdash_demo::DEFAULT_CHURN, value_name = "PER_SECOND")]
    pub(crate) churn: f64,
}

/// `kbdash demo`.
#[derive(Debug, Clone, Args)]
pub(crate) struct DemoArgs {
    #[command(flatten)]
    pub(crate) sim: SimArgs,
    /// How many demo API servers to start and show together, each its own context
    /// (`demo-1`, `demo-2`...) with a fleet of the same names in other states.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub(crate) contexts: u16,
}

/// `kbdash demo-server`.
#[derive(Debug, Clone, Args)]
pub(crate) struct DemoServerArgs {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub(crate) port: u16,
    #[command(flatten)]
    pub(crate) sim: SimArgs,
    /// Write a kubeconfig (no auth) for this server to PATH.
    #[arg(long, value_name = "PATH")]
    pub(crate) write_kubeconfig: Option<PathBuf>,
    /// Append one line per request (time, method, path with query, status) to PATH.
    #[arg(long, value_name = "PATH")]
    pub(crate) request_log: Option<PathBuf>,
}

/// Why kbdash will not start where it was started (exit code [`REFUSED`]).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

/// Exit code of a refusal to start, as for a wrong command line.
const REFUSED: u8 = 2;

/// Parses the command line, runs the chosen mode and says how it ended: 0 when the user quit,
/// 128 plus the signal's number when a signal stopped it (as a shell reports it), 2 when it
/// refused to start, 1 on an error (reported on stderr).
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::DemoServer(args)) => run_headless(args).map(|()| Ending::Quit),
        Some(Command::Demo(args)) => run_dashboard(cli.dashboard, Some(args)),
        None => run_dashboard(cli.dashboard, None),
    };
    match result {
        Ok(Ending::Quit) => ExitCode::SUCCESS,
        Ok(Ending::Signal(n)) => ExitCode::from(u8::try_from(128 + n).unwrap_or(u8::MAX)),
        Err(e) => {
            // The whole chain of causes on one line, like kubectl; no backtrace for user errors.
            eprintln!("kbdash: {}", crate::k8s::cause::said_once(e.chain()));
            if e.is::<Refused>() {
                ExitCode::from(REFUSED)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Refuses to draw where a dashboard cannot be shown: an output that is not a terminal (a pipe,
/// a file: the escape sequences would land there) or a terminal that says it cannot move the
/// cursor (`TERM=dumb`).
fn check_terminal() -> Result<()> {
    if !std::io::stdout().is_terminal() {
        return Err(Refused(
            "the output is not a terminal: kbdash draws a full-screen dashboard and needs one \
             (to serve the demo without a terminal, use `kbdash demo-server`)"
                .into(),
        )
        .into());
    }
    if std::env::var_os("TERM").is_some_and(|t| t == "dumb") {
        return Err(Refused(
            "TERM=dumb: this terminal cannot show a full-screen dashboard (no cursor movement); \
             run kbdash in a terminal emulator, or set TERM to its type (e.g. xterm-256color)"
                .into(),
        )
        .into());
    }
    Ok(())
}

/// Where logs go when `--log-file` is not given: the user's state directory.
fn default_log_file() -> PathBuf {
    crate::config::state_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("kbdash.log")
}

/// Log lines queued for the writer thread at most.
const LOG_QUEUE_LINES: usize = 4096;

/// Sends tracing output to a file, never to the screen. The guard flushes it on drop.
fn init_logging(path: Option<PathBuf>) -> Result<tracing_appender::non_blocking::WorkerGuard> {
    let path = path.unwrap_or_else(default_log_file);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("creating the log directory {}", dir.display()))?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening the log file {}", path.display()))?;
    // The default queue preallocates 128,000 lines (4 MB); a burst of more than a few thousand
    // lines between two writes is dropped rather than held in memory.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .finish(file);
    // kube's own line for a failed request says only "client error (Connect)": the watch layer
    // logs each failure once, with its cause.
    let filter = tracing_subscriber::EnvFilter::try_from_env("KBDASH_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,kube_client::client::builder=off")
    });
    // A second initialisation (tests) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Ok(guard)
}

/// Loads the theme asked for, honouring `NO_COLOR`.
fn load_theme(name: Option<&str>) -> Result<Theme> {
    let theme = Theme::load(name.unwrap_or("default"))?;
    let no_color = Theme::no_color_requested(std::env::var("NO_COLOR").ok().as_deref());
    Ok(theme.with_no_color(no_color))
}

/// Which namespace to show: `-A` means all, `-n` one, else the context's (all for the demo).
fn pick_namespace(args: &DashboardArgs, default: &str, demo: bool) -> Option<String> {
    if args.all_namespaces {
        None
    } else if let Some(ns) = &args.namespace {
        Some(ns.clone())
    } else if demo {
        None
    } else {
        Some(default.to_string())
    }
}

fn run_dashboard(args: DashboardArgs, demo: Option<DemoArgs>) -> Result<Ending> {
    check_terminal()?;
    let config = Config::load(args.config.as_deref())?;
    // A wall is read from across a room: high contrast unless asked otherwise.
    let theme_name = args
        .theme
        .clone()
        .or_else(|| config.theme.clone())
        .or_else(|| args.wall.then(|| "high-contrast".to_string()));
    let theme = load_theme(theme_name.as_deref())?;
    let _log = init_logging(args.log_file.clone())?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let (source, servers, mut connections) = match &demo {
            Some(demo) => {
                let servers = start_demo_servers(demo).await?;
                let mut connections = Vec::new();
                for (i, server) in servers.iter().enumerate() {
                    let mut connection = connect(&Source::Url(server.url.clone()), None).await?;
                    if servers.len() > 1 {
                        connection.context = format!("demo-{}", i + 1);
                    }
                    connections.push(connection);
                }
                let source = servers.first().map(|s| Source::Url(s.url.clone()));
                (source.context("no demo server")?, servers, connections)
            }
            None => {
                let source = Source::Kubeconfig {
                    path: args.kubeconfig.clone(),
                    plugin_timeout: args
                        .credential_timeout
                        .map_or(PLUGIN_TIMEOUT, Duration::from_secs),
                };
                let connections = connect_all(&source, &args, &config).await?;
                (source, Vec::new(), connections)
            }
        };
        if connections.is_empty() {
            anyhow::bail!("no context to show");
        }
        let connection = connections.remove(0);
        let namespace = pick_namespace(&args, &connection.default_namespace, demo.is_some());
        let readonly = config.readonly_policy(args.readonly || args.wall, args.write);
        let launch = Launch {
            open_triage: args.triage,
            wall_cycle: args
                .wall
                .then(|| args.cycle.unwrap_or_else(|| config.cycle_seconds())),
            thresholds: config.thresholds(),
            wall_copy: config.wall_copy(),
            health: config.health(),
        };
        let result = runtime::run(Start {
            source,
            connection,
            more: connections,
            namespace,
            theme,
            readonly,
            launch,
            audit_log: crate::config::audit_log(),
        })
        .await;
        drop(servers);
        result
    })
}

/// The demo servers of `kbdash demo`: one, or one per context of `--contexts N`, each with a
/// fleet of its own (the same names in other states, another seed).
async fn start_demo_servers(demo: &DemoArgs) -> Result<Vec<DemoServer>> {
    let sim = &demo.sim;
    let mut servers = Vec::new();
    for fleet in 0..usize::from(demo.contexts) {
        let server = DemoServer::start(DemoConfig {
            port: 0,
            clusters: sim.clusters,
            seed: sim.seed.wrapping_add(fleet as u64),
            fleet,
            speed: sim.speed,
            churn: sim.churn,
            request_log: None,
            operator: true,
            ..DemoConfig::default()
        })
        .await
        .context("starting the embedded demo server")?;
        tracing::info!(url = %server.url, fleet, "demo server started");
        servers.push(server);
    }
    Ok(servers)
}

/// The contexts to show, connected: `--context` (repeatable), `--all-contexts`, the config's
/// `contexts:`, else the kubeconfig's current context. Each context's credential plugin runs
/// here, while the terminal is still the user's.
async fn connect_all(
    source: &Source,
    args: &DashboardArgs,
    config: &Config,
) -> Result<Vec<Connection>> {
    let first = connect(source, args.context.first().map(String::as_str)).await?;
    let names: Vec<String> = if args.all_contexts {
        first.contexts.clone()
    } else if !args.context.is_empty() {
        args.context.clone()
    } else if !config.contexts.is_empty() {
        config.contexts.clone()
    } else {
        Vec::new()
    };
    let mut connections = Vec::new();
    if names.is_empty() || names.first() == Some(&first.context) {
        first_credentials(&first).await?;
        connections.push(first);
    }
    for name in names.iter().skip(connections.len()) {
        if connections.iter().any(|c: &Connection| c.context == *name) {
            continue;
        }
        let connection = connect(source, Some(name)).await?;
        first_credentials(&connection).await?;
        connections.push(connection);
    }
    Ok(connections)
}

/// How long the credential plugin may run at start before the user is told it is awaited.
const PATIENCE: Duration = Duration::from_secs(1);

/// Runs the context's credential plugin, if it has one, while the terminal is still the
/// user's: it may ask the user to log in, and a plugin that takes a while is announced rather
/// than leaving a blank screen.
async fn first_credentials(connection: &Connection) -> Result<()> {
    let Some(plugin) = &connection.plugin else {
        return Ok(());
    };
    let prepare = plugin.prepare();
    tokio::pin!(prepare);
    let done = tokio::select! {
        done = &mut prepare => done,
        () = tokio::time::sleep(PATIENCE) => {
            eprintln!(
                "kbdash: waiting for the credential plugin {} (context {})…",
                plugin.name(),
                connection.context
            );
            prepare.await
        }
    };
    done.with_context(|| format!("context {}", connection.context))
}

/// `kbdash demo-server`: serves until Ctrl-C.
fn run_headless(args: DemoServerArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let server = DemoServer::start(DemoConfig {
            port: args.port,
            clusters: args.sim.clusters,
            seed: args.sim.seed,
            speed: args.sim.speed,
            churn: args.sim.churn,
            request_log: args.request_log.clone(),
            operator: true,
            ..DemoConfig::default()
        })
        .await?;
        // The kubeconfig is in place before the URL announces that the server is up.
        if let Some(path) = &args.write_kubeconfig {
            server.write_kubeconfig(path)?;
        }
        println!("{}", server.url);
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for Ctrl-C")?;
        server.shutdown().await;
        Ok(())
    })
}
