//! Keys a k9s or kbcli user tries: `s`, `e`, `c`, Ctrl-D and `/` do what they do where they do
//! something, and say what does elsewhere instead of nothing; `c` copies the selected name
//! (off on the wall unless configured); `/` searches the detail's YAML with `n`/`N`; `:ctx`
//! without a name lists the kubeconfig's contexts. Every key comes from the one table that
//! help lists.

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use serde_json::json;

use crate::app_fixtures::{ch, cluster, fleet, key, model_with, now, pod, render, type_text};
use kbdash::k8s::client::{Source, connect};
use kbdash::state::cmd::Cmd;
use kbdash::state::keymap::{self, Action, Hint};
use kbdash::state::launch::Launch;
use kbdash::state::model::{InputKind, Model, Overlay, Pane};
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjRef;

fn fresh() -> Model {
    model_with(&fleet(), 160, 45)
}

fn notice(m: &Model) -> String {
    m.notice
        .as_ref()
        .map(|(t, _)| t.clone())
        .unwrap_or_default()
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// The places a key can be pressed on the main screen, each reached from a fresh model.
#[derive(Debug, Clone, Copy)]
enum Place {
    Pane(Pane),
    Detail,
    Triage,
    Help,
}

const PLACES: [Place; 7] = [
    Place::Pane(Pane::Clusters),
    Place::Pane(Pane::Pods),
    Place::Pane(Pane::Ops),
    Place::Pane(Pane::Backups),
    Place::Detail,
    Place::Triage,
    Place::Help,
];

fn at(place: Place, readonly: bool) -> Model {
    let mut m = fresh();
    m.readonly = readonly;
    match place {
        Place::Pane(p) => m.focus = p,
        Place::Detail => {
            update(&mut m, ch('d'));
        }
        Place::Triage => {
            update(&mut m, ch('!'));
        }
        Place::Help => {
            update(&mut m, ch('?'));
        }
    }
    m
}

/// `s`, `e` and Ctrl-D say what does instead wherever nothing takes them, in the words the
/// table's hint gives, and read-only mode says it offers none of them.
#[test]
fn keys_nothing_takes_here_say_what_does() {
    for readonly in [false, true] {
        for place in PLACES {
            for (msg, hint) in [
                (ch('s'), Hint::Shell),
                (ch('e'), Hint::Edit),
                (ctrl('d'), Hint::Delete),
            ] {
                // `s` opens a shell on a pod; the cluster's detail says a pod is needed.
                let shell_here = matches!(place, Place::Pane(Pane::Pods) | Place::Detail);
                if hint == Hint::Shell && shell_here {
                    continue;
                }
                // Ctrl-D deletes the selected cluster on the Clusters pane (`lifecycle_update`).
                if hint == Hint::Delete && matches!(place, Place::Pane(Pane::Clusters)) && !readonly
                {
                    continue;
                }
                let mut m = at(place, readonly);
                let overlay = m.overlay.clone();
                let cmds = update(&mut m, msg.clone());
                assert!(cmds.is_empty(), "{place:?} {msg:?}: {cmds:?}");
                assert_eq!(m.overlay, overlay, "{place:?} {msg:?}");
                let said = notice(&m);
                assert!(!said.is_empty(), "{place:?} {msg:?} says nothing");
                if readonly {
                    assert!(said.starts_with("read-only mode"), "{place:?}: {said}");
                }
            }
        }
    }
    let mut m = at(Place::Pane(Pane::Clusters), false);
    update(&mut m, ch('e'));
    assert_eq!(
        notice(&m),
        "e edits in a form's preview; o opens operations"
    );
    let mut m = at(Place::Pane(Pane::Pods), false);
    update(&mut m, ctrl('d'));
    assert!(
        notice(&m).starts_with("delete: Ctrl-D or D on the Clusters pane (1) deletes"),
        "{}",
        notice(&m)
    );
    let mut m = at(Place::Pane(Pane::Clusters), false);
    update(&mut m, ch('s'));
    assert!(
        notice(&m).starts_with("s opens a shell on a pod: in the Pods pane (2)"),
        "{}",
        notice(&m)
    );
    // Where `s` does something, it still does: a shell in the selected pod.
    let mut m = at(Place::Pane(Pane::Pods), false);
    assert!(matches!(update(&mut m, ch('s'))[..], [Cmd::Exec(_)]));
}

/// `/` filters a table pane, asks for a search in a detail's YAML, says so in its facts, and
/// elsewhere (triage, help) says where it works.
#[test]
fn slash_in_each_place() {
    for place in PLACES {
        let mut m = at(place, false);
        update(&mut m, ch('/'));
        match place {
            Place::Pane(_) => {
                assert_eq!(m.input.as_ref().map(|i| i.kind), Some(InputKind::Filter));
            }
            Place::Detail => {
                assert!(m.input.is_none());
                assert_eq!(notice(&m), "/ searches the YAML: y shows it");
            }
            Place::Triage | Place::Help => {
                assert!(m.input.is_none());
                assert_eq!(
                    notice(&m),
                    "/ filters a table pane, and searches a detail's YAML (y shows it)"
                );
            }
        }
    }
}

/// `c` copies the selected row's `namespace/name` (a pod's, an OpsRequest's, a backup's, a
/// cluster's; the detail's object; the triage problem's object) and says what it copied.
#[test]
fn c_copies_the_selected_name_and_says_so() {
    for place in PLACES {
        let mut m = at(place, false);
        let expected = match (&place, &m.overlay) {
            (Place::Pane(p), _) => Some(selected(&m, *p)),
            (_, Overlay::Detail(d)) => Some(d.target.key.to_string()),
            (_, Overlay::Triage { .. }) => m
                .triage
                .problems
                .iter()
                .next()
                .and_then(|p| p.object.as_ref())
                .map(|o| o.key.to_string()),
            _ => None,
        };
        let cmds = update(&mut m, ch('c'));
        match expected {
            Some(name) => {
                assert!(name.contains('/'), "{name}");
                assert_eq!(cmds, [Cmd::Copy(name.clone())], "{place:?}");
                assert_eq!(
                    notice(&m),
                    format!("copied {name} to the clipboard (OSC 52: the terminal must allow it)")
                );
            }
            None => {
                assert!(cmds.is_empty(), "{place:?}: {cmds:?}");
                assert_eq!(notice(&m), "nothing selected to copy", "{place:?}");
            }
        }
    }
    // Read-only mode copies too: it changes nothing in the cluster.
    let mut m = at(Place::Pane(Pane::Pods), true);
    assert!(matches!(update(&mut m, ch('c'))[..], [Cmd::Copy(_)]));
}

/// The selected row's `namespace/name` in pane `p`.
fn selected(m: &Model, p: Pane) -> String {
    let s = &m.store;
    match p {
        Pane::Clusters => s.clusters.selected().map(|r| r.key.to_string()),
        Pane::Pods => s.pods.selected().map(|r| r.key.to_string()),
        Pane::Ops => s.ops.selected().map(|r| r.key.to_string()),
        Pane::Backups => s.backups.selected().map(|r| r.key.to_string()),
    }
    .unwrap()
}

fn wall(copy: bool) -> Model {
    let mut objs = vec![
        (
            Kind::Cluster,
            cluster("aaa", "fine", "Running", 1, "2025-06-01T09:00:00Z"),
        ),
        (Kind::Pod, pod("aaa", "fine", 0, "primary", true)),
    ];
    objs.push((
        Kind::Cluster,
        cluster("zzz", "broken", "Failed", 1, "2025-06-01T09:00:00Z"),
    ));
    let mut m = model_with(&objs, 120, 40);
    m.readonly = true;
    Launch {
        wall_cycle: Some(10),
        wall_copy: copy,
        ..Launch::default()
    }
    .apply(&mut m);
    m
}

/// A wall is a shared screen: `c` copies nothing there unless the config says so, and then
/// the first tile's (the worst) cluster.
#[test]
fn c_on_the_wall_is_off_unless_configured() {
    let mut m = wall(false);
    assert!(update(&mut m, ch('c')).is_empty());
    assert_eq!(
        notice(&m),
        "copying is off on the wall: wall.copy: true in the config file turns it on"
    );
    let mut m = wall(true);
    assert_eq!(update(&mut m, ch('c')), [Cmd::Copy("zzz/broken".into())]);
}

/// The YAML of the detail's object, as the follower would send it.
fn detail_yaml(m: &mut Model) -> ObjRef {
    m.focus = Pane::Clusters;
    update(m, ch('d'));
    update(m, ch('y'));
    let Overlay::Detail(d) = &m.overlay else {
        panic!("no detail");
    };
    let target = d.target.clone();
    let mut spec = serde_json::Map::new();
    for i in 0..60 {
        spec.insert(format!("field{i:02}"), json!(i));
    }
    update(
        m,
        Msg::Raw {
            target: target.clone(),
            result: Ok(json!({
                "metadata": {"name": target.key.name.to_string()},
                "spec": spec,
                "status": {"phase": "Running", "Phase2": "x", "message": "PHASE of it"},
            })),
        },
    );
    target
}

fn scroll_and_search(m: &Model) -> (usize, Option<usize>) {
    let Overlay::Detail(d) = &m.overlay else {
        panic!("no detail");
    };
    let line = d.search.as_ref().and_then(|s| s.line);
    // Where the view is: the line the test reads at the top of the YAML.
    let lines = &m.raw.as_ref().unwrap().1;
    let top = line.map(|l| lines[l].clone()).unwrap_or_default();
    assert!(
        line.is_none() || top.to_ascii_lowercase().contains("phase"),
        "{top}"
    );
    (lines.len(), line)
}

/// `/` in the YAML view: the search line, Enter goes to the first match from the top, `n`
/// and `N` to the next and previous (wrapping), the view scrolled to each, and the matches
/// highlighted.
#[test]
fn slash_searches_the_yaml_view() {
    let mut m = fresh();
    detail_yaml(&mut m);
    let lines = m.raw.as_ref().unwrap().1.clone();
    let phase: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.to_ascii_lowercase().contains("phase"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(phase.len(), 3, "{lines:?}");
    update(&mut m, ch('/'));
    assert_eq!(m.input.as_ref().map(|i| i.kind), Some(InputKind::Search));
    type_text(&mut m, "phase");
    update(&mut m, key(KeyCode::Enter));
    let (_, line) = scroll_and_search(&m);
    assert_eq!(line, Some(phase[0]));
    let Overlay::Detail(d) = &m.overlay else {
        panic!()
    };
    assert_eq!(d.search.as_ref().unwrap().query, "phase");
    assert_eq!(
        notice(&m),
        format!(
            "/phase: match 1 of 3 (line {}; n next, N previous)",
            phase[0] + 1
        )
    );
    update(&mut m, ch('n'));
    assert_eq!(scroll_and_search(&m).1, Some(phase[1]));
    update(&mut m, ch('n'));
    update(&mut m, ch('n'));
    assert_eq!(scroll_and_search(&m).1, Some(phase[0]), "wraps forward");
    update(&mut m, ch('N'));
    assert_eq!(scroll_and_search(&m).1, Some(phase[2]), "wraps back");
    assert!(notice(&m).starts_with("/phase: match 3 of 3"));

    // The view shows the current match on screen, highlighted; other matches too.
    let backend = TestBackend::new(m.size.0, m.size.1);
    let mut terminal = Terminal::new(backend).unwrap();
    terminal.draw(|f| kbdash::view::view(&m, f)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let screen = render(&m);
    let cell_of = |text: &str| {
        let row = screen
            .lines()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("{text:?} on screen:\n{screen}"));
        let line = screen.lines().nth(row).unwrap();
        let col = line.find(text).unwrap() + text.to_ascii_lowercase().find("phase").unwrap();
        // The rendered line is quoted: one column for the quote.
        let x = u16::try_from(line[..col].chars().count() - 1).unwrap();
        buffer[(x, u16::try_from(row).unwrap())].clone()
    };
    let current = lines[phase[2]].trim().to_string();
    let cell = cell_of(&current);
    assert!(
        cell.modifier.contains(Modifier::BOLD),
        "the current match is marked: {cell:?}"
    );
    let other = lines[phase[1]].trim().to_string();
    let cell = cell_of(&other);
    assert!(
        cell.modifier.contains(Modifier::REVERSED) && !cell.modifier.contains(Modifier::BOLD),
        "another match is highlighted: {cell:?}"
    );

    // The view scrolls to the match: from the bottom, a search wraps to an early line.
    update(&mut m, ch('G'));
    assert!(!render(&m).contains("field05: 5"));
    update(&mut m, ch('/'));
    for _ in 0.."phase".len() {
        update(&mut m, key(KeyCode::Backspace));
    }
    type_text(&mut m, "field05");
    update(&mut m, key(KeyCode::Enter));
    let screen = render(&m);
    let top = screen.lines().nth(3).unwrap();
    assert!(top.contains("field05: 5"), "{screen}");

    // No match: said, the view stays.
    update(&mut m, ch('/'));
    for _ in 0.."field05".len() {
        update(&mut m, key(KeyCode::Backspace));
    }
    type_text(&mut m, "nowhere");
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(notice(&m), "/nowhere: no match");
    assert_eq!(scroll_and_search(&m).1, None);
    // n without a search of its facts: in the facts view `n` searches nothing.
    let mut m = fresh();
    update(&mut m, ch('d'));
    update(&mut m, ch('n'));
    assert_eq!(notice(&m), "no search: / searches the YAML");
}

/// A kubeconfig with three contexts in a temporary directory.
fn kubeconfig(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("config");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: \
         http://127.0.0.1:1\ncontexts:\n\
         - name: dev\n  context:\n    cluster: c\n    user: u\n\
         - name: prod-eu\n  context:\n    cluster: c\n    user: u\n\
         - name: staging\n  context:\n    cluster: c\n    user: u\n\
         current-context: prod-eu\nusers:\n- name: u\n  user: {}\n",
    )
    .unwrap();
    path
}

/// `:ctx` without a name lists the kubeconfig's contexts, the cursor on the current one;
/// the keys move it, Enter switches as `:ctx NAME` does, Esc closes.
#[tokio::test]
async fn ctx_without_a_name_lists_the_contexts_to_choose_from() {
    let dir = std::env::temp_dir().join(format!("kbdash-keys-ctx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let connection = connect(&Source::kubeconfig(Some(kubeconfig(&dir))), None)
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let mut m = Model::new(&connection.context, None, now());
    m.size = (100, 30);
    m.contexts = connection.contexts.clone();
    update(&mut m, ch(':'));
    type_text(&mut m, "ctx");
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    assert_eq!(m.overlay, Overlay::Contexts { selected: 1 });
    let screen = render(&m);
    for line in [
        "   dev",
        " * prod-eu  (current)",
        "   staging",
        "Contexts (3)",
    ] {
        assert!(screen.contains(line), "{line:?} in\n{screen}");
    }
    update(&mut m, ch('j'));
    update(&mut m, key(KeyCode::Down));
    assert_eq!(
        m.overlay,
        Overlay::Contexts { selected: 2 },
        "stays on the last"
    );
    update(&mut m, ch('g'));
    assert_eq!(
        update(&mut m, key(KeyCode::Enter)),
        [Cmd::SwitchContext("dev".into())]
    );
    assert_eq!(m.overlay, Overlay::None);
    // Esc closes it without switching.
    update(&mut m, ch(':'));
    type_text(&mut m, "ctx");
    update(&mut m, key(KeyCode::Enter));
    assert!(update(&mut m, key(KeyCode::Esc)).is_empty());
    assert_eq!(m.overlay, Overlay::None);
    // A session without a kubeconfig has no list to show.
    let mut demo = Model::new("demo", None, now() + Duration::seconds(1));
    update(&mut demo, ch(':'));
    type_text(&mut demo, "ctx");
    update(&mut demo, key(KeyCode::Enter));
    assert_eq!(demo.overlay, Overlay::None);
    assert_eq!(notice(&demo), "no contexts: this session has no kubeconfig");
}

/// The keys are bindings of the one table: dispatch looks them up there, and help lists
/// them in read-only mode too (none of them changes the cluster).
#[test]
fn the_keys_are_in_the_one_table_and_in_help() {
    for action in [
        Action::Copy,
        Action::Search,
        Action::SearchNext,
        Action::SearchPrev,
        Action::SwitchContext,
        Action::Hint(Hint::Shell),
        Action::Hint(Hint::Edit),
        Action::Hint(Hint::Delete),
        Action::Hint(Hint::Search),
    ] {
        assert!(!action.mutates(), "{action:?}");
        assert!(
            keymap::active(true).any(|b| b.action == action),
            "{action:?} in read-only help"
        );
    }
    let mut m = fresh();
    m.size = (160, 200);
    update(&mut m, ch('?'));
    let help = render(&m);
    for line in [
        "copy the selected name (namespace/name) to the clipboard",
        "Ctrl-D",
        "search the YAML",
        "Context list (:ctx)",
        "ctx [NAME|+NAME|-NAME]: show context NAME alone, +NAME beside those shown, -NAME no more",
    ] {
        assert!(help.contains(line), "{line:?} in\n{help}");
    }
}

/// The engine hands what `c` copies to the runtime, which writes it to the terminal as OSC 52
/// (the byte sequence is `runtime::clipboard`'s unit tests'): nothing else of the session's
/// output carries it.
#[tokio::test]
async fn the_engine_passes_the_copy_to_the_runtime() {
    use crate::resilience_support::Session;
    let mut s = Session::start("keys-copy", 120, 30).await;
    s.until("clusters listed", |m| !m.store.clusters.is_empty())
        .await;
    s.press(ch('c'));
    let name = s.model.store.clusters.selected().unwrap().key.to_string();
    assert_eq!(s.engine.take_clipboard(), Some(name));
    assert_eq!(s.engine.take_clipboard(), None, "written once");
}
