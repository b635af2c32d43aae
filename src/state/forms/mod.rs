//! The forms' state: the open menu or form ([`FormModal`]), where it is ([`Stage`], each
//! stage with the data only it has) and the objects submitted from forms that are being
//! followed ([`Tracked`]), and the editing of a form's fields ([`fields`]). No behaviour that
//! needs the rest of the model lives here.

mod fields;
mod yaml;

use ratatui_textarea::TextArea;

use kbdash_core::forms::{
    FieldError, FieldSpec, FormContext, OpForm, Request, RestoreContext, RestoreInput, WalGStep,
};
use kbdash_core::kinds::Kind;
use kbdash_core::redact;
use kbdash_core::rows::ObjKey;

/// The field the timeline cursor keys move.
pub const TIME_FIELD: &str = "time";

/// The forms' part of the model.
#[derive(Debug, Clone, Default)]
pub struct Forms {
    /// The open menu or form.
    pub modal: Option<Box<FormModal>>,
    /// The objects submitted from forms, followed until they end.
    pub tracked: Vec<Tracked>,
    /// Where the wal-g setup stands, on the cluster it was started on.
    pub wal_g: Option<WalGProgress>,
}

/// The wal-g setup's last submitted step and how its object is doing: the next step opens
/// only once it has ended well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalGProgress {
    /// The cluster set up.
    pub cluster: ObjKey,
    /// The step submitted last.
    pub step: WalGStep,
    /// Its object (the Backup or the OpsRequest).
    pub object: ObjKey,
    /// How the object is doing.
    pub state: StepState,
}

/// How a wal-g setup step's object is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepState {
    /// Not ended yet.
    Running,
    /// Ended well: the next step may open.
    Done,
    /// Ended otherwise, as said: the step is to be run again.
    Failed(String),
}

/// An object submitted from a form, followed until it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    /// The object's kind: an OpsRequest, a Backup, or a created, restored or deleted Cluster.
    pub kind: Kind,
    /// The object.
    pub key: ObjKey,
    /// Whether its row appeared and was selected.
    pub selected: bool,
    /// For a restored cluster: the Restore OpsRequest that creates it, when the restore was
    /// sent as one (its end is the operator's verdict on the restore).
    pub(crate) restore_op: Option<ObjKey>,
    /// A cluster whose deletion was submitted: followed until it is gone.
    pub(crate) deleting: bool,
}

/// What the modal builds.
#[derive(Debug, Clone)]
pub(crate) enum Subject {
    /// An operation on the modal's cluster: the cluster's live objects once they have loaded,
    /// and the chosen operation's form (which needs them).
    Op {
        ctx: Option<Box<FormContext>>,
        form: Option<OpForm>,
    },
    /// The restore wizard: a new cluster from a backup.
    Restore(Box<RestoreWizard>),
}

/// The restore wizard: the form modal's case for a new cluster from a backup.
#[derive(Debug, Clone)]
pub(crate) struct RestoreWizard {
    /// The backup restored from.
    pub(crate) backup: ObjKey,
    /// The backup, its namespace's backups and the clusters, and the input over them, once
    /// loaded; kept live by the clock and the watch (`update::forms::restore_live`).
    pub(crate) loaded: Option<(RestoreContext, RestoreInput)>,
    /// The context is being loaded again (a backup it does not know appeared); the input
    /// stays.
    pub(crate) reloading: bool,
}

/// A validated request and the YAML preview of it (edited or not).
#[derive(Debug, Clone)]
pub struct Review {
    /// What will be sent: checked, and accepted by the dry run.
    pub request: Request,
    /// What the preview shows of it (secrets shortened), as edited.
    pub yaml: TextArea<'static>,
    /// How the edited YAML stands against `request`, checked as it is typed.
    pub edit: YamlEdit,
}

/// How the YAML under review stands: as checked and dry-run, or edited since, the edit
/// checked again with every key (its errors are the modal's).
#[derive(Debug, Clone, Default)]
pub enum YamlEdit {
    /// The YAML is the request's preview.
    #[default]
    Unchanged,
    /// Edited, and the edit passes the form's checks: the form it reads as and the request it
    /// makes (its dry run is still to come).
    Valid(Box<(OpForm, Request)>),
    /// Edited, and refused (the modal's errors say why).
    Invalid,
}

impl Review {
    /// A review of `request` showing `text`, not edited.
    pub(crate) fn new(request: Request, text: &str) -> Review {
        Review {
            request,
            yaml: TextArea::new(text.lines().map(str::to_string).collect()),
            edit: YamlEdit::Unchanged,
        }
    }

    /// What the request under review does, in step with the YAML shown: the notes of the
    /// request, of the edit, or none while the edit is refused.
    pub fn notes(&self) -> &[String] {
        match &self.edit {
            YamlEdit::Unchanged => &self.request.notes,
            YamlEdit::Valid(edit) => &edit.1.notes,
            YamlEdit::Invalid => &[],
        }
    }

    /// Whether the preview of `request` shortens secrets: it is not exactly what is sent.
    pub fn hides_secrets(request: &Request) -> bool {
        !redact::secrets(&request.body).is_empty()
    }
}

/// Where the modal is, with what only that stage has.
#[derive(Debug, Clone)]
pub enum Stage {
    /// The operations menu.
    Menu {
        /// Indexes [`kbdash_core::forms::OpKind::ALL`].
        cursor: usize,
    },
    /// Waiting for the live objects the form starts from.
    Loading {
        /// The `:` command (or menu choice) to open once they are in (none for the restore
        /// wizard).
        then: Option<String>,
    },
    /// Editing fields.
    Edit,
    /// Asking whether to throw away the values entered (Esc on a changed form).
    Discard,
    /// The server-side dry run of the review's request is running.
    DryRun(Review),
    /// The YAML of exactly what will be sent.
    Preview(Review),
    /// Editing the YAML as text.
    EditYaml(Review),
    /// Asking whether to replace the file the preview was to be written to.
    Overwrite {
        /// The preview, shown meanwhile.
        review: Review,
        /// The file that exists (absolute).
        path: std::path::PathBuf,
    },
    /// Typing the cluster name to confirm a disruptive op.
    Confirm {
        /// The request to send once confirmed.
        review: Review,
        /// What has been typed so far.
        typed: String,
    },
    /// The request is in flight.
    Submitting(Review),
}

/// A [`Stage`] without its data: what the views and the key contexts go by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageKind {
    /// [`Stage::Menu`].
    Menu,
    /// [`Stage::Loading`].
    Loading,
    /// [`Stage::Edit`].
    Edit,
    /// [`Stage::Discard`].
    Discard,
    /// [`Stage::DryRun`].
    DryRun,
    /// [`Stage::Preview`].
    Preview,
    /// [`Stage::EditYaml`].
    EditYaml,
    /// [`Stage::Overwrite`].
    Overwrite,
    /// [`Stage::Confirm`].
    Confirm,
    /// [`Stage::Submitting`].
    Submitting,
}

impl Stage {
    /// Which stage this is.
    pub fn kind(&self) -> StageKind {
        match self {
            Stage::Menu { .. } => StageKind::Menu,
            Stage::Loading { .. } => StageKind::Loading,
            Stage::Edit => StageKind::Edit,
            Stage::Discard => StageKind::Discard,
            Stage::DryRun(_) => StageKind::DryRun,
            Stage::Preview(_) => StageKind::Preview,
            Stage::EditYaml(_) => StageKind::EditYaml,
            Stage::Overwrite { .. } => StageKind::Overwrite,
            Stage::Confirm { .. } => StageKind::Confirm,
            Stage::Submitting(_) => StageKind::Submitting,
        }
    }

    /// The request under review and its preview, from the dry run on.
    pub fn review(&self) -> Option<&Review> {
        match self {
            Stage::DryRun(r)
            | Stage::Preview(r)
            | Stage::EditYaml(r)
            | Stage::Submitting(r)
            | Stage::Overwrite { review: r, .. }
            | Stage::Confirm { review: r, .. } => Some(r),
            Stage::Menu { .. } | Stage::Loading { .. } | Stage::Edit | Stage::Discard => None,
        }
    }

    /// The review, taken out of the stage (which is left at [`Stage::Edit`]).
    pub(crate) fn take_review(&mut self) -> Option<Review> {
        match std::mem::replace(self, Stage::Edit) {
            Stage::DryRun(r)
            | Stage::Preview(r)
            | Stage::EditYaml(r)
            | Stage::Submitting(r)
            | Stage::Overwrite { review: r, .. }
            | Stage::Confirm { review: r, .. } => Some(r),
            other @ (Stage::Menu { .. } | Stage::Loading { .. } | Stage::Edit | Stage::Discard) => {
                *self = other;
                None
            }
        }
    }
}

/// The open menu or form.
#[derive(Debug, Clone)]
pub struct FormModal {
    /// The cluster operated on (for a restore: the backup's cluster).
    pub cluster: ObjKey,
    /// The cluster is not the one the user last scoped to or opened: every change to it asks
    /// for its typed name.
    pub(crate) unfamiliar: bool,
    /// The object selected when the modal opened (a pod, an OpsRequest), which the form starts
    /// from ([`kbdash_core::forms::OpForm::preselect`]).
    pub(crate) selected: Option<String>,
    /// An operation's form or the restore wizard.
    pub(crate) subject: Subject,
    /// The wal-g setup step this form is, when it was opened as one.
    pub(crate) wal_g: Option<WalGStep>,
    /// Where the modal is.
    pub stage: Stage,
    /// Index of the focused field in `fields()`.
    pub focus: usize,
    /// A value was entered since the form opened: closing it asks first.
    pub(crate) changed: bool,
    /// Cursor in the focused field's choices (multiple choice).
    pub(crate) choice: usize,
    /// The focused text field's editor.
    pub(crate) editor: Option<TextArea<'static>>,
    /// Validation messages, by field (empty field: the whole form;
    /// [`kbdash_core::forms::YAML_FIELD`]: the text).
    pub errors: Vec<FieldError>,
    /// The API's refusal of the dry run or submit, as it said it.
    pub api_error: Option<String>,
    /// Numbers dry runs and submits, so answers to abandoned ones are recognised.
    pub attempt: u64,
}

impl FormModal {
    /// A modal on `cluster` building `subject`, at `stage`.
    pub(crate) fn new(cluster: ObjKey, subject: Subject, stage: Stage) -> FormModal {
        FormModal {
            cluster,
            unfamiliar: false,
            selected: None,
            subject,
            wal_g: None,
            stage,
            focus: 0,
            changed: false,
            choice: 0,
            editor: None,
            errors: Vec::new(),
            api_error: None,
            attempt: 0,
        }
    }

    /// Whether this modal is the restore wizard.
    pub(crate) fn is_restore(&self) -> bool {
        matches!(self.subject, Subject::Restore(_))
    }

    /// The cluster's live objects, once loaded (operations only).
    pub fn op_context(&self) -> Option<&FormContext> {
        match &self.subject {
            Subject::Op { ctx, .. } => ctx.as_deref(),
            Subject::Restore(_) => None,
        }
    }

    /// The open operation's form and the live objects it works on.
    pub(crate) fn op(&self) -> Option<(&OpForm, &FormContext)> {
        match &self.subject {
            Subject::Op {
                ctx: Some(ctx),
                form: Some(form),
            } => Some((form, ctx)),
            _ => None,
        }
    }

    /// The loaded restore wizard's context and input.
    pub fn restore_loaded(&self) -> Option<(&RestoreContext, &RestoreInput)> {
        match &self.subject {
            Subject::Restore(w) => w.loaded.as_ref().map(|(ctx, input)| (ctx, input)),
            Subject::Op { .. } => None,
        }
    }

    /// The form's fields, or none before it is open.
    pub fn fields(&self) -> Vec<FieldSpec> {
        if let Some((ctx, input)) = self.restore_loaded() {
            return input.fields(ctx);
        }
        self.op()
            .map(|(form, ctx)| form.fields(ctx))
            .unwrap_or_default()
    }

    /// The focused field.
    pub(crate) fn focused(&self) -> Option<FieldSpec> {
        self.fields().into_iter().nth(self.focus)
    }

    /// What the typed confirmation must be: the new cluster's name for a restore or a create,
    /// else the cluster operated on.
    pub(crate) fn confirm_target(&self) -> String {
        if let Some((_, input)) = self.restore_loaded() {
            return input.name.clone();
        }
        match self.op() {
            Some((form, ctx)) => form.confirmation_target(ctx),
            None => self.cluster.name.to_string(),
        }
    }

    /// Whether `typed` is the confirmation asked for.
    pub(crate) fn confirmed_by(&self, typed: &str) -> bool {
        match &self.subject {
            Subject::Restore(w) => w
                .loaded
                .as_ref()
                .is_some_and(|(_, input)| input.confirmation_matches(typed)),
            Subject::Op {
                ctx: Some(ctx),
                form: Some(form),
            } => {
                let target = form.confirmation_target(ctx);
                !target.is_empty() && typed.trim() == target
            }
            Subject::Op { .. } => false,
        }
    }

    /// The preview text of a request, secrets shortened ([`redact`]: restore bodies carry
    /// encrypted account strings); the original body is what is sent.
    pub(crate) fn preview_text(&self, request: &Request) -> String {
        serde_yaml_ng::to_string(&redact::redacted(&request.body)).unwrap_or_default()
    }

    /// Whether the preview of the request under review can be edited as YAML: not a
    /// restore's (edits are re-validated as operations), and not one that hides secrets (the
    /// edit would send the shortened text).
    pub(crate) fn yaml_editable(&self) -> bool {
        !self.is_restore()
            && self
                .stage
                .review()
                .is_some_and(|r| !Review::hides_secrets(&r.request))
    }

    /// Whether the focused field is the restore time (the timeline cursor keys apply).
    pub fn time_focused(&self) -> bool {
        self.restore_loaded().is_some() && self.focused().is_some_and(|f| f.name == TIME_FIELD)
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
    pub(crate) fn disruptive(&self) -> bool {
        self.is_restore() || self.op_disruptive() || (self.op().is_some() && self.unfamiliar)
    }

    /// Whether the op itself disrupts the cluster (a restart, a scale-in, a switchover...).
    pub(crate) fn op_disruptive(&self) -> bool {
        self.op().is_some_and(|(form, ctx)| form.disruptive(ctx))
    }
}
