//! Editing the preview's YAML: where the cursor starts, and the edit checked again with every
//! key, so that its errors and what it does are shown in step with the text. Changes to the
//! modal only.

use crossterm::event::KeyEvent;
use ratatui_textarea::{CursorMove, TextArea};

use crate::state::forms::{FormModal, Stage, YamlEdit};
use kbdash_core::forms::validate_edited;

impl FormModal {
    /// Turns the preview into its editor. An unedited preview puts the cursor at the start of
    /// the spec, the part an edit is about; an edit taken up again keeps its cursor.
    pub(crate) fn start_yaml_edit(&mut self) {
        if !self.yaml_editable() || !matches!(self.stage, Stage::Preview(_)) {
            return;
        }
        let Some(mut review) = self.stage.take_review() else {
            return;
        };
        if matches!(review.edit, YamlEdit::Unchanged) {
            place_at_spec(&mut review.yaml);
        }
        self.stage = Stage::EditYaml(review);
    }

    /// Types a key into the YAML being edited, and checks the edit again.
    pub(crate) fn type_into_yaml(&mut self, key: KeyEvent) {
        let Stage::EditYaml(review) = &mut self.stage else {
            return;
        };
        if review.yaml.input(key) {
            self.api_error = None;
            self.recheck_yaml();
        }
    }

    /// Checks the YAML under review as it now reads: unchanged from the request's preview,
    /// or an edit the form accepts (kept with the request it makes), or refused (the errors
    /// say why, in the modal's errors).
    pub(crate) fn recheck_yaml(&mut self) {
        let Some(review) = self.stage.review() else {
            return;
        };
        let text = review.yaml.lines().join("\n");
        let (edit, errors) = if text.trim() == self.preview_text(&review.request).trim() {
            (YamlEdit::Unchanged, Vec::new())
        } else {
            let Some((form, ctx)) = self.op() else {
                return;
            };
            match validate_edited(form, &text, ctx) {
                Ok(checked) => (YamlEdit::Valid(Box::new(checked)), Vec::new()),
                Err(errors) => (YamlEdit::Invalid, errors),
            }
        };
        if let Stage::EditYaml(review) | Stage::Preview(review) = &mut self.stage {
            review.edit = edit;
        }
        self.errors = errors;
    }
}

/// Puts the cursor on the first line under `spec:`, at its first character.
fn place_at_spec(yaml: &mut TextArea<'static>) {
    let lines = yaml.lines();
    let Some(spec) = lines.iter().position(|l| l.trim_end() == "spec:") else {
        return;
    };
    let row = (spec + 1).min(lines.len().saturating_sub(1));
    let col = lines[row].len() - lines[row].trim_start().len();
    let (Ok(row), Ok(col)) = (u16::try_from(row), u16::try_from(col)) else {
        return;
    };
    yaml.move_cursor(CursorMove::Jump(row, col));
}
