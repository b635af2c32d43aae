//! The forms in the update loop: open by key and by `:` command, type, see inline errors,
//! reach the preview, confirm, see the submit Cmd; a failed submit keeps the form; read-only
//! offers no menu. Snapshots of a form with errors, the preview and the confirmation.

use crate::app_fixtures::{
    apply, ch, command, dry_run_ok, fleet, focus_field, key, model_with, render, type_text,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kbdash::state::cmd::Cmd;
use kbdash::state::cmd::FormCmd;
use kbdash::state::forms::StageKind;
use kbdash::state::model::{Model, Pane};
use kbdash::state::msg::FormMsg;
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::forms::FormContext;
use kbdash_core::forms::examples::fixture_context;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;

/// A model with the first cluster selected and opened before, and the context the form loads
/// for it.
fn model(w: u16, h: u16) -> (Model, ObjKey) {
    let mut m = model_with(&fleet(), w, h);
    let key = m.store.clusters.selected().unwrap().key.clone();
    m.familiar = Some(key.clone());
    (m, key)
}

/// Answers the LoadContext Cmd with the fixture context, renamed to the selected cluster.
fn load(m: &mut Model, cmds: &[Cmd]) {
    load_with(m, cmds, |_| {});
}

/// [`load`], the context changed by `change` first.
fn load_with(m: &mut Model, cmds: &[Cmd], change: impl FnOnce(&mut FormContext)) {
    let Some(Cmd::Form(FormCmd::LoadContext { cluster })) = cmds.last() else {
        panic!("expected LoadContext, got {cmds:?}");
    };
    let mut ctx = fixture_context();
    ctx.cluster = cluster.name.to_string();
    ctx.namespace = cluster.namespace.to_string();
    for p in &mut ctx.pods {
        p.name = p.name.replace("pg-cluster", &cluster.name);
    }
    change(&mut ctx);
    let cluster = cluster.clone();
    update(
        m,
        Msg::Form(FormMsg::Context {
            cluster,
            result: Ok(Box::new(ctx)),
        }),
    );
}

fn stage(m: &Model) -> StageKind {
    m.forms.modal.as_ref().expect("a form is open").stage.kind()
}

fn ctrl_s() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL))
}

#[test]
fn menu_by_key_opens_a_form_and_reaches_submit() {
    let (mut m, cluster) = model(120, 40);
    let cmds = update(&mut m, ch('o'));
    assert_eq!(stage(&m), StageKind::Menu);
    load(&mut m, &cmds);
    // Restart is the eighth entry of the menu.
    for _ in 0..7 {
        update(&mut m, key(KeyCode::Down));
    }
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(stage(&m), StageKind::Edit);
    let cmds = update(&mut m, key(KeyCode::Enter));
    assert_eq!(stage(&m), StageKind::DryRun);
    dry_run_ok(&mut m, &cmds);
    assert_eq!(stage(&m), StageKind::Preview);
    // Restart is disruptive: the cluster name must be typed; a wrong one sends nothing.
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(stage(&m), StageKind::Confirm);
    type_text(&mut m, "nope");
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    assert_eq!(stage(&m), StageKind::Confirm);
    for _ in 0..4 {
        update(&mut m, key(KeyCode::Backspace));
    }
    type_text(&mut m, &cluster.name);
    let cmds = update(&mut m, key(KeyCode::Enter));
    let Some(Cmd::Form(FormCmd::Submit {
        attempt, request, ..
    })) = cmds.last()
    else {
        panic!("expected a submit, got {cmds:?}");
    };
    assert_eq!(request.0.body["spec"]["type"], "Restart");
    assert_eq!(
        request.0.body["metadata"]["generateName"],
        format!("{}-restart-", cluster.name)
    );
    assert_eq!(stage(&m), StageKind::Submitting);
    update(
        &mut m,
        Msg::Form(FormMsg::Submitted {
            attempt: *attempt,
            kind: Kind::OpsRequest,
            namespace: cluster.namespace.to_string(),
            result: Ok(format!("{}-restart-abcde", cluster.name)),
        }),
    );
    assert!(m.forms.modal.is_none());
    assert_eq!(m.focus, Pane::Ops);
    assert_eq!(m.forms.tracked.len(), 1);
}

fn field_value(m: &Model, name: &str) -> String {
    let modal = m.forms.modal.as_ref().unwrap();
    modal
        .fields()
        .into_iter()
        .find(|f| f.name == name)
        .map(|f| f.value)
        .unwrap()
}

#[test]
fn tab_completes_a_parameter_name_and_moves_on_when_it_cannot() {
    let (mut m, _) = model(120, 40);
    let cmds = command(&mut m, "configure");
    load(&mut m, &cmds);
    focus_field(&mut m, "parameters");
    type_text(&mut m, "max_conn");
    update(&mut m, key(KeyCode::Tab));
    assert_eq!(field_value(&m, "parameters"), "max_connections=");
    type_text(&mut m, "200");
    update(&mut m, key(KeyCode::Enter));
    type_text(&mut m, "shared_buf");
    update(&mut m, key(KeyCode::Tab));
    assert_eq!(
        field_value(&m, "parameters"),
        "max_connections=200\nshared_buffers="
    );
    // Several parameters start with "wal_" and share nothing longer: Tab moves to the next field.
    type_text(&mut m, "512MB");
    update(&mut m, key(KeyCode::Enter));
    type_text(&mut m, "wal_");
    let focus = m.forms.modal.as_ref().unwrap().focus;
    update(&mut m, key(KeyCode::Tab));
    assert_ne!(m.forms.modal.as_ref().unwrap().focus, focus);
    assert!(field_value(&m, "parameters").ends_with("\nwal_"));
}

#[test]
fn command_opens_the_form_and_errors_show_next_to_their_field() {
    let (mut m, _) = model(120, 40);
    let cmds = command(&mut m, "vscale");
    assert_eq!(stage(&m), StageKind::Loading);
    load(&mut m, &cmds);
    assert_eq!(stage(&m), StageKind::Edit);
    focus_field(&mut m, "cpu_request");
    for _ in 0..8 {
        update(&mut m, key(KeyCode::Backspace));
    }
    type_text(&mut m, "lots");
    let cmds = update(&mut m, key(KeyCode::Enter));
    assert!(cmds.is_empty(), "nothing is dry-run while errors stand");
    let modal = m.forms.modal.as_ref().unwrap();
    assert_eq!(modal.stage.kind(), StageKind::Edit);
    assert!(
        modal.errors_for("cpu_request").next().is_some(),
        "{:?}",
        modal.errors
    );
}

#[test]
fn a_failed_submit_keeps_the_form_and_the_edited_yaml() {
    let (mut m, cluster) = model(120, 40);
    let cmds = command(&mut m, "scale-out");
    load(&mut m, &cmds);
    let cmds = update(&mut m, ctrl_s());
    dry_run_ok(&mut m, &cmds);
    assert_eq!(stage(&m), StageKind::Preview);
    let before = m
        .forms
        .modal
        .as_ref()
        .unwrap()
        .stage
        .review()
        .unwrap()
        .yaml
        .lines()
        .to_vec();
    let cmds = update(&mut m, key(KeyCode::Enter));
    let Some(Cmd::Form(FormCmd::Submit { attempt, .. })) = cmds.last() else {
        panic!("expected a submit, got {cmds:?}");
    };
    update(
        &mut m,
        Msg::Form(FormMsg::Submitted {
            attempt: *attempt,
            kind: Kind::OpsRequest,
            namespace: cluster.namespace.to_string(),
            result: Err("the server is on fire".into()),
        }),
    );
    let modal = m.forms.modal.as_ref().expect("the form stays");
    assert_eq!(modal.stage.kind(), StageKind::Preview);
    assert_eq!(
        modal.stage.review().unwrap().yaml.lines(),
        before.as_slice()
    );
    assert!(modal.api_error.as_deref().unwrap().contains("on fire"));
    // Retry is possible.
    let cmds = update(&mut m, key(KeyCode::Enter));
    assert!(matches!(
        cmds.last(),
        Some(Cmd::Form(FormCmd::Submit { .. }))
    ));
    // A slow submit can be abandoned.
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(stage(&m), StageKind::Preview);
}

#[test]
fn read_only_offers_no_operations() {
    let (mut m, _) = model(120, 40);
    m.readonly = true;
    assert!(update(&mut m, ch('o')).is_empty());
    assert!(m.forms.modal.is_none());
    assert!(command(&mut m, "restart").is_empty());
    assert!(m.forms.modal.is_none());
    assert!(m.notice.as_ref().unwrap().0.contains("read-only"));
}

#[test]
fn snapshots() {
    for (w, h) in [(120, 40), (80, 24)] {
        let (mut m, cluster) = model(w, h);
        let cmds = command(&mut m, "vscale");
        load(&mut m, &cmds);
        focus_field(&mut m, "memory_limit");
        for _ in 0..8 {
            update(&mut m, key(KeyCode::Backspace));
        }
        type_text(&mut m, "1Mi");
        update(&mut m, key(KeyCode::Enter));
        insta::assert_snapshot!(format!("form_errors_{w}x{h}"), render(&m));

        let (mut m, _) = model(w, h);
        let cmds = command(&mut m, "restart");
        load(&mut m, &cmds);
        let cmds = update(&mut m, key(KeyCode::Enter));
        dry_run_ok(&mut m, &cmds);
        insta::assert_snapshot!(format!("form_preview_{w}x{h}"), render(&m));
        update(&mut m, key(KeyCode::Enter));
        type_text(&mut m, &cluster.name[..2]);
        insta::assert_snapshot!(format!("form_confirm_{w}x{h}"), render(&m));
    }
}

/// Puts the cursor of `pane` on the first row matching `filter`.
fn select(m: &mut Model, pane: char, filter: &str) {
    update(m, ch(pane));
    update(m, ch('/'));
    for _ in 0..40 {
        update(m, key(KeyCode::Backspace));
    }
    type_text(m, filter);
    update(m, key(KeyCode::Enter));
    update(m, ch('g'));
}

fn loaded_cluster(m: &Model, cmds: &[Cmd]) -> ObjKey {
    match cmds.last() {
        Some(Cmd::Form(FormCmd::LoadContext { cluster })) => cluster.clone(),
        other => panic!("expected LoadContext, got {other:?}:\n{}", render(m)),
    }
}

/// `o` and the `:` form commands act on the cluster of the selected row in the focused pane
/// (a pod's, an OpsRequest's, a backup's), never on a cluster selected in another pane, and the
/// menu's title names it.
#[test]
fn operations_target_the_selected_rows_cluster_in_every_pane() {
    let billing = ObjKey::new("ops", "billing");
    let pg = ObjKey::new("demo", "pg-cluster");
    let cases = [
        ('1', "billing", &billing),
        (
            '1',
            "pg-cluster-pitr",
            &ObjKey::new("demo", "pg-cluster-pitr"),
        ),
        ('2', "billing-postgresql-1", &billing),
        ('2', "pg-cluster-postgresql-0", &pg),
        ('3', "Switchover", &pg),
        ('4', "", &pg),
    ];
    for (pane, filter, want) in cases {
        for via_command in [false, true] {
            let mut m = model_with(&fleet(), 160, 45);
            // The Clusters pane's cursor rests on a cluster other than the target.
            let other = if *want == billing {
                "pg-cluster"
            } else {
                "billing"
            };
            select(&mut m, '1', other);
            select(&mut m, pane, filter);
            let cmds = if via_command {
                command(&mut m, "vscale")
            } else {
                update(&mut m, ch('o'))
            };
            assert_eq!(
                &loaded_cluster(&m, &cmds),
                want,
                "pane {pane} filter {filter:?}"
            );
            let screen = render(&m);
            assert!(
                screen.contains(&want.to_string()),
                "the form's title names {want}:\n{screen}"
            );
            update(&mut m, key(KeyCode::Esc));
        }
    }
}

/// An op on a cluster the user has neither scoped to nor opened asks for its typed name even
/// when the op itself is harmless; scoping to it first makes it familiar.
#[test]
fn an_unfamiliar_cluster_asks_for_its_name() {
    for scoped in [false, true] {
        let (mut m, cluster) = model(120, 40);
        m.familiar = None;
        if scoped {
            update(&mut m, key(KeyCode::Enter));
            update(&mut m, ch('1'));
        }
        let cmds = command(&mut m, "scale-out");
        load(&mut m, &cmds);
        let cmds = update(&mut m, ctrl_s());
        dry_run_ok(&mut m, &cmds);
        assert_eq!(stage(&m), StageKind::Preview);
        let cmds = update(&mut m, key(KeyCode::Enter));
        if scoped {
            assert!(
                matches!(cmds.last(), Some(Cmd::Form(FormCmd::Submit { .. }))),
                "{cmds:?}"
            );
        } else {
            assert!(cmds.is_empty(), "{cmds:?}");
            assert_eq!(stage(&m), StageKind::Confirm);
            assert!(render(&m).contains("You have not scoped to or opened"));
            type_text(&mut m, &cluster.name);
            let cmds = update(&mut m, key(KeyCode::Enter));
            assert!(matches!(
                cmds.last(),
                Some(Cmd::Form(FormCmd::Submit { .. }))
            ));
        }
    }
}

/// The help screen lists the menu's and the forms' keys from the same table that drives them,
/// and none of them in read-only mode, which opens no form.
#[test]
fn help_lists_the_form_keys_unless_read_only() {
    let text = |m: &Model| -> String {
        kbdash::view::help::lines(m)
            .iter()
            .map(|l| l.to_string() + "\n")
            .collect()
    };
    let (mut m, _) = model(120, 40);
    let help = text(&m);
    for heading in [
        "── Operations menu",
        "── Form: fields",
        "── Restore wizard: time field",
        "── Form: typed confirmation",
    ] {
        assert!(help.contains(heading), "{heading}:\n{help}");
    }
    assert!(help.contains("  Shift-←         an hour earlier"), "{help}");
    assert!(help.contains("  Ctrl-S          review"), "{help}");
    m.readonly = true;
    let help = text(&m);
    assert!(!help.contains("── Form"), "{help}");
    assert!(!help.contains("── Operations menu"), "{help}");
}

fn modal(m: &Model) -> &kbdash::state::forms::FormModal {
    m.forms.modal.as_ref().expect("a form is open")
}

/// The YAML as the editor holds it.
fn yaml_lines(m: &Model) -> Vec<String> {
    modal(m).stage.review().unwrap().yaml.lines().to_vec()
}

/// The screen, and whether the cell at the first `needle` on it is drawn reversed (the
/// editor's cursor).
fn reversed_at(m: &Model, needle: &str) -> bool {
    let backend = ratatui::backend::TestBackend::new(m.size.0, m.size.1);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    terminal.draw(|f| kbdash::view::view(m, f)).unwrap();
    let buf = terminal.backend().buffer();
    let width = usize::from(m.size.0);
    let text: Vec<String> = buf
        .content()
        .iter()
        .map(|c| c.symbol().to_string())
        .collect();
    let rows: Vec<String> = text.chunks(width).map(|r| r.concat()).collect();
    let (y, line) = rows
        .iter()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not on screen:\n{}", rows.join("\n")));
    let x = line[..line.find(needle).unwrap()].chars().count();
    buf[(x as u16, y as u16)]
        .modifier
        .contains(ratatui::style::Modifier::REVERSED)
}

/// Moves the editor's cursor to the end of the line containing `needle`.
fn to_line_end(m: &mut Model, needle: &str) {
    for _ in 0..40 {
        let modal = modal(m);
        let review = modal.stage.review().unwrap();
        let row = review.yaml.cursor().0;
        if review.yaml.lines()[row].contains(needle) {
            update(m, key(KeyCode::End));
            return;
        }
        update(m, key(KeyCode::Down));
    }
    panic!("no line with {needle}");
}

/// Issue 14, item 4: editing the preview's YAML. The cursor starts at the spec and is drawn
/// where it is (a typed key lands there, not at line 1); every key checks the edit again, so
/// its errors show inside the editor and the summary follows the YAML; Ctrl-S on a refused
/// edit keeps the editor with the errors on screen, on an accepted one dry-runs the edit.
#[test]
fn the_yaml_editor_shows_its_cursor_its_errors_and_a_summary_in_step() {
    let (mut m, _) = model(120, 40);
    let cmds = command(&mut m, "upgrade");
    load(&mut m, &cmds);
    focus_field(&mut m, "service_version");
    update(&mut m, key(KeyCode::Right));
    assert_eq!(field_value(&m, "service_version"), "16.14.0");
    let cmds = update(&mut m, key(KeyCode::Enter));
    dry_run_ok(&mut m, &cmds);
    assert!(render(&m).contains("postgresql: 16.9.0 -> 16.14.0"));

    update(&mut m, ch('e'));
    assert_eq!(stage(&m), StageKind::EditYaml);
    let review = modal(&m).stage.review().unwrap();
    let row = review.yaml.cursor().0;
    assert_eq!(
        review.yaml.lines()[row - 1],
        "spec:",
        "the cursor starts at the spec"
    );
    let screen = render(&m);
    assert!(
        screen.contains(&format!("YAML (editing) · line {}, col 3", row + 1)),
        "{screen}"
    );
    assert!(
        reversed_at(&m, "clusterName:"),
        "the cursor is drawn: {screen}"
    );
    // A typed key lands where the cursor is, and the edit is refused inside the editor.
    type_text(&mut m, "X");
    assert!(yaml_lines(&m)[row].starts_with("  XclusterName:"));
    assert_eq!(
        yaml_lines(&m)[0],
        "apiVersion: operations.kubeblocks.io/v1alpha1"
    );
    let screen = render(&m);
    assert!(screen.contains("✗ spec.XclusterName"), "{screen}");
    assert!(
        !screen.contains("16.9.0 -> 16.14.0"),
        "no summary of a refused edit: {screen}"
    );
    update(&mut m, key(KeyCode::Backspace));
    assert!(modal(&m).errors.is_empty());
    assert!(render(&m).contains("postgresql: 16.9.0 -> 16.14.0"));

    // The summary follows the version the YAML says.
    to_line_end(&mut m, "serviceVersion");
    for _ in 0.."16.14.0".len() {
        update(&mut m, key(KeyCode::Backspace));
    }
    type_text(&mut m, "16.4.0");
    let screen = render(&m);
    assert!(screen.contains("postgresql: 16.9.0 -> 16.4.0"), "{screen}");
    assert!(!screen.contains("16.14.0"), "{screen}");
    // Another major is refused, in the editor, with the field's label and why.
    for _ in 0.."16.4.0".len() {
        update(&mut m, key(KeyCode::Backspace));
    }
    type_text(&mut m, "17.5.0");
    let cmds = update(&mut m, ctrl_s());
    assert!(cmds.is_empty(), "a refused edit is not dry-run");
    assert_eq!(stage(&m), StageKind::EditYaml);
    let screen = render(&m);
    assert!(
        screen.contains(
            "✗ Service version: 17.5.0 is not of the same major version as the current 16.9.0"
        ),
        "{screen}"
    );
    assert!(!screen.contains("-> 16."), "no stale summary: {screen}");
    // Leaving the editor with an edit not dry-run keeps the preview from being submitted.
    for _ in 0.."17.5.0".len() {
        update(&mut m, key(KeyCode::Backspace));
    }
    type_text(&mut m, "16.4.0");
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(stage(&m), StageKind::Preview);
    let screen = render(&m);
    assert!(screen.contains("postgresql: 16.9.0 -> 16.4.0"), "{screen}");
    assert!(screen.contains("the edit is not dry-run yet"), "{screen}");
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    // Ctrl-S on the accepted edit dry-runs it; the preview then says what it does.
    update(&mut m, ch('e'));
    let cmds = update(&mut m, ctrl_s());
    let Some(Cmd::Form(FormCmd::DryRun { request, .. })) = cmds.last() else {
        panic!("expected a dry run, got {cmds:?}");
    };
    assert_eq!(
        request.0.body["spec"]["upgrade"]["components"][0]["serviceVersion"],
        "16.4.0"
    );
    dry_run_ok(&mut m, &cmds);
    assert_eq!(stage(&m), StageKind::Preview);
    assert!(modal(&m).errors.is_empty());
    assert!(render(&m).contains("postgresql: 16.9.0 -> 16.4.0"));
}

/// Issue 14, item 5: scale-in is choosing the instances to remove, secondaries first, not a
/// hidden third direction; a pod selected in the Pods pane comes preselected, by `:scale-in`
/// and through the menu.
#[test]
fn scale_in_chooses_instances_and_starts_from_the_selected_pod() {
    let (mut m, cluster) = model(120, 40);
    let cmds = command(&mut m, "scale-in");
    load(&mut m, &cmds);
    let names: Vec<String> = modal(&m).fields().into_iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        ["component", "direction", "instances", "allow_primary"]
    );
    let (primary, secondary) = (
        format!("{}-postgresql-0", cluster.name),
        format!("{}-postgresql-1", cluster.name),
    );
    let screen = render(&m);
    let row = screen
        .lines()
        .find(|l| l.contains("Instances to remove"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(
        row.contains(&format!("[ ] {secondary}  [ ] {primary}")),
        "secondaries first: {screen}"
    );
    insta::assert_snapshot!("form_scale_in_120x40", screen);
    // Nothing picked: the form asks for instances.
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    assert!(render(&m).contains("pick the instances to remove"));
    focus_field(&mut m, "instances");
    update(&mut m, ch(' '));
    assert_eq!(field_value(&m, "instances"), secondary);
    let cmds = update(&mut m, key(KeyCode::Enter));
    let Some(Cmd::Form(FormCmd::DryRun { request, .. })) = cmds.last() else {
        panic!("expected a dry run, got {cmds:?}");
    };
    assert_eq!(
        request.0.body["spec"]["horizontalScaling"][0]["scaleIn"],
        serde_json::json!({"replicaChanges": 1, "onlineInstancesToOffline": [secondary]})
    );

    // From the Pods pane the selected pod is picked.
    let pod = "pg-cluster-postgresql-1";
    let mut m = model_with(&fleet(), 160, 45);
    select(&mut m, '2', pod);
    let cmds = command(&mut m, "scale-in");
    load(&mut m, &cmds);
    assert_eq!(field_value(&m, "instances"), pod);
    update(&mut m, key(KeyCode::Esc));
    // Through the menu too: the scale-out form keeps it for when the direction turns to in.
    let cmds = update(&mut m, ch('o'));
    load(&mut m, &cmds);
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(field_value(&m, "direction"), "out");
    focus_field(&mut m, "direction");
    update(&mut m, key(KeyCode::Right));
    assert_eq!(field_value(&m, "direction"), "in");
    assert_eq!(field_value(&m, "instances"), pod);
}

/// Issue 14, item 6: the upgrade form says why other majors are not offered; on a cluster
/// with a single replica it warns of the downtime and asks for the typed name.
#[test]
fn upgrade_explains_the_major_and_confirms_a_single_replica() {
    for replicas in [2, 1] {
        let (mut m, cluster) = model(120, 40);
        let cmds = command(&mut m, "upgrade");
        load_with(&mut m, &cmds, |ctx| ctx.components[0].replicas = replicas);
        let screen = render(&m);
        assert!(
            screen.contains("17.x not offered: the ComponentVersion pairs each release only with"),
            "{screen}"
        );
        assert!(
            screen.contains("so an upgrade stays within PostgreSQL 16"),
            "{screen}"
        );
        focus_field(&mut m, "service_version");
        update(&mut m, key(KeyCode::Right));
        let cmds = update(&mut m, key(KeyCode::Enter));
        dry_run_ok(&mut m, &cmds);
        let cmds = update(&mut m, key(KeyCode::Enter));
        if replicas == 2 {
            assert!(matches!(
                cmds.last(),
                Some(Cmd::Form(FormCmd::Submit { .. }))
            ));
            continue;
        }
        assert!(cmds.is_empty(), "{cmds:?}");
        assert_eq!(stage(&m), StageKind::Confirm);
        let screen = render(&m);
        assert!(
            screen.contains("single replica: PostgreSQL is down while its only pod restarts"),
            "{screen}"
        );
        assert!(screen.contains("This op is disruptive"), "{screen}");
        type_text(&mut m, &cluster.name);
        let cmds = update(&mut m, key(KeyCode::Enter));
        assert!(matches!(
            cmds.last(),
            Some(Cmd::Form(FormCmd::Submit { .. }))
        ));
    }
}

/// Issue 14, item 7: Esc on a form with values entered asks before discarding them (`n` or
/// Esc keeps editing, `y` discards); on an untouched form it closes at once.
#[test]
fn esc_on_a_filled_form_asks_before_discarding() {
    let (mut m, _) = model(120, 40);
    let cmds = command(&mut m, "vscale");
    load(&mut m, &cmds);
    update(&mut m, key(KeyCode::Esc));
    assert!(m.forms.modal.is_none(), "nothing entered: closed at once");

    let cmds = command(&mut m, "vscale");
    load(&mut m, &cmds);
    focus_field(&mut m, "cpu_request");
    type_text(&mut m, "5");
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(stage(&m), StageKind::Discard);
    let screen = render(&m);
    assert!(
        screen.contains("Discard the values entered and close the form?"),
        "{screen}"
    );
    assert!(
        screen.contains("y discard · n/Esc keep editing"),
        "{screen}"
    );
    update(&mut m, ch('n'));
    assert_eq!(stage(&m), StageKind::Edit);
    assert_eq!(field_value(&m, "cpu_request"), "15");
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(stage(&m), StageKind::Edit, "Esc keeps editing too");
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, ch('y'));
    assert!(m.forms.modal.is_none());
}

/// Issue 14, item 7: messages a person reads. A quantity slip says what was meant, not a
/// regular expression; a refused parameter row is said once, with its line; no label runs
/// into its value in any form; the help keeps commands apart from what they do.
#[test]
fn messages_are_worded_once_and_labels_stand_apart() {
    let (mut m, _) = model(120, 40);
    let cmds = command(&mut m, "vscale");
    load(&mut m, &cmds);
    focus_field(&mut m, "memory_limit");
    for _ in 0..8 {
        update(&mut m, key(KeyCode::Backspace));
    }
    type_text(&mut m, "8gb");
    update(&mut m, key(KeyCode::Enter));
    let screen = render(&m);
    assert!(screen.contains("is not a quantity: use 8Gi"), "{screen}");
    assert!(!screen.contains("regular expression"), "{screen}");

    let (mut m, _) = model(120, 40);
    let cmds = command(&mut m, "configure");
    load(&mut m, &cmds);
    focus_field(&mut m, "parameters");
    type_text(&mut m, "work_mem = 4MB");
    update(&mut m, key(KeyCode::Enter));
    type_text(&mut m, "max_connections = 1");
    update(&mut m, ctrl_s());
    let screen = render(&m);
    let said = "max_connections must be an integer between 6 and 8388607";
    assert_eq!(screen.matches(said).count(), 1, "{screen}");
    assert!(screen.contains(&format!("line 2: ✗ {said}")), "{screen}");

    for op in kbdash_core::forms::OpKind::ALL {
        let (mut m, _) = model(120, 40);
        let word = op.commands()[0];
        let cmds = command(&mut m, word);
        load(&mut m, &cmds);
        let screen = render(&m);
        for field in modal(&m).fields() {
            let line = screen
                .lines()
                .find(|l| {
                    l.contains(&format!("│  {}", field.label))
                        || l.contains(&format!("│▸ {}", field.label))
                })
                .unwrap_or_else(|| panic!(":{word} {}:\n{screen}", field.label));
            let at = line.find(&field.label).unwrap();
            let after = line[at + field.label.len()..].chars().next();
            assert_eq!(
                after,
                Some(' '),
                ":{word} {} runs into its value:\n{screen}",
                field.label
            );
        }
    }

    let help: String = kbdash::view::help::lines(&m)
        .iter()
        .map(|l| l.to_string() + "\n")
        .collect();
    assert!(
        help.lines()
            .any(|l| l.contains(":backup-schedule ") && l.contains("enable methods")),
        "{help}"
    );
}

/// Issue 14, item 15: `x` on the OpsRequests pane (or `:cancel-ops`) opens the Cancel form on
/// the selected OpsRequest; its request is the merge patch of `spec.cancel`, sent only after
/// the cluster's name is typed; an ended request is refused with the reason. Help lists the
/// key and the command from the keymap and command tables; read-only mode hides and refuses
/// both.
#[test]
fn x_cancels_the_selected_running_opsrequest_after_confirmation() {
    let pg = ObjKey::new("demo", "pg-cluster");
    let running = "pg-cluster-horizontalscaling-x7k2p";
    for via_command in [false, true] {
        let (mut m, _) = model(160, 45);
        select(&mut m, '3', "x7k2p");
        let cmds = if via_command {
            command(&mut m, "cancel-ops")
        } else {
            update(&mut m, ch('x'))
        };
        assert_eq!(loaded_cluster(&m, &cmds), pg);
        load(&mut m, &cmds);
        assert_eq!(stage(&m), StageKind::Edit);
        assert_eq!(field_value(&m, "ops_request"), running);
        let screen = render(&m);
        assert!(screen.contains("Cancel an OpsRequest"), "{screen}");
        let cmds = update(&mut m, key(KeyCode::Enter));
        dry_run_ok(&mut m, &cmds);
        assert_eq!(stage(&m), StageKind::Preview);
        assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
        assert_eq!(stage(&m), StageKind::Confirm, "a cancel is confirmed");
        type_text(&mut m, "pg-cluster");
        let cmds = update(&mut m, key(KeyCode::Enter));
        let Some(Cmd::Form(FormCmd::Submit { request, .. })) = cmds.last() else {
            panic!("expected a submit, got {cmds:?}");
        };
        assert_eq!(
            request.0.action,
            kbdash_core::forms::RequestAction::MergePatch {
                name: running.to_string()
            }
        );
        assert_eq!(request.0.body["spec"], serde_json::json!({"cancel": true}));
    }

    let (mut m, _) = model(160, 45);
    select(&mut m, '3', "verticalscaling-h2v8n");
    let cmds = update(&mut m, ch('x'));
    load(&mut m, &cmds);
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    let screen = render(&m);
    assert!(
        screen.contains("pg-cluster-verticalscaling-h2v8n has ended (Succeed)"),
        "{screen}"
    );

    let help = |m: &Model| -> String {
        kbdash::view::help::lines(m)
            .iter()
            .map(|l| l.to_string() + "\n")
            .collect()
    };
    let (mut m, _) = model(160, 45);
    let text = help(&m);
    assert!(text.contains("── OpsRequests pane"), "{text}");
    assert!(
        text.contains("cancel the selected running OpsRequest"),
        "{text}"
    );
    assert!(text.contains(":cancel-ops"), "{text}");
    m.readonly = true;
    let text = help(&m);
    assert!(!text.contains("── OpsRequests pane"), "{text}");
    assert!(!text.contains("cancel-ops"), "{text}");
    select(&mut m, '3', "x7k2p");
    assert!(update(&mut m, ch('x')).is_empty());
    assert!(m.forms.modal.is_none());
    assert!(m.notice.as_ref().unwrap().0.contains("read-only"));
    assert!(command(&mut m, "cancel-ops").is_empty());
    assert!(m.forms.modal.is_none());
}

/// A parameter the addon applies by restarting the primary leaves the secondaries pending:
/// the preview says so, and once submitted the Restart that finishes it is offered.
#[test]
fn a_restart_on_reload_parameter_offers_the_restart_that_finishes_it() {
    let (mut m, cluster) = model(120, 40);
    let cmds = command(&mut m, "configure");
    load(&mut m, &cmds);
    focus_field(&mut m, "parameters");
    type_text(&mut m, "max_connections=300");
    let cmds = update(&mut m, ctrl_s());
    dry_run_ok(&mut m, &cmds);
    assert_eq!(stage(&m), StageKind::Preview);
    let review = m.forms.modal.as_ref().unwrap().stage.review().unwrap();
    assert!(
        review.request.notes.iter().any(|n| n.contains(
            "the secondaries keep the old value, pending restart, until they restart \
             (kubeblocks-addons#1691)"
        )),
        "{:?}",
        review.request.notes
    );
    assert!(render(&m).contains("kubeblocks-addons#1691"));
    // A restart is disruptive: the cluster's name confirms it.
    update(&mut m, key(KeyCode::Enter));
    type_text(&mut m, &cluster.name);
    let cmds = update(&mut m, key(KeyCode::Enter));
    let Some(Cmd::Form(FormCmd::Submit { attempt, .. })) = cmds.last() else {
        panic!("expected a submit, got {cmds:?}");
    };
    update(
        &mut m,
        Msg::Form(FormMsg::Submitted {
            attempt: *attempt,
            kind: Kind::OpsRequest,
            namespace: cluster.namespace.to_string(),
            result: Ok(format!("{}-reconfiguring-abcde", cluster.name)),
        }),
    );
    let notice = &m.notice.as_ref().unwrap().0;
    assert!(
        notice.contains(&format!(":restart on {cluster} finishes it")),
        "{notice}"
    );
    // Once the new op's row arrives it is selected, so `:restart` is the Restart of the
    // same cluster.
    let op = serde_json::json!({
        "apiVersion": "operations.kubeblocks.io/v1alpha1", "kind": "OpsRequest",
        "metadata": {"name": format!("{}-reconfiguring-abcde", cluster.name),
            "namespace": cluster.namespace.as_str(), "creationTimestamp": "2025-06-05T09:00:00Z"},
        "spec": {"clusterName": cluster.name.as_str(), "type": "Reconfiguring"},
        "status": {"phase": "Running"},
    });
    update(&mut m, apply(Kind::OpsRequest, &op));
    let cmds = command(&mut m, "restart");
    let Some(Cmd::Form(FormCmd::LoadContext { cluster: target })) = cmds.last() else {
        panic!("expected the Restart form to load, got {cmds:?}");
    };
    assert_eq!(*target, cluster);
}
