//! The read-only gate covers the lifecycle requests: a cluster's create, the merge patch of
//! its termination policy and its DELETE, sent through the one write path (the form effects'
//! dry run and submit, `k8s::submit`), are refused before they leave the process; the demo
//! server's request log shows no write. Without the gate the same path reaches the server.

use kbdash::k8s::client::{Source, connect};
use kbdash::k8s::gate;
use kbdash::runtime::form_effects;
use kbdash::state::cmd::{FormCmd, Outgoing};
use kbdash::state::msg::FormMsg;
use kbdash_core::forms::examples::fixture_context;
use kbdash_core::forms::{FormContext, OpForm, OpKind, Request};
use kbdash_core::rows::Ctx;
use kbdash_demo::{DemoConfig, DemoServer};

/// The fixture context on the demo's first cluster.
fn context(server: &DemoServer) -> FormContext {
    let (objects, _) = server.store.list(kbdash_core::kinds::Kind::Cluster, None);
    let first = objects.first().expect("a seeded cluster").value();
    let mut ctx = fixture_context();
    ctx.cluster = first["metadata"]["name"].as_str().unwrap().to_string();
    ctx.namespace = first["metadata"]["namespace"].as_str().unwrap().to_string();
    ctx
}

/// The create, termination policy patch and delete requests of the lifecycle forms.
fn requests(ctx: &FormContext) -> Vec<Request> {
    let mut create = OpForm::from_command("create", ctx).unwrap();
    create.set("name", "ro-new").unwrap();
    let mut policy = OpForm::new(OpKind::TerminationPolicy, ctx);
    policy.set("policy", "WipeOut").unwrap();
    let delete = OpForm::new(OpKind::Delete, ctx);
    [create, policy, delete]
        .iter()
        .map(|f| f.validate(ctx).unwrap())
        .collect()
}

async fn send(client: &kube::Client, request: &Request, dry_run: bool) -> Result<(), String> {
    let request = Outgoing(request.clone());
    let cmd = if dry_run {
        FormCmd::DryRun {
            ctx: Ctx::default(),
            attempt: 1,
            request,
        }
    } else {
        FormCmd::Submit {
            ctx: Ctx::default(),
            attempt: 1,
            request,
        }
    };
    match form_effects::run(client, "demo", None, cmd).await {
        FormMsg::DryRun { result, .. } => result,
        FormMsg::Submitted { result, .. } => result.map(|_| ()),
        other => panic!("unexpected answer {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gate_refuses_create_patch_and_delete_on_the_one_write_path() {
    let dir = std::env::temp_dir().join(format!("kbdash-ro-lifecycle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("requests.log");
    let _ = std::fs::remove_file(&log);
    let server = DemoServer::start(DemoConfig {
        clusters: 1,
        request_log: Some(log.clone()),
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let connection = connect(&Source::Url(server.url.clone()), None)
        .await
        .unwrap();
    let gated = gate::guard(connection.client.clone(), true);
    let ctx = context(&server);
    let requests = requests(&ctx);
    let mut refused = Vec::new();
    for request in &requests {
        for dry_run in [true, false] {
            let e = send(&gated, request, dry_run)
                .await
                .expect_err("a lifecycle write went through the read-only gate");
            let method = e
                .split("read-only mode: refused ")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or_else(|| panic!("not the gate's refusal: {e}"))
                .to_string();
            refused.push(method);
        }
    }
    assert_eq!(
        refused,
        ["POST", "POST", "PATCH", "PATCH", "DELETE", "DELETE"]
    );
    let writes: Vec<String> = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.split_whitespace().nth(1) != Some("GET"))
        .map(str::to_string)
        .collect();
    assert!(writes.is_empty(), "writes reached the server: {writes:?}");

    // The same path without the gate reaches the server: the dry runs are answered.
    for request in &requests {
        send(&connection.client, request, true)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", request.action));
    }
    let lines = std::fs::read_to_string(&log).unwrap();
    for method in ["POST", "PATCH", "DELETE"] {
        assert!(
            lines
                .lines()
                .any(|l| l.split_whitespace().nth(1) == Some(method)),
            "{method} in {lines}"
        );
    }
    // kube sends a delete's dry run in its DeleteOptions: the cluster is untouched.
    let cluster = server
        .store
        .get_value(
            kbdash_core::kinds::Kind::Cluster,
            Some(&ctx.namespace),
            &ctx.cluster,
        )
        .expect("the dry run deleted nothing");
    assert!(cluster["metadata"].get("deletionTimestamp").is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}
