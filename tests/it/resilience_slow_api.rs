//! A slow API (the demo server's latency fault: every request answered a second late),
//! through the real engine and form effect executor:
//!
//! - navigation stays immediate: keys are handled without waiting, the detail view opens at
//!   once and its live YAML arrives when the API gets to it;
//! - a form that is loading can be left at once;
//! - a submit shows that it is in flight ("submitting…"), Esc abandons it and says that the
//!   API may still accept it; the late answer to the abandoned attempt (the form numbers its
//!   attempts) leaves the form exactly as it was, and the audit log records what happened;
//! - the late answer (or failure) of a load abandoned with Esc does not touch a form opened
//!   since on the same cluster;
//! - an API that never answers (kube's client has no read timeout: a request on a connection
//!   that died silently waits for ever) ends every form effect with a message after the
//!   effect timeout, and an unanswered submit is audited as such.

use std::time::Duration;

use crate::resilience_support::{FormState, Session, all_live, ch, key, stage};
use crossterm::event::KeyCode;
use kbdash::runtime::form_effects::run_within;
use kbdash::state::cmd::Cmd;
use kbdash::state::cmd::{FormCmd, Outgoing};
use kbdash::state::forms::StageKind;
use kbdash::state::model::{Model, Overlay};
use kbdash::state::msg::FormMsg;
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::forms::FormContext;
use kbdash_core::forms::examples::fixture_context;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;

/// How late the API answers each request.
const LATENCY: Duration = Duration::from_millis(1000);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_api_never_slows_keys_and_a_submit_can_be_abandoned() {
    let mut s = Session::start("slow-api", 100, 30).await;
    s.until("initial sync", |m| all_live(m) && m.store.pods.len() == 2)
        .await;
    s.server.faults.set_latency(LATENCY);

    // Navigation: the detail opens at once, its YAML follows when the API answers.
    s.press(ch('2'));
    s.press(ch('j'));
    s.press(ch('d'));
    s.press(ch('y'));
    assert!(matches!(&s.model.overlay, Overlay::Detail(d) if d.yaml));
    assert!(s.model.raw.is_none(), "the YAML cannot be here yet");
    s.until("the pod's YAML", |m| m.raw.is_some()).await;
    s.press(key(KeyCode::Esc));
    s.press(ch('1'));

    // A form loading from the slow API can be left at once.
    s.press(ch(':'));
    s.type_text("vscale");
    s.press(key(KeyCode::Enter));
    assert_eq!(stage(&s.model), Some(StageKind::Loading));
    s.press(key(KeyCode::Esc));
    assert!(s.model.forms.modal.is_none());

    s.server.faults.set_latency(Duration::ZERO);
    s.vscale_preview().await;
    let before = FormState::of(&s.model);

    s.server.faults.set_latency(LATENCY);
    s.press(key(KeyCode::Enter));
    assert_eq!(stage(&s.model), Some(StageKind::Submitting));
    let attempt = s.model.forms.modal.as_ref().unwrap().attempt;
    let screen = s.render();
    assert!(screen.contains("submitting… · Esc abandon"), "{screen}");
    insta::assert_snapshot!("submitting_100x30", screen);

    s.press(key(KeyCode::Esc));
    let abandoned = FormState::of(&s.model);
    assert_eq!(abandoned, before, "back to the same preview");
    let modal = s.model.forms.modal.as_ref().unwrap();
    assert!(modal.attempt > attempt, "the abandoned attempt is outdated");
    assert!(
        modal
            .api_error
            .as_deref()
            .is_some_and(|e| e.starts_with("submit abandoned: the API may still have accepted")),
        "{:?}",
        modal.api_error
    );
    let api_error = modal.api_error.clone();
    insta::assert_snapshot!("abandoned_100x30", s.render());

    // The late answer: the API did create it. The form does not move; the status line says so.
    s.until("the abandoned submit's answer", |m| {
        m.notice
            .as_ref()
            .is_some_and(|(t, _)| t.contains("submitted"))
    })
    .await;
    assert_eq!(FormState::of(&s.model), abandoned);
    assert_eq!(s.model.forms.modal.as_ref().unwrap().api_error, api_error);
    assert_eq!(stage(&s.model), Some(StageKind::Preview));
    let audit = s.audit();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["outcome"], "created");
    let name = audit[0]["name"].as_str().unwrap();
    assert!(s.server_names(Kind::OpsRequest).contains(name));
}

/// Opens `:vscale` on the selected cluster; returns the cluster its load asks for.
fn open_vscale(m: &mut Model) -> ObjKey {
    update(m, ch(':'));
    crate::app_fixtures::type_text(m, "vscale");
    let cmds = update(m, key(KeyCode::Enter));
    let Some(Cmd::Form(FormCmd::LoadContext { cluster })) = cmds.last() else {
        panic!("expected LoadContext, got {cmds:?}");
    };
    cluster.clone()
}

/// The fixture context, as loaded for `cluster` in `phase`.
fn context(cluster: &ObjKey, phase: &str) -> FormContext {
    let mut ctx = fixture_context();
    ctx.cluster = cluster.name.to_string();
    ctx.namespace = cluster.namespace.to_string();
    ctx.phase = phase.into();
    ctx
}

fn loaded(cluster: &ObjKey, result: Result<FormContext, String>) -> Msg {
    Msg::Form(FormMsg::Context {
        cluster: cluster.clone(),
        result: result.map(Box::new),
    })
}

#[test]
fn the_late_answer_to_an_abandoned_load_leaves_the_new_form_alone() {
    let mut m = crate::app_fixtures::model_with(&crate::app_fixtures::fleet(), 100, 30);
    let cluster = open_vscale(&mut m);
    update(&mut m, key(KeyCode::Esc));
    assert!(m.forms.modal.is_none());
    assert_eq!(open_vscale(&mut m), cluster);
    update(&mut m, loaded(&cluster, Ok(context(&cluster, "Running"))));
    assert_eq!(stage(&m), Some(StageKind::Edit));
    let before = FormState::of(&m);

    // The abandoned load answers now: an older context, then (another attempt) a failure.
    update(&mut m, loaded(&cluster, Ok(context(&cluster, "Updating"))));
    update(
        &mut m,
        loaded(&cluster, Err("cannot read cluster: timeout".into())),
    );
    let modal = m.forms.modal.as_ref().expect("the new form stays open");
    assert_eq!(modal.op_context().unwrap().phase, "Running");
    assert_eq!(FormState::of(&m), before);
    assert!(m.notice.is_none(), "{:?}", m.notice);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_that_never_answers_ends_each_effect_with_a_message() {
    let mut s = Session::start("no-answer", 100, 30).await;
    s.until("initial sync", |m| all_live(m) && m.store.pods.len() == 2)
        .await;
    s.vscale_preview().await;
    let request = s
        .model
        .forms
        .modal
        .as_ref()
        .unwrap()
        .stage
        .review()
        .unwrap()
        .request
        .clone();
    // An hour per answer: as good as none.
    s.server.faults.set_latency(Duration::from_secs(3600));
    let client = s.server.client().expect("client");
    let audit = s.dir.join("audit.jsonl");
    let limit = Duration::from_millis(300);
    let run = |cmd| run_within(limit, &client, "demo", Some(&audit), cmd);

    let cluster = ObjKey::new("demo", "pg-cluster");
    let FormMsg::Context { result, .. } = run(FormCmd::LoadContext { cluster }).await else {
        panic!("a context answer");
    };
    assert_eq!(result.unwrap_err(), "no answer from the API within 300ms");
    let FormMsg::DryRun { result, .. } = run(FormCmd::DryRun {
        ctx: kbdash_core::rows::Ctx(0),
        attempt: 1,
        request: Outgoing(request.clone()),
    })
    .await
    else {
        panic!("a dry-run answer");
    };
    assert_eq!(result.unwrap_err(), "no answer from the API within 300ms");
    let FormMsg::Submitted { result, .. } = run(FormCmd::Submit {
        ctx: kbdash_core::rows::Ctx(0),
        attempt: 2,
        request: Outgoing(request),
    })
    .await
    else {
        panic!("a submit answer");
    };
    let e = result.unwrap_err();
    assert_eq!(
        e,
        "no answer from the API within 300ms: it may still have been carried out"
    );
    let audit = s.audit();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["outcome"], format!("unanswered: {e}"));
}
