//! Following the objects submitted from forms: each is selected once its row arrives, and a
//! notice says how it ended: an OpsRequest or Backup when its row says it finished, a created
//! or restored cluster by the restore rule ([`kbdash_core::domain::restore_wizard::follow`]),
//! a deleted cluster when its row is gone.

use crate::state::forms::{StepState, Tracked};
use crate::state::model::Model;
use kbdash_core::domain::restore_wizard::{self, RestoreOutcome};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;

/// Submitted objects followed at most. A session submits a handful at a time; without a cap,
/// objects that never reach a final phase would be followed, and kept, for the whole session.
pub const MAX_TRACKED: usize = 16;

/// Follows a submitted object (for a restored cluster, with the OpsRequest that restores it),
/// forgetting the oldest beyond [`MAX_TRACKED`].
pub(crate) fn track(m: &mut Model, kind: Kind, key: ObjKey, restore_op: Option<ObjKey>) {
    let tracked = &mut m.forms.tracked;
    tracked.push(Tracked {
        kind,
        key,
        selected: false,
        restore_op,
        deleting: false,
    });
    if tracked.len() > MAX_TRACKED {
        tracked.drain(..tracked.len() - MAX_TRACKED);
    }
}

/// Follows a cluster whose deletion was submitted until its row is gone (through `Deleting`).
pub(crate) fn track_deletion(m: &mut Model, key: ObjKey) {
    // The cluster may be followed already (created in this session): once is enough.
    m.forms
        .tracked
        .retain(|t| !(t.kind == Kind::Cluster && t.key == key));
    track(m, Kind::Cluster, key, None);
    if let Some(t) = m.forms.tracked.last_mut() {
        t.deleting = true;
    }
}

/// Whether the followed object's row is there.
fn present(m: &Model, t: &Tracked) -> bool {
    match t.kind {
        Kind::OpsRequest => m.store.ops.get(&t.key).is_some(),
        Kind::Cluster => m.store.clusters.get(&t.key).is_some(),
        _ => m.store.backups.get(&t.key).is_some(),
    }
}

/// How the followed object ended (its final phase, and why), or `None` while it goes on.
fn ending(m: &Model, t: &Tracked) -> Option<String> {
    let with_reason = |phase: &str, reason: &str| {
        if reason.is_empty() {
            phase.to_string()
        } else {
            format!("{phase}: {reason}")
        }
    };
    match t.kind {
        Kind::OpsRequest => m
            .store
            .ops
            .get(&t.key)
            .filter(|row| row.is_finished())
            .map(|row| with_reason(&row.phase, &row.reason)),
        // A deletion ends when the row goes (`after_watch` says so), whatever its phase.
        Kind::Cluster if t.deleting => None,
        Kind::Cluster => {
            let op = t.restore_op.as_ref().and_then(|k| m.store.ops.get(k));
            match restore_wizard::follow(m.store.clusters.get(&t.key), op) {
                RestoreOutcome::InProgress => None,
                RestoreOutcome::Running => Some("Running".to_string()),
                RestoreOutcome::Failed(why) => Some(with_reason("Failed", &why)),
            }
        }
        _ => m
            .store
            .backups
            .get(&t.key)
            .filter(|row| row.is_finished())
            .map(|row| row.phase.to_string()),
    }
}

/// Notes how the wal-g setup's step whose object is `key` ended (`end`: its final phase and
/// why) and says what comes next; `None` when `key` is no step's object.
fn wal_g_step_ended(m: &mut Model, key: &ObjKey, end: &str) -> Option<String> {
    let progress = m
        .forms
        .wal_g
        .as_mut()
        .filter(|p| p.object == *key && p.state == StepState::Running)?;
    // A Backup ends Completed, an OpsRequest Succeed; anything else is a failure.
    let phase = end.split(':').next().unwrap_or_default();
    let well = phase == "Completed" || phase == "Succeed";
    progress.state = if well {
        StepState::Done
    } else {
        StepState::Failed(end.to_string())
    };
    Some(match (well, progress.step.next()) {
        (true, Some(next)) => format!("wal-g setup: :wal-g-setup opens {}", next.describe()),
        (true, None) => format!("wal-g setup of {} is done", progress.cluster),
        (false, _) => format!(
            "wal-g setup: {} failed; :wal-g-setup runs it again",
            progress.step.describe()
        ),
    })
}

/// Selects newly submitted objects once their rows arrive and says how they ended; an object
/// whose row went away after it was seen was deleted, and is no longer followed.
pub(crate) fn after_watch(m: &mut Model) {
    if m.forms.tracked.is_empty() {
        return;
    }
    let mut tracked = std::mem::take(&mut m.forms.tracked);
    let mut notices = Vec::new();
    tracked.retain_mut(|t| {
        let name = t.kind.info().kind_name;
        let is_present = present(m, t);
        if !is_present && t.selected {
            notices.push(format!("{name} {}: deleted", t.key));
            return false;
        }
        if is_present && !t.selected {
            t.selected = true;
            match t.kind {
                Kind::OpsRequest => m.store.ops.select_key(&t.key),
                Kind::Cluster => m.store.clusters.select_key(&t.key),
                _ => m.store.backups.select_key(&t.key),
            }
        }
        // A restore can end before its cluster exists: its OpsRequest fails first.
        match ending(m, t) {
            Some(end) => {
                let said = format!("{name} {}: {end}", t.key);
                notices.push(match wal_g_step_ended(m, &t.key, &end) {
                    Some(next) => format!("{said}; {next}"),
                    None => said,
                });
                false
            }
            None => true,
        }
    });
    m.forms.tracked = tracked;
    if let Some(text) = notices.pop() {
        m.notice = Some((text, m.now));
    }
}
