//! End to end on the demo server through the forms' Cmd executor
//! (`kbdash::runtime::form_effects::run`): a switchover built from live objects is dry-run,
//! submitted, audited, reaches Succeed and flips the primary; a reconfigure with a bad value
//! is refused locally and the request log shows no POST to opsrequests. Polls are bounded.

use std::path::Path;
use std::time::Duration;

use kbdash::runtime::form_effects::run;
use kbdash::state::cmd::{FormCmd, Outgoing};
use kbdash::state::msg::FormMsg;
use kbdash_core::forms::{FormContext, OpForm};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;
use kbdash_demo::{DemoConfig, DemoServer};
use kube::api::{Api, DynamicObject, ListParams};

async fn start(log: &Path) -> DemoServer {
    DemoServer::start(DemoConfig {
        clusters: 6,
        seed: 7,
        speed: 200.0,
        request_log: Some(log.to_path_buf()),
        ..DemoConfig::default()
    })
    .await
    .unwrap()
}

async fn context(client: &kube::Client, cluster: ObjKey) -> FormContext {
    match run(client, "demo", None, FormCmd::LoadContext { cluster }).await {
        FormMsg::Context { result, .. } => *result.unwrap(),
        other => panic!("unexpected {other:?}"),
    }
}

/// A Running cluster with a primary and a ready secondary, as the form sees it.
async fn switchable(client: &kube::Client) -> FormContext {
    let api: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &kbdash::k8s::client::api_resource(Kind::Cluster),
    );
    for c in api.list(&ListParams::default()).await.unwrap().items {
        let key = ObjKey::new(
            c.metadata.namespace.clone().unwrap(),
            c.metadata.name.clone().unwrap(),
        );
        let ctx = context(client, key).await;
        let comp = ctx.component_names().into_iter().next().unwrap_or_default();
        if ctx.phase == "Running"
            && ctx.primary_of(&comp).is_some()
            && !ctx.ready_secondaries_of(&comp).is_empty()
        {
            return ctx;
        }
    }
    panic!("no switchable cluster in the seed");
}

#[tokio::test]
async fn switchover_submitted_through_the_executor_succeeds_and_flips_the_role() {
    let dir = std::env::temp_dir().join(format!("kbdash-formsui-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = start(&dir.join("requests.log")).await;
    let client = server.client().expect("client");
    let ctx = switchable(&client).await;
    let comp = ctx.component_names()[0].clone();
    let old_primary = ctx.primary_of(&comp).unwrap().name.clone();
    let request = OpForm::from_command("promote", &ctx)
        .unwrap()
        .validate(&ctx)
        .unwrap();

    let dry = run(
        &client,
        "demo",
        None,
        FormCmd::DryRun {
            ctx: kbdash_core::rows::Ctx(0),
            attempt: 1,
            request: Outgoing(request.clone()),
        },
    )
    .await;
    assert_eq!(
        dry,
        FormMsg::DryRun {
            attempt: 1,
            result: Ok(())
        }
    );
    let audit = dir.join("audit.jsonl");
    let name = match run(
        &client,
        "demo",
        Some(&audit),
        FormCmd::Submit {
            ctx: kbdash_core::rows::Ctx(0),
            attempt: 2,
            request: Outgoing(request),
        },
    )
    .await
    {
        FormMsg::Submitted { result, .. } => result.unwrap(),
        other => panic!("unexpected {other:?}"),
    };
    assert!(name.starts_with(&format!("{}-switchover-", ctx.cluster)));
    let audit_text = std::fs::read_to_string(&audit).unwrap();
    let record: serde_json::Value =
        serde_json::from_str(audit_text.lines().last().unwrap()).unwrap();
    assert_eq!(record["name"], name.as_str());
    assert_eq!(record["outcome"], "created");

    let ops: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        &ctx.namespace,
        &kbdash::k8s::client::api_resource(Kind::OpsRequest),
    );
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let op = serde_json::to_value(ops.get(&name).await.unwrap()).unwrap();
            if op["status"]["phase"] == "Succeed" {
                break;
            }
            assert_ne!(op["status"]["phase"], "Failed", "{op}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the switchover reaches Succeed");
    let after = context(&client, ObjKey::new(&ctx.namespace, &ctx.cluster)).await;
    let new_primary = after.primary_of(&comp).map(|p| p.name.clone());
    assert!(new_primary.is_some_and(|p| p != old_primary));
}

#[tokio::test]
async fn a_bad_reconfigure_is_refused_locally_and_nothing_is_posted() {
    let dir = std::env::temp_dir().join(format!("kbdash-formsui-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("requests.log");
    let server = start(&log).await;
    let client = server.client().expect("client");
    let ctx = switchable(&client).await;
    let mut form = OpForm::from_command("configure", &ctx).unwrap();
    form.set("parameters", "max_connections = banana").unwrap();
    let errors = form.validate(&ctx).unwrap_err();
    assert!(errors.iter().any(|e| e.field == "parameters"), "{errors:?}");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(text.contains(" GET "), "the context was read: {text}");
    assert!(
        !text
            .lines()
            .any(|l| l.contains(" POST ") && l.contains("opsrequests")),
        "{text}"
    );
    drop(server);
}
