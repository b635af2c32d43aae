//! The operations menu and the form modal: state and key handling, pure (effects go out as
//! [`FormCmd`]s). A form goes edit -> (field rules) -> dry run -> preview (YAML, editable and
//! re-validated, `w` writes it to a file) -> typed confirmation for disruptive ops ->
//! submitting -> done (the new object is selected and followed) or failed (the form and any
//! edited YAML stay as they were, for a retry).
//!
//! The restore wizard (Enter on a backup, `:restore`) is a case of the same modal
//! ([`FormModal::restore`]): a [`RestoreInput`] over a [`RestoreContext`] instead of an
//! [`OpForm`], with the timeline cursor keys on its time field, a redacted preview (the
//! original body is what is sent), the new cluster's name as typed confirmation, and the new
//! cluster followed until Running or Failed.

use chrono::TimeDelta;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::app::cmd::Cmd;
use crate::app::form_effects::{FormCmd, FormMsg, Outgoing};
use crate::app::model::{Model, Pane};
use kbdash_core::forms::{
    FieldError, FieldKind, FieldSpec, FormContext, OpForm, OpKind, Request, RestoreContext,
    RestoreInput, YAML_FIELD, confirmation_matches, redacted, validate_edited,
};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Atom, ObjKey};

/// Phases in which an OpsRequest or Backup is over.
const FINAL_PHASES: &[&str] = &["Succeed", "Failed", "Cancelled", "Aborted", "Completed"];
/// Phases in which a restored Cluster is done being followed.
const FINAL_CLUSTER_PHASES: &[&str] = &["Running", "Failed"];

/// Submitted objects followed at most. A session submits a handful at a time; without a cap,
/// objects that never reach a final phase would be followed, and kept, for the whole session.
pub const MAX_TRACKED: usize = 16;

/// The `:` command that opens the restore wizard.
pub const RESTORE_COMMAND: &str = "restore";
/// The field the timeline cursor keys move.
pub const TIME_FIELD: &str = "time";

/// The restore wizard: the form modal's case for a new cluster from a backup (the other
/// forms act on an existing cluster and live in [`FormModal::form`]).
#[derive(Debug, Clone)]
pub struct RestoreWizard {
    /// The backup restored from.
    pub backup: ObjKey,
    /// The backup, its namespace's backups and the clusters, once loaded.
    pub ctx: Option<RestoreContext>,
    pub input: Option<RestoreInput>,
}

impl RestoreWizard {
    /// The context and input, once loaded.
    pub fn loaded(&self) -> Option<(&RestoreContext, &RestoreInput)> {
        Some((self.ctx.as_ref()?, self.input.as_ref()?))
    }
}

/// Where the modal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The operations menu.
    Menu,
    /// Waiting for the live objects the form starts from.
    Loading,
    /// Editing fields.
    Edit,
    /// The server-side dry run is running.
    DryRun,
    /// The YAML of exactly what will be sent.
    Preview,
    /// Editing the YAML as text.
    EditYaml,
    /// Typing the cluster name to confirm a disruptive op.
    Confirm,
    /// The request is in flight.
    Submitting,
}

/// The open menu or form.
#[derive(Debug, Clone)]
pub struct FormModal {
    pub cluster: ObjKey,
    pub stage: Stage,
    /// Menu cursor (index into [`OpKind::ALL`]).
    pub menu: usize,
    /// The `:` command (or menu choice) to open once the context has loaded.
    pub pending: Option<String>,
    pub ctx: Option<FormContext>,
    pub form: Option<OpForm>,
    /// Index of the focused field in `fields()`.
    pub focus: usize,
    /// Cursor in the focused field's choices (multiple choice).
    pub choice: usize,
    /// The focused text field's editor.
    pub editor: Option<TextArea<'static>>,
    /// Validation messages, by field (empty field: the whole form; [`YAML_FIELD`]: the text).
    pub errors: Vec<FieldError>,
    /// The API's refusal of the dry run or submit, as it said it.
    pub api_error: Option<String>,
    /// The validated request.
    pub request: Option<Request>,
    /// The YAML preview (edited or not).
    pub yaml: TextArea<'static>,
    /// The typed confirmation.
    pub confirm: String,
    /// Numbers dry runs and submits, so answers to abandoned ones are recognised.
    pub attempt: u64,
    /// Set when this modal is the restore wizard (then `form` and `ctx` stay empty).
    pub restore: Option<RestoreWizard>,
    /// The cluster is not the one the user last scoped to or opened: every change to it asks
    /// for its typed name.
    pub unfamiliar: bool,
}

/// An object submitted from a form, followed until it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    pub kind: Kind,
    pub key: ObjKey,
    /// Whether its row appeared and was selected.
    pub selected: bool,
}

/// The forms' part of the model.
#[derive(Debug, Clone, Default)]
pub struct Forms {
    pub modal: Option<Box<FormModal>>,
    pub tracked: Vec<Tracked>,
}

impl FormModal {
    fn new(cluster: ObjKey, stage: Stage) -> FormModal {
        FormModal {
            cluster,
            stage,
            menu: 0,
            pending: None,
            ctx: None,
            form: None,
            focus: 0,
            choice: 0,
            editor: None,
            errors: Vec::new(),
            api_error: None,
            request: None,
            yaml: TextArea::default(),
            confirm: String::new(),
            attempt: 0,
            restore: None,
            unfamiliar: false,
        }
    }

    /// The form's fields, or none before it is open.
    pub fn fields(&self) -> Vec<FieldSpec> {
        if let Some(w) = &self.restore {
            return w
                .loaded()
                .map(|(ctx, input)| input.fields(ctx))
                .unwrap_or_default();
        }
        match (&self.form, &self.ctx) {
            (Some(form), Some(ctx)) => form.fields(ctx),
            _ => Vec::new(),
        }
    }

    /// The loaded restore wizard's context and input.
    pub fn restore_loaded(&self) -> Option<(&RestoreContext, &RestoreInput)> {
        self.restore.as_ref().and_then(RestoreWizard::loaded)
    }

    /// What the typed confirmation must be: the new cluster's name for a restore, else the
    /// cluster operated on.
    pub fn confirm_target(&self) -> String {
        match self.restore_loaded() {
            Some((_, input)) => input.name.clone(),
            None => self.cluster.name.to_string(),
        }
    }

    /// Whether the typed confirmation matches.
    fn confirmed(&self) -> bool {
        if let Some(w) = &self.restore {
            return w
                .input
                .as_ref()
                .is_some_and(|i| i.confirmation_matches(&self.confirm));
        }
        self.ctx
            .as_ref()
            .is_some_and(|ctx| confirmation_matches(&self.confirm, ctx))
    }

    /// The preview text of a request: restore bodies carry encrypted account strings, which
    /// are never shown in full (the original body is what is sent).
    pub fn preview_text(&self, request: &Request) -> String {
        let body = if self.restore.is_some() {
            redacted(&request.body)
        } else {
            request.body.clone()
        };
        serde_yaml_ng::to_string(&body).unwrap_or_default()
    }

    /// Whether the focused field is the restore time (the timeline cursor keys apply).
    pub fn time_focused(&self) -> bool {
        self.restore_loaded().is_some()
            && self
                .fields()
                .get(self.focus)
                .is_some_and(|f| f.name == TIME_FIELD)
    }

    /// Moves the restore time by `delta` within the recoverable window.
    fn nudge_time(&mut self, delta: TimeDelta) {
        let Some(w) = self.restore.as_mut() else {
            return;
        };
        let (Some(ctx), Some(input)) = (&w.ctx, w.input.as_mut()) else {
            return;
        };
        if input.nudge_time(ctx, delta).is_some() {
            self.errors
                .retain(|e| e.field != TIME_FIELD && !e.field.is_empty());
            self.api_error = None;
            self.load_editor();
        }
    }

    /// The messages about `field`.
    pub fn errors_for<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.errors
            .iter()
            .filter(move |e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Whether submitting asks for the cluster name: always for a restore (it creates a
    /// cluster), for a disruptive op, and for any op on a cluster the user has not scoped to or
    /// opened.
    pub fn disruptive(&self) -> bool {
        self.restore.is_some() || self.op_disruptive() || (self.form.is_some() && self.unfamiliar)
    }

    /// Whether the op itself disrupts the cluster (a restart, a scale-in, a switchover...).
    pub fn op_disruptive(&self) -> bool {
        match (&self.form, &self.ctx) {
            (Some(form), Some(ctx)) => form.disruptive(ctx),
            _ => false,
        }
    }

    fn open_form(&mut self, command: &str) -> bool {
        let Some(ctx) = &self.ctx else {
            return false;
        };
        let Some(form) = OpForm::from_command(command, ctx) else {
            return false;
        };
        self.form = Some(form);
        self.stage = Stage::Edit;
        self.focus = 0;
        self.errors.clear();
        self.api_error = None;
        self.focus_first_editable();
        true
    }

    fn focus_first_editable(&mut self) {
        let fields = self.fields();
        self.focus = fields.iter().position(|f| f.editable).unwrap_or(0);
        self.load_editor();
    }

    /// Opens an editor on the focused field when it is text.
    fn load_editor(&mut self) {
        let fields = self.fields();
        self.choice = 0;
        self.editor = fields
            .get(self.focus)
            .filter(|f| f.editable && matches!(f.kind, FieldKind::Text | FieldKind::Lines))
            .map(|f| {
                let mut ta = TextArea::new(f.value.split('\n').map(str::to_string).collect());
                ta.move_cursor(ratatui_textarea::CursorMove::Bottom);
                ta.move_cursor(ratatui_textarea::CursorMove::End);
                ta
            });
    }

    fn move_focus(&mut self, step: isize) {
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

    fn set_field(&mut self, name: &str, value: &str) {
        if let Some(input) = self.restore.as_mut().and_then(|w| w.input.as_mut()) {
            // Only editable fields are focused, so `set` knows the name.
            let _ = input.set(name, value);
        } else if let Some(form) = self.form.as_mut() {
            // Only editable fields are focused, so `set` knows the name.
            let _ = form.set(name, value);
        }
        self.errors
            .retain(|e| e.field != name && !e.field.is_empty());
        self.api_error = None;
    }
}

/// Whether the modal is open (it takes every key).
pub fn is_open(m: &Model) -> bool {
    m.forms.modal.is_some()
}

/// The cluster operations apply to: the selected row's cluster in the focused pane.
fn target_cluster(m: &Model) -> Option<ObjKey> {
    m.selected_cluster()
}

/// A new modal on `cluster`, noting whether the user has scoped to or opened that cluster.
fn new_modal(m: &Model, cluster: ObjKey, stage: Stage) -> FormModal {
    let mut modal = FormModal::new(cluster, stage);
    modal.unfamiliar = m.familiar.as_ref() != Some(&modal.cluster);
    modal
}

fn refuse_readonly(m: &mut Model) -> bool {
    if m.readonly {
        m.notice = Some(("read-only mode: operations are disabled".to_string(), m.now));
    }
    m.readonly
}

/// Opens the operations menu on the target cluster and starts loading its live objects.
pub fn open_menu(m: &mut Model, cmds: &mut Vec<Cmd>) {
    if refuse_readonly(m) {
        return;
    }
    let Some(cluster) = target_cluster(m) else {
        m.notice = Some(("no cluster selected".to_string(), m.now));
        return;
    };
    m.forms.modal = Some(Box::new(new_modal(m, cluster.clone(), Stage::Menu)));
    cmds.push(Cmd::Form(FormCmd::LoadContext { cluster }));
}

/// Opens the form of a `:` command (`scale-in`, `promote`...) on the target cluster; `false`
/// when `line` is not a form command.
pub fn open_command(m: &mut Model, line: &str, cmds: &mut Vec<Cmd>) -> bool {
    let mut words = line.split_whitespace();
    let word = words.next().unwrap_or_default();
    if word == RESTORE_COMMAND {
        open_restore(m, words.next(), cmds);
        return true;
    }
    if !OpKind::ALL.iter().any(|op| op.commands().contains(&word)) {
        return false;
    }
    if refuse_readonly(m) {
        return true;
    }
    let Some(cluster) = target_cluster(m) else {
        m.notice = Some((format!(":{word} needs a selected cluster"), m.now));
        return true;
    };
    let mut modal = new_modal(m, cluster.clone(), Stage::Loading);
    modal.pending = Some(word.to_string());
    m.forms.modal = Some(Box::new(modal));
    cmds.push(Cmd::Form(FormCmd::LoadContext { cluster }));
    true
}

/// Opens the restore wizard from backup `name` of the target cluster's namespace, else the
/// selected backup (Backups pane), else the target cluster's continuous backup.
pub fn open_restore(m: &mut Model, name: Option<&str>, cmds: &mut Vec<Cmd>) {
    if refuse_readonly(m) {
        return;
    }
    let backup = match name {
        Some(name) => {
            let ns = target_cluster(m)
                .map(|c| c.namespace)
                .or_else(|| m.store.backups.selected().map(|b| b.key.namespace.clone()))
                .or_else(|| m.namespace.as_deref().map(Atom::new))
                .unwrap_or_else(|| Atom::new("default"));
            Some(ObjKey::new(&ns, name))
        }
        None if m.focus == Pane::Backups => m.store.backups.selected().map(|b| b.key.clone()),
        None => {
            target_cluster(m).and_then(|c| m.store.continuous_backup(&c).map(|b| b.key.clone()))
        }
    };
    let Some(backup) = backup else {
        m.notice = Some((
            ":restore needs a selected backup (Backups pane) or a cluster with a continuous backup"
                .to_string(),
            m.now,
        ));
        return;
    };
    let source = m
        .store
        .backups
        .get(&backup)
        .map(|b| ObjKey::new(&backup.namespace, &b.cluster))
        .unwrap_or_else(|| backup.clone());
    let mut modal = FormModal::new(source, Stage::Loading);
    modal.restore = Some(RestoreWizard {
        backup: backup.clone(),
        ctx: None,
        input: None,
    });
    m.forms.modal = Some(Box::new(modal));
    cmds.push(Cmd::Form(FormCmd::LoadRestore { backup }));
}

/// Applies the result of a form effect.
pub fn on_msg(m: &mut Model, msg: FormMsg) {
    match msg {
        FormMsg::Context { cluster, result } => {
            // Only a modal still waiting takes it: the late answer to a load abandoned with Esc
            // must not replace the context of a form opened since on the same cluster.
            let Some(modal) = m
                .forms
                .modal
                .as_mut()
                .filter(|f| f.cluster == cluster && f.ctx.is_none() && f.restore.is_none())
            else {
                return;
            };
            match result {
                Ok(ctx) => {
                    modal.ctx = Some(*ctx);
                    if let Some(command) = modal.pending.take()
                        && !modal.open_form(&command)
                    {
                        modal.api_error = Some(format!("cannot open :{command}"));
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
                f.restore
                    .as_ref()
                    .is_some_and(|w| w.backup == backup && w.ctx.is_none())
            }) else {
                return;
            };
            match result {
                Ok(ctx) => {
                    let input = RestoreInput::initial(&ctx);
                    if let Some(w) = modal.restore.as_mut() {
                        w.ctx = Some(*ctx);
                        w.input = Some(input);
                    }
                    modal.stage = Stage::Edit;
                    modal.focus_first_editable();
                    // The time is what a point-in-time restore is about: start there.
                    if let Some(i) = modal.fields().iter().position(|f| f.name == TIME_FIELD) {
                        modal.focus = i;
                        modal.load_editor();
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
                .filter(|f| f.attempt == attempt && f.stage == Stage::DryRun)
            else {
                return;
            };
            match result {
                Ok(()) => {
                    let text = modal
                        .request
                        .as_ref()
                        .map(|r| modal.preview_text(r))
                        .unwrap_or_default();
                    if !modal.yaml.lines().join("\n").trim().eq(text.trim()) {
                        modal.yaml = TextArea::new(text.lines().map(str::to_string).collect());
                    }
                    modal.stage = Stage::Preview;
                }
                Err(e) => {
                    modal.api_error = Some(format!("dry run refused: {e}"));
                    modal.stage = Stage::Edit;
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
        .is_some_and(|f| f.attempt == attempt && f.stage == Stage::Submitting);
    let restored = m
        .forms
        .modal
        .as_ref()
        .filter(|_| current)
        .and_then(|f| f.restore_loaded())
        .map(|(_, input)| ObjKey::new(&input.namespace, &input.name));
    match result {
        Ok(name) => {
            let key = ObjKey::new(&namespace, &name);
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
                track(m, Kind::Cluster, cluster);
                after_watch(m);
                return;
            }
            m.notice = Some((format!("{} {key} submitted", kind.info().kind_name), m.now));
            match kind {
                Kind::OpsRequest => {
                    m.focus = Pane::Ops;
                    track(m, kind, key);
                    after_watch(m);
                }
                Kind::Backup => {
                    m.focus = Pane::Backups;
                    track(m, kind, key);
                    after_watch(m);
                }
                _ => {}
            }
        }
        Err(e) => {
            if current && let Some(modal) = m.forms.modal.as_mut() {
                modal.stage = Stage::Preview;
                modal.api_error = Some(format!("submit refused: {e}"));
            } else {
                m.notice = Some((format!("submit refused: {e}"), m.now));
            }
        }
    }
}

/// Follows a submitted object, forgetting the oldest beyond [`MAX_TRACKED`].
fn track(m: &mut Model, kind: Kind, key: ObjKey) {
    let tracked = &mut m.forms.tracked;
    tracked.push(Tracked {
        kind,
        key,
        selected: false,
    });
    if tracked.len() > MAX_TRACKED {
        tracked.drain(..tracked.len() - MAX_TRACKED);
    }
}

/// Selects newly submitted objects once their rows arrive and says how they ended; an object
/// whose row went away after it was seen was deleted, and is no longer followed.
pub fn after_watch(m: &mut Model) {
    if m.forms.tracked.is_empty() {
        return;
    }
    let mut tracked = std::mem::take(&mut m.forms.tracked);
    let mut notices = Vec::new();
    tracked.retain_mut(|t| {
        let row = match t.kind {
            Kind::OpsRequest => m
                .store
                .ops
                .get(&t.key)
                .map(|row| (row.phase.clone(), row.reason.clone())),
            Kind::Cluster => m
                .store
                .clusters
                .get(&t.key)
                .map(|row| (row.phase.clone(), String::new())),
            _ => m
                .store
                .backups
                .get(&t.key)
                .map(|row| (row.phase.clone(), String::new())),
        };
        let Some((phase, reason)) = row else {
            if t.selected {
                notices.push(format!("{} {}: deleted", t.kind.info().kind_name, t.key));
            }
            // Not arrived yet: keep waiting for it. Seen and gone: deleted, stop following.
            return !t.selected;
        };
        if !t.selected {
            t.selected = true;
            match t.kind {
                Kind::OpsRequest => m.store.ops.select_key(&t.key),
                Kind::Cluster => m.store.clusters.select_key(&t.key),
                _ => m.store.backups.select_key(&t.key),
            }
        }
        let finals = if t.kind == Kind::Cluster {
            FINAL_CLUSTER_PHASES
        } else {
            FINAL_PHASES
        };
        if finals.contains(&phase.as_str()) {
            let why = if reason.is_empty() {
                String::new()
            } else {
                format!(": {reason}")
            };
            notices.push(format!(
                "{} {}: {phase}{why}",
                t.kind.info().kind_name,
                t.key
            ));
            return false;
        }
        true
    });
    m.forms.tracked = tracked;
    if let Some(text) = notices.pop() {
        m.notice = Some((text, m.now));
    }
}

fn ctrl(key: &KeyEvent, ch: char) -> bool {
    key.code == KeyCode::Char(ch) && key.modifiers.contains(KeyModifiers::CONTROL)
}

/// Handles a key while the modal is open.
pub fn on_key(m: &mut Model, key: KeyEvent, cmds: &mut Vec<Cmd>) {
    let Some(modal) = m.forms.modal.as_mut() else {
        return;
    };
    match modal.stage {
        Stage::Menu => menu_key(m, key),
        Stage::Loading | Stage::DryRun => {
            if key.code == KeyCode::Esc {
                m.forms.modal = None;
            }
        }
        Stage::Edit => edit_key(m, key, cmds),
        Stage::Preview => preview_key(m, key, cmds),
        Stage::EditYaml => yaml_key(m, key, cmds),
        Stage::Confirm => confirm_key(m, key, cmds),
        Stage::Submitting => {
            if key.code == KeyCode::Esc {
                modal.attempt += 1;
                modal.stage = Stage::Preview;
                modal.api_error = Some(
                    "submit abandoned: the API may still have accepted it (see the audit log)"
                        .into(),
                );
            }
        }
    }
}

fn menu_key(m: &mut Model, key: KeyEvent) {
    let Some(modal) = m.forms.modal.as_mut() else {
        return;
    };
    let n = OpKind::ALL.len();
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => m.forms.modal = None,
        KeyCode::Down | KeyCode::Char('j') => modal.menu = (modal.menu + 1) % n,
        KeyCode::Up | KeyCode::Char('k') => modal.menu = (modal.menu + n - 1) % n,
        KeyCode::Enter => {
            let command = OpKind::ALL[modal.menu].commands()[0];
            if modal.ctx.is_some() {
                modal.open_form(command);
            } else {
                modal.pending = Some(command.to_string());
                modal.stage = Stage::Loading;
            }
        }
        _ => {}
    }
}

/// Tab on a row of a list field whose name is still being typed (no `=` yet) completes it as a
/// shell does: to the only completion followed by `=`, or to the longest prefix all
/// completions share. Returns false when there is nothing to complete, and Tab then moves on.
fn complete_row(modal: &mut FormModal, field: &str) -> bool {
    let (Some(form), Some(ctx), Some(editor)) = (&modal.form, &modal.ctx, &mut modal.editor) else {
        return false;
    };
    let row = editor.cursor().0;
    let typed = editor.lines().get(row).cloned().unwrap_or_default();
    if typed.contains('=') || typed.trim().is_empty() {
        return false;
    }
    let name = typed.trim();
    let found = form.completions(ctx, field, name);
    let completed = match found.as_slice() {
        [] => return false,
        [only] => format!("{only}="),
        many => crate::app::command::common_prefix(many),
    };
    if completed.len() <= name.len() {
        return false;
    }
    editor.move_cursor(ratatui_textarea::CursorMove::Head);
    editor.delete_line_by_end();
    editor.insert_str(&completed);
    let value = editor.lines().join("\n");
    modal.set_field(field, &value);
    true
}

fn edit_key(m: &mut Model, key: KeyEvent, cmds: &mut Vec<Cmd>) {
    let Some(modal) = m.forms.modal.as_mut() else {
        return;
    };
    let fields = modal.fields();
    let Some(field) = fields.get(modal.focus).cloned() else {
        if key.code == KeyCode::Esc {
            m.forms.modal = None;
        } else if key.code == KeyCode::Enter || ctrl(&key, 's') {
            review(modal, cmds);
        }
        return;
    };
    let multiline = field.kind == FieldKind::Lines;
    if modal.time_focused()
        && let Some(delta) = time_step(&key)
    {
        modal.nudge_time(delta);
        return;
    }
    if modal.time_focused() && key.code == KeyCode::Delete {
        modal.set_field(TIME_FIELD, "");
        modal.load_editor();
        return;
    }
    if key.code == KeyCode::Tab && multiline && complete_row(modal, &field.name) {
        return;
    }
    match key.code {
        KeyCode::Esc => m.forms.modal = None,
        KeyCode::Tab | KeyCode::Down => modal.move_focus(1),
        KeyCode::BackTab | KeyCode::Up if !(multiline && key.code == KeyCode::Up) => {
            modal.move_focus(-1)
        }
        _ if ctrl(&key, 's') => review(modal, cmds),
        KeyCode::Enter if !multiline => review(modal, cmds),
        _ => match field.kind {
            FieldKind::Text | FieldKind::Lines => {
                if let Some(editor) = modal.editor.as_mut()
                    && editor.input(key)
                {
                    let value = editor.lines().join("\n");
                    modal.set_field(&field.name, &value);
                }
            }
            FieldKind::Choice => {
                let n = field.choices.len();
                if n == 0 {
                    return;
                }
                let pos = field
                    .choices
                    .iter()
                    .position(|c| *c == field.value)
                    .unwrap_or(0);
                let next = match key.code {
                    KeyCode::Left | KeyCode::Char('h') => (pos + n - 1) % n,
                    KeyCode::Right | KeyCode::Char('l') | KeyCode::Char(' ') => (pos + 1) % n,
                    _ => return,
                };
                modal.set_field(&field.name, &field.choices[next]);
            }
            FieldKind::MultiChoice => {
                let n = field.choices.len();
                if n == 0 {
                    return;
                }
                match key.code {
                    KeyCode::Left | KeyCode::Char('h') => modal.choice = (modal.choice + n - 1) % n,
                    KeyCode::Right | KeyCode::Char('l') => modal.choice = (modal.choice + 1) % n,
                    KeyCode::Char(' ') => {
                        let pick = &field.choices[modal.choice % n];
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
                        modal.set_field(&field.name, &value);
                    }
                    _ => {}
                }
            }
            FieldKind::Toggle => {
                if matches!(
                    key.code,
                    KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
                ) {
                    let flipped = if field.value == "true" {
                        "false"
                    } else {
                        "true"
                    };
                    modal.set_field(&field.name, flipped);
                }
            }
        },
    }
}

/// The timeline cursor step of a key on the restore time: ←/→ a minute, with Shift an hour,
/// with Alt (or `[`/`]`) a second.
fn time_step(key: &KeyEvent) -> Option<TimeDelta> {
    let sign = match key.code {
        KeyCode::Left | KeyCode::Char('[') => -1,
        KeyCode::Right | KeyCode::Char(']') => 1,
        _ => return None,
    };
    let step = if matches!(key.code, KeyCode::Char(_)) || key.modifiers.contains(KeyModifiers::ALT)
    {
        TimeDelta::seconds(1)
    } else if key.modifiers.contains(KeyModifiers::SHIFT) {
        TimeDelta::hours(1)
    } else {
        TimeDelta::minutes(1)
    };
    Some(step * sign)
}

/// Validates the fields and, when they pass, starts the dry run.
fn review(modal: &mut FormModal, cmds: &mut Vec<Cmd>) {
    let checked = if let Some(w) = &modal.restore {
        let Some((ctx, input)) = w.loaded() else {
            return;
        };
        input.validate(ctx)
    } else {
        let (Some(form), Some(ctx)) = (&modal.form, &modal.ctx) else {
            return;
        };
        form.validate(ctx)
    };
    modal.api_error = None;
    match checked {
        Ok(request) => {
            modal.errors.clear();
            let text = modal.preview_text(&request);
            modal.yaml = TextArea::new(text.lines().map(str::to_string).collect());
            start_dry_run(modal, request, cmds);
        }
        Err(errors) => modal.errors = errors,
    }
}

fn start_dry_run(modal: &mut FormModal, request: Request, cmds: &mut Vec<Cmd>) {
    modal.attempt += 1;
    modal.stage = Stage::DryRun;
    modal.request = Some(request.clone());
    cmds.push(Cmd::Form(FormCmd::DryRun {
        attempt: modal.attempt,
        request: Outgoing(request),
    }));
}

fn preview_key(m: &mut Model, key: KeyEvent, cmds: &mut Vec<Cmd>) {
    let Some(modal) = m.forms.modal.as_mut() else {
        return;
    };
    match key.code {
        KeyCode::Esc => {
            modal.stage = Stage::Edit;
            modal.api_error = None;
        }
        // The restore preview is redacted: editing it would send the redaction.
        KeyCode::Char('e') if modal.restore.is_none() => modal.stage = Stage::EditYaml,
        KeyCode::Char('w') => {
            let name = modal
                .request
                .as_ref()
                .map(|r| r.display_name())
                .unwrap_or_default();
            let file = format!("{}.yaml", name.trim_end_matches('-'));
            cmds.push(Cmd::Form(FormCmd::WriteYaml {
                path: file.into(),
                text: modal.yaml.lines().join("\n") + "\n",
            }));
        }
        KeyCode::Up | KeyCode::Char('k') => modal.yaml.scroll((-1, 0)),
        KeyCode::Down | KeyCode::Char('j') => modal.yaml.scroll((1, 0)),
        KeyCode::Enter | KeyCode::Char('s') => {
            if modal.request.is_none() || !modal.errors.is_empty() {
                return;
            }
            if modal.disruptive() {
                modal.stage = Stage::Confirm;
                modal.confirm.clear();
            } else {
                submit(modal, cmds);
            }
        }
        _ => {}
    }
}

fn yaml_key(m: &mut Model, key: KeyEvent, cmds: &mut Vec<Cmd>) {
    let Some(modal) = m.forms.modal.as_mut() else {
        return;
    };
    if key.code == KeyCode::Esc {
        modal.stage = Stage::Preview;
        let checked = modal
            .request
            .as_ref()
            .map(|r| serde_yaml_ng::to_string(&r.body).unwrap_or_default())
            .unwrap_or_default();
        if modal.yaml.lines().join("\n").trim() != checked.trim() {
            modal.errors = vec![FieldError::new(
                YAML_FIELD,
                "the edited YAML is not checked yet: e to edit, Ctrl-S there to check it",
            )];
        }
        return;
    }
    if !ctrl(&key, 's') {
        if modal.yaml.input(key) {
            // The preview no longer matches what was checked until it is re-validated.
            modal.errors.retain(|e| e.field != YAML_FIELD);
        }
        return;
    }
    let (Some(form), Some(ctx)) = (&modal.form, &modal.ctx) else {
        return;
    };
    let text = modal.yaml.lines().join("\n");
    match validate_edited(form, &text, ctx) {
        Ok((form, request)) => {
            modal.form = Some(form);
            modal.errors.clear();
            start_dry_run(modal, request, cmds);
        }
        Err(errors) => modal.errors = errors,
    }
}

fn confirm_key(m: &mut Model, key: KeyEvent, cmds: &mut Vec<Cmd>) {
    let Some(modal) = m.forms.modal.as_mut() else {
        return;
    };
    match key.code {
        KeyCode::Esc => modal.stage = Stage::Preview,
        KeyCode::Backspace => {
            modal.confirm.pop();
        }
        KeyCode::Enter => {
            if modal.confirmed() {
                submit(modal, cmds);
            } else {
                modal.api_error = Some(format!(
                    "type the cluster name {:?} to confirm",
                    modal.confirm_target()
                ));
            }
        }
        KeyCode::Char(ch) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            modal.confirm.push(ch);
            modal.api_error = None;
        }
        _ => {}
    }
}

fn submit(modal: &mut FormModal, cmds: &mut Vec<Cmd>) {
    let Some(request) = modal.request.clone() else {
        return;
    };
    modal.attempt += 1;
    modal.stage = Stage::Submitting;
    modal.api_error = None;
    cmds.push(Cmd::Form(FormCmd::Submit {
        attempt: modal.attempt,
        request: Outgoing(request),
    }));
}
