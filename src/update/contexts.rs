//! Several contexts at once: `:ctx +NAME` shows one more beside those shown, `:ctx -NAME`
//! stops showing one (its rows, streams and problems go with it). `:ctx NAME` (the caller)
//! shows one alone.

use crate::state::cmd::Cmd;
use crate::state::model::{Model, Overlay, StreamState};
use crate::state::shown::Shown;
use crate::state::store::WATCHED;
use crate::update::notify;

/// Whether `name` is a context of the kubeconfig; says which there are when it is not.
pub(super) fn known(m: &mut Model, name: &str) -> bool {
    if m.contexts.iter().any(|c| c == name) {
        return true;
    }
    let known = if m.contexts.is_empty() {
        "none: this session has no kubeconfig".to_string()
    } else {
        m.contexts.join(", ")
    };
    notify(m, format!("no context {name:?} (contexts: {known})"));
    false
}

/// `:ctx +NAME`: connect `name` too.
pub(super) fn add(m: &mut Model, name: &str, cmds: &mut Vec<Cmd>) {
    if !known(m, name) {
        return;
    }
    if m.shown.iter().any(|s| s.name == name) {
        notify(m, format!("context {name} is shown already"));
        return;
    }
    cmds.push(Cmd::AddContext(name.to_string()));
}

/// The engine connected a context added with `:ctx +NAME`: its streams are pending.
pub(super) fn added(m: &mut Model, shown: Shown) {
    for kind in WATCHED {
        m.streams.insert((shown.ctx, kind), StreamState::Pending);
    }
    m.shown.push(shown);
    m.shown.sort_by_key(|s| s.ctx);
    m.readonly = m.shown.iter().all(|s| s.readonly);
    m.triage.problems.rebuild();
}

/// `:ctx -NAME`: stop showing `name`, forgetting everything of it. The last context shown
/// stays (`:ctx NAME` switches to another).
pub(super) fn remove(m: &mut Model, name: &str, cmds: &mut Vec<Cmd>) {
    let Some(ctx) = m.shown.iter().find(|s| s.name == name).map(|s| s.ctx) else {
        notify(m, format!("context {name} is not shown"));
        return;
    };
    if m.shown.len() == 1 {
        notify(
            m,
            format!("context {name} is the only one shown (:ctx NAME switches)"),
        );
        return;
    }
    m.shown.retain(|s| s.ctx != ctx);
    if let Some(first) = m.shown.first() {
        m.context = first.name.clone();
        m.server = first.server.clone();
    }
    m.readonly = m.shown.iter().all(|s| s.readonly);
    m.store.forget_ctx(ctx, m.now);
    m.health.forget_ctx(ctx);
    m.streams.retain(|(c, _), _| *c != ctx);
    m.api_down.remove(&ctx);
    m.triage.down.remove(&ctx);
    m.triage.last_seen.retain(|(c, _), _| *c != ctx);
    if m.scope.as_ref().is_some_and(|k| k.ctx == ctx) {
        super::set_scope(m, None);
    }
    if m.familiar.as_ref().is_some_and(|k| k.ctx == ctx) {
        m.familiar = None;
    }
    // A log streamed from the context ended with its part in the engine: its view closes,
    // and so does the view it returns to if that is of the context too.
    if m.logs.as_ref().is_some_and(|l| l.source.ctx() == ctx)
        && let Some(view) = m.logs.take()
        && m.overlay == Overlay::Logs
    {
        m.overlay = view.return_to;
    }
    if matches!(&m.overlay, Overlay::Incidents(t) if t.cluster.ctx == ctx) {
        m.overlay = Overlay::None;
    }
    if matches!(&m.overlay, Overlay::Detail(d) if d.target.key.ctx == ctx) {
        m.overlay = Overlay::None;
        m.raw = None;
        m.followed_ops = None;
        cmds.push(Cmd::Follow(None));
    }
    // The detail's Events streams and triage's evidence on the context's objects went too.
    if m.object_events
        .as_ref()
        .and_then(|e| e.target.as_ref())
        .is_some_and(|t| t.key.ctx == ctx)
    {
        m.object_events = None;
    }
    if m.evidence.as_ref().is_some_and(|e| e.object.key.ctx == ctx) {
        m.evidence = None;
    }
    if m.forms.modal.as_ref().is_some_and(|f| f.cluster.ctx == ctx) {
        m.forms.modal = None;
    }
    m.triage.problems.rebuild();
    notify(m, format!("context {name} removed"));
    cmds.push(Cmd::RemoveContext(ctx));
}
