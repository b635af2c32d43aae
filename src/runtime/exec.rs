//! `kubectl exec -it` with the terminal handed over: the command line, built from the
//! session's kubeconfig and context and the pod's namespace, and the run itself, with the
//! dashboard suspended (normal screen, cooked mode) until the program ends.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::k8s::client::Source;
use crate::state::exec::ExecTarget;

/// A program to run, with its arguments and the environment it adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// The kubectl found on `PATH`.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Variables set for it on top of kbdash's own environment.
    pub env: Vec<(String, OsString)>,
    /// How messages name what runs ("shell in demo/pg-0, container postgresql").
    pub what: String,
}

/// The `kubectl exec -it` command line that runs `target` with the same kubeconfig and
/// context as the session; `path` is the `PATH` to find kubectl on. An error says why there
/// is none.
pub fn command_line(
    source: &Source,
    context: &str,
    target: &ExecTarget,
    path: Option<&OsStr>,
) -> Result<CommandLine, String> {
    let kubeconfig = match source {
        Source::Url(_) => {
            return Err(
                "the demo API server runs no containers: nothing to exec into (s and :connect \
                 work on a real cluster)"
                    .into(),
            );
        }
        Source::Kubeconfig { path, .. } => path.clone(),
    };
    let program = find("kubectl", path).ok_or_else(|| {
        "kubectl is not on PATH: s and :connect run `kubectl exec` (install kubectl, then start \
         kbdash again)"
            .to_string()
    })?;
    let mut args: Vec<String> = [
        "--context",
        context,
        "--namespace",
        &target.pod.namespace,
        "exec",
        "-it",
        &target.pod.name,
        "-c",
        &target.container,
        "--",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(target.program.argv().iter().map(|s| s.to_string()));
    // kubectl merges a KUBECONFIG list as kbdash does; `--kubeconfig` takes one file only.
    let env = kubeconfig
        .map(|p| ("KUBECONFIG".to_string(), p.into_os_string()))
        .into_iter()
        .collect();
    Ok(CommandLine {
        program,
        args,
        env,
        what: format!(
            "{} in {}, container {}",
            target.program.name(),
            target.pod,
            target.container
        ),
    })
}

/// The first executable file named `name` in the directories of `path`.
fn find(name: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| executable(candidate))
}

#[cfg(unix)]
fn executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn executable(p: &Path) -> bool {
    p.with_extension("exe").is_file() || p.is_file()
}
