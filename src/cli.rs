//! The command line: `kbdash` (dashboard on a kubeconfig), `kbdash demo` (dashboard on the
//! embedded demo) and `kbdash demo-server` (the demo API server alone, headless).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Parser, Subcommand};

use crate::app::runtime::{self, Start};
use crate::app::triage::Launch;
use crate::config::Config;
use crate::k8s::client::{Source, connect};
use crate::view::theme::Theme;
use kbdash_demo::{DemoConfig, DemoServer};

/// kbdash: a terminal dashboard for PostgreSQL clusters run by KubeBlocks.
#[derive(Debug, Parser)]
#[command(name = "kbdash", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub dashboard: DashboardArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The modes besides the default dashboard.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the dashboard on the embedded demo API server (no cluster needed).
    Demo(DemoArgs),
    /// Run the embedded demo API server alone until Ctrl-C; prints its URL first.
    DemoServer(DemoServerArgs),
}

/// Options of the dashboard, accepted before or after a subcommand.
#[derive(Debug, Clone, Default, Args)]
pub struct DashboardArgs {
    /// Path of the kubeconfig file (default: $KUBECONFIG, merged like kubectl, then ~/.kube/config).
    #[arg(long, global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// Namespace to show (default: the context's namespace).
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// Show every namespace.
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,
    /// Theme name (default, light, high-contrast) or path of a theme YAML file.
    #[arg(long, global = true)]
    pub theme: Option<String>,
    /// Log file (default: kbdash.log in the user's state directory).
    #[arg(long, global = true)]
    pub log_file: Option<PathBuf>,
    /// Never change anything: shows a READ-ONLY badge.
    #[arg(long, global = true)]
    pub readonly: bool,
    /// Allow changes on a context the config file marks read-only.
    #[arg(long, global = true, conflicts_with = "readonly")]
    pub write: bool,
    /// Open on the triage view (what is broken, worst first).
    #[arg(long, global = true)]
    pub triage: bool,
    /// Wall-screen mode: cluster tiles, triage strip, clock; read-only, never exits on API loss.
    #[arg(long, global = true, conflicts_with = "write")]
    pub wall: bool,
    /// Seconds between wall pages when the tiles do not fit (default 10, or the config's).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub cycle: Option<u64>,
    /// Config file (default: $XDG_CONFIG_HOME/kbdash/config.yaml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// Options of the simulated KubeBlocks installation.
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Number of PostgreSQL clusters to seed.
    #[arg(long, default_value_t = 6)]
    pub clusters: usize,
    /// Seed of the simulation: the same seed gives the same fleet and the same behaviour.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How much faster than real time the simulated operator works.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Background changes per second across the fleet (continuous backups' time ranges
    /// advancing, crash-looping pods restarting); 0 stops them, and the operator then only
    /// acts on requests.
    #[arg(long, default_value_t = kbdash_demo::DEFAULT_CHURN, value_name = "PER_SECOND")]
    pub churn: f64,
}

/// `kbdash demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub sim: SimArgs,
}

/// `kbdash demo-server`.
#[derive(Debug, Clone, Args)]
pub struct DemoServerArgs {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Write a kubeconfig (no auth) for this server to PATH.
    #[arg(long, value_name = "PATH")]
    pub write_kubeconfig: Option<PathBuf>,
    /// Append one line per request (time, method, path with query, status) to PATH.
    #[arg(long, value_name = "PATH")]
    pub request_log: Option<PathBuf>,
}

/// Parses the command line and runs the chosen mode.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::DemoServer(args)) => run_headless(args),
        Some(Command::Demo(args)) => run_dashboard(cli.dashboard, Some(args.sim)),
        None => run_dashboard(cli.dashboard, None),
    }
}

/// Where logs go when `--log-file` is not given: the user's state directory.
fn default_log_file() -> PathBuf {
    crate::config::state_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("kbdash.log")
}

/// Sends tracing output to a file, never to the screen. The guard flushes it on drop.
/// Log lines queued for the writer thread at most.
const LOG_QUEUE_LINES: usize = 4096;

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
    let filter = tracing_subscriber::EnvFilter::try_from_env("KBDASH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
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

fn run_dashboard(args: DashboardArgs, demo: Option<SimArgs>) -> Result<()> {
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
        let (source, server) = match &demo {
            Some(sim) => {
                let server = DemoServer::start(DemoConfig {
                    port: 0,
                    clusters: sim.clusters,
                    seed: sim.seed,
                    speed: sim.speed,
                    churn: sim.churn,
                    request_log: None,
                    operator: true,
                })
                .await
                .context("starting the embedded demo server")?;
                tracing::info!(url = %server.url, "demo server started");
                (Source::Url(server.url.clone()), Some(server))
            }
            None => (Source::Kubeconfig(args.kubeconfig.clone()), None),
        };
        let connection = connect(&source, args.context.as_deref()).await?;
        let namespace = pick_namespace(&args, &connection.default_namespace, demo.is_some());
        let readonly = config.readonly_policy(args.readonly || args.wall, args.write);
        let launch = Launch {
            open_triage: args.triage,
            wall_cycle: args
                .wall
                .then(|| args.cycle.unwrap_or_else(|| config.cycle_seconds())),
            thresholds: config.thresholds(),
        };
        let result = runtime::run(Start {
            source,
            connection,
            namespace,
            theme,
            readonly,
            launch,
        })
        .await;
        drop(server);
        result
    })
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
