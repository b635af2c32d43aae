//! Keeping the open restore wizard live: its "now" follows the clock, so a relative time like
//! `-1h` counts from the current time, and its backups follow the watch, so the recoverable
//! window is the one the backups have now. A backup of its namespace that it does not know
//! (a new base backup) has it load its context again, keeping what was entered.

use crate::state::cmd::{Cmd, FormCmd};
use crate::state::forms::{RestoreWizard, Subject};
use crate::state::model::{Model, StreamState};
use kbdash_core::forms::{BackupState, RestoreContext};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{BackupRow, ObjKey};

/// The open restore wizard, once loaded.
fn wizard(m: &mut Model) -> Option<&mut RestoreWizard> {
    match &mut m.forms.modal.as_mut()?.subject {
        Subject::Restore(w) if w.loaded.is_some() => Some(w),
        _ => None,
    }
}

/// The clock ticked: the wizard's "now" is the model's.
pub(crate) fn on_tick(m: &mut Model) {
    let now = m.now;
    if let Some((ctx, _)) = wizard(m).and_then(|w| w.loaded.as_mut()) {
        ctx.now = now;
    }
}

/// What a Backup event changed in the store.
pub(crate) enum Touched {
    /// One backup was applied or deleted.
    One(ObjKey),
    /// The backups were listed again: any of them may have changed or gone.
    All,
}

/// A Backup event was applied to the store: the wizard's backups take the state their rows
/// have and deleted ones are forgotten; a backup of its namespace it does not know has it
/// load its context again.
pub(crate) fn after_backups(m: &mut Model, touched: &Touched, cmds: &mut Vec<Cmd>) {
    let live = backups_live(m);
    let unknown = match touched {
        // A list replaces the store's rows only once it is complete.
        Touched::All if !live => false,
        Touched::All => follow_all(m),
        Touched::One(key) => follow_one(m, key),
    };
    if let Some(w) = wizard(m)
        && unknown
        && !w.reloading
    {
        w.reloading = true;
        cmds.push(Cmd::Form(FormCmd::LoadRestore {
            backup: w.backup.clone(),
        }));
    }
}

/// Backup `key` takes the state the watch has for it, or is forgotten when it is gone.
/// Returns whether it is a backup of the wizard's namespace that the wizard does not know.
fn follow_one(m: &mut Model, key: &ObjKey) -> bool {
    let row = m.store.backups.get(key).map(state);
    let Some((ctx, _)) = wizard(m).and_then(|w| w.loaded.as_mut()) else {
        return false;
    };
    if *key.namespace != *ctx.backup.namespace {
        return false;
    }
    match row {
        Some(state) => !ctx.follow_backup(&key.name, &state),
        None => {
            ctx.forget_backup(&key.name);
            false
        }
    }
}

/// The context loaded again: it replaces the old one, on the model's clock and with the
/// watch's state of the backups it knows (which may be newer than what the load read); the
/// input stays. A failed reload keeps the old context (the watch still keeps it going).
pub(crate) fn reloaded(m: &mut Model, result: Result<Box<RestoreContext>, String>) {
    let now = m.now;
    let Some(w) = wizard(m) else {
        return;
    };
    w.reloading = false;
    if let (Ok(mut fresh), Some((ctx, _))) = (result, w.loaded.as_mut()) {
        fresh.now = now;
        *ctx = *fresh;
    }
    if backups_live(m) {
        follow_all(m);
    }
}

/// Whether the Backup stream of the open form's context is live.
fn backups_live(m: &Model) -> bool {
    let ctx = m
        .forms
        .modal
        .as_ref()
        .map(|f| f.cluster.ctx)
        .unwrap_or_default();
    matches!(m.streams.get(&(ctx, Kind::Backup)), Some(StreamState::Live))
}

/// Every backup the wizard knows takes the state the watch has for it; gone ones are
/// forgotten. Returns whether a backup of its namespace is one it does not know.
fn follow_all(m: &mut Model) -> bool {
    let Some((in_ctx, Subject::Restore(w))) = m
        .forms
        .modal
        .as_mut()
        .map(|f| (f.cluster.ctx, &mut f.subject))
    else {
        return false;
    };
    let Some((ctx, _)) = w.loaded.as_mut() else {
        return false;
    };
    let namespace = ctx.backup.namespace.clone();
    let rows = &m.store.backups;
    ctx.follow_backups(|name| {
        let key = ObjKey::new(&namespace, name).in_ctx(in_ctx);
        rows.get(&key).map(state)
    });
    rows.iter()
        .filter(|row| *row.key.namespace == *namespace && row.key.ctx == in_ctx)
        .any(|row| !ctx.knows_backup(&row.key.name))
}

/// A backup's state as its watch row says it.
fn state(row: &BackupRow) -> BackupState {
    BackupState {
        phase: row.phase.to_string(),
        start: row.range_start,
        end: row.range_end,
        completion: row.completed,
    }
}
