//! The addon guide's wal-g setup ("Backup Method Option 2", docs/kubeblocks.md#wal-g-setup) as
//! three steps, each an ordinary form prefilled as the guide writes it: the `config-wal-g`
//! Backup, the Reconfiguring of `archive_command` to the guide's exact value, then a `wal-g`
//! full backup. Each is validated, previewed and submitted like any form; the dashboard follows
//! one to its end before it opens the next.

use super::{BackupInput, FormContext, OpForm, ReconfigureInput};

/// The value the guide sets `archive_command` to, its enclosing single quotes included.
pub const WAL_G_ARCHIVE_COMMAND: &str =
    "'envdir /home/postgres/pgdata/wal-g/env /home/postgres/pgdata/wal-g/wal-g wal-push %p'";

/// One step of the wal-g setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WalGStep {
    /// The `config-wal-g` Backup: installs wal-g and its environment on every pod.
    Configure,
    /// The Reconfiguring of `archive_command` to [`WAL_G_ARCHIVE_COMMAND`].
    ArchiveCommand,
    /// A `wal-g` full backup.
    FullBackup,
}

impl WalGStep {
    /// The steps, in order.
    pub const ALL: [WalGStep; 3] = [
        WalGStep::Configure,
        WalGStep::ArchiveCommand,
        WalGStep::FullBackup,
    ];

    /// The `:` command that opens this step's form.
    pub fn command(self) -> &'static str {
        match self {
            WalGStep::Configure => "wal-g-config",
            WalGStep::ArchiveCommand => "wal-g-archive-command",
            WalGStep::FullBackup => "wal-g-backup",
        }
    }

    /// The step a `:` command word opens.
    pub fn from_command(word: &str) -> Option<WalGStep> {
        WalGStep::ALL.into_iter().find(|s| s.command() == word)
    }

    /// What the step does, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            WalGStep::Configure => {
                "step 1 of 3: the config-wal-g Backup installs wal-g on every pod"
            }
            WalGStep::ArchiveCommand => {
                "step 2 of 3: archive_command set to wal-g wal-push (Reconfiguring)"
            }
            WalGStep::FullBackup => "step 3 of 3: a wal-g full backup",
        }
    }

    /// The step after this one.
    pub fn next(self) -> Option<WalGStep> {
        match self {
            WalGStep::Configure => Some(WalGStep::ArchiveCommand),
            WalGStep::ArchiveCommand => Some(WalGStep::FullBackup),
            WalGStep::FullBackup => None,
        }
    }

    /// The step's form on the context's cluster, prefilled as the guide writes it
    /// (`examples/postgresql/config-wal-g.yaml`, `reconfig-arhive-command.yaml`,
    /// `backup-wal-g.yaml`).
    pub fn form(self, ctx: &FormContext) -> OpForm {
        match self {
            WalGStep::Configure => OpForm::Backup(backup(ctx, "config-wal-g")),
            WalGStep::ArchiveCommand => {
                let mut input = ReconfigureInput::initial(ctx);
                // The form unwraps one pair of single quotes (postgresql.conf style): doubled,
                // the guide's own quotes stay in the value sent.
                input.parameters = format!("archive_command = '{WAL_G_ARCHIVE_COMMAND}'\n");
                OpForm::Reconfiguring(input)
            }
            WalGStep::FullBackup => OpForm::Backup(backup(ctx, "wal-g")),
        }
    }
}

/// An on-demand Backup with `method`, named as the guide names it (`<cluster>-<method>`).
fn backup(ctx: &FormContext, method: &str) -> BackupInput {
    let mut input = BackupInput::initial(ctx);
    input.method = method.to_string();
    input.name = format!("{}-{method}", ctx.cluster);
    input
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pitr::BackupKind;
    use crate::forms::examples::fixture_context;
    use crate::forms::{BackupMethodInfo, RequestAction};

    /// The fixture context with the wal-g methods in its policy, as the addon's policy has them.
    fn ctx() -> FormContext {
        let mut ctx = fixture_context();
        let methods = &mut ctx.backup_policies[0].methods;
        for (name, kind) in [
            ("config-wal-g", BackupKind::Full),
            ("wal-g", BackupKind::Full),
            ("wal-g-archive", BackupKind::Continuous),
        ] {
            methods.push(BackupMethodInfo {
                name: name.into(),
                kind: Some(kind),
                compatible: String::new(),
            });
        }
        ctx
    }

    #[test]
    fn the_steps_build_the_guides_requests() {
        let ctx = ctx();
        let config = WalGStep::Configure.form(&ctx).validate(&ctx).unwrap();
        assert_eq!(config.body["metadata"]["name"], "pg-cluster-config-wal-g");
        assert_eq!(config.body["spec"]["backupMethod"], "config-wal-g");
        assert_eq!(
            config.body["spec"]["backupPolicyName"],
            "pg-cluster-postgresql-backup-policy"
        );
        let reconfigure = WalGStep::ArchiveCommand.form(&ctx).validate(&ctx).unwrap();
        assert_eq!(reconfigure.action, RequestAction::Create);
        assert_eq!(
            reconfigure.body["spec"]["reconfigures"][0]["parameters"],
            serde_json::json!([{"key": "archive_command", "value": WAL_G_ARCHIVE_COMMAND}])
        );
        let full = WalGStep::FullBackup.form(&ctx).validate(&ctx).unwrap();
        assert_eq!(full.body["spec"]["backupMethod"], "wal-g");
        assert_eq!(full.body["metadata"]["name"], "pg-cluster-wal-g");
    }

    #[test]
    fn without_the_wal_g_methods_the_steps_say_so() {
        let ctx = fixture_context();
        let errors = WalGStep::Configure.form(&ctx).validate(&ctx).unwrap_err();
        assert_eq!(
            errors[0].message,
            "backup method config-wal-g not found in backup policy pg-cluster-postgresql-backup-policy"
        );
    }

    #[test]
    fn steps_run_in_order_under_their_commands() {
        let mut step = Some(WalGStep::Configure);
        let mut seen = Vec::new();
        while let Some(s) = step {
            assert_eq!(WalGStep::from_command(s.command()), Some(s));
            seen.push(s.command());
            step = s.next();
        }
        assert_eq!(
            seen,
            ["wal-g-config", "wal-g-archive-command", "wal-g-backup"]
        );
    }
}
