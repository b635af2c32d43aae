//! `s` and `:shell`, `:connect`: which pod's container a program runs in (the pod selected in
//! the Pods pane, or the pod whose detail is open), and what is said when it ends. The runtime
//! hands the terminal over (`Cmd::Exec`).

use crate::state::cmd::Cmd;
use crate::state::exec::{ExecTarget, POSTGRES_CONTAINER, Program};
use crate::state::model::{Model, Overlay, Pane};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;

/// What read-only mode says to `s`, `:shell` and `:connect`.
pub(super) const READ_ONLY: &str =
    "read-only mode: no shell or psql (kubectl exec is a write, and can change anything)";

/// The pod a program would run in: the open pod detail's, else the Pods pane's selected one.
fn selected_pod(m: &Model) -> Option<ObjKey> {
    match &m.overlay {
        Overlay::Detail(d) if d.target.kind == Kind::Pod => Some(d.target.key.clone()),
        Overlay::Detail(_) => None,
        _ if m.focus == Pane::Pods => m.table(Pane::Pods).selected_key().cloned(),
        _ => None,
    }
}

/// Asks the runtime to run `program` in the selected pod's PostgreSQL container, or says why
/// not.
pub(super) fn start(m: &mut Model, program: Program, cmds: &mut Vec<Cmd>) {
    let Some(pod) = selected_pod(m) else {
        super::notify(
            m,
            format!(
                "{}: select a pod first (Pods pane, 2, or a pod's detail)",
                program.name()
            ),
        );
        return;
    };
    if m.readonly_in(pod.ctx) {
        super::notify(m, READ_ONLY.into());
        return;
    }
    cmds.push(Cmd::Exec(ExecTarget {
        pod,
        container: POSTGRES_CONTAINER.to_string(),
        program,
    }));
}

/// The status line once the program ended.
pub(super) fn ended(what: &str, result: Result<Option<i32>, String>) -> String {
    match result {
        Ok(Some(0)) => format!("{what}: ended"),
        // kubectl passes the program's exit code on, or exits 1 on its own errors (said above
        // the prompt, which is gone now that the screen is back).
        Ok(Some(code)) => format!("{what}: ended with exit code {code}"),
        Ok(None) => format!("{what}: ended by a signal"),
        Err(e) => format!("{what}: {e}"),
    }
}
