//! A program run in a pod's container through `kubectl exec`, with the terminal handed over
//! to it: a shell (`s`, `:shell`) or psql (`:connect`).

use kbdash_core::rows::ObjKey;

/// The container kbdash execs into: the PostgreSQL pod's server container, the one its log
/// opens on too.
pub use crate::k8s::logs::POSTGRES_CONTAINER;

/// What to run in the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// An interactive shell: bash where the image has it, else sh.
    Shell,
    /// psql as the PostgreSQL superuser over the container's local socket.
    Psql,
}

impl Program {
    /// The command run in the container.
    pub fn argv(self) -> &'static [&'static str] {
        match self {
            // As k9s does it: not every image has bash.
            Program::Shell => &[
                "sh",
                "-c",
                "command -v bash >/dev/null && exec bash || exec sh",
            ],
            // The superuser account is `postgres`; inside the container the local socket needs
            // no password (the image's own pg_hba; not recorded in docs/kubeblocks.md).
            Program::Psql => &["psql", "-U", "postgres"],
        }
    }

    /// How messages name it.
    pub fn name(self) -> &'static str {
        match self {
            Program::Shell => "shell",
            Program::Psql => "psql",
        }
    }
}

/// A program to run in a pod's container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecTarget {
    /// The pod.
    pub pod: ObjKey,
    /// The container.
    pub container: String,
    /// What to run.
    pub program: Program,
}
