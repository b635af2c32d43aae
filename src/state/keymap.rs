//! The key bindings: one table, the main screen's and the operations menu's and forms' keys,
//! that `update` dispatches on, the help screen lists and a form's footer takes its hints from.
//! Keys that no binding of the current contexts takes are input (typed into a field's editor,
//! the YAML editor or the confirmation), never bindings.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::state::forms::{FormModal, Stage};
use crate::state::model::{Overlay, Pane};
use kbdash_core::forms::FieldKind;

mod bindings;

pub use bindings::BINDINGS;

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave kbdash.
    Quit,
    /// The next pane in tab order.
    NextPane,
    /// The previous pane in tab order.
    PrevPane,
    /// A pane by its number.
    GoPane(Pane),
    /// One row down (in an overlay: one line).
    Down,
    /// One row up (in an overlay: one line).
    Up,
    /// The first row.
    Top,
    /// The last row.
    Bottom,
    /// One page down.
    PageDown,
    /// One page up.
    PageUp,
    /// Scope the other panes to the selected cluster.
    Scope,
    /// Close the overlay, clear the filter, or unscope.
    Back,
    /// Open the detail of the selected object.
    Detail,
    /// Switch the detail between its key facts and the object's live YAML.
    ToggleYaml,
    /// Edit the focused pane's filter.
    Filter,
    /// Open the `:` command line.
    CommandLine,
    /// Show or hide the help.
    Help,
    /// Sort by the next sortable column.
    SortNext,
    /// Sort by the previous sortable column.
    SortPrev,
    /// Reverse the sort.
    SortReverse,
    /// Open the operations menu of the selected (or scoped) cluster.
    OpsMenu,
    /// Sort by the column with this title (again: reverse), like k9s' Shift-letter keys.
    SortBy(&'static str),
    /// Show or hide the triage view.
    Triage,
    /// Hide the selected triage problem until it changes; in the acknowledged list, show it
    /// again.
    Acknowledge,
    /// Switch the triage view between the problems and the acknowledged ones.
    ListAcknowledged,
    /// Open the restore wizard from the selected backup.
    Restore,
    /// Open the Cancel form on the selected OpsRequest.
    CancelOps,
    /// Open the form of a new cluster (`:create`).
    CreateCluster,
    /// Open the delete dialog of the selected cluster (`:delete`).
    DeleteCluster,
    /// Open a shell in the selected pod's container (`kubectl exec`).
    Shell,
    /// Copy the selected object's name (`namespace/name`) to the clipboard (OSC 52).
    Copy,
    /// Search the detail's YAML (in its facts: say that `y` shows the YAML).
    Search,
    /// The next match of the YAML search.
    SearchNext,
    /// The previous match of the YAML search.
    SearchPrev,
    /// Switch to the context under the context list's cursor (as `:ctx NAME`).
    SwitchContext,
    /// Open the log of the selected pod, of a cluster's primary pod, or of a backup's pod.
    Logs,
    /// A key of the log view.
    Log(LogAction),
    /// Open the form of the operation that usually fixes the triage problem shown.
    Remedy,
    /// Open the selected (or shown) cluster's incident timeline.
    Incidents,
    /// In the incident timeline: show or hide the entries of the kind with this number.
    IncidentKind(u8),
    /// In the incident timeline: the last hour, or everything kept.
    IncidentWindow,
    /// A key another tool binds that does nothing here: say what does instead.
    Hint(Hint),
    /// A key of the operations menu or a form (bound in the form contexts only).
    Form(FormAction),
}

/// A key a k9s or kbcli user tries where kbdash does not do that: what the status line says
/// instead of nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// `s` away from a pod.
    Shell,
    /// `e` away from a form's preview.
    Edit,
    /// Ctrl-D (k9s' delete).
    Delete,
    /// `/` where there is nothing to filter or search.
    Search,
}

impl Hint {
    /// What the status line says; read-only mode offers no shell, edit or delete at all.
    pub(crate) fn text(self, readonly: bool) -> &'static str {
        match (self, readonly) {
            (Hint::Shell, false) => {
                "s opens a shell on a pod: in the Pods pane (2) or a pod's detail; :connect runs \
                 psql"
            }
            (Hint::Shell, true) => "read-only mode: no shell (kubectl exec is a write)",
            (Hint::Edit, false) => "e edits in a form's preview; o opens operations",
            (Hint::Edit, true) => "read-only mode: nothing is edited",
            (Hint::Delete, false) => {
                "delete: Ctrl-D or D on the Clusters pane (1) deletes the selected cluster as its \
                 termination policy says (:delete); x cancels a running OpsRequest"
            }
            (Hint::Delete, true) => "read-only mode: nothing is deleted",
            (Hint::Search, _) => {
                "/ filters a table pane, and searches a detail's YAML (y shows it)"
            }
        }
    }
}

/// What a key does in the log view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogAction {
    /// The pod's next container.
    NextContainer,
    /// The pod's previous container.
    PrevContainer,
    /// The cluster's next pod (a log opened on a cluster).
    NextPod,
    /// The cluster's previous pod.
    PrevPod,
    /// Switch between the container's current and previous (terminated) run.
    Previous,
    /// Follow the end of the log, or stop where it is.
    Follow,
    /// Show or hide each line's time.
    Timestamps,
    /// Wrap long lines, or cut them.
    Wrap,
    /// Start with more lines from the end.
    MoreTail,
    /// Start with fewer lines from the end.
    LessTail,
    /// Search the log.
    Search,
    /// The next (newer) match.
    SearchNext,
    /// The previous (older) match.
    SearchPrev,
    /// Write the lines kept to a file.
    Write,
}

/// What a key does in the operations menu or a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormAction {
    /// Close the menu or the form (cancelling a load or a dry run).
    Close,
    /// The menu's cursor up.
    MenuUp,
    /// The menu's cursor down.
    MenuDown,
    /// Open the form of the operation under the menu's cursor.
    OpenOp,
    /// Focus the next field.
    NextField,
    /// Focus the previous field.
    PrevField,
    /// Complete the parameter name being typed in a list field, else go to the next field.
    Complete,
    /// The previous choice: the value of a choice field, the cursor of a multiple-choice one.
    PrevChoice,
    /// The next choice (see [`FormAction::PrevChoice`]).
    NextChoice,
    /// Pick or drop the choice under a multiple-choice field's cursor.
    Pick,
    /// Switch a toggle field.
    Flip,
    /// Move the restore time by this many seconds, within the recoverable window.
    NudgeTime(i64),
    /// Empty the restore time, to type another.
    ClearTime,
    /// Check the fields and start the server-side dry run.
    Review,
    /// Submit the previewed request, through the typed confirmation when it asks for one.
    Submit,
    /// Edit the previewed YAML as text.
    EditYaml,
    /// Write the previewed YAML to a file.
    WriteYaml,
    /// Replace the file the preview was to be written to.
    Overwrite,
    /// Scroll the preview up.
    ScrollUp,
    /// Scroll the preview down.
    ScrollDown,
    /// Check the edited YAML and start its dry run.
    CheckYaml,
    /// Submit once the typed confirmation matches.
    Confirm,
    /// Back one stage (preview to fields, YAML editor or confirmation to preview, the
    /// question whether to discard to the fields).
    Back,
    /// Close the form, asking first when values were entered.
    Leave,
    /// Stop waiting for a submit (the API may still carry it out).
    Abandon,
}

impl Action {
    /// Whether the action changes anything in the cluster (read-only mode refuses it).
    pub fn mutates(self) -> bool {
        match self {
            Action::Quit
            | Action::NextPane
            | Action::PrevPane
            | Action::GoPane(_)
            | Action::Down
            | Action::Up
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp
            | Action::Scope
            | Action::Back
            | Action::Detail
            | Action::ToggleYaml
            | Action::Filter
            | Action::CommandLine
            | Action::Help
            | Action::SortNext
            | Action::SortPrev
            | Action::SortReverse
            | Action::SortBy(_)
            | Action::Triage
            | Action::Acknowledge
            | Action::ListAcknowledged
            | Action::Copy
            | Action::Search
            | Action::SearchNext
            | Action::SearchPrev
            | Action::SwitchContext
            | Action::Logs
            | Action::Log(_)
            | Action::Incidents
            | Action::IncidentKind(_)
            | Action::IncidentWindow
            | Action::Hint(_) => false,
            // The restore wizard exists to create a cluster; a shell can change anything in
            // the container, and `kubectl exec` is a write as the API server sees it.
            Action::OpsMenu
            | Action::Restore
            | Action::CancelOps
            | Action::CreateCluster
            | Action::DeleteCluster
            | Action::Shell
            | Action::Remedy => true,
            Action::Form(form) => form.mutates(),
        }
    }
}

impl FormAction {
    /// Whether the action sends a write (a dry run is one too: the read-only gate refuses it).
    fn mutates(self) -> bool {
        match self {
            FormAction::Close
            | FormAction::MenuUp
            | FormAction::MenuDown
            | FormAction::OpenOp
            | FormAction::NextField
            | FormAction::PrevField
            | FormAction::Complete
            | FormAction::PrevChoice
            | FormAction::NextChoice
            | FormAction::Pick
            | FormAction::Flip
            | FormAction::NudgeTime(_)
            | FormAction::ClearTime
            | FormAction::EditYaml
            | FormAction::WriteYaml
            | FormAction::Overwrite
            | FormAction::ScrollUp
            | FormAction::ScrollDown
            | FormAction::Back
            | FormAction::Leave
            | FormAction::Abandon => false,
            FormAction::Review
            | FormAction::CheckYaml
            | FormAction::Submit
            | FormAction::Confirm => true,
        }
    }
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// Everywhere (unless a line editor is open).
    Global,
    /// The table panes.
    Table,
    /// The Clusters pane only (checked before `Table`).
    Clusters,
    /// The OpsRequests pane only (checked before `Table`).
    Ops,
    /// The Backups pane only (checked before `Table`).
    Backups,
    /// The Pods pane only (checked before `Table`).
    Pods,
    /// The detail view.
    Detail,
    /// The triage view.
    Triage,
    /// The list of the kubeconfig's contexts (`:ctx` without a name).
    Contexts,
    /// The log view.
    Logs,
    /// A cluster's incident timeline.
    Incidents,
    /// The operations menu.
    Menu,
    /// A form loading its live objects or dry-running.
    FormWaiting,
    /// A form's fields, whatever field is focused.
    Fields,
    /// A focused field other than a multi-line one (checked before `Fields`).
    SingleLine,
    /// A focused choice field.
    Choice,
    /// A focused multiple-choice field.
    MultiChoice,
    /// A focused toggle field.
    Toggle,
    /// A focused multi-line field, whose editor takes Enter and ↑.
    MultiLine,
    /// The restore wizard's time field.
    RestoreTime,
    /// The preview of a request.
    Preview,
    /// The preview of an operation's request (checked before `Preview`).
    OpPreview,
    /// The preview of a restore (checked before `Preview`).
    RestorePreview,
    /// The preview's YAML being edited.
    YamlEditor,
    /// Asking whether to replace the file a preview was to be written to.
    Overwrite,
    /// Asking whether to discard the values entered.
    Discard,
    /// The typed confirmation.
    Confirm,
    /// A submit in flight.
    Submitting,
}

impl Context {
    /// Every context, in help order.
    pub(crate) const ALL: [Context; 28] = [
        Context::Global,
        Context::Table,
        Context::Clusters,
        Context::Ops,
        Context::Backups,
        Context::Pods,
        Context::Detail,
        Context::Triage,
        Context::Contexts,
        Context::Logs,
        Context::Incidents,
        Context::Menu,
        Context::FormWaiting,
        Context::Fields,
        Context::SingleLine,
        Context::Choice,
        Context::MultiChoice,
        Context::Toggle,
        Context::MultiLine,
        Context::RestoreTime,
        Context::Preview,
        Context::OpPreview,
        Context::RestorePreview,
        Context::YamlEditor,
        Context::Overwrite,
        Context::Discard,
        Context::Confirm,
        Context::Submitting,
    ];

    /// Heading in the help screen.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Table => "Tables",
            Context::Clusters => "Clusters pane",
            Context::Ops => "OpsRequests pane",
            Context::Backups => "Backups pane",
            Context::Pods => "Pods pane",
            Context::Detail => "Detail view",
            Context::Triage => "Triage view",
            Context::Contexts => "Context list (:ctx)",
            Context::Logs => "Log view",
            Context::Incidents => "Incident timeline (t)",
            Context::Menu => "Operations menu",
            Context::FormWaiting => "Form: loading or dry run",
            Context::Fields => "Form: fields",
            Context::SingleLine => "Form: any field but a multi-line one",
            Context::Choice => "Form: choice field",
            Context::MultiChoice => "Form: multiple-choice field",
            Context::Toggle => "Form: on/off field",
            Context::MultiLine => "Form: multi-line field",
            Context::RestoreTime => "Restore wizard: time field",
            Context::Preview => "Form: preview",
            Context::OpPreview => "Form: preview of an operation",
            Context::RestorePreview => "Form: preview of a restore",
            Context::YamlEditor => "Form: YAML editor",
            Context::Overwrite => "Form: the file to write exists",
            Context::Discard => "Form: discard the values entered?",
            Context::Confirm => "Form: typed confirmation",
            Context::Submitting => "Form: submitting",
        }
    }

    /// Whether this is a context of the operations menu or a form.
    pub(crate) fn is_form(self) -> bool {
        match self {
            Context::Global
            | Context::Table
            | Context::Clusters
            | Context::Ops
            | Context::Backups
            | Context::Pods
            | Context::Detail
            | Context::Triage
            | Context::Contexts
            | Context::Logs => false,
            Context::Incidents => false,
            Context::Menu
            | Context::FormWaiting
            | Context::Fields
            | Context::SingleLine
            | Context::Choice
            | Context::MultiChoice
            | Context::Toggle
            | Context::MultiLine
            | Context::RestoreTime
            | Context::Preview
            | Context::OpPreview
            | Context::RestorePreview
            | Context::YamlEditor
            | Context::Overwrite
            | Context::Discard
            | Context::Confirm
            | Context::Submitting => true,
        }
    }
}

/// One key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    /// The key.
    pub code: KeyCode,
    /// The modifiers held with it.
    pub mods: KeyModifiers,
}

impl KeySpec {
    /// Whether a key event is this key. Shift is ignored on characters, since the character
    /// already carries it.
    pub(crate) fn matches(&self, ev: &KeyEvent) -> bool {
        let mods = match ev.code {
            KeyCode::Char(_) | KeyCode::BackTab => ev.modifiers - KeyModifiers::SHIFT,
            _ => ev.modifiers,
        };
        self.code == ev.code && self.mods == mods
    }

    /// How the help screen writes the key.
    pub(crate) fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(ch) => ch.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{}", base.to_uppercase())
        } else if self.mods.contains(KeyModifiers::ALT) {
            format!("Alt-{base}")
        } else if self.mods.contains(KeyModifiers::SHIFT) {
            format!("Shift-{base}")
        } else {
            base
        }
    }
}

/// A key binding.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// The keys bound, any of them.
    pub keys: &'static [KeySpec],
    /// What they do.
    pub action: Action,
    pub(crate) context: Context,
    pub(crate) help: &'static str,
    /// How a form's footer shows the binding (its keys as the footer writes them and what they
    /// do), if it does.
    pub(crate) hint: Option<&'static str>,
    /// A shorter hint, for a footer that is long already (see [`Wording::Brief`]).
    pub(crate) brief: Option<&'static str>,
}

impl Binding {
    /// The binding's footer hint in `wording`, if it has one.
    pub(crate) fn hint_in(&self, wording: Wording) -> Option<&'static str> {
        match wording {
            Wording::Full => self.hint,
            Wording::Brief => self.brief.or(self.hint),
        }
    }

    const fn hint(self, hint: &'static str) -> Binding {
        Binding {
            hint: Some(hint),
            ..self
        }
    }

    const fn brief(self, brief: &'static str) -> Binding {
        Binding {
            brief: Some(brief),
            ..self
        }
    }
}

/// How a footer words its hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wording {
    Full,
    /// The brief hint where a binding has one, else the full one.
    Brief,
}

/// The bindings in effect: mutating ones are left out in read-only mode, and so are the forms'
/// (read-only mode opens none).
pub fn active(readonly: bool) -> impl Iterator<Item = &'static Binding> {
    BINDINGS
        .iter()
        .filter(move |b| !(readonly && (b.context.is_form() || b.action.mutates())))
}

/// The contexts whose bindings apply to the open menu or form `modal`, the first that binds a
/// key winning.
pub(crate) fn form_contexts(modal: &FormModal) -> &'static [Context] {
    match &modal.stage {
        Stage::Menu { .. } => &[Context::Menu],
        Stage::Loading { .. } | Stage::DryRun(_) => &[Context::FormWaiting],
        Stage::Edit if modal.time_focused() => {
            &[Context::RestoreTime, Context::SingleLine, Context::Fields]
        }
        Stage::Edit => match modal.focused().map(|f| f.kind) {
            Some(FieldKind::Choice) => &[Context::Choice, Context::SingleLine, Context::Fields],
            Some(FieldKind::MultiChoice) => {
                &[Context::MultiChoice, Context::SingleLine, Context::Fields]
            }
            Some(FieldKind::Toggle) => &[Context::Toggle, Context::SingleLine, Context::Fields],
            Some(FieldKind::Lines) => &[Context::MultiLine, Context::Fields],
            Some(FieldKind::Text) | None => &[Context::SingleLine, Context::Fields],
        },
        Stage::Preview(_) if modal.is_restore() => &[Context::RestorePreview, Context::Preview],
        Stage::Preview(_) => &[Context::OpPreview, Context::Preview],
        Stage::EditYaml(_) => &[Context::YamlEditor],
        Stage::Overwrite { .. } => &[Context::Overwrite],
        Stage::Discard => &[Context::Discard],
        Stage::Confirm { .. } => &[Context::Confirm],
        Stage::Submitting(_) => &[Context::Submitting],
    }
}

/// The contexts whose bindings apply with no menu or form open, the first that binds a key
/// winning.
pub(crate) fn screen_contexts(overlay: &Overlay, focus: Pane) -> &'static [Context] {
    match (overlay, focus) {
        (Overlay::Detail(_), _) => &[Context::Detail, Context::Global],
        (Overlay::Help { .. }, _) => &[Context::Global],
        (Overlay::Triage { .. }, _) => &[Context::Triage, Context::Global],
        (Overlay::Contexts { .. }, _) => &[Context::Contexts, Context::Global],
        (Overlay::Logs, _) => &[Context::Logs, Context::Global],
        (Overlay::Incidents(_), _) => &[Context::Incidents, Context::Global],
        (Overlay::None, Pane::Clusters) => &[Context::Clusters, Context::Table, Context::Global],
        (Overlay::None, Pane::Ops) => &[Context::Ops, Context::Table, Context::Global],
        (Overlay::None, Pane::Backups) => &[Context::Backups, Context::Table, Context::Global],
        (Overlay::None, Pane::Pods) => &[Context::Pods, Context::Table, Context::Global],
    }
}

/// The footer hints of the bindings of `contexts` in `wording`, in table order.
pub(crate) fn hints(
    contexts: &[Context],
    wording: Wording,
) -> impl Iterator<Item = (&'static Binding, &'static str)> {
    BINDINGS.iter().filter_map(move |b| {
        contexts
            .contains(&b.context)
            .then(|| b.hint_in(wording))
            .flatten()
            .map(|hint| (b, hint))
    })
}

/// The action bound to `key` in the first of `contexts` that binds it.
pub(crate) fn lookup(contexts: &[Context], key: &KeyEvent) -> Option<Action> {
    contexts.iter().find_map(|ctx| {
        BINDINGS
            .iter()
            .filter(|bd| bd.context == *ctx)
            .find(|bd| bd.keys.iter().any(|ks| ks.matches(key)))
            .map(|bd| bd.action)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_context_wins_over_table() {
        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(
            lookup(&[Context::Clusters, Context::Table], &enter),
            Some(Action::Scope)
        );
        assert_eq!(lookup(&[Context::Table], &enter), Some(Action::Detail));
        let big_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(lookup(&[Context::Global], &big_g), Some(Action::Bottom));
    }

    #[test]
    fn form_contexts_bind_form_actions_and_only_they_do() {
        for b in BINDINGS {
            assert_eq!(
                b.context.is_form(),
                matches!(b.action, Action::Form(_)),
                "{b:?}"
            );
            assert!(Context::ALL.contains(&b.context), "help lists {b:?}");
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for ctx in Context::ALL {
            let keys: Vec<&KeySpec> = BINDINGS
                .iter()
                .filter(|b| b.context == ctx)
                .flat_map(|b| b.keys)
                .collect();
            for (i, key) in keys.iter().enumerate() {
                assert!(!keys[..i].contains(key), "{ctx:?} binds {key:?} twice");
            }
        }
    }

    #[test]
    fn read_only_offers_no_form_key() {
        assert!(active(true).all(|b| !b.context.is_form()));
        assert!(active(false).any(|b| b.context.is_form()));
    }

    #[test]
    fn a_field_kind_takes_its_keys_before_the_fields() {
        let space = KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE);
        let up = KeyEvent::new(KeyCode::Up, KeyModifiers::NONE);
        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        let form = |a| Some(Action::Form(a));
        let choice = [Context::Choice, Context::SingleLine, Context::Fields];
        assert_eq!(lookup(&choice, &space), form(FormAction::NextChoice));
        assert_eq!(lookup(&choice, &up), form(FormAction::PrevField));
        // A multi-line field's editor gets Enter and ↑: no binding takes them.
        let lines = [Context::MultiLine, Context::Fields];
        assert_eq!(lookup(&lines, &enter), None);
        assert_eq!(lookup(&lines, &up), None);
        assert_eq!(lookup(&lines, &space), None);
        let shift_left = KeyEvent::new(KeyCode::Left, KeyModifiers::SHIFT);
        assert_eq!(
            lookup(&[Context::RestoreTime], &shift_left),
            form(FormAction::NudgeTime(-3600))
        );
    }

    #[test]
    fn brief_hints_fall_back_to_the_full_ones() {
        let words = |wording| {
            hints(&[Context::RestoreTime, Context::Fields], wording)
                .map(|(_, h)| h)
                .collect::<Vec<_>>()
        };
        assert!(words(Wording::Full).contains(&"Tab/↓ ↑ field"));
        let brief = words(Wording::Brief);
        assert!(brief.contains(&"Tab field"), "{brief:?}");
        assert!(brief.contains(&"Shift ±1h"), "{brief:?}");
        assert!(brief.contains(&"Esc close"), "{brief:?}");
    }
}
