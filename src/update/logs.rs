//! The log view's update side: `l` opens it on what is selected (a pod; a cluster's pods,
//! primary first; a backup's pod), its keys choose the container, the run and the tail
//! (each a new stream), follow or pause, show times, wrap, search and write; the stream's
//! events fill it. Logs are reads: all of it works in read-only mode.

use std::path::PathBuf;

use crate::k8s::logs::LogSource;
use crate::state::cmd::Cmd;
use crate::state::keymap::LogAction;
use crate::state::logs::{LogSearch, LogView, LogsCmd, LogsMsg, TAILS};
use crate::state::model::{Input, InputKind, Model, Overlay};
use crate::state::search;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, ObjRef};

/// Rows around the log's lines: the screen's header, tabs and status line, the view's two
/// borders, its container bar and its footer.
const CHROME_ROWS: u16 = 7;

/// How many log lines the view shows at once (as many rows, unwrapped).
fn page(m: &Model) -> usize {
    usize::from(m.size.1.saturating_sub(CHROME_ROWS).max(1))
}

/// What `l` opens the log of: the open detail's object, else the focused pane's selected row.
fn target(m: &Model) -> Option<ObjRef> {
    match &m.overlay {
        Overlay::Detail(d) => Some(d.target.clone()),
        Overlay::None => super::selected_ref(m),
        _ => None,
    }
}

/// `l`: opens the log view on the selected pod, the selected cluster's pods (primary first),
/// or the selected backup's pod; says why not on anything else.
pub(super) fn open(m: &mut Model, cmds: &mut Vec<Cmd>) {
    // The wall draws its tiles only: a log opened there would stream unseen.
    if m.wall.is_some() {
        super::notify(
            m,
            "the wall shows no logs: kbdash without --wall does (l)".into(),
        );
        return;
    }
    let Some(target) = target(m) else {
        super::notify(m, "l: select a pod, a cluster or a backup first".into());
        return;
    };
    let (source, pods) = match target.kind {
        Kind::Pod => (LogSource::Pod(target.key.clone()), Vec::new()),
        Kind::Cluster => {
            let mut pods: Vec<(bool, ObjKey)> = m
                .store
                .cluster_pods(&target.key)
                .map(|p| (!p.is_primary(), p.key.clone()))
                .collect();
            pods.sort();
            let pods: Vec<ObjKey> = pods.into_iter().map(|(_, k)| k).collect();
            let Some(first) = pods.first() else {
                super::notify(
                    m,
                    format!("cluster {}: no pods to show the log of", target.key),
                );
                return;
            };
            (LogSource::Pod(first.clone()), pods)
        }
        Kind::Backup => {
            let continuous = m
                .store
                .backups
                .get(&target.key)
                .is_some_and(|b| b.is_continuous());
            let source = LogSource::Backup {
                backup: target.key.clone(),
                continuous,
            };
            (source, Vec::new())
        }
        _ => {
            super::notify(
                m,
                "l shows the log of a pod, a cluster's pods or a backup's pod".into(),
            );
            return;
        }
    };
    let session = next_session(m);
    let return_to = std::mem::replace(&mut m.overlay, Overlay::Logs);
    let view = LogView::new(session, source, pods, return_to);
    cmds.push(Cmd::Logs(LogsCmd::Open {
        session,
        request: view.request(),
    }));
    m.logs = Some(Box::new(view));
}

fn next_session(m: &mut Model) -> u64 {
    m.log_sessions += 1;
    m.log_sessions
}

/// Opens the view's stream again as it is set now (another container, run, pod or tail).
fn reopen(m: &mut Model, cmds: &mut Vec<Cmd>) {
    let session = next_session(m);
    if let Some(view) = m.logs.as_mut() {
        view.restart(session);
        cmds.push(Cmd::Logs(LogsCmd::Open {
            session,
            request: view.request(),
        }));
    }
}

/// `Esc`: closes the view and its stream, back to what it covered.
pub(super) fn close(m: &mut Model, cmds: &mut Vec<Cmd>) {
    if let Some(view) = m.logs.take() {
        m.overlay = view.return_to;
    } else {
        m.overlay = Overlay::None;
    }
    cmds.push(Cmd::Logs(LogsCmd::Close));
}

/// A message of the log view's effects.
pub(super) fn on_msg(m: &mut Model, msg: LogsMsg) {
    match msg {
        LogsMsg::Event { session, event } => {
            if let Some(view) = m.logs.as_mut().filter(|v| v.session == session) {
                view.apply(event);
            }
        }
        LogsMsg::Written(Ok(path)) => {
            let text = format!("log written to {}", path.display());
            if let Some(view) = m.logs.as_mut() {
                view.written = Some(path);
            }
            super::notify(m, text);
        }
        LogsMsg::Written(Err(e)) => super::notify(m, format!("log not written: {e}")),
    }
}

/// A key of the log view.
pub(super) fn act(m: &mut Model, action: LogAction, cmds: &mut Vec<Cmd>) {
    match action {
        LogAction::Search => {
            m.input = Some(Input {
                kind: InputKind::Search,
                text: String::new(),
            });
            return;
        }
        LogAction::SearchNext => return step(m, 1),
        LogAction::SearchPrev => return step(m, -1),
        _ => {}
    }
    let (now, page) = (m.now, page(m));
    let Some(view) = m.logs.as_mut() else {
        return;
    };
    let mut again = false;
    let mut note = None;
    match action {
        LogAction::NextContainer | LogAction::PrevContainer => {
            let n = view.containers.len();
            let at = view
                .container
                .as_ref()
                .and_then(|c| view.containers.iter().position(|x| x == c));
            if let Some(at) = at.filter(|_| n > 1) {
                let step = if action == LogAction::NextContainer {
                    1
                } else {
                    n - 1
                };
                view.container = view.containers.get((at + step) % n).cloned();
                view.previous = false;
                again = true;
            }
        }
        LogAction::NextPod | LogAction::PrevPod => {
            let n = view.pods.len();
            let at = view
                .pod
                .as_ref()
                .and_then(|p| view.pods.iter().position(|x| x == p));
            match at.filter(|_| n > 1) {
                Some(at) => {
                    let step = if action == LogAction::NextPod {
                        1
                    } else {
                        n - 1
                    };
                    if let Some(pod) = view.pods.get((at + step) % n).cloned() {
                        view.source = LogSource::Pod(pod.clone());
                        view.pod = Some(pod);
                        view.container = None;
                        view.containers.clear();
                        view.previous = false;
                        again = true;
                    }
                }
                None => {
                    note =
                        Some("[ ] step through a cluster's pods: l on a cluster opens them".into())
                }
            }
        }
        LogAction::Previous => {
            view.previous = !view.previous;
            again = true;
        }
        LogAction::Follow => {
            if view.following() {
                let top = view.buffer.end().saturating_sub(page);
                pause(view, top, page);
            } else {
                follow(view);
            }
        }
        LogAction::Timestamps => view.timestamps = !view.timestamps,
        LogAction::Wrap => view.wrap = !view.wrap,
        LogAction::MoreTail | LogAction::LessTail => {
            let tail = if action == LogAction::MoreTail {
                (view.tail + 1).min(TAILS.len() - 1)
            } else {
                view.tail.saturating_sub(1)
            };
            if tail != view.tail {
                view.tail = tail;
                again = true;
            }
        }
        LogAction::Write if view.buffer.is_empty() => note = Some("no lines to write yet".into()),
        LogAction::Write => cmds.push(Cmd::Logs(LogsCmd::Write {
            path: PathBuf::from(view.file_name(now)),
            text: view.text(),
        })),
        LogAction::Search | LogAction::SearchNext | LogAction::SearchPrev => {}
    }
    if again {
        reopen(m, cmds);
    }
    if let Some(note) = note {
        super::notify(m, note);
    }
}

fn follow(view: &mut LogView) {
    view.paused_at = None;
    view.unseen = 0;
}

/// Stops the view with `top` as its first line (kept within the lines there are).
fn pause(view: &mut LogView, top: usize, page: usize) {
    let last_top = view
        .buffer
        .end()
        .saturating_sub(page)
        .max(view.buffer.first());
    if view.paused_at.is_none() {
        view.unseen = 0;
    }
    view.paused_at = Some(top.clamp(view.buffer.first(), last_top));
}

/// ↑↓, PgUp/PgDn, g/G in the log: scrolling up stops the view where it is; reaching the end
/// (or `G`) follows again.
pub(super) fn scroll(m: &mut Model, action: crate::state::keymap::Action) {
    use crate::state::keymap::Action;
    let page = page(m);
    let Some(view) = m.logs.as_mut() else {
        return;
    };
    let last_top = view.buffer.end().saturating_sub(page);
    let top = view.paused_at.unwrap_or(last_top);
    let to = match action {
        Action::Up => top.saturating_sub(1),
        Action::Down => top + 1,
        Action::PageUp => top.saturating_sub(page),
        Action::PageDown => top + page,
        Action::Top => view.buffer.first(),
        _ => usize::MAX,
    };
    if to >= last_top {
        follow(view);
    } else {
        pause(view, to, page);
    }
}

/// Enter on the search line: the newest match at or above the view's last line, the view
/// stopped to show it; says so when nothing matches.
pub(super) fn run_search(m: &mut Model, query: &str) {
    let page = page(m);
    let Some(view) = m.logs.as_mut() else {
        return;
    };
    if query.is_empty() {
        view.search = None;
        return;
    }
    let bottom = view
        .paused_at
        .map_or(view.buffer.end(), |top| top + page)
        .min(view.buffer.end());
    let matches = matching(view, query);
    let at = matches
        .iter()
        .rev()
        .find(|p| **p < bottom)
        .or(matches.last())
        .copied();
    view.search = Some(LogSearch {
        query: query.to_string(),
        at,
    });
    match at {
        Some(at) => show(view, at, page),
        None => {
            let kept = view.buffer.len();
            super::notify(m, format!("/{query}: not in the {kept} lines kept"));
        }
    }
}

/// The positions of the kept lines `query` occurs in.
fn matching(view: &LogView, query: &str) -> Vec<usize> {
    view.buffer
        .iter()
        .filter(|(_, l)| !search::ranges(&l.text, query).is_empty())
        .map(|(at, _)| at)
        .collect()
}

/// n/N: the next (newer) or previous (older) match, wrapping around.
fn step(m: &mut Model, by: i8) {
    let page = page(m);
    let Some(view) = m.logs.as_mut() else {
        return;
    };
    let Some(s) = view.search.clone() else {
        super::notify(m, "no search yet: / searches the log".into());
        return;
    };
    let matches = matching(view, &s.query);
    let from =
        s.at.map_or(view.buffer.end(), |at| if by > 0 { at + 1 } else { at });
    let at = search::step(&matches, from, by);
    if let Some(search) = view.search.as_mut() {
        search.at = at;
    }
    match at {
        Some(at) => show(view, at, page),
        None => super::notify(m, format!("/{}: not in the lines kept", s.query)),
    }
}

/// Stops the view with the line at `at` in it (a third from the top).
fn show(view: &mut LogView, at: usize, page: usize) {
    pause(view, at.saturating_sub(page / 3), page);
}
