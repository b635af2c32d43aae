//! Evidence in triage (issue 16 item 4): Enter on a problem shows on one screen the problem, the
//! last lines of the container that matters (fetched once, here answered by the test), the
//! component message and the events; `f` opens the usual remedy's form prefilled, which
//! read-only mode neither offers nor opens.

use crate::app_fixtures::{ch, cluster, key, model_with, objects, pod, render};
use crossterm::event::KeyCode;
use kbdash::state::cmd::{Cmd, FormCmd};
use kbdash::state::model::{Model, Overlay};
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::domain::evidence::{LogPlan, LogPod};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, ObjRef};
use serde_json::json;

/// billing, whose primary crash-loops.
fn crashing_primary() -> Model {
    let mut objs = objects();
    objs.push((
        Kind::Cluster,
        cluster("ops", "billing", "Abnormal", 2, "2025-06-04T12:00:00Z"),
    ));
    let mut p0 = pod("ops", "billing", 0, "primary", false);
    p0["status"]["containerStatuses"][0]["state"] =
        json!({"waiting": {"reason": "CrashLoopBackOff"}});
    objs.push((Kind::Pod, p0));
    objs.push((Kind::Pod, pod("ops", "billing", 1, "secondary", true)));
    model_with(&objs, 140, 60)
}

/// Opens triage and Enter on the problem about `object`.
fn enter_problem(m: &mut Model, object: &ObjRef) -> Vec<Cmd> {
    update(m, ch('!'));
    let index = m
        .triage
        .problems
        .iter()
        .position(|p| p.object.as_ref() == Some(object))
        .expect("a problem about the object");
    if let Overlay::Triage { selected } = &mut m.overlay {
        *selected = index;
    }
    update(m, key(KeyCode::Enter))
}

fn primary() -> ObjRef {
    ObjRef {
        kind: Kind::Pod,
        key: ObjKey::new("ops", "billing-postgresql-0"),
    }
}

#[test]
fn a_crash_looping_primary_shows_its_crashed_postgresql_and_f_opens_a_switchover() {
    let mut m = crashing_primary();
    let cmds = enter_problem(&mut m, &primary());
    let plan = LogPlan {
        pod: LogPod::Named("billing-postgresql-0".into()),
        container: "postgresql".into(),
        previous: true,
    };
    assert!(
        cmds.contains(&Cmd::FetchLogTail {
            object: primary(),
            namespace: "ops".into(),
            plan,
        }),
        "{cmds:?}"
    );
    assert!(render(&m).contains("loading…"));
    let lines = vec![
        "2025-06-05 08:59:58 UTC [1] LOG:  database system was interrupted".to_string(),
        "2025-06-05 08:59:59 UTC [1] FATAL:  could not write lock file \"postmaster.pid\": No space left on device".to_string(),
    ];
    // An answer about another object changes nothing.
    let other = ObjRef {
        kind: Kind::Pod,
        key: ObjKey::new("ops", "billing-postgresql-1"),
    };
    update(
        &mut m,
        Msg::LogTail {
            object: other,
            result: Ok(vec!["x".into()]),
        },
    );
    update(
        &mut m,
        Msg::LogTail {
            object: primary(),
            result: Ok(lines),
        },
    );
    let s = render(&m);
    assert!(s.contains("Evidence (from triage)"), "{s}");
    assert!(
        s.contains("billing-postgresql-0 / postgresql (previous, crashed instance)"),
        "{s}"
    );
    assert!(s.contains("No space left on device"), "{s}");
    assert!(s.contains("f: open the Switchover form, prefilled"), "{s}");
    insta::assert_snapshot!("evidence_crash_looping_primary", s);

    let cmds = update(&mut m, ch('f'));
    assert_eq!(
        cmds,
        [Cmd::Form(FormCmd::LoadContext {
            cluster: ObjKey::new("ops", "billing")
        })]
    );
    assert!(m.forms.modal.is_some(), "the Switchover form opens");
}

#[test]
fn read_only_mode_neither_offers_nor_opens_the_remedy_and_a_missing_log_says_why() {
    let mut m = crashing_primary();
    m.readonly = true;
    enter_problem(&mut m, &primary());
    let why = "no log of billing-postgresql-0/postgresql: previous terminated container not found";
    update(
        &mut m,
        Msg::LogTail {
            object: primary(),
            result: Err(why.into()),
        },
    );
    let s = render(&m);
    assert!(s.contains(&format!("! {why}")), "{s}");
    assert!(!s.contains("f: open"), "{s}");
    assert!(update(&mut m, ch('f')).is_empty());
    assert!(m.forms.modal.is_none());
    // Leaving the detail drops the evidence: a detail opened otherwise shows none.
    update(&mut m, key(KeyCode::Esc));
    assert!(m.evidence.is_none());
}
