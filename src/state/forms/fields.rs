//! Editing a form's fields: which field is focused, its text editor, changing a value by
//! choice, toggle, completion or the restore time's cursor. Changes to the modal only.

use chrono::TimeDelta;
use crossterm::event::KeyEvent;
use ratatui_textarea::{CursorMove, TextArea};

use crate::state::completion::common_prefix;
use crate::state::forms::{FormModal, Stage, Subject, TIME_FIELD};
use kbdash_core::forms::{FieldKind, OpForm};

impl FormModal {
    /// Opens the form of `command` (a `:` command line, its argument naming the object to
    /// start from, else the object selected when the modal opened) over the loaded live
    /// objects; `false` when they have not loaded or `command` names no form.
    pub(crate) fn open_form(&mut self, command: &str) -> bool {
        let line = match (&self.selected, command.split_whitespace().nth(1)) {
            (Some(selected), None) => format!("{} {selected}", command.trim()),
            _ => command.to_string(),
        };
        let Subject::Op {
            ctx: Some(ctx),
            form,
        } = &mut self.subject
        else {
            return false;
        };
        let Some(opened) = OpForm::from_command(&line, ctx) else {
            return false;
        };
        *form = Some(opened);
        self.stage = Stage::Edit;
        self.changed = false;
        self.errors.clear();
        self.api_error = None;
        self.focus_first_editable();
        true
    }

    /// Focuses the first field that can be edited.
    pub(crate) fn focus_first_editable(&mut self) {
        self.focus = self.fields().iter().position(|f| f.editable).unwrap_or(0);
        self.load_editor();
    }

    /// Focuses field `index`.
    pub(crate) fn focus_on(&mut self, index: usize) {
        self.focus = index;
        self.load_editor();
    }

    /// Opens an editor on the focused field when it is text.
    pub(crate) fn load_editor(&mut self) {
        self.choice = 0;
        self.editor = self
            .focused()
            .filter(|f| f.editable && matches!(f.kind, FieldKind::Text | FieldKind::Lines))
            .map(|f| {
                let mut ta = TextArea::new(f.value.split('\n').map(str::to_string).collect());
                ta.move_cursor(CursorMove::Bottom);
                ta.move_cursor(CursorMove::End);
                ta
            });
    }

    /// Moves the focus `step` editable fields on, round the end.
    pub(crate) fn move_focus(&mut self, step: isize) {
        let fields = self.fields();
        let editable: Vec<usize> = (0..fields.len()).filter(|i| fields[*i].editable).collect();
        if editable.is_empty() {
            return;
        }
        let pos = editable.iter().position(|i| *i == self.focus).unwrap_or(0) as isize;
        let n = editable.len() as isize;
        self.focus = editable[(pos + step).rem_euclid(n) as usize];
        self.load_editor();
    }

    /// Sets field `name`, dropping the messages it may have answered.
    pub fn set_field(&mut self, name: &str, value: &str) {
        match &mut self.subject {
            Subject::Restore(w) => {
                if let Some((_, input)) = w.loaded.as_mut() {
                    // Only editable fields are focused, so `set` knows the name.
                    let _ = input.set(name, value);
                }
            }
            Subject::Op { form, .. } => {
                if let Some(form) = form.as_mut() {
                    // Only editable fields are focused, so `set` knows the name.
                    let _ = form.set(name, value);
                }
            }
        }
        self.errors
            .retain(|e| e.field != name && !e.field.is_empty());
        self.api_error = None;
        self.changed = true;
    }

    /// Hands a typed key to the focused text field's editor.
    pub(crate) fn type_into_field(&mut self, key: KeyEvent) {
        let Some(field) = self
            .focused()
            .filter(|f| matches!(f.kind, FieldKind::Text | FieldKind::Lines))
        else {
            return;
        };
        if let Some(editor) = self.editor.as_mut()
            && editor.input(key)
        {
            let value = editor.lines().join("\n");
            self.set_field(&field.name, &value);
        }
    }

    /// Steps the focused choice field's value, or the cursor of a multiple-choice field,
    /// `step` choices on, round the end.
    pub(crate) fn step_choice(&mut self, step: isize) {
        let Some(field) = self.focused() else {
            return;
        };
        let n = field.choices.len();
        if n == 0 {
            return;
        }
        let next = |pos: usize| (pos as isize + step).rem_euclid(n as isize) as usize;
        match field.kind {
            FieldKind::Choice => {
                let pos = field
                    .choices
                    .iter()
                    .position(|c| *c == field.value)
                    .unwrap_or(0);
                self.set_field(&field.name, &field.choices[next(pos)]);
            }
            FieldKind::MultiChoice => self.choice = next(self.choice),
            FieldKind::Text | FieldKind::Lines | FieldKind::Toggle => {}
        }
    }

    /// Picks the choice under a multiple-choice field's cursor, or drops it when picked.
    pub(crate) fn pick_choice(&mut self) {
        let Some(field) = self.focused() else {
            return;
        };
        let n = field.choices.len();
        if field.kind != FieldKind::MultiChoice || n == 0 {
            return;
        }
        let pick = &field.choices[self.choice % n];
        let mut chosen: Vec<&str> = field
            .value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if let Some(i) = chosen.iter().position(|c| c == pick) {
            chosen.remove(i);
        } else {
            chosen.push(pick);
        }
        let value = chosen.join(",");
        self.set_field(&field.name, &value);
    }

    /// Switches the focused toggle field on or off.
    pub(crate) fn flip(&mut self) {
        let Some(field) = self.focused().filter(|f| f.kind == FieldKind::Toggle) else {
            return;
        };
        let flipped = if field.value == "true" {
            "false"
        } else {
            "true"
        };
        self.set_field(&field.name, flipped);
    }

    /// Tab on a row of a list field whose name is still being typed (no `=` yet) completes it
    /// as a shell does: to the only completion followed by `=`, or to the longest prefix all
    /// completions share. Returns false when there is nothing to complete.
    pub(crate) fn complete_row(&mut self) -> bool {
        let Some(field) = self.focused() else {
            return false;
        };
        let Some((form, ctx)) = self.op() else {
            return false;
        };
        let Some(editor) = self.editor.as_ref() else {
            return false;
        };
        let row = editor.cursor().0;
        let typed = editor.lines().get(row).cloned().unwrap_or_default();
        if typed.contains('=') || typed.trim().is_empty() {
            return false;
        }
        let name = typed.trim();
        let found = form.completions(ctx, &field.name, name);
        let completed = match found.as_slice() {
            [] => return false,
            [only] => format!("{only}="),
            many => common_prefix(many),
        };
        if completed.len() <= name.len() {
            return false;
        }
        let Some(editor) = self.editor.as_mut() else {
            return false;
        };
        editor.move_cursor(CursorMove::Head);
        editor.delete_line_by_end();
        editor.insert_str(&completed);
        let value = editor.lines().join("\n");
        self.set_field(&field.name, &value);
        true
    }

    /// Moves the restore time by `delta` within the recoverable window.
    pub(crate) fn nudge_time(&mut self, delta: TimeDelta) {
        let Subject::Restore(w) = &mut self.subject else {
            return;
        };
        let Some((ctx, input)) = w.loaded.as_mut() else {
            return;
        };
        if input.nudge_time(ctx, delta).is_some() {
            self.errors
                .retain(|e| e.field != TIME_FIELD && !e.field.is_empty());
            self.api_error = None;
            self.changed = true;
            self.load_editor();
        }
    }

    /// Empties the restore time, for another to be typed.
    pub(crate) fn clear_time(&mut self) {
        self.set_field(TIME_FIELD, "");
        self.load_editor();
    }
}
