//! The key bindings: one table that `update` dispatches on and the help screen lists.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::model::Pane;

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    NextPane,
    PrevPane,
    GoPane(Pane),
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    /// Scope the other panes to the selected cluster.
    Scope,
    /// Close the overlay, clear the filter, or unscope.
    Back,
    /// Open the detail of the selected object.
    Detail,
    ToggleYaml,
    Filter,
    CommandLine,
    Help,
    SortNext,
    SortPrev,
    SortReverse,
    /// Open the operations menu of the selected (or scoped) cluster.
    OpsMenu,
    /// Sort by the column with this title (again: reverse), like k9s' Shift-letter keys.
    SortBy(&'static str),
    /// Show or hide the triage view.
    Triage,
    /// Open the restore wizard from the selected backup.
    Restore,
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Everywhere (unless a line editor is open).
    Global,
    /// The table panes.
    Table,
    /// The Clusters pane only (checked before `Table`).
    Clusters,
    /// The Backups pane only (checked before `Table`).
    Backups,
    /// The detail view.
    Detail,
    /// The triage view.
    Triage,
}

impl Context {
    /// Heading in the help screen.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Table => "Tables",
            Context::Clusters => "Clusters pane",
            Context::Backups => "Backups pane",
            Context::Detail => "Detail view",
            Context::Triage => "Triage view",
        }
    }
}

/// One key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

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

impl KeySpec {
    /// Whether a key event is this key. Shift is ignored on characters, since the character
    /// already carries it.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let mods = match ev.code {
            KeyCode::Char(_) | KeyCode::BackTab => ev.modifiers - KeyModifiers::SHIFT,
            _ => ev.modifiers,
        };
        self.code == ev.code && self.mods == mods
    }

    /// How the help screen writes the key.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(ch) => ch.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{}", base.to_uppercase())
        } else {
            base
        }
    }
}

/// A key binding.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [KeySpec],
    pub action: Action,
    pub context: Context,
    pub help: &'static str,
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
    }
}

/// Every binding, in help order. The operation menu (issue 4) and triage (issue 6) add theirs here.
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
        &[k(KeyCode::Enter)],
        Action::Restore,
        Context::Backups,
        "restore wizard from this backup (also :restore); d opens its detail",
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
        &[c('y')],
        Action::ToggleYaml,
        Context::Detail,
        "toggle the full YAML (live)",
    ),
];

/// The bindings in effect: mutating ones are left out in read-only mode.
pub fn active(readonly: bool) -> impl Iterator<Item = &'static Binding> {
    BINDINGS
        .iter()
        .filter(move |b| !(readonly && crate::app::readonly::action_mutates(b.action)))
}

/// The action bound to `key` in the first of `contexts` that binds it.
pub fn lookup(contexts: &[Context], key: &KeyEvent) -> Option<Action> {
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
}
