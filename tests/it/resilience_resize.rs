//! Resize storms: every view state (each pane, scoped, filtered, the detail and its YAML, help,
//! triage, the line editors, the operations menu and every form stage including errors and
//! the API's refusal, the restore wizard with its timeline, failing streams' banners, the
//! wall) survives any sequence of terminal sizes, down to 0x0, 1x1, 1xN and Nx1 (a pty can
//! report 0 rows or columns): no panic in `update` (which sizes its pages from the terminal)
//! nor in `view`, with navigation keys in between so the scroll positions meet tiny pages.
//!
//! A deterministic sweep over the edge sizes and a proptest over random storms.

use crate::app_fixtures::{ch, fleet, key, model_with, type_text};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kbdash::k8s::watch::{StreamError, WatchEvent};
use kbdash::state::cmd::Cmd;
use kbdash::state::cmd::FormCmd;
use kbdash::state::launch::Launch;
use kbdash::state::model::Model;
use kbdash::state::msg::FormMsg;
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::forms::examples::{fixture_context, fixture_restore_context};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

/// Answers the form's load with the fixture context, renamed to the requested cluster.
fn load_form(m: &mut Model, cmds: &[Cmd]) {
    let Some(Cmd::Form(FormCmd::LoadContext { cluster })) = cmds.last() else {
        panic!("expected LoadContext, got {cmds:?}");
    };
    let mut ctx = fixture_context();
    ctx.cluster = cluster.name.to_string();
    ctx.namespace = cluster.namespace.to_string();
    for p in &mut ctx.pods {
        p.name = p.name.replace("pg-cluster", &cluster.name);
    }
    update(
        m,
        Msg::Form(FormMsg::Context {
            cluster: cluster.clone(),
            result: Ok(Box::new(ctx)),
        }),
    );
}

/// A form opened with `:command`, loaded.
fn form(command: &str) -> Model {
    let mut m = base();
    update(&mut m, ch(':'));
    type_text(&mut m, command);
    let cmds = update(&mut m, key(KeyCode::Enter));
    load_form(&mut m, &cmds);
    m
}

/// The form's dry run came back fine.
fn dry_run_ok(m: &mut Model, cmds: &[Cmd]) {
    let Some(Cmd::Form(FormCmd::DryRun { attempt, .. })) = cmds.last() else {
        panic!("expected a dry run, got {cmds:?}");
    };
    update(
        m,
        Msg::Form(FormMsg::DryRun {
            attempt: *attempt,
            result: Ok(()),
        }),
    );
}

/// A restart form at its preview.
fn restart_preview() -> Model {
    let mut m = form("restart");
    let cmds = update(&mut m, key(KeyCode::Enter));
    dry_run_ok(&mut m, &cmds);
    m
}

fn base() -> Model {
    model_with(&fleet(), 120, 40)
}

fn after(mut m: Model, msgs: &[Msg]) -> Model {
    for msg in msgs {
        update(&mut m, msg.clone());
    }
    m
}

/// Every view state, by name.
fn states() -> Vec<(&'static str, Model)> {
    let mut out = vec![
        ("clusters", base()),
        ("pods", after(base(), &[ch('2')])),
        ("ops", after(base(), &[ch('3')])),
        ("backups", after(base(), &[ch('4')])),
        ("scoped", after(base(), &[key(KeyCode::Enter)])),
        ("filter", after(base(), &[ch('/'), ch('p'), ch('g')])),
        ("command", after(base(), &[ch(':'), ch('s')])),
        ("detail", after(base(), &[ch('d')])),
        ("help", after(base(), &[ch('?'), key(KeyCode::PageDown)])),
        ("triage", after(base(), &[ch('!')])),
        ("menu", after(base(), &[ch('o')])),
    ];

    let mut yaml = after(base(), &[ch('2'), ch('d'), ch('y')]);
    let target = match &yaml.overlay {
        kbdash::state::model::Overlay::Detail(d) => d.target.clone(),
        other => panic!("expected the detail, got {other:?}"),
    };
    let body = json!({"metadata": {"name": "x"}, "spec": {"lines": (0..200).collect::<Vec<_>>()}});
    update(
        &mut yaml,
        Msg::Raw {
            target,
            result: Ok(body),
        },
    );
    out.push(("detail-yaml", after(yaml, &[key(KeyCode::PageDown)])));

    let mut loading = base();
    update(&mut loading, ch(':'));
    type_text(&mut loading, "vscale");
    update(&mut loading, key(KeyCode::Enter));
    out.push(("form-loading", loading));
    out.push(("form-edit", form("vscale")));
    out.push(("form-errors", after(form("vscale"), &[key(KeyCode::Enter)])));
    out.push((
        "form-lines",
        after(form("configure"), &[ch('m'), ch('a'), ch('x')]),
    ));
    out.push((
        "form-dry-run",
        after(form("restart"), &[key(KeyCode::Enter)]),
    ));
    out.push(("form-preview", restart_preview()));
    out.push(("form-edit-yaml", after(restart_preview(), &[ch('e')])));
    out.push((
        "form-confirm",
        after(restart_preview(), &[key(KeyCode::Enter)]),
    ));
    let mut submitting = after(restart_preview(), &[key(KeyCode::Enter)]);
    let name = submitting
        .forms
        .modal
        .as_ref()
        .unwrap()
        .cluster
        .name
        .clone();
    type_text(&mut submitting, &name);
    let cmds = update(&mut submitting, key(KeyCode::Enter));
    out.push(("form-submitting", submitting.clone()));
    let Some(Cmd::Form(FormCmd::Submit { attempt, .. })) = cmds.last() else {
        panic!("expected a submit, got {cmds:?}");
    };
    update(
        &mut submitting,
        Msg::Form(FormMsg::Submitted {
            attempt: *attempt,
            kind: Kind::OpsRequest,
            namespace: "demo".into(),
            result: Err("injected fault: every write is answered with 500".into()),
        }),
    );
    out.push(("form-refused", submitting));

    let mut wizard = after(base(), &[ch('4')]);
    let backup = ObjKey::new("demo", "5f8e2c1a-pg-cluster-postgresql-archive-wal");
    wizard.store.backups.select_key(&backup);
    update(&mut wizard, key(KeyCode::Enter));
    update(
        &mut wizard,
        Msg::Form(FormMsg::RestoreContext {
            backup,
            result: Ok(Box::new(fixture_restore_context(true).unwrap())),
        }),
    );
    out.push(("restore-wizard", wizard));

    let mut failing = base();
    for (kind, error) in [
        (
            Kind::Cluster,
            StreamError::Other("connection refused".into()),
        ),
        (Kind::OpsRequest, StreamError::Forbidden("no".into())),
        (Kind::Backup, StreamError::NotFound("gone".into())),
    ] {
        update(
            &mut failing,
            crate::app_fixtures::watch(kind, WatchEvent::Error(error)),
        );
    }
    out.push(("streams-failing", failing));

    let mut wall = base();
    wall.readonly = true;
    Launch {
        wall_cycle: Some(10),
        ..Launch::default()
    }
    .apply(&mut wall);
    out.push(("wall", wall));
    out
}

/// Resizes to `(w, h)` as the terminal reports it, presses `keys`, and draws at that size.
fn storm_step(m: &mut Model, w: u16, h: u16, keys: &[Msg]) -> String {
    update(m, Msg::Resize(w, h));
    for k in keys {
        update(m, k.clone());
    }
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| kbdash::view::view(m, f)).unwrap();
    // TestBackend's text form cannot show a zero-width screen (it splits rows by width).
    if w == 0 {
        return String::new();
    }
    t.backend().to_string()
}

/// Keys that scroll and page, harmless in every state (no quitting, no closing).
fn scroll_keys() -> Vec<Msg> {
    vec![
        key(KeyCode::Down),
        key(KeyCode::PageDown),
        key(KeyCode::End),
        Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::SHIFT)),
        key(KeyCode::Up),
    ]
}

/// The sizes that break layouts: nothing, one cell, one row, one column, just under and at
/// the minimum, ordinary, and very wide or very tall.
const EDGES: &[(u16, u16)] = &[
    (0, 0),
    (0, 24),
    (80, 0),
    (1, 1),
    (1, 50),
    (50, 1),
    (2, 2),
    (3, 200),
    (200, 3),
    (39, 9),
    (40, 10),
    (41, 11),
    (80, 24),
    (120, 40),
    (400, 150),
    (7, 13),
];

#[test]
fn every_state_survives_the_edge_sizes_in_every_order() {
    let keys = scroll_keys();
    for (name, model) in states() {
        let mut m = model.clone();
        for (i, &(w, h)) in EDGES.iter().enumerate() {
            let screen = storm_step(&mut m, w, h, &keys[i % keys.len()..=i % keys.len()]);
            let rows = if w == 0 { 0 } else { usize::from(h) };
            assert_eq!(screen.lines().count(), rows, "{name} at {w}x{h}");
        }
        // And back down from large to tiny in reverse, from the same state.
        let mut m = model;
        for &(w, h) in EDGES.iter().rev() {
            storm_step(&mut m, w, h, &[]);
        }
        assert_eq!(m.size, EDGES[0], "{name}: the last size is kept");
    }
}

#[test]
fn a_normal_size_after_the_storm_draws_the_normal_screen() {
    for (name, model) in states() {
        let mut calm = model.clone();
        let expected = storm_step(&mut calm, 100, 30, &[]);
        let mut stormy = model;
        for &(w, h) in EDGES {
            storm_step(&mut stormy, w, h, &[]);
        }
        assert_eq!(
            storm_step(&mut stormy, 100, 30, &[]),
            expected,
            "{name}: the storm left traces"
        );
    }
}

thread_local! {
    /// Built once: the states come from parsing the fixtures, which dominates a case's time.
    static STATES: Vec<(&'static str, Model)> = states();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn random_storms_never_panic(
        state in 0usize..64,
        sizes in prop::collection::vec((0u16..300, 0u16..120), 1..12),
        key_picks in prop::collection::vec(0usize..5, 12),
    ) {
        let mut m = STATES.with(|all| all[state % all.len()].1.clone());
        let keys = scroll_keys();
        for (i, (w, h)) in sizes.into_iter().enumerate() {
            let k = &keys[key_picks[i]];
            storm_step(&mut m, w, h, std::slice::from_ref(k));
            prop_assert_eq!(m.size, (w, h));
        }
    }
}
