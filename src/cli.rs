//! The command line: `kbdash` (dashboard on a kubeconfig), `kbdash demo` (dashboard on the
//! embedded demo) and `kbdash demo-server` (the demo API server alone, headless).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

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
    /// Path of the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, env = "KUBECONFIG")]
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
        Some(Command::DemoServer(args)) => crate::demo::run_headless(args),
        Some(Command::Demo(_)) | None => {
            anyhow::bail!("the dashboard is not built yet")
        }
    }
}
