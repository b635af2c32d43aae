//! The `:` command line: parsing and completion. Pure.

use crate::state::completion::common_prefix;
use crate::state::exec::Program;
use crate::state::model::{Model, Pane};
use crate::state::theme::BUILTIN;
use kbdash_core::forms::{OpKind, WalGStep};

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    Quit,
    Help,
    /// `None`: all namespaces.
    Namespace(Option<String>),
    /// `None`: list the contexts to choose one.
    Context(Option<String>),
    Theme(String),
    Pane(Pane),
    /// Run a program in the selected pod's container.
    Exec(Program),
}

impl Command {
    /// Whether the command changes anything in the cluster (read-only mode refuses it).
    pub(crate) fn mutates(&self) -> bool {
        match self {
            Command::Quit
            | Command::Help
            | Command::Namespace(_)
            | Command::Context(_)
            | Command::Theme(_)
            | Command::Pane(_) => false,
            // See `Cmd::Exec`: an exec is a write, and the program can change anything.
            Command::Exec(_) => true,
        }
    }
}

/// The `:` command that opens the restore wizard.
pub(crate) const RESTORE_COMMAND: &str = "restore";

/// The `:` command that opens the wal-g setup's next step.
pub(crate) const WAL_G_SETUP_COMMAND: &str = "wal-g-setup";

/// Command words with what they do, for completion and help.
pub const COMMANDS: &[(&str, &str)] = &[
    ("ns", "ns NAME | ns all: show one namespace or all"),
    (
        "ctx",
        "ctx [NAME|+NAME|-NAME]: show context NAME alone, +NAME beside those shown, -NAME no more (no name: choose from the list)",
    ),
    ("theme", "theme NAME|PATH: switch colour theme"),
    ("clusters", "show the Clusters pane"),
    ("pods", "show the Pods pane"),
    ("ops", "show the OpsRequests pane"),
    ("backups", "show the Backups pane"),
    ("help", "show the key bindings"),
    (
        "shell",
        "shell in the selected pod's postgresql container (kubectl exec; also s)",
    ),
    (
        "connect",
        "psql in the selected pod's postgresql container (kubectl exec)",
    ),
    ("scale-out", "add replicas to the selected cluster (form)"),
    ("scale-in", "remove replicas or instances (form)"),
    ("vscale", "change cpu and memory (form)"),
    (
        "promote",
        "switch the primary over (form; also :switchover)",
    ),
    ("switchover", "switch the primary over (form)"),
    ("configure", "change PostgreSQL parameters (form)"),
    ("restart", "restart a component (form)"),
    ("stop", "stop the cluster (form)"),
    ("start", "start the cluster (form)"),
    ("volume-expand", "grow a volume (form)"),
    ("upgrade", "change the service version (form)"),
    ("expose", "enable or disable a service (form)"),
    ("backup", "take an on-demand backup (form)"),
    (
        "backup-schedule",
        "enable methods, cron and retention (form)",
    ),
    (
        "cancel-ops",
        "cancel-ops [NAME]: cancel a running OpsRequest, after confirmation (form)",
    ),
    (
        "restore",
        "restore [BACKUP]: restore wizard from the selected (or the cluster's continuous) backup",
    ),
    (
        "create",
        "a new PostgreSQL cluster (form; also n on the Clusters pane)",
    ),
    (
        "clone",
        "a new cluster prefilled from the selected one (form)",
    ),
    (
        "termination-policy",
        "change what deleting the cluster does (form)",
    ),
    (
        "delete",
        "delete the cluster as its termination policy says (dialog; also Ctrl-D)",
    ),
    (
        "wal-g-setup",
        "the addon guide's wal-g setup, one step at a time: config-wal-g, archive_command, \
         a wal-g backup (each followed to its end first)",
    ),
    (
        "wal-g-config",
        "wal-g setup step 1: the config-wal-g Backup (form)",
    ),
    (
        "wal-g-archive-command",
        "wal-g setup step 2: archive_command to wal-g wal-push (form)",
    ),
    (
        "wal-g-backup",
        "wal-g setup step 3: a wal-g full backup (form)",
    ),
    ("q", "quit"),
];

/// Parses a command line (without the leading `:`).
pub(crate) fn parse(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let head = words.next().unwrap_or_default();
    let arg = words.next();
    let need = |what: &str| {
        arg.map(str::to_string)
            .ok_or_else(|| format!(":{head} needs {what}"))
    };
    match head {
        "q" | "quit" | "q!" | "qa" => Ok(Command::Quit),
        "help" | "h" => Ok(Command::Help),
        "ns" | "namespace" => {
            let ns = need("a namespace (or all)")?;
            Ok(Command::Namespace(match ns.as_str() {
                "all" | "-A" | "*" => None,
                _ => Some(ns),
            }))
        }
        "ctx" | "context" => Ok(Command::Context(arg.map(str::to_string))),
        "theme" => need("a theme name or path").map(Command::Theme),
        "clusters" | "cl" | "cluster" => Ok(Command::Pane(Pane::Clusters)),
        "pods" | "po" | "pod" => Ok(Command::Pane(Pane::Pods)),
        "ops" | "opsrequests" | "opsrequest" => Ok(Command::Pane(Pane::Ops)),
        "backups" | "backup" => Ok(Command::Pane(Pane::Backups)),
        "shell" | "sh" => Ok(Command::Exec(Program::Shell)),
        "connect" | "psql" => Ok(Command::Exec(Program::Psql)),
        "" => Err("empty command".into()),
        other => Err(format!(
            "unknown command :{other} (Tab completes, ? lists keys)"
        )),
    }
}

/// Whether a command word (as completion and help list them) names a mutating command.
pub fn word_mutates(word: &str) -> bool {
    // Every form command builds a request for the cluster.
    OpKind::ALL.iter().any(|op| op.commands().contains(&word))
        || word == RESTORE_COMMAND
        || word == WAL_G_SETUP_COMMAND
        || WalGStep::from_command(word).is_some()
        || parse(&format!("{word} _")).is_ok_and(|c| c.mutates())
}

/// The command words offered in this mode: mutating ones are left out when read-only.
pub fn offered(readonly: bool) -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    COMMANDS
        .iter()
        .filter(move |(word, _)| !(readonly && word_mutates(word)))
}

/// The candidates for the word being typed at the end of `line`.
pub(crate) fn candidates(model: &Model, line: &str) -> Vec<String> {
    let ends_with_space = line.ends_with(' ');
    let words: Vec<&str> = line.split_whitespace().collect();
    let (done, partial) = if ends_with_space || words.is_empty() {
        (words.as_slice(), "")
    } else {
        (&words[..words.len() - 1], words[words.len() - 1])
    };
    let pool: Vec<String> = match done {
        [] => offered(model.readonly)
            .map(|(c, _)| c.to_string())
            .collect(),
        ["ns" | "namespace"] => std::iter::once("all".to_string())
            .chain(model.known_namespaces())
            .collect(),
        ["ctx" | "context"] => model
            .contexts
            .iter()
            .flat_map(|c| [c.clone(), format!("+{c}")])
            .chain(model.shown.iter().map(|s| format!("-{}", s.name)))
            .collect(),
        ["theme"] => BUILTIN.iter().map(|(n, _)| n.to_string()).collect(),
        _ => Vec::new(),
    };
    pool.into_iter()
        .filter(|c| c.starts_with(partial))
        .collect()
}

/// Completes the last word of `line` as far as the candidates agree.
pub(crate) fn complete(model: &Model, line: &str) -> String {
    let found = candidates(model, line);
    if found.is_empty() {
        return line.to_string();
    }
    let common = common_prefix(&found);
    let prefix_end = if line.ends_with(' ') {
        line.len()
    } else {
        line.rfind(' ').map_or(0, |i| i + 1)
    };
    let mut out = format!("{}{}", &line[..prefix_end], common);
    if found.len() == 1 {
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn model() -> Model {
        let mut m = Model::new("kind-a", None, chrono::Utc.timestamp_opt(0, 0).unwrap());
        m.contexts = vec!["kind-a".into(), "kind-b".into(), "prod".into()];
        m
    }

    #[test]
    fn parses_commands() {
        assert_eq!(parse("ns all"), Ok(Command::Namespace(None)));
        assert_eq!(
            parse("ns demo"),
            Ok(Command::Namespace(Some("demo".into())))
        );
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert!(parse("ns").is_err());
        assert!(parse("frobnicate").is_err());
    }

    #[test]
    fn completes_words_and_arguments() {
        let m = model();
        assert_eq!(complete(&m, "th"), "theme ");
        assert_eq!(complete(&m, "ctx ki"), "ctx kind-");
        assert_eq!(complete(&m, "ctx p"), "ctx prod ");
        assert_eq!(candidates(&m, "theme ").len(), 3);
    }

    /// Help and completion list every form command, and read-only mode none of them.
    #[test]
    fn every_form_command_is_offered_unless_read_only() {
        let steps = WalGStep::ALL.map(|s| s.command());
        let setup = [WAL_G_SETUP_COMMAND];
        let words = OpKind::ALL.iter().flat_map(|op| op.commands());
        for word in words.chain(steps.iter()).chain(setup.iter()) {
            assert!(offered(false).any(|(w, _)| w == word), ":{word}");
            assert!(!offered(true).any(|(w, _)| w == word), ":{word}");
        }
    }
}
