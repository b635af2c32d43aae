//! A submit that fails, through the real engine and form effect executor against the demo
//! server: with the network gone (connections refused), with a 500 and with a 422 from the
//! API (the `fail-writes` fault). Each time the form comes back to its preview with the field
//! values and the edited YAML exactly as they were and the API's refusal shown; every attempt
//! is audited; once the fault is cleared the same Enter submits the same request, which the
//! server then holds (edit included). The `fail-writes` fault is also checked on its own,
//! through its HTTP admin endpoint: writes refused with the status asked for, reads untouched.

use std::time::Duration;

use crate::resilience_support::{FormState, NS, Session, all_live, ch, key, stage};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kbdash::state::forms::StageKind;
use kbdash::state::model::StreamState;
use kbdash::state::msg::Msg;
use kbdash::state::store::WATCHED;
use kbdash_core::kinds::Kind;
use kbdash_demo::DemoServer;
use serde_json::json;

/// The line the test adds to the YAML preview.
const EDIT: &str = "    team: oncall";

/// Polls until the server's port refuses connections (the refusal fault takes effect on the
/// server's own task), 5 s at most.
async fn until_refused(server: &DemoServer) {
    let addr = server.url.trim_start_matches("http://").to_string();
    let refused = tokio::time::timeout(Duration::from_secs(5), async {
        while tokio::net::TcpStream::connect(&addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(refused.is_ok(), "the port still accepts connections");
}

/// Submits from the preview and waits for the answer; returns the API's refusal shown.
async fn submit_refused(s: &mut Session, before: &FormState) -> String {
    s.press(key(KeyCode::Enter));
    assert_eq!(stage(&s.model), Some(StageKind::Submitting));
    s.until("the submit's answer", |m| {
        stage(m) != Some(StageKind::Submitting)
    })
    .await;
    assert_eq!(&FormState::of(&s.model), before, "the form is as it was");
    s.model
        .forms
        .modal
        .as_ref()
        .unwrap()
        .api_error
        .clone()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_submits_keep_the_form_and_the_edited_yaml_and_a_retry_succeeds() {
    let mut s = Session::start("submit-failure", 100, 30).await;
    s.until("initial sync", |m| all_live(m) && m.store.pods.len() == 2)
        .await;
    s.vscale_preview().await;

    // Edit the YAML: a label under metadata.labels (line 5), then Ctrl-S checks and dry-runs it.
    // The editor starts at the spec: Alt-< goes to the first line.
    s.press(ch('e'));
    s.press(Msg::Key(KeyEvent::new(
        KeyCode::Char('<'),
        KeyModifiers::ALT,
    )));
    for _ in 0..4 {
        s.press(key(KeyCode::Down));
    }
    s.press(key(KeyCode::End));
    s.press(key(KeyCode::Enter));
    s.type_text(EDIT);
    s.press(Msg::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(stage(&s.model), Some(StageKind::DryRun));
    s.until("the edit's dry run", |m| {
        stage(m) == Some(StageKind::Preview)
    })
    .await;
    let before = FormState::of(&s.model);
    assert!(before.yaml.iter().any(|l| l == EDIT), "{:?}", before.yaml);
    assert_eq!(
        before.request.as_ref().unwrap()["metadata"]["labels"]["team"],
        "oncall"
    );
    assert!(
        before
            .fields
            .contains(&("cpu_limit".to_string(), "2".to_string()))
    );

    s.server
        .faults
        .refuse_connections(Duration::from_secs(3600));
    until_refused(&s.server).await;
    s.until("every stream has seen the cut", |m| {
        WATCHED.iter().all(|k| {
            matches!(
                m.streams.get(&(kbdash_core::rows::Ctx(0), *k)),
                Some(StreamState::Reconnecting { .. })
            )
        })
    })
    .await;
    let refused = submit_refused(&mut s, &before).await;
    assert!(refused.starts_with("submit refused: "), "{refused}");

    s.server.faults.clear();
    s.until("the watches are back", all_live).await;
    assert_eq!(&FormState::of(&s.model), &before, "the form is as it was");
    s.server.faults.fail_writes(500);
    let refused = submit_refused(&mut s, &before).await;
    assert_eq!(
        refused,
        "submit refused: injected fault: every write is answered with 500"
    );
    insta::assert_snapshot!("refused_500_100x30", s.render());

    s.server.faults.fail_writes(422);
    let refused = submit_refused(&mut s, &before).await;
    assert!(refused.ends_with("answered with 422"), "{refused}");
    assert!(
        s.server_names(Kind::OpsRequest)
            .iter()
            .all(|n| !n.contains("verticalscaling")),
        "nothing was created"
    );

    // The fault is gone: the same Enter sends the same request.
    s.server.faults.clear();
    s.press(key(KeyCode::Enter));
    s.until("submitted", |m| m.forms.modal.is_none()).await;
    let created: Vec<_> = s
        .server
        .store
        .list(Kind::OpsRequest, Some(NS))
        .0
        .iter()
        .map(|o| o.value())
        .filter(|v| v["spec"]["type"] == "VerticalScaling")
        .collect();
    assert_eq!(created.len(), 1, "one OpsRequest, from the retry");
    assert_eq!(created[0]["metadata"]["labels"]["team"], "oncall");
    assert_eq!(
        created[0]["spec"]["verticalScaling"][0]["limits"]["cpu"],
        json!("2")
    );
    let notice = s.model.notice.clone().unwrap().0;
    assert!(notice.contains("submitted"), "{notice}");

    let outcomes: Vec<String> = s
        .audit()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(outcomes.len(), 4, "{outcomes:?}");
    assert!(outcomes[..3].iter().all(|o| o.starts_with("refused: ")));
    assert_eq!(outcomes[3], "created");
}
