//! Operation forms: the pure part (no terminal I/O) of kbdash's day-2 operation forms.
//!
//! # How a dashboard drives a form
//!
//! 1. Build a [`FormContext`] from live data (cluster, components, pods, ComponentVersion
//!    releases, BackupPolicies, BackupSchedule, the current time), by hand or from the
//!    objects' JSON with [`FormContext::from_objects`].
//! 2. Open a form with [`OpForm::new`] (`OpKind`) or [`OpForm::from_command`] (`"scale-in"`,
//!    `"promote"`, ...). Its fields start from the cluster's current values.
//! 3. Render [`OpForm::fields`]: each [`FieldSpec`] has a `name`, a `label`, a [`FieldKind`]
//!    (text, multi-line text, single choice, multiple choice, toggle), the current input
//!    `value`, a `hint` (the live value beside it, the resulting replica count, ...), the
//!    `choices` of a pick list and whether it is `editable`. A generic widget can render
//!    any form from that list alone.
//! 4. Feed edits back with [`OpForm::set`] (`field name`, new value as a string; toggles
//!    take `"true"`/`"false"`, multiple choices a comma-separated list, multi-line text
//!    newline-separated rows). Some fields fill others (the expose annotation preset fills
//!    the annotations) and some choices show or hide fields (taking instances offline shows
//!    the pod pick list; annotations only for LoadBalancer), so re-read `fields()` after
//!    each `set`. Hidden fields are not sent. For the reconfigure rows,
//!    [`OpForm::completions`] completes parameter names for the cluster's PostgreSQL major,
//!    [`OpForm::parameter_hint`] says what a parameter accepts and [`OpForm::row_checks`]
//!    gives each row its verdict (error, "restart required") to mark lines while typing.
//! 5. Call [`OpForm::validate`]: it checks, in this order, the field rules, the operator's
//!    rules (docs/kubeblocks.md#type-checks, with the operator's wording, including the
//!    allowed cluster phases per op type, [`allowed_cluster_phases`]) and kbdash's own
//!    checks; it stops at the first stage that found errors so the messages stay focused.
//!    Each [`FieldError`] names the field it belongs next to (an empty `field` is about the
//!    whole form, e.g. the cluster phase). On success it returns the [`Request`] to send:
//!    a create (OpsRequest or Backup) or a JSON merge patch (BackupSchedule), plus notes
//!    such as "restart required".
//! 6. The YAML preview of `Request::body` may be edited as text: [`validate_edited`] reads
//!    the edit back into the form, runs the same checks, and refuses edits the form cannot
//!    check (errors about the text itself carry the field [`YAML_FIELD`]).
//! 7. If [`OpForm::disruptive`] is true, ask for the cluster name and check it with
//!    [`confirmation_matches`] before submitting.
//! 8. After submitting, [`Request::audit_record`] is the audit log line (with a one-line
//!    summary of the spec).
//!
//! The OpsRequests are built as kbcli builds them: `generateName: <cluster>-<typelower>-`,
//! labels `app.kubernetes.io/instance` and `app.kubernetes.io/managed-by: kubeblocks`,
//! `spec.clusterName`, `spec.type` and the type's section.

mod backup;
mod cancel;
mod checks;
mod context;
mod create;
mod delete;
mod edited;
#[cfg(any(test, feature = "testing"))]
pub mod examples;
mod expose;
mod from_objects;
mod lifecycle;
mod reconfigure;
mod request;
mod restore;
mod scaling;
mod switchover;
mod termination;
mod upgrade;
mod volume;
mod walg;

use serde_json::Value;

use crate::kinds::Kind;

pub use backup::{BackupInput, BackupScheduleInput};
pub use cancel::{CANCELLABLE_TYPES, CancelInput, why_not_cancellable, why_not_cancellable_now};
pub use context::{
    BackupInfo, BackupMethodInfo, BackupPolicyInfo, BackupScheduleInfo, ClusterBackupInfo,
    ComponentInfo, FormContext, OpsRequestInfo, PodInfo, ScheduleInfo, StorageClassInfo,
    VolumeInfo,
};
pub use create::{CreateInput, PATRONI_SCOPE_LABEL};
pub use delete::{DeleteInput, DeletionOutcome, deletion_outcome};
pub use edited::{YAML_FIELD, validate_edited};
pub use expose::ExposeInput;
pub use from_objects::LiveObjects;
pub use lifecycle::LifecycleInput;
pub use reconfigure::{ReconfigureInput, RowCheck};
pub use restore::{
    BackupState, RESTORE_FROM_BACKUP_ANNOTATION, RestoreContext, RestoreInput, RestoreRequestForm,
};
pub(crate) use restore::{
    CLUSTER_SNAPSHOT_ANNOTATION, CONNECTION_PASSWORD_ANNOTATION, ENCRYPTED_ACCOUNTS_ANNOTATION,
};
pub use scaling::{HorizontalScalingInput, ScaleDirection, VerticalScalingInput};
pub use switchover::SwitchoverInput;
pub use termination::{TERMINATION_POLICIES, TerminationPolicyInput, explain};
pub use upgrade::UpgradeInput;
pub use volume::VolumeExpansionInput;
pub use walg::{WAL_G_ARCHIVE_COMMAND, WalGStep};

/// The operations kbdash builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpKind {
    /// Add replicas, or remove the instances chosen.
    HorizontalScaling,
    /// Change a component's CPU and memory requests and limits.
    VerticalScaling,
    /// Move the primary role to another (or any) ready secondary.
    Switchover,
    /// Change PostgreSQL parameters.
    Reconfiguring,
    /// Grow a component's volumes (volumes only grow).
    VolumeExpansion,
    /// Move a component to another service version of the addon.
    Upgrade,
    /// Add or remove a Service that exposes the cluster.
    Expose,
    /// Restart components' pods (a rolling restart).
    Restart,
    /// Stop components: their pods go, their volumes stay.
    Stop,
    /// Start stopped components.
    Start,
    /// An on-demand `Backup` object (not an OpsRequest).
    Backup,
    /// A merge patch on the cluster's `BackupSchedule` (not an OpsRequest).
    BackupSchedule,
    /// Cancel a running OpsRequest: a merge patch setting its `spec.cancel`.
    Cancel,
    /// Change the cluster's termination policy: a merge patch of the Cluster.
    TerminationPolicy,
    /// Delete the cluster, as its termination policy says (DoNotTerminate is refused).
    Delete,
    /// A new cluster (not an OpsRequest): blank, or a clone of the selected one's spec.
    Create,
}

impl OpKind {
    /// Every op, in menu order.
    pub const ALL: [OpKind; 16] = [
        OpKind::HorizontalScaling,
        OpKind::VerticalScaling,
        OpKind::Switchover,
        OpKind::Reconfiguring,
        OpKind::VolumeExpansion,
        OpKind::Upgrade,
        OpKind::Expose,
        OpKind::Restart,
        OpKind::Stop,
        OpKind::Start,
        OpKind::Backup,
        OpKind::BackupSchedule,
        OpKind::Cancel,
        OpKind::TerminationPolicy,
        OpKind::Delete,
        OpKind::Create,
    ];

    /// The OpsRequest `spec.type` of the request built; `None` for Backup and BackupSchedule,
    /// which are not OpsRequests, and for Cancel, which patches one.
    pub fn ops_type(self) -> Option<&'static str> {
        Some(match self {
            OpKind::HorizontalScaling => "HorizontalScaling",
            OpKind::VerticalScaling => "VerticalScaling",
            OpKind::Switchover => "Switchover",
            OpKind::Reconfiguring => "Reconfiguring",
            OpKind::VolumeExpansion => "VolumeExpansion",
            OpKind::Upgrade => "Upgrade",
            OpKind::Expose => "Expose",
            OpKind::Restart => "Restart",
            OpKind::Stop => "Stop",
            OpKind::Start => "Start",
            OpKind::Backup
            | OpKind::BackupSchedule
            | OpKind::Cancel
            | OpKind::TerminationPolicy
            | OpKind::Delete
            | OpKind::Create => return None,
        })
    }

    /// A title for the form.
    pub fn title(self) -> &'static str {
        match self {
            OpKind::HorizontalScaling => "Horizontal scaling",
            OpKind::VerticalScaling => "Vertical scaling",
            OpKind::Switchover => "Switchover",
            OpKind::Reconfiguring => "Reconfigure",
            OpKind::VolumeExpansion => "Volume expansion",
            OpKind::Upgrade => "Upgrade",
            OpKind::Expose => "Expose",
            OpKind::Restart => "Restart",
            OpKind::Stop => "Stop",
            OpKind::Start => "Start",
            OpKind::Backup => "Backup",
            OpKind::BackupSchedule => "Backup schedule",
            OpKind::Cancel => "Cancel an OpsRequest",
            OpKind::TerminationPolicy => "Termination policy",
            OpKind::Delete => "Delete the cluster",
            OpKind::Create => "New cluster (a clone of this one)",
        }
    }

    /// The `:` commands (kbcli verbs) that open this op's form.
    pub fn commands(self) -> &'static [&'static str] {
        match self {
            OpKind::HorizontalScaling => &["scale-out", "scale-in"],
            OpKind::VerticalScaling => &["vscale"],
            OpKind::Switchover => &["promote", "switchover"],
            OpKind::Reconfiguring => &["configure"],
            OpKind::VolumeExpansion => &["volume-expand"],
            OpKind::Upgrade => &["upgrade"],
            OpKind::Expose => &["expose"],
            OpKind::Restart => &["restart"],
            OpKind::Stop => &["stop"],
            OpKind::Start => &["start"],
            OpKind::Backup => &["backup"],
            OpKind::BackupSchedule => &["backup-schedule"],
            OpKind::Cancel => &["cancel-ops"],
            OpKind::TerminationPolicy => &["termination-policy"],
            OpKind::Delete => &["delete"],
            // The menu opens the first: on a cluster, a clone of it.
            OpKind::Create => &["clone", "create"],
        }
    }
}

/// The Cluster phases in which the operator runs an op of this kind (docs/kubeblocks.md#preconditions);
/// `None` means any phase (VolumeExpansion, Expose, BackupSchedule). For Backup the table's
/// OpsRequest `Backup` row is applied to the on-demand Backup object too.
pub fn allowed_cluster_phases(op: OpKind) -> Option<&'static [&'static str]> {
    const UP: &[&str] = &["Running", "Abnormal", "Failed"];
    const UP_UPDATING: &[&str] = &["Running", "Abnormal", "Failed", "Updating"];
    const START: &[&str] = &[
        "Running", "Abnormal", "Failed", "Updating", "Stopped", "Stopping",
    ];
    const BACKUP: &[&str] = &["Running", "Updating", "Abnormal"];
    match op {
        OpKind::HorizontalScaling
        | OpKind::VerticalScaling
        | OpKind::Restart
        | OpKind::Switchover
        | OpKind::Upgrade => Some(UP),
        OpKind::Reconfiguring | OpKind::Stop => Some(UP_UPDATING),
        OpKind::Start => Some(START),
        OpKind::Backup => Some(BACKUP),
        // A cancel is honoured whatever the cluster's phase (docs/kubeblocks.md#ops-control
        // names no phase for it).
        // The cluster controller deletes a cluster and changes its policy in any phase
        // (docs/kubeblocks.md#deletion); a new cluster has none.
        OpKind::VolumeExpansion
        | OpKind::Expose
        | OpKind::BackupSchedule
        | OpKind::Cancel
        | OpKind::TerminationPolicy
        | OpKind::Delete
        | OpKind::Create => None,
    }
}

/// The typed confirmation of a disruptive op: the cluster name, exactly (like kbcli).
pub fn confirmation_matches(typed: &str, ctx: &FormContext) -> bool {
    !ctx.cluster.is_empty() && typed.trim() == ctx.cluster
}

/// How a field is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of text (one row per line), e.g. `key = value` parameter rows.
    Lines,
    /// One of `choices`.
    Choice,
    /// Any subset of `choices`, comma-separated in `value`.
    MultiChoice,
    /// `"true"` or `"false"`.
    Toggle,
}

/// One field of a form, with everything needed to render it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    /// Stable name used with [`OpForm::set`] and in [`FieldError::field`].
    pub name: String,
    /// Label to show.
    pub label: String,
    /// How the field is edited.
    pub kind: FieldKind,
    /// The current input value.
    pub value: String,
    /// Context shown beside the field: the live value, the resulting replica count...
    pub hint: Option<String>,
    /// Pick-list entries for `Choice` and `MultiChoice` (completions for `Lines` rows are
    /// offered by [`crate::domain::pg_params::completions`]).
    pub choices: Vec<String>,
    /// `false` for values shown but fixed (the switchover's current primary).
    pub editable: bool,
}

impl FieldSpec {
    fn new(name: &str, label: &str, kind: FieldKind, value: impl Into<String>) -> FieldSpec {
        FieldSpec {
            name: name.to_string(),
            label: label.to_string(),
            kind,
            value: value.into(),
            hint: None,
            choices: Vec::new(),
            editable: true,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> FieldSpec {
        self.hint = Some(hint.into());
        self
    }

    fn choices<S: Into<String>>(mut self, choices: impl IntoIterator<Item = S>) -> FieldSpec {
        self.choices = choices.into_iter().map(Into::into).collect();
        self
    }

    fn read_only(mut self) -> FieldSpec {
        self.editable = false;
        self
    }
}

/// A validation message tied to the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// A [`FieldSpec::name`], or empty for the form as a whole (e.g. the cluster phase).
    pub field: String,
    /// What is wrong, in the operator's wording where it has one.
    pub message: String,
}

impl FieldError {
    /// An error on `field` (empty for the whole form).
    pub fn new(field: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// What to do with a built object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestAction {
    /// Create the object (`POST`); OpsRequests carry `metadata.generateName`.
    Create,
    /// JSON merge patch (`PATCH`, `application/merge-patch+json`) on the named object.
    MergePatch {
        /// The patched object's `metadata.name`.
        name: String,
    },
    /// Delete the named object (`DELETE`); the body only names it, for the preview.
    Delete {
        /// The deleted object's `metadata.name`.
        name: String,
    },
}

/// A validated request, ready for dry run, preview and submit.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Kind of the created or patched object.
    pub kind: Kind,
    /// Namespace to send it to.
    pub namespace: String,
    /// Create or merge patch.
    pub action: RequestAction,
    /// The object (or merge patch) exactly as it will be sent.
    pub body: Value,
    /// Things to tell the user before they submit: "restart required", PITR needs...
    pub notes: Vec<String>,
    /// An op to offer once this one is submitted, because it finishes what this one starts:
    /// the Restart that applies a parameter the primary took by a Patroni restart to the
    /// secondaries too.
    pub offer: Option<OpKind>,
}

impl Request {
    /// `metadata.name`, or `metadata.generateName` for OpsRequests not created yet.
    pub fn display_name(&self) -> String {
        let meta = &self.body["metadata"];
        meta["name"]
            .as_str()
            .or_else(|| meta["generateName"].as_str())
            .unwrap_or_default()
            .to_string()
    }

    /// The audit log record of a submitted request (one JSON line in the state dir): time,
    /// kube context, namespace, kind, name (the server's name once created), spec summary
    /// and outcome (e.g. `created`, or the API's error message), secrets shortened
    /// ([`crate::redact`]).
    pub fn audit_record(
        &self,
        at: chrono::DateTime<chrono::Utc>,
        kube_context: &str,
        created_name: Option<&str>,
        outcome: &str,
    ) -> Value {
        serde_json::json!({
            "time": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "context": kube_context,
            "namespace": self.namespace,
            "kind": self.kind.info().kind_name,
            "name": created_name.map_or_else(|| self.display_name(), str::to_string),
            "spec": self.summary(),
            "outcome": crate::redact::scrub(outcome, &crate::redact::secrets(&self.body)),
        })
    }

    /// One line describing what the request does, for notifications and the audit log,
    /// e.g. `Restart pg-cluster: restart=[{"componentName":"postgresql"}]`; secrets shortened.
    pub(crate) fn summary(&self) -> String {
        let body = crate::redact::redacted(&self.body);
        let spec = &body["spec"];
        match (self.kind, &self.action) {
            (Kind::OpsRequest, RequestAction::Create) => {
                let ops_type = spec["type"].as_str().unwrap_or_default();
                let cluster = spec["clusterName"].as_str().unwrap_or_default();
                let sections: Vec<String> = spec
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, _)| !matches!(k.as_str(), "type" | "clusterName"))
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                format!("{ops_type} {cluster}: {}", sections.join(" "))
            }
            (kind, RequestAction::Delete { name }) => format!("delete {kind:?} {name}"),
            _ => format!("{:?} {}: {spec}", self.kind, self.display_name()),
        }
    }
}

/// Why [`OpForm::set`] did nothing: no such field, or a field that is shown but fixed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the form has no editable field {0:?}")]
pub struct UnknownField(pub(crate) String);

/// One form's input, whatever the op.
#[derive(Debug, Clone, PartialEq)]
pub enum OpForm {
    /// [`OpKind::HorizontalScaling`].
    HorizontalScaling(HorizontalScalingInput),
    /// [`OpKind::VerticalScaling`].
    VerticalScaling(VerticalScalingInput),
    /// [`OpKind::Switchover`].
    Switchover(SwitchoverInput),
    /// [`OpKind::Reconfiguring`].
    Reconfiguring(ReconfigureInput),
    /// [`OpKind::VolumeExpansion`].
    VolumeExpansion(VolumeExpansionInput),
    /// [`OpKind::Upgrade`].
    Upgrade(UpgradeInput),
    /// [`OpKind::Expose`].
    Expose(ExposeInput),
    /// Restart, Stop or Start.
    Lifecycle(LifecycleInput),
    /// [`OpKind::Backup`].
    Backup(BackupInput),
    /// [`OpKind::BackupSchedule`].
    BackupSchedule(BackupScheduleInput),
    /// [`OpKind::Cancel`].
    Cancel(CancelInput),
    /// [`OpKind::TerminationPolicy`].
    TerminationPolicy(TerminationPolicyInput),
    /// [`OpKind::Delete`].
    Delete(DeleteInput),
    /// [`OpKind::Create`].
    Create(Box<CreateInput>),
}

macro_rules! each_form {
    ($self:expr, $f:ident => $body:expr) => {
        match $self {
            OpForm::HorizontalScaling($f) => $body,
            OpForm::VerticalScaling($f) => $body,
            OpForm::Switchover($f) => $body,
            OpForm::Reconfiguring($f) => $body,
            OpForm::VolumeExpansion($f) => $body,
            OpForm::Upgrade($f) => $body,
            OpForm::Expose($f) => $body,
            OpForm::Lifecycle($f) => $body,
            OpForm::Backup($f) => $body,
            OpForm::BackupSchedule($f) => $body,
            OpForm::Cancel($f) => $body,
            OpForm::TerminationPolicy($f) => $body,
            OpForm::Delete($f) => $body,
            OpForm::Create($f) => $body,
        }
    };
}

impl OpForm {
    /// A form for `op` with fields filled from the cluster's current values.
    pub fn new(op: OpKind, ctx: &FormContext) -> OpForm {
        match op {
            OpKind::HorizontalScaling => {
                OpForm::HorizontalScaling(HorizontalScalingInput::initial(ctx))
            }
            OpKind::VerticalScaling => OpForm::VerticalScaling(VerticalScalingInput::initial(ctx)),
            OpKind::Switchover => OpForm::Switchover(SwitchoverInput::initial(ctx)),
            OpKind::Reconfiguring => OpForm::Reconfiguring(ReconfigureInput::initial(ctx)),
            OpKind::VolumeExpansion => OpForm::VolumeExpansion(VolumeExpansionInput::initial(ctx)),
            OpKind::Upgrade => OpForm::Upgrade(UpgradeInput::initial(ctx)),
            OpKind::Expose => OpForm::Expose(ExposeInput::initial(ctx)),
            OpKind::Restart | OpKind::Stop | OpKind::Start => {
                OpForm::Lifecycle(LifecycleInput::initial(op, ctx))
            }
            OpKind::Backup => OpForm::Backup(BackupInput::initial(ctx)),
            OpKind::BackupSchedule => OpForm::BackupSchedule(BackupScheduleInput::initial(ctx)),
            OpKind::Cancel => OpForm::Cancel(CancelInput::initial(ctx)),
            OpKind::TerminationPolicy => {
                OpForm::TerminationPolicy(TerminationPolicyInput::initial(ctx))
            }
            // kbcli refuses to delete a DoNotTerminate cluster; the guide's way is to change
            // the policy first, so that is the form a delete opens on one.
            OpKind::Delete if ctx.termination_policy == termination::DO_NOT_TERMINATE => {
                OpForm::TerminationPolicy(TerminationPolicyInput::before_delete())
            }
            OpKind::Delete => OpForm::Delete(DeleteInput),
            OpKind::Create => OpForm::Create(Box::new(CreateInput::clone_of(ctx))),
        }
    }

    /// A form for a `:` command line (`"scale-in"`, `"promote"`, `":vscale"`,
    /// `"cancel-ops NAME"`, a step of the wal-g setup, [`WalGStep::command`]...); `None` for an
    /// unknown command. `scale-in` starts with the
    /// direction set to in; an argument names the object to start from
    /// ([`OpForm::preselect`]).
    pub fn from_command(line: &str, ctx: &FormContext) -> Option<OpForm> {
        let mut words = line.trim().trim_start_matches(':').split_whitespace();
        let command = words.next()?;
        if let Some(step) = WalGStep::from_command(command) {
            return Some(step.form(ctx));
        }
        let op = OpKind::ALL
            .into_iter()
            .find(|op| op.commands().contains(&command))?;
        let mut form = OpForm::new(op, ctx);
        if command == "create" {
            form = OpForm::Create(Box::new(CreateInput::blank(ctx)));
        }
        if let OpForm::HorizontalScaling(input) = &mut form
            && command == "scale-in"
        {
            input.direction = ScaleDirection::In;
        }
        if let Some(name) = words.next() {
            form.preselect(ctx, name);
        }
        Some(form)
    }

    /// Starts the form from the object the user had selected: a pod is picked among the
    /// instances a scale-in removes, and a ready secondary becomes the switchover candidate;
    /// an OpsRequest is the one to cancel. Names the form cannot use change nothing.
    pub fn preselect(&mut self, ctx: &FormContext, name: &str) {
        match self {
            OpForm::HorizontalScaling(f) => f.preselect(ctx, name),
            OpForm::Switchover(f) => f.preselect(ctx, name),
            OpForm::Cancel(f) => f.preselect(ctx, name),
            OpForm::VerticalScaling(_)
            | OpForm::Reconfiguring(_)
            | OpForm::VolumeExpansion(_)
            | OpForm::Upgrade(_)
            | OpForm::Expose(_)
            | OpForm::Lifecycle(_)
            | OpForm::Backup(_)
            | OpForm::BackupSchedule(_)
            | OpForm::TerminationPolicy(_)
            | OpForm::Delete(_)
            | OpForm::Create(_) => {}
        }
    }

    /// The op this form builds.
    pub fn op(&self) -> OpKind {
        match self {
            OpForm::HorizontalScaling(_) => OpKind::HorizontalScaling,
            OpForm::VerticalScaling(_) => OpKind::VerticalScaling,
            OpForm::Switchover(_) => OpKind::Switchover,
            OpForm::Reconfiguring(_) => OpKind::Reconfiguring,
            OpForm::VolumeExpansion(_) => OpKind::VolumeExpansion,
            OpForm::Upgrade(_) => OpKind::Upgrade,
            OpForm::Expose(_) => OpKind::Expose,
            OpForm::Lifecycle(input) => input.op,
            OpForm::Backup(_) => OpKind::Backup,
            OpForm::BackupSchedule(_) => OpKind::BackupSchedule,
            OpForm::Cancel(_) => OpKind::Cancel,
            // A delete refused by DoNotTerminate opened this form: it is still the delete.
            OpForm::TerminationPolicy(f) if f.then_delete => OpKind::Delete,
            OpForm::TerminationPolicy(_) => OpKind::TerminationPolicy,
            OpForm::Delete(_) => OpKind::Delete,
            OpForm::Create(_) => OpKind::Create,
        }
    }

    /// The fields to render, with current values, hints and choices.
    pub fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        each_form!(self, f => f.fields(ctx))
    }

    /// Sets one field from its string form.
    pub fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        each_form!(self, f => f.set(field, value))
    }

    /// Validates the input against the context and builds the request.
    pub fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        each_form!(self, f => f.validate(ctx))
    }

    /// Completions for the text being typed in a field: parameter names of the cluster's
    /// PostgreSQL major for the reconfigure `parameters` rows (pass the current row's text
    /// before `=`); empty for other fields.
    pub fn completions(&self, ctx: &FormContext, field: &str, prefix: &str) -> Vec<String> {
        match self {
            OpForm::Reconfiguring(f) if field == "parameters" => f.completions(ctx, prefix),
            _ => Vec::new(),
        }
    }

    /// What a reconfigure parameter accepts and when it applies, e.g.
    /// `integer between 64 and 2147483647 kB; dynamic`, to show beside its row.
    pub fn parameter_hint(&self, ctx: &FormContext, name: &str) -> Option<String> {
        match self {
            OpForm::Reconfiguring(f) => f.parameter_hint(ctx, name),
            _ => None,
        }
    }

    /// Per-row verdicts of the reconfigure `parameters` text (syntax, then the parameter
    /// rules of the cluster's PostgreSQL major), in line order; empty for other forms and
    /// while the major is unknown.
    pub fn row_checks(&self, ctx: &FormContext) -> Vec<RowCheck> {
        match self {
            OpForm::Reconfiguring(f) => f.row_checks(ctx),
            _ => Vec::new(),
        }
    }

    /// What the typed confirmation must be: the new cluster's name for a create, else the
    /// cluster operated on.
    pub fn confirmation_target(&self, ctx: &FormContext) -> String {
        match self {
            OpForm::Create(f) => f.name().to_string(),
            _ => ctx.cluster.clone(),
        }
    }

    /// The op needs the cluster name typed to confirm: scale-in, stop, restart,
    /// switchover, cancelling an OpsRequest, a reconfigure with a parameter whose change
    /// restarts PostgreSQL, and an upgrade of a component with a single replica (it is down
    /// while its pod restarts).
    pub fn disruptive(&self, ctx: &FormContext) -> bool {
        match self {
            OpForm::HorizontalScaling(f) => f.direction != ScaleDirection::Out,
            OpForm::Switchover(_) | OpForm::Cancel(_) => true,
            OpForm::Reconfiguring(f) => f.restart_required(ctx),
            OpForm::Lifecycle(f) => matches!(f.op, OpKind::Restart | OpKind::Stop),
            OpForm::Upgrade(f) => f.single_replica(ctx),
            OpForm::TerminationPolicy(f) => f.disruptive(ctx),
            OpForm::Delete(_) | OpForm::Create(_) => true,
            OpForm::VerticalScaling(_)
            | OpForm::VolumeExpansion(_)
            | OpForm::Expose(_)
            | OpForm::Backup(_)
            | OpForm::BackupSchedule(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever is typed into whatever field, validation answers without panicking and
        /// a built request is an object.
        #[test]
        fn any_input_validates_without_panic(
            op in prop::sample::select(OpKind::ALL.to_vec()),
            edits in prop::collection::vec((0usize..12, "\\PC{0,24}"), 0..6),
            phase in prop::sample::select(vec!["Running", "Stopped", "", "Updating", "Abnormal"]),
        ) {
            let mut ctx = examples::fixture_context();
            ctx.phase = phase.to_string();
            let mut form = OpForm::new(op, &ctx);
            for (i, value) in edits {
                let fields: Vec<FieldSpec> =
                    form.fields(&ctx).into_iter().filter(|f| f.editable).collect();
                if let Some(f) = fields.get(i % fields.len().max(1)) {
                    prop_assert!(form.set(&f.name, &value).is_ok());
                }
            }
            let _ = form.fields(&ctx);
            let _ = form.disruptive(&ctx);
            if let Ok(r) = form.validate(&ctx) {
                prop_assert!(r.body.is_object());
            }
        }
    }

    #[test]
    fn request_names_and_summaries() {
        let ctx = examples::fixture_context();
        let restart = OpForm::new(OpKind::Restart, &ctx).validate(&ctx).unwrap();
        assert_eq!(restart.display_name(), "pg-cluster-restart-");
        assert_eq!(
            restart.summary(),
            r#"Restart pg-cluster: restart=[{"componentName":"postgresql"}]"#
        );
        assert_eq!(
            restart.audit_record(
                ctx.now,
                "kind-demo",
                Some("pg-cluster-restart-x1y2z"),
                "created"
            ),
            serde_json::json!({
                "time": "2025-06-04T12:00:00Z",
                "context": "kind-demo",
                "namespace": "demo",
                "kind": "OpsRequest",
                "name": "pg-cluster-restart-x1y2z",
                "spec": r#"Restart pg-cluster: restart=[{"componentName":"postgresql"}]"#,
                "outcome": "created",
            })
        );
        let backup = OpForm::new(OpKind::Backup, &ctx).validate(&ctx).unwrap();
        assert_eq!(
            backup.display_name(),
            "backup-demo-pg-cluster-20250604120000"
        );
        assert!(
            backup
                .summary()
                .starts_with("Backup backup-demo-pg-cluster-20250604120000: {")
        );
        let delete = OpForm::new(OpKind::Delete, &ctx).validate(&ctx).unwrap();
        assert_eq!(delete.summary(), "delete Cluster pg-cluster");
    }

    #[test]
    fn completions_and_parameter_hints_follow_the_major() {
        let ctx = examples::fixture_context();
        let form = OpForm::new(OpKind::Reconfiguring, &ctx);
        assert_eq!(
            form.completions(&ctx, "parameters", "max_conn"),
            ["max_connections"]
        );
        assert!(form.completions(&ctx, "component", "max").is_empty());
        assert_eq!(
            form.parameter_hint(&ctx, "work_mem").as_deref(),
            Some("integer between 64 and 2147483647 kB; dynamic: applied by reload")
        );
        assert_eq!(
            form.parameter_hint(&ctx, "shared_buffers").as_deref(),
            Some("integer between 16 and 1073741823 8kB; static: restart required")
        );
        assert!(form.parameter_hint(&ctx, "nope").is_none());
    }
}
