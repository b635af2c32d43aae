//! Opening the operations menu, a form by `:` command, or the restore wizard, on the cluster
//! of the selected row; refused in read-only mode.

use crate::state::cmd::{Cmd, FormCmd};
use crate::state::command::{RESTORE_COMMAND, WAL_G_SETUP_COMMAND};
use crate::state::forms::{FormModal, RestoreWizard, Stage, StepState, Subject};
use crate::state::model::{Model, Pane};
use kbdash_core::forms::{OpKind, WalGStep};
use kbdash_core::rows::{Atom, Ctx, ObjKey};

/// A new operation modal on `cluster`, noting whether the user has scoped to or opened that
/// cluster, and the pod or OpsRequest selected, which the form starts from.
fn op_modal(m: &Model, cluster: ObjKey, stage: Stage) -> FormModal {
    let mut modal = FormModal::new(
        cluster,
        Subject::Op {
            ctx: None,
            form: None,
        },
        stage,
    );
    modal.unfamiliar = m.familiar.as_ref() != Some(&modal.cluster);
    modal.selected = match m.focus {
        Pane::Pods | Pane::Ops => m
            .table(m.focus)
            .selected_key()
            .map(|key| key.name.to_string()),
        Pane::Clusters | Pane::Backups => None,
    };
    modal
}

fn refuse_readonly(m: &mut Model) -> bool {
    if m.readonly {
        m.notice = Some(("read-only mode: operations are disabled".to_string(), m.now));
        return true;
    }
    match m.selected_cluster() {
        Some(cluster) => refuse_readonly_in(m, cluster.ctx),
        None => false,
    }
}

/// With several contexts shown, some may be read-only: an operation on a cluster of one is
/// refused (its client's gate would refuse the request anyway).
fn refuse_readonly_in(m: &mut Model, ctx: Ctx) -> bool {
    let refused = m.readonly_in(ctx);
    if refused {
        let text = format!(
            "context {} is read-only: operations on its clusters are disabled",
            m.context_name(ctx)
        );
        m.notice = Some((text, m.now));
    }
    refused
}

/// Opens the operations menu on the selected row's cluster and starts loading its live objects.
pub(crate) fn menu(m: &mut Model, cmds: &mut Vec<Cmd>) {
    if refuse_readonly(m) {
        return;
    }
    let Some(cluster) = m.selected_cluster() else {
        m.notice = Some(("no cluster selected".to_string(), m.now));
        return;
    };
    let modal = op_modal(m, cluster.clone(), Stage::Menu { cursor: 0 });
    m.forms.modal = Some(Box::new(modal));
    cmds.push(Cmd::Form(FormCmd::LoadContext { cluster }));
}

/// Opens the form of a `:` command (`scale-in`, `promote`...) on the selected row's cluster;
/// `false` when `line` is not a form command.
pub(crate) fn command(m: &mut Model, line: &str, cmds: &mut Vec<Cmd>) -> bool {
    let mut words = line.split_whitespace();
    let word = words.next().unwrap_or_default();
    if word == RESTORE_COMMAND {
        restore(m, words.next(), cmds);
        return true;
    }
    if word == WAL_G_SETUP_COMMAND {
        wal_g_setup(m, cmds);
        return true;
    }
    if WalGStep::from_command(word).is_none()
        && !OpKind::ALL.iter().any(|op| op.commands().contains(&word))
    {
        return false;
    }
    if refuse_readonly(m) {
        return true;
    }
    let Some(cluster) = m.selected_cluster() else {
        if word == CREATE_COMMAND {
            blank(m, line, cmds);
        } else {
            m.notice = Some((format!(":{word} needs a selected cluster"), m.now));
        }
        return true;
    };
    open_on(m, cluster, line, None, cmds);
    true
}

/// Opens the form of `:` command `line` on `cluster`, starting from pod `pod` if given rather
/// than the selected row (triage's remedy); refused in read-only mode, or where `cluster`'s
/// own context is read-only.
pub(crate) fn command_on(
    m: &mut Model,
    cluster: ObjKey,
    line: &str,
    pod: Option<String>,
    cmds: &mut Vec<Cmd>,
) {
    // Judged by the problem's cluster, not the selected row.
    let refused = match m.readonly {
        true => refuse_readonly(m),
        false => refuse_readonly_in(m, cluster.ctx),
    };
    if !refused {
        open_on(m, cluster, line, pod, cmds);
    }
}

fn open_on(m: &mut Model, cluster: ObjKey, line: &str, pod: Option<String>, cmds: &mut Vec<Cmd>) {
    // The arguments go along: `:scale-in POD`, `:cancel-ops NAME` start from that object.
    let stage = Stage::Loading {
        then: Some(line.trim().to_string()),
    };
    let mut modal = op_modal(m, cluster.clone(), stage);
    modal.wal_g = line
        .split_whitespace()
        .next()
        .and_then(WalGStep::from_command);
    if pod.is_some() {
        modal.selected = pod;
    }
    m.forms.modal = Some(Box::new(modal));
    cmds.push(Cmd::Form(FormCmd::LoadContext { cluster }));
}

/// Opens the wal-g setup's next step on the selected row's cluster: the first, the one after
/// the step that ended well, or again the one that did not; none while a step's object has not
/// ended.
fn wal_g_setup(m: &mut Model, cmds: &mut Vec<Cmd>) {
    if refuse_readonly(m) {
        return;
    }
    let Some(cluster) = m.selected_cluster() else {
        m.notice = Some((
            format!(":{WAL_G_SETUP_COMMAND} needs a selected cluster"),
            m.now,
        ));
        return;
    };
    let next = match &m.forms.wal_g {
        Some(p) if p.cluster == cluster => match &p.state {
            StepState::Running => {
                m.notice = Some((
                    format!(
                        "wal-g setup of {cluster}: {} has not ended yet ({})",
                        p.object,
                        p.step.describe()
                    ),
                    m.now,
                ));
                return;
            }
            StepState::Done => match p.step.next() {
                Some(next) => next,
                None => {
                    m.notice = Some((
                        format!(
                            "wal-g setup of {cluster} is done (:{} runs it again)",
                            WalGStep::Configure.command()
                        ),
                        m.now,
                    ));
                    return;
                }
            },
            StepState::Failed(_) => p.step,
        },
        _ => WalGStep::Configure,
    };
    command(m, next.command(), cmds);
}

/// The `:` command of a new cluster's blank form.
const CREATE_COMMAND: &str = "create";

/// Opens a new cluster's blank form where no cluster is selected to start from: in the
/// namespace shown (`default` when all are), in the first context shown that is not read-only
/// (the form's title names it when several are shown).
fn blank(m: &mut Model, line: &str, cmds: &mut Vec<Cmd>) {
    let Some(ctx) = m
        .shown
        .iter()
        .map(|s| s.ctx)
        .find(|&ctx| !m.readonly_in(ctx))
    else {
        m.notice = Some((
            "every context shown is read-only: operations are disabled".to_string(),
            m.now,
        ));
        return;
    };
    let namespace = m.namespace.clone().unwrap_or_else(|| "default".to_string());
    let stage = Stage::Loading {
        then: Some(line.trim().to_string()),
    };
    let modal = op_modal(m, ObjKey::new(&namespace, "").in_ctx(ctx), stage);
    m.forms.modal = Some(Box::new(modal));
    cmds.push(Cmd::Form(FormCmd::LoadBlank { ctx, namespace }));
}

/// Opens a new cluster's form (the Clusters pane's key), as `:create` does.
pub(crate) fn create(m: &mut Model, cmds: &mut Vec<Cmd>) {
    command(m, CREATE_COMMAND, cmds);
}

/// Opens the delete dialog on the selected cluster (the Clusters pane's key), as `:delete`
/// does.
pub(crate) fn delete(m: &mut Model, cmds: &mut Vec<Cmd>) {
    if let Some(word) = OpKind::Delete.commands().first() {
        command(m, word, cmds);
    }
}

/// Opens the Cancel form on the selected OpsRequest (the OpsRequests pane's key), as
/// `:cancel-ops` does.
pub(crate) fn cancel_ops(m: &mut Model, cmds: &mut Vec<Cmd>) {
    if let Some(word) = OpKind::Cancel.commands().first() {
        command(m, word, cmds);
    }
}

/// Opens the restore wizard from backup `name` of the selected row's cluster's namespace, else
/// the selected backup (Backups pane), else the selected row's cluster's continuous backup.
pub(crate) fn restore(m: &mut Model, name: Option<&str>, cmds: &mut Vec<Cmd>) {
    if refuse_readonly(m) {
        return;
    }
    let backup = match name {
        Some(name) => {
            let (ns, ctx) = m
                .selected_cluster()
                .map(|c| (c.namespace, c.ctx))
                .or_else(|| {
                    let b = m.store.backups.selected()?;
                    Some((b.key.namespace.clone(), b.key.ctx))
                })
                .unwrap_or_else(|| {
                    let ns = m.namespace.as_deref().unwrap_or("default");
                    (
                        Atom::new(ns),
                        m.shown.first().map(|s| s.ctx).unwrap_or_default(),
                    )
                });
            Some(ObjKey::new(&ns, name).in_ctx(ctx))
        }
        None if m.focus == Pane::Backups => m.store.backups.selected().map(|b| b.key.clone()),
        None => m
            .selected_cluster()
            .and_then(|c| m.store.continuous_backup(&c).map(|b| b.key.clone())),
    };
    let Some(backup) = backup else {
        m.notice = Some((
            ":restore needs a selected backup (Backups pane) or a cluster with a continuous backup"
                .to_string(),
            m.now,
        ));
        return;
    };
    if refuse_readonly_in(m, backup.ctx) {
        return;
    }
    let source = m
        .store
        .backups
        .get(&backup)
        .map(|b| backup.sibling(&b.cluster))
        .unwrap_or_else(|| backup.clone());
    let wizard = RestoreWizard {
        backup: backup.clone(),
        loaded: None,
        reloading: false,
    };
    let modal = FormModal::new(
        source,
        Subject::Restore(Box::new(wizard)),
        Stage::Loading { then: None },
    );
    m.forms.modal = Some(Box::new(modal));
    cmds.push(Cmd::Form(FormCmd::LoadRestore { backup }));
}
