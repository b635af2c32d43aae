//! Keys while the menu or a form is open: `update` looks them up in the keymap table under the
//! stage's contexts ([`crate::state::keymap::form_contexts`]) and has the bound action carried
//! out here ([`act`]); what none of them binds is typed into the stage's editor ([`type_key`]:
//! a text field, the YAML, the confirmation). Effects go out as [`FormCmd`]s.

use chrono::TimeDelta;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::state::cmd::{Cmd, FormCmd, Outgoing};
use crate::state::forms::{FormModal, Forms, Review, Stage, StageKind, Subject, YamlEdit};
use crate::state::keymap::FormAction;
use kbdash_core::forms::{FieldError, OpKind, YAML_FIELD};

/// Carries out `action` on the open modal.
pub(crate) fn act(forms: &mut Forms, action: FormAction, cmds: &mut Vec<Cmd>) {
    let Some(modal) = forms.modal.as_mut() else {
        return;
    };
    match action {
        FormAction::Close => forms.modal = None,
        FormAction::MenuUp => move_menu(modal, -1),
        FormAction::MenuDown => move_menu(modal, 1),
        FormAction::OpenOp => open_chosen(modal),
        FormAction::NextField => modal.move_focus(1),
        FormAction::PrevField => modal.move_focus(-1),
        FormAction::Complete => {
            if !modal.complete_row() {
                modal.move_focus(1);
            }
        }
        FormAction::PrevChoice => modal.step_choice(-1),
        FormAction::NextChoice => modal.step_choice(1),
        FormAction::Pick => modal.pick_choice(),
        FormAction::Flip => modal.flip(),
        FormAction::NudgeTime(seconds) => modal.nudge_time(TimeDelta::seconds(seconds)),
        FormAction::ClearTime => modal.clear_time(),
        FormAction::Review => review(modal, cmds),
        FormAction::Submit => submit_previewed(modal, cmds),
        FormAction::EditYaml => modal.start_yaml_edit(),
        FormAction::WriteYaml => write_yaml(modal, cmds),
        FormAction::Overwrite => overwrite(modal, cmds),
        FormAction::ScrollUp => scroll(modal, -1),
        FormAction::ScrollDown => scroll(modal, 1),
        FormAction::CheckYaml => check_yaml(modal, cmds),
        FormAction::Confirm => confirm(modal, cmds),
        FormAction::Back => back(modal),
        FormAction::Leave => {
            if modal.changed {
                modal.stage = Stage::Discard;
            } else {
                forms.modal = None;
            }
        }
        FormAction::Abandon => {
            if let Stage::Submitting(_) = modal.stage
                && let Some(review) = modal.stage.take_review()
            {
                modal.attempt += 1;
                modal.stage = Stage::Preview(review);
                modal.api_error = Some(
                    "submit abandoned: the API may still have accepted it (see the audit log)"
                        .into(),
                );
            }
        }
    }
}

/// A key no binding of the open modal takes: text for its stage's editor, if it has one.
pub(crate) fn type_key(forms: &mut Forms, key: KeyEvent) {
    let Some(modal) = forms.modal.as_mut() else {
        return;
    };
    match &mut modal.stage {
        Stage::Edit => modal.type_into_field(key),
        Stage::EditYaml(_) => modal.type_into_yaml(key),
        Stage::Confirm { typed, .. } => match key.code {
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Char(ch) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                typed.push(ch);
                modal.api_error = None;
            }
            _ => {}
        },
        Stage::Menu { .. }
        | Stage::Loading { .. }
        | Stage::Discard
        | Stage::DryRun(_)
        | Stage::Preview(_)
        | Stage::Overwrite { .. }
        | Stage::Submitting(_) => {}
    }
}

fn move_menu(modal: &mut FormModal, step: isize) {
    if let Stage::Menu { cursor } = &mut modal.stage {
        let n = OpKind::ALL.len() as isize;
        *cursor = (*cursor as isize + step).rem_euclid(n) as usize;
    }
}

/// Opens the form of the operation under the menu's cursor, or waits for the live objects.
fn open_chosen(modal: &mut FormModal) {
    let Stage::Menu { cursor } = modal.stage else {
        return;
    };
    let Some(command) = OpKind::ALL.get(cursor).and_then(|op| op.commands().first()) else {
        return;
    };
    if modal.op_context().is_some() {
        modal.open_form(command);
    } else {
        modal.stage = Stage::Loading {
            then: Some(command.to_string()),
        };
    }
}

/// The preview's review, taken out of the stage; the stage is left as it was otherwise.
fn preview(modal: &mut FormModal) -> Option<Review> {
    match modal.stage {
        Stage::Preview(_) => modal.stage.take_review(),
        _ => None,
    }
}

/// Validates the fields and, when they pass, starts the dry run.
fn review(modal: &mut FormModal, cmds: &mut Vec<Cmd>) {
    let checked = if let Some((ctx, input)) = modal.restore_loaded() {
        input.validate(ctx)
    } else if let Some((form, ctx)) = modal.op() {
        form.validate(ctx)
    } else {
        return;
    };
    modal.api_error = None;
    match checked {
        Ok(request) => {
            modal.errors.clear();
            let text = modal.preview_text(&request);
            start_dry_run(modal, Review::new(request, &text), cmds);
        }
        Err(errors) => modal.errors = errors,
    }
}

fn start_dry_run(modal: &mut FormModal, review: Review, cmds: &mut Vec<Cmd>) {
    modal.attempt += 1;
    cmds.push(Cmd::Form(FormCmd::DryRun {
        ctx: modal.cluster.ctx,
        attempt: modal.attempt,
        request: Outgoing(review.request.clone()),
    }));
    modal.stage = Stage::DryRun(review);
}

/// Submits the previewed request, or asks for the typed confirmation first.
fn submit_previewed(modal: &mut FormModal, cmds: &mut Vec<Cmd>) {
    if !modal.errors.is_empty() {
        return;
    }
    let disruptive = modal.disruptive();
    let Some(review) = preview(modal) else {
        return;
    };
    if disruptive {
        modal.stage = Stage::Confirm {
            review,
            typed: String::new(),
        };
    } else {
        submit(modal, review, cmds);
    }
}

/// Writes the preview to `<name>.yaml` in the current directory; a file there already is
/// answered by [`FormMsg::FileExists`](crate::state::msg::FormMsg::FileExists), which asks.
fn write_yaml(modal: &FormModal, cmds: &mut Vec<Cmd>) {
    let Some(review) = modal.stage.review() else {
        return;
    };
    let name = review.request.display_name();
    let file = format!("{}.yaml", name.trim_end_matches('-'));
    cmds.push(Cmd::Form(FormCmd::WriteYaml {
        attempt: modal.attempt,
        path: file.into(),
        text: preview_file(review),
        overwrite: false,
    }));
}

/// What a preview file holds: the preview as shown.
fn preview_file(review: &Review) -> String {
    review.yaml.lines().join("\n") + "\n"
}

/// Replaces the file the user was asked about, and goes back to the preview.
fn overwrite(modal: &mut FormModal, cmds: &mut Vec<Cmd>) {
    let Stage::Overwrite { review, path } = std::mem::replace(&mut modal.stage, Stage::Edit) else {
        return;
    };
    cmds.push(Cmd::Form(FormCmd::WriteYaml {
        attempt: modal.attempt,
        path,
        text: preview_file(&review),
        overwrite: true,
    }));
    modal.stage = Stage::Preview(review);
}

fn scroll(modal: &mut FormModal, rows: i16) {
    if let Stage::Preview(review) = &mut modal.stage {
        review.yaml.scroll((rows, 0));
    }
}

/// Checks the edited YAML again and, when the form accepts it, starts its dry run (the
/// errors of a refused edit are already on screen).
fn check_yaml(modal: &mut FormModal, cmds: &mut Vec<Cmd>) {
    if modal.stage.kind() != StageKind::EditYaml {
        return;
    }
    modal.recheck_yaml();
    let Some(mut review) = modal.stage.take_review() else {
        return;
    };
    match std::mem::take(&mut review.edit) {
        YamlEdit::Invalid => {
            review.edit = YamlEdit::Invalid;
            modal.stage = Stage::EditYaml(review);
        }
        YamlEdit::Unchanged => start_dry_run(modal, review, cmds),
        YamlEdit::Valid(checked) => {
            let (form, request) = *checked;
            if let Subject::Op { form: open, .. } = &mut modal.subject {
                *open = Some(form);
            }
            let review = Review {
                request,
                yaml: review.yaml,
                edit: YamlEdit::Unchanged,
            };
            start_dry_run(modal, review, cmds);
        }
    }
}

/// Submits once the typed confirmation matches.
fn confirm(modal: &mut FormModal, cmds: &mut Vec<Cmd>) {
    let Stage::Confirm { typed, .. } = &modal.stage else {
        return;
    };
    if !modal.confirmed_by(typed) {
        modal.api_error = Some(format!(
            "type the cluster name {:?} to confirm",
            modal.confirm_target()
        ));
        return;
    }
    if let Some(review) = modal.stage.take_review() {
        submit(modal, review, cmds);
    }
}

/// Back one stage: from the preview to the fields, from the YAML editor (noting an edit not
/// checked yet) or the confirmation to the preview.
fn back(modal: &mut FormModal) {
    match modal.stage.kind() {
        StageKind::Preview => {
            // Back at the fields, the preview and any edit of it are gone, and so are their
            // errors.
            modal.stage = Stage::Edit;
            modal.errors.clear();
            modal.api_error = None;
        }
        StageKind::EditYaml => {
            let Some(review) = modal.stage.take_review() else {
                return;
            };
            if !matches!(review.edit, YamlEdit::Unchanged) {
                modal.errors.push(FieldError::new(
                    YAML_FIELD,
                    "the edit is not dry-run yet: e to edit, Ctrl-S there to check it",
                ));
            }
            modal.stage = Stage::Preview(review);
        }
        StageKind::Confirm | StageKind::Overwrite => {
            if let Some(review) = modal.stage.take_review() {
                modal.stage = Stage::Preview(review);
            }
        }
        StageKind::Discard => modal.stage = Stage::Edit,
        StageKind::Menu
        | StageKind::Loading
        | StageKind::Edit
        | StageKind::DryRun
        | StageKind::Submitting => {}
    }
}

fn submit(modal: &mut FormModal, review: Review, cmds: &mut Vec<Cmd>) {
    modal.attempt += 1;
    modal.api_error = None;
    cmds.push(Cmd::Form(FormCmd::Submit {
        ctx: modal.cluster.ctx,
        attempt: modal.attempt,
        request: Outgoing(review.request.clone()),
    }));
    modal.stage = Stage::Submitting(review);
}
