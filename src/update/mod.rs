//! The update layer: [`update`], the only place the model changes. Pure: no I/O, no clock (time
//! comes in messages), effects go out as `Cmd`s. The forms' update side is in [`forms`], keeping
//! triage up to date in [`triage`]; whether a watch event changes the screen is [`redraw`]'s to
//! say.

mod clipboard;
mod contexts;
mod detail;
mod evidence;
mod exec;
pub mod forms;
mod health;
mod incident_timeline;
mod logs;
mod object_events;
pub(crate) mod redraw;
mod search;
pub mod triage;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::k8s::watch::{StreamError, WatchEvent};
use crate::state::cmd::Cmd;
use crate::state::command::{self, Command};
use crate::state::exec::Program;
use crate::state::health::HealthState;
use crate::state::keymap::{self, Action, Context};
use crate::state::model::{Detail, Input, InputKind, Model, Overlay, Pane, StreamState};
use crate::state::msg::Msg;
use crate::state::problem_index::Unit;
use crate::state::shown::Shown;
use crate::state::store::WATCHED;
use crate::update::forms::restore_live::Touched;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Ctx, ObjKey, ObjRef, OpsRow};

/// How long a notice stays in the status line.
const NOTICE_SECONDS: i64 = 8;

/// Applies one message to the model and returns the effects to run.
pub fn update(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    let problems = m.triage.problems.generation();
    let mut redraw = true;
    match msg {
        Msg::Tick(now) => {
            m.now = now;
            forms::restore_live::on_tick(m);
            m.store.roles.expire_flashes(now);
            if m.notice
                .as_ref()
                .is_some_and(|(_, t)| (now - *t).num_seconds() >= NOTICE_SECONDS)
            {
                m.notice = None;
            }
            triage::on_tick(m);
            health::on_tick(m, &mut cmds);
        }
        Msg::Resize(w, h) => {
            m.size = (w, h);
            set_pages(m);
        }
        Msg::Key(key) => on_key(m, key, &mut cmds),
        Msg::Watch {
            ctx,
            kind,
            at,
            event,
        } => {
            // A context no longer shown may still have had events queued.
            if m.shown(ctx).is_none() {
                return cmds;
            }
            let touch = match &event {
                WatchEvent::Apply(row) => Some(redraw::Touch::of(row)),
                _ => None,
            };
            let before = touch.as_ref().and_then(|t| redraw::glance(m, kind, t));
            let op = match &event {
                WatchEvent::Apply(row) if kind == Kind::OpsRequest => Some(row.key().clone()),
                _ => None,
            };
            let op_ended = op
                .as_ref()
                .map(|key| m.store.ops.get(key).is_some_and(OpsRow::is_finished));
            let backups = match &event {
                _ if kind != Kind::Backup => None,
                WatchEvent::Apply(row) => Some(Touched::One(row.key().clone())),
                WatchEvent::Delete(key) => Some(Touched::One(key.clone())),
                WatchEvent::InitDone => Some(Touched::All),
                WatchEvent::Init | WatchEvent::InitRow(_) | WatchEvent::Error(_) => None,
            };
            on_watch(m, ctx, kind, at, event);
            if let Some(touched) = backups {
                forms::restore_live::after_backups(m, &touched, &mut cmds);
            }
            forms::follow::after_watch(m);
            if let Some(op) = &op {
                detail::after_ops_change(m, op_ended, op, &mut cmds);
            }
            let after = touch.as_ref().and_then(|t| redraw::glance(m, kind, t));
            redraw = redraw::changes_screen(before, after);
        }
        Msg::Form(msg) => forms::answers::on_msg(m, msg),
        Msg::Scraped {
            ctx,
            context,
            results,
        } => health::on_scraped(m, ctx, &context, results),
        Msg::Logs(msg) => logs::on_msg(m, msg),
        Msg::Raw { target, result } => on_raw(m, target, result),
        Msg::ObjectEvents { id, event, at } => object_events::on_event(m, id, event, at),
        Msg::LogTail { object, result } => evidence::on_log(m, object, result),
        Msg::ClusterFacts {
            cluster,
            services,
            restores,
        } => detail::on_cluster_facts(m, cluster, services, restores),
        Msg::ThemeLoaded(Ok(theme)) => {
            let no_color = m.theme.no_color;
            m.theme = theme.with_no_color(no_color);
        }
        Msg::ThemeLoaded(Err(e)) | Msg::Failed(e) => notify(m, e),
        Msg::Exited { what, result } => notify(m, exec::ended(&what, result)),
        Msg::Probe { ctx, .. } if m.shown(ctx).is_none() => redraw = false,
        Msg::Probe { ctx, at, result } => redraw = on_probe(m, ctx, at, result, &mut cmds),
        Msg::Connected {
            contexts,
            namespace,
        } => on_connected(m, contexts, namespace),
        Msg::ContextAdded(shown) => contexts::added(m, shown),
    }
    triage::refresh(m);
    if redraw || (m.triage.problems.generation() != problems && redraw::shows_problems(m)) {
        m.dirty = true;
    }
    cmds
}

/// Sets every table's page to the rows the current size shows.
pub fn set_pages(m: &mut Model) {
    let page = usize::from(m.table_rows());
    for pane in Pane::ALL {
        m.table_mut(pane).set_page(page);
    }
}

pub(crate) fn notify(m: &mut Model, text: String) {
    m.notice = Some((text, m.now));
}

fn on_connected(m: &mut Model, shown: Vec<Shown>, namespace: Option<String>) {
    let Some(first) = shown.first() else {
        return;
    };
    let (context, server, ctx) = (first.name.clone(), first.server.clone(), first.ctx);
    let readonly = shown.iter().all(|s| s.readonly);
    // A context switch may change the namespace shown without being asked to: say so.
    let moved = (context != m.context && namespace != m.namespace).then(|| {
        let name = |ns: &Option<String>| ns.clone().unwrap_or_else(|| "all".into());
        format!(
            "context {context}: namespace {} (was {}; :ns changes it)",
            name(&namespace),
            name(&m.namespace)
        )
    });
    let now = m.now;
    let theme = m.theme.clone();
    let contexts = std::mem::take(&mut m.contexts);
    let (size, focus) = (m.size, m.focus);
    let (triage, wall) = (std::mem::take(&mut m.triage), m.wall.take());
    let health = m.health.config;
    // Role history is about clusters, not about what is on screen: keep it within a context,
    // which may come back under a new id.
    let was = m.shown.iter().find(|s| s.name == context).map(|s| s.ctx);
    let roles = (context == m.context).then(|| std::mem::take(&mut m.store.roles));
    *m = Model::new(&context, namespace, now);
    m.server = server;
    m.streams = shown
        .iter()
        .flat_map(|s| WATCHED.iter().map(|k| ((s.ctx, *k), StreamState::Pending)))
        .collect();
    m.shown = shown;
    if let Some(roles) = roles {
        m.store.roles = roles.history_only(was.unwrap_or(ctx), ctx);
    }
    m.theme = theme;
    m.contexts = contexts;
    m.size = size;
    m.readonly = readonly;
    m.focus = focus;
    m.triage.thresholds = triage.thresholds;
    m.health = HealthState::with_config(health);
    m.wall = wall;
    if let Some(text) = moved {
        notify(m, text);
    }
    set_pages(m);
}

// ---------------------------------------------------------------------------------------------
// Keys

fn on_key(m: &mut Model, key: KeyEvent, cmds: &mut Vec<Cmd>) {
    if key.kind == KeyEventKind::Release {
        return;
    }
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        quit(m, cmds);
        return;
    }
    if m.input.is_some() {
        edit_input(m, key, cmds);
        return;
    }
    // The open menu or form takes every key: its bindings, then its editor.
    let contexts: &[Context] = match &m.forms.modal {
        Some(modal) => keymap::form_contexts(modal),
        None => keymap::screen_contexts(&m.overlay, m.focus),
    };
    match keymap::lookup(contexts, &key) {
        Some(Action::Shell) if m.readonly => notify(m, exec::READ_ONLY.into()),
        Some(action) if m.readonly && action.mutates() => {
            notify(m, "read-only mode: that would change the cluster".into());
        }
        Some(action) => act(m, action, cmds),
        None => forms::keys::type_key(&mut m.forms, key),
    }
}

fn quit(m: &mut Model, cmds: &mut Vec<Cmd>) {
    m.quit = true;
    cmds.push(Cmd::Quit);
}

fn act(m: &mut Model, action: Action, cmds: &mut Vec<Cmd>) {
    let page = usize::from(m.table_rows()).max(1);
    match action {
        Action::Quit => quit(m, cmds),
        Action::Help => {
            m.overlay = match m.overlay {
                Overlay::Help { .. } => Overlay::None,
                _ => Overlay::Help { scroll: 0 },
            };
        }
        Action::CommandLine => {
            m.input = Some(Input {
                kind: InputKind::Command,
                text: String::new(),
            });
        }
        Action::Back => back(m, cmds),
        Action::OpsMenu => forms::open::menu(m, cmds),
        Action::Form(action) => forms::keys::act(&mut m.forms, action, cmds),
        Action::Restore => forms::open::restore(m, None, cmds),
        Action::CancelOps => forms::open::cancel_ops(m, cmds),
        Action::CreateCluster => forms::open::create(m, cmds),
        Action::DeleteCluster => forms::open::delete(m, cmds),
        Action::Shell => exec::start(m, Program::Shell, cmds),
        Action::Copy => clipboard::copy(m, cmds),
        Action::Logs => logs::open(m, cmds),
        Action::Log(action) => logs::act(m, action, cmds),
        Action::Hint(hint) => notify(m, hint.text(m.readonly).into()),
        Action::Search => search::open(m),
        Action::SearchNext => search::step(m, 1),
        Action::SearchPrev => search::step(m, -1),
        Action::Incidents => incident_timeline::open(m, cmds),
        Action::Remedy => evidence::remedy(m, cmds),
        Action::IncidentKind(n) => incident_timeline::toggle(m, usize::from(n)),
        Action::IncidentWindow => incident_timeline::toggle_window(m),
        Action::SwitchContext => {
            if let Overlay::Contexts { selected } = m.overlay {
                let chosen = m
                    .contexts
                    .get(selected.min(m.contexts.len().saturating_sub(1)))
                    .cloned();
                m.overlay = Overlay::None;
                if let Some(ctx) = chosen {
                    switch_context(m, ctx, cmds);
                }
            }
        }
        Action::Down
        | Action::Up
        | Action::Top
        | Action::Bottom
        | Action::PageDown
        | Action::PageUp => navigate(m, action, page),
        Action::NextPane => m.focus = Pane::ALL[(m.focus.index() + 1) % Pane::ALL.len()],
        Action::PrevPane => {
            m.focus = Pane::ALL[(m.focus.index() + Pane::ALL.len() - 1) % Pane::ALL.len()]
        }
        Action::GoPane(p) => m.focus = p,
        Action::Scope => {
            if let Some(c) = m.store.clusters.selected() {
                let key = c.key.clone();
                set_scope(m, Some(key));
                m.focus = Pane::Pods;
            }
        }
        Action::Triage => {
            m.triage.listing_acknowledged = false;
            m.overlay = match m.overlay {
                Overlay::Triage { .. } => Overlay::None,
                _ => Overlay::Triage { selected: 0 },
            };
        }
        Action::Detail if matches!(m.overlay, Overlay::Triage { .. }) => open_problem(m, cmds),
        Action::Acknowledge => acknowledge(m),
        Action::ListAcknowledged => {
            if let Overlay::Triage { selected } = &mut m.overlay {
                *selected = 0;
                m.triage.listing_acknowledged = !m.triage.listing_acknowledged;
            }
        }
        Action::Detail => {
            if let Some(target) = selected_ref(m) {
                open_detail(m, target, cmds);
            }
        }
        Action::ToggleYaml => {
            if let Overlay::Detail(d) = &mut m.overlay {
                d.yaml = !d.yaml;
                d.scroll = 0;
                if d.yaml {
                    cmds.push(Cmd::Follow(Some(d.target.clone())));
                } else if !follows_facts(&d.target) {
                    m.raw = None;
                    cmds.push(Cmd::Follow(None));
                }
            }
        }
        Action::Filter => {
            let text = m.table(m.focus).filter().to_string();
            m.input = Some(Input {
                kind: InputKind::Filter,
                text,
            });
        }
        Action::SortBy(title) => m.table_mut(m.focus).sort_by(title),
        Action::SortNext => {
            let namespaces = m.multi_namespace();
            m.table_mut(m.focus).cycle_sort(1, namespaces);
        }
        Action::SortPrev => {
            let namespaces = m.multi_namespace();
            m.table_mut(m.focus).cycle_sort(-1, namespaces);
        }
        Action::SortReverse => m.table_mut(m.focus).reverse_sort(),
    }
}

/// Whether the detail's facts need the object itself: a finished OpsRequest's conditions and
/// progress details, and a pod's containers, are not kept in their rows.
fn follows_facts(target: &ObjRef) -> bool {
    matches!(target.kind, Kind::OpsRequest | Kind::Pod)
}

/// Opens the detail view of `target`, following the object when its facts need it.
fn open_detail(m: &mut Model, target: ObjRef, cmds: &mut Vec<Cmd>) {
    if follows_facts(&target) {
        cmds.push(Cmd::Follow(Some(target.clone())));
    }
    m.followed_ops = None;
    m.evidence = None;
    detail::on_open(m, &target, cmds);
    object_events::open(m, &target, cmds);
    if target.kind == Kind::Cluster {
        m.familiar = Some(target.key.clone());
    }
    m.overlay = Overlay::Detail(Detail {
        target,
        yaml: false,
        scroll: 0,
        search: None,
    });
}

/// Opens the detail of the selected triage problem's object; the detail's Esc comes back here.
fn open_problem(m: &mut Model, cmds: &mut Vec<Cmd>) {
    let Overlay::Triage { selected } = m.overlay else {
        return;
    };
    let listing = m.triage.listing_acknowledged;
    let problems = &m.triage.problems;
    let shown = if listing {
        problems.acknowledged_len()
    } else {
        problems.len()
    };
    let selected = selected.min(shown.saturating_sub(1));
    if let Some((problem, target)) = problems
        .get(selected, listing)
        .and_then(|p| Some((p.clone(), p.object.clone()?)))
    {
        m.triage.return_to = Some(selected);
        open_detail(m, target.clone(), cmds);
        evidence::open(m, &problem, &target, cmds);
    }
}

/// Hides the selected triage problem until it changes, or, in the acknowledged list, shows it
/// again; says which, as the line goes from the list.
fn acknowledge(m: &mut Model) {
    let Overlay::Triage { selected } = m.overlay else {
        return;
    };
    let listing = m.triage.listing_acknowledged;
    let problems = &mut m.triage.problems;
    let shown = if listing {
        problems.acknowledged_len()
    } else {
        problems.len()
    };
    let selected = selected.min(shown.saturating_sub(1));
    let Some(subject) = problems.get(selected, listing).map(|p| p.subject.clone()) else {
        return;
    };
    let text = if listing {
        problems.unacknowledge(selected);
        format!("{subject}: shown again")
    } else {
        problems.acknowledge(selected);
        format!("{subject}: acknowledged, hidden until it changes (A lists the acknowledged)")
    };
    notify(m, text);
}

fn back(m: &mut Model, cmds: &mut Vec<Cmd>) {
    match &m.overlay {
        Overlay::Detail(d) => {
            if d.yaml || follows_facts(&d.target) {
                cmds.push(Cmd::Follow(None));
            }
            m.raw = None;
            m.followed_ops = None;
            detail::on_close(m);
            object_events::close(m, cmds);
            m.evidence = None;
            m.overlay = match m.triage.return_to.take() {
                Some(selected) => Overlay::Triage { selected },
                None => Overlay::None,
            };
        }
        Overlay::Help { .. }
        | Overlay::Triage { .. }
        | Overlay::Contexts { .. }
        | Overlay::Incidents(_) => {
            m.overlay = Overlay::None;
        }
        Overlay::Logs => logs::close(m, cmds),
        Overlay::None => {
            if !m.table(m.focus).filter().is_empty() {
                m.table_mut(m.focus).set_filter("");
            } else if m.scope.is_some() {
                set_scope(m, None);
            }
        }
    }
}

fn navigate(m: &mut Model, action: Action, page: usize) {
    if m.overlay == Overlay::Logs {
        return logs::scroll(m, action);
    }
    let page = page as isize;
    let scroll = |pos: &mut usize| {
        *pos = match action {
            Action::Down => pos.saturating_add(1),
            Action::Up => pos.saturating_sub(1),
            Action::Top => 0,
            Action::Bottom => usize::MAX / 2,
            Action::PageDown => pos.saturating_add(page as usize),
            _ => pos.saturating_sub(page as usize),
        }
    };
    match &mut m.overlay {
        Overlay::Detail(d) => scroll(&mut d.scroll),
        Overlay::Help { scroll: s } | Overlay::Triage { selected: s } => scroll(s),
        Overlay::Logs => {}
        Overlay::Incidents(v) => scroll(&mut v.scroll),
        Overlay::Contexts { selected } => {
            scroll(selected);
            *selected = (*selected).min(m.contexts.len().saturating_sub(1));
        }
        Overlay::None => {
            let t = m.table_mut(m.focus);
            match action {
                Action::Down => t.move_by(1),
                Action::Up => t.move_by(-1),
                Action::Top => t.select_index(0),
                Action::Bottom => t.select_index(usize::MAX),
                Action::PageDown => t.move_by(page),
                _ => t.move_by(-page),
            }
        }
    }
}

pub(crate) fn set_scope(m: &mut Model, scope: Option<ObjKey>) {
    if scope.is_some() {
        m.familiar = scope.clone();
    }
    // The Clusters pane lists every cluster whatever the scope (its rows are all in scope).
    for pane in Pane::ALL {
        m.table_mut(pane).set_scope(scope.clone());
    }
    m.scope = scope;
}

fn selected_ref(m: &Model) -> Option<ObjRef> {
    let key = m.table(m.focus).selected_key()?.clone();
    Some(ObjRef {
        kind: m.focus.kind(),
        key,
    })
}

fn edit_input(m: &mut Model, key: KeyEvent, cmds: &mut Vec<Cmd>) {
    let Some(input) = m.input.as_mut() else {
        return;
    };
    let kind = input.kind;
    match key.code {
        KeyCode::Esc => {
            m.input = None;
            if kind == InputKind::Filter {
                m.table_mut(m.focus).set_filter("");
            }
            return;
        }
        KeyCode::Enter => {
            let text = input.text.clone();
            m.input = None;
            match kind {
                InputKind::Command => run_command(m, &text, cmds),
                InputKind::Search if m.overlay == Overlay::Logs => logs::run_search(m, &text),
                InputKind::Search => search::run(m, &text),
                InputKind::Filter => {}
            }
            return;
        }
        KeyCode::Backspace => {
            input.text.pop();
        }
        KeyCode::Tab if kind == InputKind::Command => {
            let text = input.text.clone();
            let done = command::complete(m, &text);
            if let Some(i) = m.input.as_mut() {
                i.text = done;
            }
        }
        KeyCode::Char(ch) if !key.modifiers.contains(KeyModifiers::CONTROL) => input.text.push(ch),
        _ => {}
    }
    if kind == InputKind::Filter {
        let text = m.input.as_ref().map(|i| i.text.clone()).unwrap_or_default();
        m.table_mut(m.focus).set_filter(&text);
    }
}

fn run_command(m: &mut Model, line: &str, cmds: &mut Vec<Cmd>) {
    if forms::open::command(m, line, cmds) {
        return;
    }
    let parsed = command::parse(line).and_then(|c| {
        if m.readonly && matches!(c, Command::Exec(_)) {
            Err(exec::READ_ONLY.to_string())
        } else if m.readonly && c.mutates() {
            Err("read-only mode: that command would change the cluster".to_string())
        } else {
            Ok(c)
        }
    });
    match parsed {
        Ok(Command::Quit) => quit(m, cmds),
        Ok(Command::Help) => m.overlay = Overlay::Help { scroll: 0 },
        Ok(Command::Namespace(ns)) => cmds.push(Cmd::Watch { namespace: ns }),
        Ok(Command::Context(Some(ctx))) => match ctx.strip_prefix('+') {
            Some(name) => contexts::add(m, name, cmds),
            None => match ctx.strip_prefix('-') {
                Some(name) => contexts::remove(m, name, cmds),
                None => switch_context(m, ctx, cmds),
            },
        },
        Ok(Command::Context(None)) if m.contexts.is_empty() => {
            notify(m, "no contexts: this session has no kubeconfig".into());
        }
        Ok(Command::Context(None)) => {
            let selected = m.contexts.iter().position(|c| *c == m.context).unwrap_or(0);
            m.overlay = Overlay::Contexts { selected };
        }
        Ok(Command::Theme(t)) => cmds.push(Cmd::LoadTheme(t)),
        Ok(Command::Pane(p)) => {
            m.overlay = Overlay::None;
            object_events::close(m, cmds);
            m.focus = p;
        }
        Ok(Command::Exec(program)) => exec::start(m, program, cmds),
        Err(e) => notify(m, e),
    }
}

/// `:ctx NAME`, or Enter in the context list: reconnect with a context of the kubeconfig, and
/// show it alone.
fn switch_context(m: &mut Model, ctx: String, cmds: &mut Vec<Cmd>) {
    if contexts::known(m, &ctx) {
        cmds.push(Cmd::SwitchContext(ctx));
    }
}

// ---------------------------------------------------------------------------------------------
// Watch events

fn on_watch(m: &mut Model, ctx: Ctx, kind: Kind, at: DateTime<Utc>, event: WatchEvent) {
    m.triage.observe(ctx, kind, at, &event);
    let stream = (ctx, kind);
    // A listed row while the stream syncs leaves it syncing: the same health, so nothing for
    // its triage unit or the incident timeline. A fleet's sync is tens of thousands of rows.
    let event = match event {
        WatchEvent::InitRow(row) => match m.streams.get_mut(&stream) {
            Some(StreamState::Syncing { count }) => {
                *count = m.store.receive(ctx, kind, *row);
                return;
            }
            _ => WatchEvent::InitRow(row),
        },
        event => event,
    };
    m.triage.problems.touch(Unit::Stream(ctx, kind));
    let before = m.streams.get(&stream).cloned();
    on_stream_event(m, stream, at, event);
    if let Some(after) = m.streams.get(&stream).cloned() {
        incident_timeline::note_stream(m, ctx, kind, before.as_ref(), &after, at);
        if triage::note_stream(&mut m.triage, ctx, kind, before.as_ref(), &after, at) {
            m.triage.problems.rebuild_ctx(ctx);
        }
    }
}

fn on_stream_event(m: &mut Model, stream: (Ctx, Kind), at: DateTime<Utc>, event: WatchEvent) {
    let (ctx, kind) = stream;
    match event {
        WatchEvent::Init => {
            m.store.begin_relist(ctx, kind);
            m.streams.insert(stream, StreamState::Syncing { count: 0 });
        }
        WatchEvent::InitRow(row) => {
            let count = m.store.receive(ctx, kind, *row);
            m.streams.insert(stream, StreamState::Syncing { count });
        }
        WatchEvent::InitDone => {
            // What type a backup method makes is read from every context's ActionSets and
            // Backups: a relist that changes it changes how any cluster reads.
            if m.store.finish_relist(ctx, kind, at) {
                m.triage.problems.rebuild();
            } else {
                m.triage.problems.rebuild_ctx(ctx);
            }
            m.triage.relisted(kind, &m.store);
            m.streams.insert(stream, StreamState::Live);
        }
        WatchEvent::Apply(row) => {
            if let Some(change) = m.store.apply(*row, at) {
                m.triage.problems.note(&change);
            }
            m.streams.insert(stream, StreamState::Live);
        }
        WatchEvent::Delete(key) => {
            if let Some(change) = m.store.delete(kind, &key, at) {
                m.triage.problems.note(&change);
            }
            m.streams.insert(stream, StreamState::Live);
        }
        WatchEvent::Error(e) => {
            m.store.drop_relist(ctx, kind);
            let state = match e {
                StreamError::Forbidden(msg) => StreamState::Forbidden(msg),
                StreamError::NotFound(_) => StreamState::NotInstalled(not_installed(kind)),
                // The watch last answered `quiet` ago: its data is stale since then.
                StreamError::NotAnswering { quiet } => {
                    let since = at - chrono::TimeDelta::from_std(quiet).unwrap_or_default();
                    let error = format!(
                        "not answering since {}: no event and no bookmark for {}s",
                        since.format("%H:%M:%S"),
                        quiet.as_secs()
                    );
                    reconnecting(m.streams.get(&stream), since, error)
                }
                StreamError::Other(error) => {
                    let error = m.server_said(ctx, &error);
                    reconnecting(m.streams.get(&stream), at, error)
                }
            };
            m.streams.insert(stream, state);
        }
    }
}

/// A stream failing since `since` with `error`; one that was failing already keeps its since
/// and counts the attempt.
fn reconnecting(before: Option<&StreamState>, since: DateTime<Utc>, error: String) -> StreamState {
    match before {
        Some(StreamState::Reconnecting { since, attempt, .. }) => StreamState::Reconnecting {
            since: *since,
            attempt: attempt.saturating_add(1),
            error,
        },
        _ => StreamState::Reconnecting {
            since,
            attempt: 1,
            error,
        },
    }
}

/// The liveness probe's answer. The first failure marks the API server not answering: every
/// stream that was delivering is down from then (its verdicts suspended) and restarted, since
/// its connection may be held open by a server that no longer answers. The streams come back
/// by themselves through a complete relist; the probe's next answer clears the API's problem.
/// Returns whether anything changed.
fn on_probe(
    m: &mut Model,
    ctx: Ctx,
    at: DateTime<Utc>,
    result: Result<(), String>,
    cmds: &mut Vec<Cmd>,
) -> bool {
    match result {
        Ok(()) => {
            let recovered = m.api_down.remove(&ctx).is_some();
            if recovered {
                m.triage.problems.rebuild_ctx(ctx);
            }
            recovered
        }
        Err(_) if m.api_down.contains_key(&ctx) => false,
        Err(cause) => {
            // The streams' state says since when; the header and triage say it too.
            let why = format!("{} is not answering: {cause}", m.the_server(ctx));
            let error = m.server_said(ctx, &cause);
            for kind in WATCHED {
                let before = m.streams.get(&(ctx, kind)).cloned();
                let state = match &before {
                    Some(StreamState::Forbidden(_) | StreamState::NotInstalled(_)) => continue,
                    Some(StreamState::Reconnecting { since, attempt, .. }) => {
                        StreamState::Reconnecting {
                            since: *since,
                            attempt: *attempt,
                            error: why.clone(),
                        }
                    }
                    _ => StreamState::Reconnecting {
                        since: at,
                        attempt: 0,
                        error: why.clone(),
                    },
                };
                m.store.drop_relist(ctx, kind);
                incident_timeline::note_stream(m, ctx, kind, before.as_ref(), &state, at);
                triage::note_stream(&mut m.triage, ctx, kind, before.as_ref(), &state, at);
                m.streams.insert((ctx, kind), state);
            }
            let down = kbdash_core::domain::triage::ApiDown {
                since: at,
                error,
                cause: crate::k8s::cause::headline(&cause).to_string(),
            };
            m.api_down.insert(ctx, down);
            m.triage.problems.rebuild_ctx(ctx);
            cmds.push(Cmd::RestartWatches(ctx));
            object_events::restart(m, ctx, cmds);
            true
        }
    }
}

/// What a 404 on a kind's list means to the user.
fn not_installed(kind: Kind) -> String {
    let group = kind.info().group;
    if group.starts_with("dataprotection.") {
        format!("the KubeBlocks data-protection API ({group}) is not installed")
    } else if group.ends_with("kubeblocks.io") {
        format!("KubeBlocks is not installed (no API group {group})")
    } else {
        format!("{} is not served by this API server", kind.info().plural)
    }
}

fn on_raw(m: &mut Model, target: ObjRef, result: Result<serde_json::Value, String>) {
    let following = matches!(&m.overlay, Overlay::Detail(d)
        if d.target == target && (d.yaml || follows_facts(&target)));
    if !following {
        return;
    }
    match result {
        Ok(v) => {
            detail::on_raw(m, &target, &v);
            // Secrets are shortened before the text reaches the model: nothing holds them.
            let text = serde_yaml_ng::to_string(&kbdash_core::redact::redacted(&v))
                .unwrap_or_else(|e| e.to_string());
            m.raw = Some((target, text.lines().map(str::to_string).collect()));
        }
        Err(e) => notify(m, format!("cannot fetch {}: {e}", target.key)),
    }
}
