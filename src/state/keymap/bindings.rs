//! The binding table itself.

use crossterm::event::{KeyCode, KeyModifiers};

use crate::state::keymap::{Action, Binding, Context, FormAction, Hint, KeySpec, LogAction};
use crate::state::model::Pane;

const fn k(code: KeyCode) -> KeySpec {
    KeySpec {
        code,
        mods: KeyModifiers::NONE,
    }
}

const fn c(ch: char) -> KeySpec {
    k(KeyCode::Char(ch))
}

const fn ctrl(ch: char) -> KeySpec {
    KeySpec {
        code: KeyCode::Char(ch),
        mods: KeyModifiers::CONTROL,
    }
}

const fn shift(code: KeyCode) -> KeySpec {
    KeySpec {
        code,
        mods: KeyModifiers::SHIFT,
    }
}

const fn alt(code: KeyCode) -> KeySpec {
    KeySpec {
        code,
        mods: KeyModifiers::ALT,
    }
}

const fn b(
    keys: &'static [KeySpec],
    action: Action,
    context: Context,
    help: &'static str,
) -> Binding {
    Binding {
        keys,
        action,
        context,
        help,
        hint: None,
        brief: None,
    }
}

const fn log(keys: &'static [KeySpec], action: LogAction, help: &'static str) -> Binding {
    b(keys, Action::Log(action), Context::Logs, help)
}

const fn form(
    keys: &'static [KeySpec],
    action: FormAction,
    context: Context,
    help: &'static str,
) -> Binding {
    b(keys, Action::Form(action), context, help)
}

/// Every binding, in help order within a context. A form's footer lists the hints of its
/// contexts' bindings in table order, which is why some contexts' bindings interleave.
pub const BINDINGS: &[Binding] = &[
    b(
        &[c('q'), ctrl('c')],
        Action::Quit,
        Context::Global,
        "quit (Ctrl-C always quits)",
    ),
    b(
        &[c('?')],
        Action::Help,
        Context::Global,
        "show or hide this help",
    ),
    b(
        &[c(':')],
        Action::CommandLine,
        Context::Global,
        "command line (:ns, :ctx, :theme, :q)",
    ),
    b(
        &[k(KeyCode::Esc)],
        Action::Back,
        Context::Global,
        "close, clear the filter, or unscope",
    ),
    b(
        &[k(KeyCode::Down), c('j')],
        Action::Down,
        Context::Global,
        "down one row",
    ),
    b(
        &[k(KeyCode::Up), c('k')],
        Action::Up,
        Context::Global,
        "up one row",
    ),
    b(
        &[c('g'), k(KeyCode::Home)],
        Action::Top,
        Context::Global,
        "first row",
    ),
    b(
        &[c('G'), k(KeyCode::End)],
        Action::Bottom,
        Context::Global,
        "last row",
    ),
    b(
        &[k(KeyCode::PageDown), ctrl('f')],
        Action::PageDown,
        Context::Global,
        "page down",
    ),
    b(
        &[k(KeyCode::PageUp), ctrl('b')],
        Action::PageUp,
        Context::Global,
        "page up",
    ),
    b(
        &[k(KeyCode::Tab)],
        Action::NextPane,
        Context::Table,
        "next pane",
    ),
    b(
        &[k(KeyCode::BackTab)],
        Action::PrevPane,
        Context::Table,
        "previous pane",
    ),
    b(
        &[c('1')],
        Action::GoPane(Pane::Clusters),
        Context::Table,
        "Clusters pane",
    ),
    b(
        &[c('2')],
        Action::GoPane(Pane::Pods),
        Context::Table,
        "Pods pane",
    ),
    b(
        &[c('3')],
        Action::GoPane(Pane::Ops),
        Context::Table,
        "OpsRequests pane",
    ),
    b(
        &[c('4')],
        Action::GoPane(Pane::Backups),
        Context::Table,
        "Backups pane",
    ),
    b(
        &[k(KeyCode::Enter), c(' ')],
        Action::Scope,
        Context::Clusters,
        "scope the other panes to this cluster",
    ),
    b(
        &[c('d')],
        Action::Detail,
        Context::Clusters,
        "cluster detail",
    ),
    b(
        &[c('x')],
        Action::CancelOps,
        Context::Ops,
        "cancel the selected running OpsRequest, after confirmation (also :cancel-ops)",
    ),
    b(
        &[c('n')],
        Action::CreateCluster,
        Context::Clusters,
        "new cluster (form; also :create, and :clone starts from the selected one)",
    ),
    b(
        &[ctrl('d'), c('D')],
        Action::DeleteCluster,
        Context::Clusters,
        "delete the cluster as its termination policy says, after confirmation (also :delete)",
    ),
    b(
        &[k(KeyCode::Enter)],
        Action::Restore,
        Context::Backups,
        "restore wizard from this backup (also :restore); d opens its detail",
    ),
    b(
        &[c('s')],
        Action::Shell,
        Context::Pods,
        "shell in the pod's postgresql container (kubectl exec; :connect runs psql)",
    ),
    b(
        &[k(KeyCode::Enter), c('d')],
        Action::Detail,
        Context::Table,
        "detail of the selected row",
    ),
    b(
        &[c('/')],
        Action::Filter,
        Context::Table,
        "filter rows (every visible column)",
    ),
    b(
        &[c('>')],
        Action::SortNext,
        Context::Table,
        "sort by the next column",
    ),
    b(
        &[c('<')],
        Action::SortPrev,
        Context::Table,
        "sort by the previous column",
    ),
    b(
        &[c('r')],
        Action::SortReverse,
        Context::Table,
        "reverse the sort order",
    ),
    b(
        &[c('o')],
        Action::OpsMenu,
        Context::Table,
        "operations menu of the cluster (also :scale-out, :restart, ... :backup)",
    ),
    b(
        &[c('N')],
        Action::SortBy("NAME"),
        Context::Table,
        "sort by NAME (again: reverse)",
    ),
    b(
        &[c('A')],
        Action::SortBy("AGE"),
        Context::Table,
        "sort by AGE (again: reverse)",
    ),
    b(
        &[c('S')],
        Action::SortBy("STATUS"),
        Context::Table,
        "sort by STATUS (again: reverse)",
    ),
    b(
        &[c('!')],
        Action::Triage,
        Context::Global,
        "triage: what is broken, worst first (toggle)",
    ),
    b(
        &[k(KeyCode::Enter), c('d')],
        Action::Detail,
        Context::Triage,
        "open the problem's object with its evidence",
    ),
    b(
        &[c('a')],
        Action::Acknowledge,
        Context::Triage,
        "acknowledge the problem: hidden until it changes (in the acknowledged list: show it \
         again)",
    ),
    b(
        &[c('A')],
        Action::ListAcknowledged,
        Context::Triage,
        "list the acknowledged problems (again: back to the others)",
    ),
    b(
        &[c('c')],
        Action::Copy,
        Context::Global,
        "copy the selected name (namespace/name) to the clipboard (OSC 52; wall: wall.copy)",
    ),
    // Keys other tools bind: where nothing here takes them, they say what does.
    b(
        &[c('s')],
        Action::Hint(Hint::Shell),
        Context::Global,
        "shell: s in the Pods pane or a pod's detail (elsewhere: says where)",
    ),
    b(
        &[c('e')],
        Action::Hint(Hint::Edit),
        Context::Global,
        "edit: e in a form's preview (elsewhere: says so)",
    ),
    b(
        &[ctrl('d')],
        Action::Hint(Hint::Delete),
        Context::Global,
        "delete: says where (Ctrl-D on the Clusters pane deletes a cluster)",
    ),
    b(
        &[c('/')],
        Action::Hint(Hint::Search),
        Context::Global,
        "filter: / in a table pane; search: / in a detail's YAML",
    ),
    b(
        &[c('y')],
        Action::ToggleYaml,
        Context::Detail,
        "toggle the full YAML (live)",
    ),
    b(
        &[c('/')],
        Action::Search,
        Context::Detail,
        "search the YAML (matches highlighted; in the facts: y shows the YAML)",
    ),
    b(
        &[c('n')],
        Action::SearchNext,
        Context::Detail,
        "next match of the search",
    ),
    b(
        &[c('N')],
        Action::SearchPrev,
        Context::Detail,
        "previous match of the search",
    ),
    b(
        &[c('s')],
        Action::Shell,
        Context::Detail,
        "shell in the pod's postgresql container (a pod's detail; kubectl exec)",
    ),
    b(
        &[k(KeyCode::Enter)],
        Action::SwitchContext,
        Context::Contexts,
        "switch to the context under the cursor (as :ctx NAME)",
    ),
    // Logs: read-only, so offered in read-only mode too.
    b(
        &[c('l')],
        Action::Logs,
        Context::Table,
        "log: of the pod; of the cluster's pods, primary first; of the backup's pod",
    ),
    b(
        &[c('l')],
        Action::Logs,
        Context::Detail,
        "the log of the pod, of the cluster's pods, or of the backup's pod",
    ),
    log(
        &[k(KeyCode::Tab)],
        LogAction::NextContainer,
        "next container",
    )
    .hint("Tab container"),
    log(
        &[k(KeyCode::BackTab)],
        LogAction::PrevContainer,
        "previous container",
    ),
    log(
        &[c(']')],
        LogAction::NextPod,
        "the cluster's next pod (a log opened on a cluster)",
    )
    .hint("[ ] pod"),
    log(&[c('[')], LogAction::PrevPod, "the cluster's previous pod"),
    log(
        &[c('p')],
        LogAction::Previous,
        "the previous (terminated) run of the container, or back to the current one",
    )
    .hint("p previous"),
    log(
        &[c('f')],
        LogAction::Follow,
        "follow the end, or stop where it is (scrolling up stops too; G follows again)",
    )
    .hint("f follow"),
    log(
        &[c('t')],
        LogAction::Timestamps,
        "show or hide each line's time",
    )
    .hint("t time"),
    log(&[c('w')], LogAction::Wrap, "wrap long lines, or cut them").hint("w wrap"),
    log(
        &[c('+'), c('=')],
        LogAction::MoreTail,
        "start again with more lines from the end (100, 500, 1000, 5000, all)",
    )
    .hint("+/- tail"),
    log(
        &[c('-')],
        LogAction::LessTail,
        "start again with fewer lines from the end",
    ),
    log(
        &[c('/')],
        LogAction::Search,
        "search the log (matches highlighted)",
    )
    .hint("/ search"),
    log(&[c('n')], LogAction::SearchNext, "next (newer) match"),
    log(&[c('N')], LogAction::SearchPrev, "previous (older) match"),
    log(
        &[ctrl('s')],
        LogAction::Write,
        "write the lines kept to a new file in the current directory (the path is shown)",
    )
    .hint("Ctrl-S save"),
    b(
        &[c('t')],
        Action::Incidents,
        Context::Clusters,
        "the cluster's incident timeline: what happened to it, in time order",
    ),
    b(
        &[c('f')],
        Action::Remedy,
        Context::Detail,
        "from triage: open the usual remedy's form, prefilled (Restart, Backup, Switchover)",
    ),
    b(
        &[c('t')],
        Action::Incidents,
        Context::Detail,
        "the incident timeline of the cluster shown (or of the object's cluster)",
    ),
    b(
        &[c('1')],
        Action::IncidentKind(1),
        Context::Incidents,
        "show or hide role changes and role probe reports",
    ),
    b(
        &[c('2')],
        Action::IncidentKind(2),
        Context::Incidents,
        "show or hide pod changes and restarts",
    ),
    b(
        &[c('3')],
        Action::IncidentKind(3),
        Context::Incidents,
        "show or hide OpsRequest phases",
    ),
    b(
        &[c('4')],
        Action::IncidentKind(4),
        Context::Incidents,
        "show or hide backup starts and ends",
    ),
    b(
        &[c('5')],
        Action::IncidentKind(5),
        Context::Incidents,
        "show or hide Warning events",
    ),
    b(
        &[c('6')],
        Action::IncidentKind(6),
        Context::Incidents,
        "show or hide cluster and component phases",
    ),
    b(
        &[c('7')],
        Action::IncidentKind(7),
        Context::Incidents,
        "show or hide stream outages",
    ),
    b(
        &[c('a')],
        Action::IncidentWindow,
        Context::Incidents,
        "the last hour, or everything kept (toggle)",
    ),
    // The operations menu.
    form(
        &[k(KeyCode::Up), c('k')],
        FormAction::MenuUp,
        Context::Menu,
        "previous operation",
    )
    .hint("↑↓ choose"),
    form(
        &[k(KeyCode::Down), c('j')],
        FormAction::MenuDown,
        Context::Menu,
        "next operation",
    ),
    form(
        &[k(KeyCode::Enter)],
        FormAction::OpenOp,
        Context::Menu,
        "open the operation's form",
    )
    .hint("Enter open"),
    form(
        &[k(KeyCode::Esc), c('q')],
        FormAction::Close,
        Context::Menu,
        "close the menu",
    )
    .hint("Esc close"),
    form(
        &[k(KeyCode::Esc)],
        FormAction::Close,
        Context::FormWaiting,
        "cancel: close the form",
    )
    .hint("Esc cancel"),
    // The restore time's keys come before the fields': its footer shows them first.
    form(
        &[k(KeyCode::Left)],
        FormAction::NudgeTime(-60),
        Context::RestoreTime,
        "a minute earlier (within the recoverable window)",
    )
    .hint("←→ time ±1m"),
    form(
        &[k(KeyCode::Right)],
        FormAction::NudgeTime(60),
        Context::RestoreTime,
        "a minute later",
    ),
    form(
        &[shift(KeyCode::Left)],
        FormAction::NudgeTime(-3600),
        Context::RestoreTime,
        "an hour earlier",
    )
    .hint("Shift ±1h"),
    form(
        &[shift(KeyCode::Right)],
        FormAction::NudgeTime(3600),
        Context::RestoreTime,
        "an hour later",
    ),
    form(
        &[alt(KeyCode::Left), c('[')],
        FormAction::NudgeTime(-1),
        Context::RestoreTime,
        "a second earlier",
    )
    .hint("Alt or [ ] ±1s"),
    form(
        &[alt(KeyCode::Right), c(']')],
        FormAction::NudgeTime(1),
        Context::RestoreTime,
        "a second later",
    ),
    // The time can be typed too: the footer says so next to the key that clears it.
    form(
        &[k(KeyCode::Delete)],
        FormAction::ClearTime,
        Context::RestoreTime,
        "clear the time, to type another (UTC, or with an offset)",
    )
    .hint("type a time · Del clear"),
    form(
        &[k(KeyCode::Tab), k(KeyCode::Down)],
        FormAction::NextField,
        Context::Fields,
        "next field",
    )
    .hint("Tab/↓ ↑ field")
    .brief("Tab field"),
    form(
        &[k(KeyCode::BackTab)],
        FormAction::PrevField,
        Context::Fields,
        "previous field",
    ),
    form(
        &[k(KeyCode::Up)],
        FormAction::PrevField,
        Context::SingleLine,
        "previous field",
    ),
    form(
        &[k(KeyCode::Left), c('h')],
        FormAction::PrevChoice,
        Context::Choice,
        "previous choice",
    ),
    form(
        &[k(KeyCode::Right), c('l'), c(' ')],
        FormAction::NextChoice,
        Context::Choice,
        "next choice",
    )
    .hint("←→/space choose"),
    form(
        &[k(KeyCode::Left), c('h')],
        FormAction::PrevChoice,
        Context::MultiChoice,
        "cursor to the previous choice",
    ),
    form(
        &[k(KeyCode::Right), c('l')],
        FormAction::NextChoice,
        Context::MultiChoice,
        "cursor to the next choice",
    ),
    form(
        &[c(' ')],
        FormAction::Pick,
        Context::MultiChoice,
        "pick the choice under the cursor, or drop it",
    ),
    form(
        &[c(' '), k(KeyCode::Left), k(KeyCode::Right)],
        FormAction::Flip,
        Context::Toggle,
        "switch on or off",
    ),
    form(
        &[k(KeyCode::Tab)],
        FormAction::Complete,
        Context::MultiLine,
        "complete the parameter name being typed (nothing to complete: next field)",
    ),
    form(
        &[k(KeyCode::Enter)],
        FormAction::Review,
        Context::SingleLine,
        "review: check the fields, then a server-side dry run",
    )
    .hint("Enter or Ctrl-S review (checks, dry run)")
    .brief("Enter review"),
    form(
        &[ctrl('s')],
        FormAction::Review,
        Context::Fields,
        "review (in a multi-line field too, where Enter starts a line)",
    ),
    form(
        &[k(KeyCode::Esc)],
        FormAction::Leave,
        Context::Fields,
        "close the form (asks first when values were entered)",
    )
    .hint("Esc close"),
    form(
        &[k(KeyCode::Enter), c('s')],
        FormAction::Submit,
        Context::OpPreview,
        "submit (a disruptive op, or one on a cluster not scoped to or opened, asks for its name)",
    )
    .hint("Enter submit"),
    form(
        &[c('e')],
        FormAction::EditYaml,
        Context::OpPreview,
        "edit the YAML",
    )
    .hint("e edit YAML"),
    form(
        &[c('w')],
        FormAction::WriteYaml,
        Context::OpPreview,
        "write the YAML to a file in the current directory (asks before replacing one, never \
         writes through a symbolic link)",
    )
    .hint("w write to file"),
    form(
        &[k(KeyCode::Enter), c('s')],
        FormAction::Submit,
        Context::RestorePreview,
        "confirm with the new cluster's name, then submit",
    )
    .hint("Enter confirm"),
    form(
        &[c('w')],
        FormAction::WriteYaml,
        Context::RestorePreview,
        "write the YAML, redacted as shown, to a file in the current directory (asks before \
         replacing one, never writes through a symbolic link)",
    )
    .hint("w write to file (redacted)"),
    form(
        &[k(KeyCode::Up), c('k')],
        FormAction::ScrollUp,
        Context::Preview,
        "scroll up",
    )
    .hint("↑↓ scroll"),
    form(
        &[k(KeyCode::Down), c('j')],
        FormAction::ScrollDown,
        Context::Preview,
        "scroll down",
    ),
    form(
        &[k(KeyCode::Esc)],
        FormAction::Back,
        Context::Preview,
        "back to the fields",
    )
    .hint("Esc back"),
    form(
        &[ctrl('s')],
        FormAction::CheckYaml,
        Context::YamlEditor,
        "check the edit, then a server-side dry run",
    )
    .hint("Ctrl-S check the edit"),
    form(
        &[k(KeyCode::Esc)],
        FormAction::Back,
        Context::YamlEditor,
        "stop editing, back to the preview",
    )
    .hint("Esc stop editing"),
    form(
        &[c('y')],
        FormAction::Overwrite,
        Context::Overwrite,
        "replace the file with the preview",
    )
    .hint("y replace it"),
    form(
        &[c('n'), k(KeyCode::Esc)],
        FormAction::Back,
        Context::Overwrite,
        "keep the file: back to the preview, nothing written",
    )
    .hint("n/Esc keep it"),
    form(
        &[c('y')],
        FormAction::Close,
        Context::Discard,
        "discard the values entered and close the form",
    )
    .hint("y discard"),
    form(
        &[c('n'), k(KeyCode::Esc)],
        FormAction::Back,
        Context::Discard,
        "keep editing: back to the fields",
    )
    .hint("n/Esc keep editing"),
    form(
        &[k(KeyCode::Enter)],
        FormAction::Confirm,
        Context::Confirm,
        "submit, once the typed name matches",
    )
    .hint("Enter submit"),
    form(
        &[k(KeyCode::Esc)],
        FormAction::Back,
        Context::Confirm,
        "back to the preview",
    )
    .hint("Esc back"),
    form(
        &[k(KeyCode::Esc)],
        FormAction::Abandon,
        Context::Submitting,
        "abandon the submit (the API may still carry it out: see the audit log)",
    )
    .hint("Esc abandon"),
];
