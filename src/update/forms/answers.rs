//! The answers to the forms' effects: loaded live objects open the form, a dry run's verdict
//! leads to the preview or back to the fields, a submit's result closes the form and follows
//! the new object (or keeps everything for a retry). Answers to abandoned loads, dry runs and
//! submits are recognised and change nothing of what replaced them.

use ratatui_textarea::TextArea;

use crate::state::forms::{Stage, StageKind, StepState, Subject, TIME_FIELD, WalGProgress};
use crate::state::model::{Model, Pane};
use crate::state::msg::FormMsg;
use crate::update::forms::follow::{after_watch, track, track_deletion};
use crate::update::forms::restore_live;
use kbdash_core::forms::{OpKind, RequestAction, RestoreInput};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;

/// Applies the result of a form effect.
pub(crate) fn on_msg(m: &mut Model, msg: FormMsg) {
    match msg {
        FormMsg::Context { cluster, result } => {
            // Only a modal still waiting takes it: the late answer to a load abandoned with Esc
            // must not replace the context of a form opened since on the same cluster.
            let Some(modal) = m.forms.modal.as_mut().filter(|f| {
                f.cluster == cluster && matches!(f.subject, Subject::Op { ctx: None, .. })
            }) else {
                return;
            };
            match result {
                Ok(loaded) => {
                    if let Subject::Op { ctx, .. } = &mut modal.subject {
                        *ctx = Some(loaded);
                    }
                    if let Stage::Loading {
                        then: Some(command),
                    } = &modal.stage
                    {
                        let command = command.clone();
                        if !modal.open_form(&command) {
                            modal.stage = Stage::Loading { then: None };
                            modal.api_error = Some(format!("cannot open :{command}"));
                        }
                    }
                }
                Err(e) => {
                    m.forms.modal = None;
                    m.notice = Some((e, m.now));
                }
            }
        }
        FormMsg::RestoreContext { backup, result } => {
            let Some(modal) = m.forms.modal.as_mut().filter(|f| {
                matches!(&f.subject, Subject::Restore(w) if w.backup == backup && (w.loaded.is_none() || w.reloading))
            }) else {
                return;
            };
            if matches!(&modal.subject, Subject::Restore(w) if w.reloading) {
                restore_live::reloaded(m, result);
                return;
            }
            match result {
                Ok(ctx) => {
                    let input = RestoreInput::initial(&ctx);
                    if let Subject::Restore(w) = &mut modal.subject {
                        w.loaded = Some((*ctx, input));
                    }
                    modal.stage = Stage::Edit;
                    modal.focus_first_editable();
                    // The time is what a point-in-time restore is about: start there.
                    if let Some(i) = modal.fields().iter().position(|f| f.name == TIME_FIELD) {
                        modal.focus_on(i);
                    }
                }
                Err(e) => {
                    m.forms.modal = None;
                    m.notice = Some((e, m.now));
                }
            }
        }
        FormMsg::DryRun { attempt, result } => {
            let Some(modal) = m
                .forms
                .modal
                .as_mut()
                .filter(|f| f.attempt == attempt && f.stage.kind() == StageKind::DryRun)
            else {
                return;
            };
            let Some(mut review) = modal.stage.take_review() else {
                return;
            };
            match result {
                Ok(()) => {
                    let text = modal.preview_text(&review.request);
                    if !review.yaml.lines().join("\n").trim().eq(text.trim()) {
                        review.yaml = TextArea::new(text.lines().map(str::to_string).collect());
                    }
                    modal.stage = Stage::Preview(review);
                }
                Err(e) => {
                    // `take_review` left the stage at the fields.
                    modal.api_error = Some(format!("dry run refused: {e}"));
                }
            }
        }
        FormMsg::Submitted {
            attempt,
            kind,
            namespace,
            result,
        } => on_submitted(m, attempt, kind, namespace, result),
        FormMsg::Written(result) => {
            let text = match result {
                Ok(path) => format!("wrote {}", path.display()),
                Err(e) => e,
            };
            m.notice = Some((text, m.now));
        }
        FormMsg::FileExists { attempt, path } => {
            // Asked only while the same preview is still shown.
            if let Some(modal) = m
                .forms
                .modal
                .as_mut()
                .filter(|f| f.attempt == attempt && f.stage.kind() == StageKind::Preview)
                && let Some(review) = modal.stage.take_review()
            {
                modal.stage = Stage::Overwrite { review, path };
            }
        }
    }
}

fn on_submitted(
    m: &mut Model,
    attempt: u64,
    kind: Kind,
    namespace: String,
    result: Result<String, String>,
) {
    let current = m
        .forms
        .modal
        .as_ref()
        .is_some_and(|f| f.attempt == attempt && f.stage.kind() == StageKind::Submitting);
    let restored = m
        .forms
        .modal
        .as_ref()
        .filter(|_| current)
        .and_then(|f| Some((f.cluster.ctx, f.restore_loaded()?)))
        .map(|(ctx, (_, input))| ObjKey::new(&input.namespace, &input.name).in_ctx(ctx));
    // The request went to the form's context; its object is in that context.
    let in_ctx = m
        .forms
        .modal
        .as_ref()
        .map(|f| f.cluster.ctx)
        .unwrap_or_default();
    let wal_g = m
        .forms
        .modal
        .as_ref()
        .filter(|_| current)
        .and_then(|f| Some((f.wal_g?, f.cluster.clone())));
    let action = m
        .forms
        .modal
        .as_ref()
        .filter(|_| current)
        .and_then(|f| Some(f.stage.review()?.request.action.clone()));
    // The op that finishes what this one starts (a Restart after a restart-on-reload
    // parameter, the delete a DoNotTerminate policy held back), offered once this one is in.
    let offer = m
        .forms
        .modal
        .as_ref()
        .filter(|_| current)
        .and_then(|f| Some((f.stage.review()?.request.offer?, f.cluster.clone())));
    match result {
        Ok(name) => {
            let key = ObjKey::new(&namespace, &name).in_ctx(in_ctx);
            if current {
                m.forms.modal = None;
            }
            if let Some(cluster) = restored {
                m.notice = Some((
                    format!(
                        "restore submitted ({} {key}): following cluster {cluster}",
                        kind.info().kind_name
                    ),
                    m.now,
                ));
                m.focus = Pane::Clusters;
                let restore_op = (kind == Kind::OpsRequest).then_some(key);
                track(m, Kind::Cluster, cluster, restore_op);
                after_watch(m);
                return;
            }
            let mut text = format!("{} {key} submitted", kind.info().kind_name);
            if let Some((op, cluster)) = &offer
                && let Some(command) = op.commands().first()
            {
                text.push_str(&match op {
                    OpKind::Delete => format!("; :{command} on {cluster} deletes it now"),
                    _ => format!(
                        "; the secondaries keep the old value until they restart: :{command} \
                         on {cluster} finishes it"
                    ),
                });
            }
            if let Some((step, cluster)) = wal_g {
                text.push_str(&format!(
                    " ({}): followed; :wal-g-setup opens the next step once it has ended",
                    step.describe()
                ));
                m.forms.wal_g = Some(WalGProgress {
                    cluster,
                    step,
                    object: key.clone(),
                    state: StepState::Running,
                });
            }
            m.notice = Some((text, m.now));
            match (kind, action) {
                (Kind::Cluster, Some(RequestAction::Create)) => {
                    m.notice = Some((
                        format!("cluster {key} submitted: following it until it runs"),
                        m.now,
                    ));
                    m.focus = Pane::Clusters;
                    track(m, kind, key, None);
                    after_watch(m);
                    return;
                }
                (Kind::Cluster, Some(RequestAction::Delete { .. })) => {
                    m.notice = Some((
                        format!("cluster {key}: deletion submitted, following it until it is gone"),
                        m.now,
                    ));
                    m.focus = Pane::Clusters;
                    track_deletion(m, key);
                    after_watch(m);
                    return;
                }
                _ => {}
            }
            match kind {
                Kind::OpsRequest => {
                    m.focus = Pane::Ops;
                    track(m, kind, key, None);
                    after_watch(m);
                }
                Kind::Backup => {
                    m.focus = Pane::Backups;
                    track(m, kind, key, None);
                    after_watch(m);
                }
                _ => {}
            }
        }
        Err(e) => {
            let text = format!("submit refused: {e}");
            if current
                && let Some(modal) = m.forms.modal.as_mut()
                && let Some(review) = modal.stage.take_review()
            {
                modal.stage = Stage::Preview(review);
                modal.api_error = Some(text);
            } else {
                m.notice = Some((text, m.now));
            }
        }
    }
}
