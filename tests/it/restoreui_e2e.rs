//! The restore wizard's effects on the demo server: `FormCmd::LoadRestore` reads a continuous
//! backup, its namespace's backups and the clusters through the kube client and builds a
//! context with a recoverable window; the wizard's initial request passes the server's dry run
//! and is created by `FormCmd::Submit`, audited.

use kbdash::runtime::form_effects::run;
use kbdash::state::cmd::{FormCmd, Outgoing};
use kbdash::state::msg::FormMsg;
use kbdash_core::forms::RestoreInput;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;
use kbdash_demo::{DemoConfig, DemoServer};
use kube::api::{Api, DynamicObject, ListParams};

#[tokio::test]
async fn load_restore_dry_run_and_submit_through_the_executor() {
    let server = DemoServer::start(DemoConfig {
        clusters: 6,
        seed: 7,
        speed: 200.0,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let client = server.client().expect("client");
    let api: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &kbdash::k8s::client::api_resource(Kind::Backup),
    );
    let backups = api.list(&ListParams::default()).await.unwrap().items;
    let mut found = None;
    for b in &backups {
        let v = serde_json::to_value(b).unwrap();
        let continuous = v
            .pointer("/metadata/labels/dataprotection.kubeblocks.io~1backup-type")
            .and_then(|t| t.as_str())
            == Some("Continuous");
        if !continuous || v.pointer("/status/phase").and_then(|p| p.as_str()) != Some("Running") {
            continue;
        }
        let key = ObjKey::new(
            b.metadata.namespace.clone().unwrap(),
            b.metadata.name.clone().unwrap(),
        );
        let FormMsg::RestoreContext { backup, result } = run(
            &client,
            "demo",
            None,
            FormCmd::LoadRestore {
                backup: key.clone(),
            },
        )
        .await
        else {
            panic!("unexpected answer");
        };
        assert_eq!(backup, key);
        let ctx = *result.unwrap();
        if ctx.window().is_ok() {
            found = Some(ctx);
            break;
        }
    }
    let ctx = found.expect("a seeded continuous backup with a recoverable window");
    assert!(!ctx.clusters.is_empty(), "the clusters were listed");
    let input = RestoreInput::initial(&ctx);
    let request = input.validate(&ctx).unwrap();
    let FormMsg::DryRun { result, .. } = run(
        &client,
        "demo",
        None,
        FormCmd::DryRun {
            ctx: kbdash_core::rows::Ctx(0),
            attempt: 1,
            request: Outgoing(request.clone()),
        },
    )
    .await
    else {
        panic!("unexpected answer");
    };
    result.unwrap();
    let dir = std::env::temp_dir().join(format!("kbdash-restoreui-e2e-{}", std::process::id()));
    let audit = dir.join("audit.jsonl");
    let FormMsg::Submitted { kind, result, .. } = run(
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
    else {
        panic!("unexpected answer");
    };
    assert_eq!(kind, Kind::OpsRequest);
    assert_eq!(result.unwrap(), input.name);
    let log = std::fs::read_to_string(&audit).unwrap();
    assert!(log.contains(&input.name), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
