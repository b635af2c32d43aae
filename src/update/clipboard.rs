//! `c`: the selected object's name to the clipboard. The runtime writes it to the terminal
//! as OSC 52 (`Cmd::Copy`); a wall, a shared screen, copies only when its config says so.

use crate::state::cmd::Cmd;
use crate::state::model::{Model, Overlay};
use kbdash_core::rows::ObjKey;

/// What the wall says to `c` when copying is off there.
const OFF_ON_WALL: &str =
    "copying is off on the wall: wall.copy: true in the config file turns it on";

/// How a name is copied: `namespace/name`, or the name of an object of no namespace.
fn name(key: &ObjKey) -> String {
    if key.namespace.is_empty() {
        key.name.to_string()
    } else {
        key.to_string()
    }
}

/// What `c` copies where it is pressed: the wall's first (worst) cluster, the open detail's
/// object, the selected triage problem's object, the context under the list's cursor, or the
/// focused pane's selected row.
fn selected(m: &Model) -> Option<String> {
    if m.wall.is_some() {
        return crate::state::triage::worst_first(m)
            .next()
            .map(|c| name(&c.key));
    }
    match &m.overlay {
        Overlay::Detail(d) => Some(name(&d.target.key)),
        // The pod whose log is shown.
        Overlay::Logs => m.logs.as_ref().and_then(|l| l.pod.as_ref()).map(name),
        Overlay::Triage { selected } => {
            let listing = m.triage.listing_acknowledged;
            let problems = &m.triage.problems;
            let shown = if listing {
                problems.acknowledged_len()
            } else {
                problems.len()
            };
            problems
                .get((*selected).min(shown.saturating_sub(1)), listing)
                .and_then(|p| p.object.as_ref())
                .map(|o| name(&o.key))
        }
        Overlay::Contexts { selected } => m
            .contexts
            .get((*selected).min(m.contexts.len().saturating_sub(1)))
            .cloned(),
        Overlay::Incidents(v) => Some(name(&v.cluster)),
        Overlay::Help { .. } => None,
        Overlay::None => m.table(m.focus).selected_key().map(name),
    }
}

/// Copies the selected name, saying what was copied.
pub(super) fn copy(m: &mut Model, cmds: &mut Vec<Cmd>) {
    if m.wall.as_ref().is_some_and(|w| !w.copy) {
        super::notify(m, OFF_ON_WALL.into());
        return;
    }
    let Some(text) = selected(m) else {
        super::notify(m, "nothing selected to copy".into());
        return;
    };
    super::notify(
        m,
        format!("copied {text} to the clipboard (OSC 52: the terminal must allow it)"),
    );
    cmds.push(Cmd::Copy(text));
}
