//! Table tests per form: valid inputs build the expected object; each invalid input gives
//! its specific message on its field and builds nothing.

use kbdash_core::forms::examples::fixture_context;
use kbdash_core::forms::{
    FieldError, FormContext, OpForm, OpKind, Request, RequestAction, allowed_cluster_phases,
    confirmation_matches,
};
use serde_json::{Value, json};

type Fields<'a> = &'a [(&'a str, &'a str)];

fn run(op: OpKind, ctx: &FormContext, fields: Fields) -> Result<Request, Vec<FieldError>> {
    let mut form = OpForm::new(op, ctx);
    for (f, v) in fields {
        form.set(f, v).unwrap_or_else(|e| panic!("{e}"));
    }
    form.validate(ctx)
}

fn spec(op: OpKind, ctx: &FormContext, fields: Fields) -> Value {
    let r = run(op, ctx, fields).unwrap_or_else(|e| panic!("{op:?} {fields:?}: {e:?}"));
    r.body["spec"].clone()
}

/// Asserts the input is refused with exactly `message` on `field` among the errors.
fn refused(op: OpKind, ctx: &FormContext, fields: Fields, field: &str, message: &str) {
    match run(op, ctx, fields) {
        Ok(r) => panic!("{op:?} {fields:?} built {:#}", r.body),
        Err(errors) => assert!(
            errors.contains(&FieldError::new(field, message)),
            "{op:?} {fields:?}: want {field}: {message:?}, got {errors:#?}"
        ),
    }
}

fn ctx() -> FormContext {
    fixture_context()
}

fn with_phase(phase: &str) -> FormContext {
    FormContext {
        phase: phase.to_string(),
        ..fixture_context()
    }
}

/// Three pods; pod 2 holds `role2`.
fn three_pods(role2: &str) -> FormContext {
    let mut c = fixture_context();
    c.components[0].replicas = 3;
    c.pods[0].role = Some(
        if role2 == "primary" {
            "secondary"
        } else {
            "primary"
        }
        .into(),
    );
    let mut p2 = c.pods[1].clone();
    p2.name = "pg-cluster-postgresql-2".into();
    p2.role = Some(role2.into());
    c.pods.push(p2);
    c
}

#[test]
fn ops_requests_carry_kbcli_metadata() {
    let r = run(OpKind::Restart, &ctx(), &[]).unwrap();
    assert_eq!(r.kind, kbdash_core::kinds::Kind::OpsRequest);
    assert_eq!(r.action, RequestAction::Create);
    assert_eq!(r.namespace, "demo");
    assert_eq!(
        r.body,
        json!({
            "apiVersion": "operations.kubeblocks.io/v1alpha1",
            "kind": "OpsRequest",
            "metadata": {
                "generateName": "pg-cluster-restart-",
                "namespace": "demo",
                "labels": {
                    "app.kubernetes.io/instance": "pg-cluster",
                    "app.kubernetes.io/managed-by": "kubeblocks",
                },
            },
            "spec": {"clusterName": "pg-cluster", "type": "Restart", "restart": [{"componentName": "postgresql"}]},
        })
    );
    let r = run(OpKind::VolumeExpansion, &ctx(), &[("storage", "30Gi")]).unwrap();
    assert_eq!(
        r.body["metadata"]["generateName"],
        "pg-cluster-volumeexpansion-"
    );
}

#[test]
fn horizontal_scaling() {
    use OpKind::HorizontalScaling as H;
    assert_eq!(
        spec(H, &ctx(), &[("replica_changes", "2")])["horizontalScaling"],
        json!([{"componentName": "postgresql", "scaleOut": {"replicaChanges": 2}}])
    );
    assert_eq!(
        spec(
            H,
            &ctx(),
            &[
                ("direction", "in"),
                ("instances", "pg-cluster-postgresql-1")
            ]
        )["horizontalScaling"],
        json!([{"componentName": "postgresql", "scaleIn": {"replicaChanges": 1, "onlineInstancesToOffline": ["pg-cluster-postgresql-1"]}}])
    );
    let r = run(
        H,
        &three_pods("secondary"),
        &[
            ("direction", "in"),
            (
                "instances",
                "pg-cluster-postgresql-2,pg-cluster-postgresql-1",
            ),
        ],
    )
    .unwrap();
    assert_eq!(
        r.notes,
        [
            "postgresql: replicas 3 -> 1",
            "pods deleted: pg-cluster-postgresql-2, pg-cluster-postgresql-1"
        ]
    );
    // removing the primary only when asked
    let primary_last = three_pods("primary");
    let remove_primary = [
        ("direction", "in"),
        ("instances", "pg-cluster-postgresql-2"),
    ];
    refused(
        H,
        &primary_last,
        &remove_primary,
        "instances",
        "pg-cluster-postgresql-2 is the primary: pick secondaries, or allow removing the primary",
    );
    let mut allowed = remove_primary.to_vec();
    allowed.push(("allow_primary", "true"));
    assert!(run(H, &primary_last, &allowed).is_ok());

    let changes_msg = "replicas to add must be a whole number of at least 1";
    for bad in ["0", "-1", "abc", "", "1.5", "99999999999"] {
        refused(
            H,
            &ctx(),
            &[("replica_changes", bad)],
            "replica_changes",
            changes_msg,
        );
    }
    refused(
        H,
        &ctx(),
        &[("direction", "in")],
        "instances",
        "pick the instances to remove (space picks the one under the cursor)",
    );
    refused(
        H,
        &ctx(),
        &[
            ("direction", "in"),
            (
                "instances",
                "pg-cluster-postgresql-1,pg-cluster-postgresql-1",
            ),
        ],
        "instances",
        "instance pg-cluster-postgresql-1 is listed twice",
    );
    refused(
        H,
        &ctx(),
        &[
            ("direction", "in"),
            (
                "instances",
                "pg-cluster-postgresql-0,pg-cluster-postgresql-1,pg-cluster-postgresql-7",
            ),
        ],
        "instances",
        "\"scaleIn.replicaChanges\" can't be greater than 2 for component \"postgresql\"",
    );
    refused(
        H,
        &ctx(),
        &[("replica_changes", "16383")],
        "replica_changes",
        "the number of replicas after scaling up violates the replica limit for component \"postgresql\"",
    );
    refused(
        H,
        &ctx(),
        &[
            ("direction", "in"),
            (
                "instances",
                "pg-cluster-postgresql-0,pg-cluster-postgresql-1",
            ),
            ("allow_primary", "true"),
        ],
        "instances",
        "scale-in must leave at least 1 replica of postgresql (it has 2)",
    );
    refused(
        H,
        &three_pods("secondary"),
        &[
            ("direction", "in"),
            ("instances", "pg-cluster-postgresql-9"),
        ],
        "instances",
        "instance pg-cluster-postgresql-9 is not a pod of component postgresql",
    );
    refused(
        H,
        &with_phase("Stopped"),
        &[],
        "",
        "OpsRequest.spec.type=HorizontalScaling is forbidden when Cluster.status.phase=Stopped",
    );
    refused(
        H,
        &ctx(),
        &[("component", "pgbouncer")],
        "component",
        "components: [pgbouncer] not found, in cluster.spec.componentSpecs or cluster.spec.shardingSpecs",
    );
    // field rules come first: a bad field hides the phase error
    let errors = run(H, &with_phase("Stopped"), &[("replica_changes", "x")]).unwrap_err();
    assert_eq!(
        errors,
        vec![FieldError::new("replica_changes", changes_msg)]
    );
}

#[test]
fn horizontal_scaling_shows_the_resulting_replicas() {
    let mut form = OpForm::from_command("scale-in", &ctx()).unwrap();
    let field = |form: &OpForm, name: &str| {
        form.fields(&ctx())
            .into_iter()
            .find(|f| f.name == name)
            .unwrap()
    };
    let names = |form: &OpForm| -> Vec<String> {
        form.fields(&ctx()).into_iter().map(|f| f.name).collect()
    };
    // Scale-in is choosing instances: the secondaries first, the primary last.
    assert_eq!(
        names(&form),
        ["component", "direction", "instances", "allow_primary"]
    );
    let instances = field(&form, "instances");
    assert_eq!(
        instances.choices,
        vec!["pg-cluster-postgresql-1", "pg-cluster-postgresql-0"]
    );
    assert_eq!(
        instances.hint.as_deref(),
        Some("replicas 2; secondaries first; primary pg-cluster-postgresql-0 (last)")
    );
    form.set("instances", "pg-cluster-postgresql-1").unwrap();
    assert_eq!(
        field(&form, "instances").hint.as_deref(),
        Some("replicas 2 -> 1; secondaries first; primary pg-cluster-postgresql-0 (last)")
    );
    form.set("direction", "out").unwrap();
    form.set("replica_changes", "3").unwrap();
    assert_eq!(names(&form), ["component", "direction", "replica_changes"]);
    assert_eq!(
        field(&form, "replica_changes").hint.as_deref(),
        Some("replicas 2 -> 5")
    );
}

#[test]
fn a_selected_pod_starts_the_form() {
    // `:scale-in <pod>`: the pod is picked; a scale-out started from a pod picks it too, for
    // when the direction turns to in.
    let form = OpForm::from_command("scale-in pg-cluster-postgresql-1", &ctx()).unwrap();
    let request = form.validate(&ctx()).unwrap();
    assert_eq!(
        request.body["spec"]["horizontalScaling"][0]["scaleIn"]["onlineInstancesToOffline"],
        json!(["pg-cluster-postgresql-1"])
    );
    let mut form = OpForm::new(OpKind::HorizontalScaling, &ctx());
    form.preselect(&ctx(), "pg-cluster-postgresql-0");
    form.set("direction", "in").unwrap();
    let instances = form
        .fields(&ctx())
        .into_iter()
        .find(|f| f.name == "instances")
        .unwrap();
    assert_eq!(instances.value, "pg-cluster-postgresql-0");
    // A name that is not one of the cluster's pods changes nothing.
    let mut form = OpForm::from_command("scale-in", &ctx()).unwrap();
    form.preselect(&ctx(), "billing-postgresql-0");
    assert_eq!(form, OpForm::from_command("scale-in", &ctx()).unwrap());
    // A ready secondary becomes the switchover candidate; the primary does not.
    let promote = OpForm::from_command("promote pg-cluster-postgresql-1", &ctx()).unwrap();
    assert_eq!(
        promote.validate(&ctx()).unwrap().body["spec"]["switchover"][0]["candidateName"],
        "pg-cluster-postgresql-1"
    );
    let promote = OpForm::from_command("promote pg-cluster-postgresql-0", &ctx()).unwrap();
    assert_eq!(promote, OpForm::new(OpKind::Switchover, &ctx()));
}

#[test]
fn vertical_scaling() {
    use OpKind::VerticalScaling as V;
    assert_eq!(
        spec(
            V,
            &ctx(),
            &[
                ("cpu_request", "2"),
                ("cpu_limit", "2"),
                ("memory_request", "4Gi"),
                ("memory_limit", "4Gi")
            ]
        )["verticalScaling"],
        json!([{"componentName": "postgresql", "requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}])
    );
    assert_eq!(
        spec(
            V,
            &ctx(),
            &[
                ("cpu_request", "500m"),
                ("cpu_limit", ""),
                ("memory_request", ""),
                ("memory_limit", "")
            ]
        )["verticalScaling"],
        json!([{"componentName": "postgresql", "requests": {"cpu": "500m"}}])
    );
    refused(
        V,
        &ctx(),
        &[("cpu_request", "2 cores")],
        "cpu_request",
        "CPU request: \"2 cores\" is not a quantity: use 2",
    );
    refused(
        V,
        &ctx(),
        &[("memory_limit", "0")],
        "memory_limit",
        "Memory limit must be greater than 0",
    );
    refused(
        V,
        &ctx(),
        &[("memory_limit", "2GB")],
        "memory_limit",
        "Memory limit: \"2GB\" is not a quantity: use 2Gi",
    );
    refused(
        V,
        &ctx(),
        &[
            ("cpu_request", ""),
            ("cpu_limit", ""),
            ("memory_request", ""),
            ("memory_limit", ""),
        ],
        "cpu_request",
        "set at least one request or limit",
    );
    refused(
        V,
        &ctx(),
        &[("cpu_request", "4"), ("cpu_limit", "2")],
        "cpu_request",
        "invalid value for \"4\": must be less than or equal to cpu limit",
    );
    refused(
        V,
        &ctx(),
        &[("cpu_request", "4"), ("cpu_limit", "")],
        "cpu_request",
        "cpu request 4 must not exceed the cpu limit 1",
    );
    refused(
        V,
        &ctx(),
        &[("memory_request", ""), ("memory_limit", "1Gi")],
        "memory_limit",
        "memory request 2Gi must not exceed the memory limit 1Gi",
    );
    refused(
        V,
        &ctx(),
        &[("cpu_request", "1000m")],
        "cpu_request",
        "nothing changes: the resources are already these",
    );
    refused(
        V,
        &with_phase("Creating"),
        &[("cpu_limit", "2")],
        "",
        "OpsRequest.spec.type=VerticalScaling is forbidden when Cluster.status.phase=Creating",
    );
}

#[test]
fn switchover() {
    use OpKind::Switchover as S;
    assert_eq!(
        spec(S, &ctx(), &[])["switchover"],
        json!([{"componentName": "postgresql", "instanceName": "pg-cluster-postgresql-0"}])
    );
    assert_eq!(
        spec(S, &ctx(), &[("candidate", "pg-cluster-postgresql-1")])["switchover"],
        json!([{"componentName": "postgresql", "instanceName": "pg-cluster-postgresql-0", "candidateName": "pg-cluster-postgresql-1"}])
    );
    refused(
        S,
        &ctx(),
        &[("candidate", "pg-cluster-postgresql-0")],
        "candidate",
        "pg-cluster-postgresql-0 is not a ready secondary of component postgresql",
    );
    let mut not_ready = ctx();
    not_ready.pods[1].ready = false;
    refused(
        S,
        &not_ready,
        &[],
        "candidate",
        "component postgresql has no ready secondary: switchover refused",
    );
    let mut no_primary = ctx();
    no_primary.pods[0].role = None;
    refused(
        S,
        &no_primary,
        &[],
        "instance",
        "component postgresql has no pod with role primary: nothing to switch over",
    );
    refused(
        S,
        &with_phase("Updating"),
        &[],
        "",
        "OpsRequest.spec.type=Switchover is forbidden when Cluster.status.phase=Updating",
    );
    // the instance shown is the primary, fixed
    let form = OpForm::new(S, &ctx());
    let instance = form
        .fields(&ctx())
        .into_iter()
        .find(|f| f.name == "instance")
        .unwrap();
    assert_eq!(
        (instance.value.as_str(), instance.editable),
        ("pg-cluster-postgresql-0", false)
    );
}

#[test]
fn reconfigure() {
    use OpKind::Reconfiguring as R;
    let r = run(R, &ctx(), &[("parameters", "# tuning\nmax_connections = 200\n\nwork_mem='8MB'\nshared_buffers = 1GB\nautovacuum = false")]).unwrap();
    assert_eq!(
        r.body["spec"]["reconfigures"],
        json!([{"componentName": "postgresql", "parameters": [
            {"key": "max_connections", "value": "200"},
            {"key": "work_mem", "value": "8MB"},
            {"key": "shared_buffers", "value": "1GB"},
            {"key": "autovacuum", "value": "false"},
        ]}])
    );
    assert_eq!(
        r.notes,
        vec![
            "shared_buffers: restart required (static parameter, rolling restart)".to_string(),
            "max_connections: applied by a Patroni restart of the primary only; the secondaries \
             keep the old value, pending restart, until they restart (kubeblocks-addons#1691): \
             run a Restart of postgresql afterwards to apply it everywhere"
                .to_string(),
        ]
    );
    assert_eq!(
        r.offer,
        Some(OpKind::Restart),
        "the Restart that finishes it"
    );
    let reload = run(
        R,
        &ctx(),
        &[("parameters", "work_mem = 8MB\nshared_buffers = 1GB")],
    )
    .unwrap();
    assert_eq!(
        reload.offer, None,
        "a reload, and a rolling restart, need no follow-up"
    );
    // allowed while Updating
    assert!(
        run(
            R,
            &with_phase("Updating"),
            &[("parameters", "work_mem = 8MB")]
        )
        .is_ok()
    );

    let p = "parameters";
    refused(
        R,
        &ctx(),
        &[(p, "")],
        p,
        "add at least one `name = value` row",
    );
    refused(
        R,
        &ctx(),
        &[(p, "work_mem 8MB")],
        p,
        "line 1: expected `name = value`",
    );
    refused(
        R,
        &ctx(),
        &[(p, "work_mem = 8MB\n = 1")],
        p,
        "line 2: the parameter name is missing",
    );
    refused(
        R,
        &ctx(),
        &[(p, "work_mem = 8MB\nwork_mem = 9MB")],
        p,
        "parameter work_mem is set twice",
    );
    refused(
        R,
        &ctx(),
        &[(p, "max_connections = 5")],
        p,
        "max_connections must be an integer between 6 and 8388607",
    );
    refused(
        R,
        &ctx(),
        &[(p, "autovacuum = on")],
        p,
        "autovacuum must be true or false",
    );
    refused(
        R,
        &ctx(),
        &[(p, "no_such = 1")],
        p,
        "parameter no_such not found in parameters schema",
    );
    refused(
        R,
        &ctx(),
        &[(p, "work_memm = 8MB")],
        p,
        "parameter work_memm not found in parameters schema (did you mean work_mem?)",
    );
    refused(
        R,
        &ctx(),
        &[(p, "data_directory = /tmp")],
        p,
        "immutable parameter data_directory cannot be modified",
    );
    refused(
        R,
        &ctx(),
        &[(p, "wal_level = logicall")],
        p,
        "wal_level must be one of: minimal, replica, logical",
    );
    refused(
        R,
        &with_phase("Stopped"),
        &[(p, "work_mem = 8MB")],
        "",
        "OpsRequest.spec.type=Reconfiguring is forbidden when Cluster.status.phase=Stopped",
    );
    let mut odd = ctx();
    odd.components[0].service_version = "latest".into();
    refused(
        R,
        &odd,
        &[(p, "work_mem = 8MB")],
        "component",
        "cannot tell the PostgreSQL major version from serviceVersion \"latest\"",
    );
    odd.components[0].service_version = "11.2.0".into();
    refused(
        R,
        &odd,
        &[(p, "work_mem = 8MB")],
        "component",
        "no parameter rules for PostgreSQL major version 11",
    );
}

#[test]
fn volume_expansion() {
    use OpKind::VolumeExpansion as VE;
    assert_eq!(
        spec(VE, &ctx(), &[("storage", "30Gi")])["volumeExpansion"],
        json!([{"componentName": "postgresql", "volumeClaimTemplates": [{"name": "data", "storage": "30Gi"}]}])
    );
    // any phase
    assert!(run(VE, &with_phase("Stopped"), &[("storage", "21Gi")]).is_ok());
    let larger = "the new size must be larger than the current size 20Gi";
    refused(VE, &ctx(), &[("storage", "20Gi")], "storage", larger);
    refused(VE, &ctx(), &[("storage", "21474836480")], "storage", larger);
    refused(VE, &ctx(), &[("storage", "10Gi")], "storage", larger);
    refused(
        VE,
        &ctx(),
        &[("storage", "30 GiB")],
        "storage",
        "size: \"30 GiB\" is not a quantity: use 30Gi",
    );
    let mut grown = ctx();
    grown.components[0].volumes[0].capacity = Some("25Gi".into());
    refused(
        VE,
        &grown,
        &[("storage", "22Gi")],
        "storage",
        "requested storage size of volumeClaimTemplate \"data\" can not less than status.capacity.storage \"25Gi\" ",
    );
    assert!(run(VE, &grown, &[("storage", "25Gi")]).is_ok());
    assert_eq!(
        run(VE, &ctx(), &[("storage", "30Gi")]).unwrap().notes,
        ["postgresql volumes data: 20Gi -> 30Gi; volumes cannot shrink afterwards"]
    );
    refused(
        VE,
        &ctx(),
        &[("volume", "logs")],
        "volume",
        "volumeClaimTemplates: [logs] not found in component: postgresql",
    );
}

#[test]
fn upgrade() {
    use OpKind::Upgrade as U;
    assert_eq!(
        spec(U, &ctx(), &[("service_version", "16.14.0")])["upgrade"],
        json!({"components": [{"componentName": "postgresql", "serviceVersion": "16.14.0"}]})
    );
    let f = "service_version";
    refused(
        U,
        &ctx(),
        &[(f, "16.9.0")],
        f,
        "16.9.0 is already the service version",
    );
    refused(
        U,
        &ctx(),
        &[(f, "17.5.0")],
        f,
        "17.5.0 is not of the same major version as the current 16.9.0: the ComponentVersion pairs each release only with the compDefs of its own major (postgresql-16-...), so an upgrade stays within PostgreSQL 16",
    );
    refused(
        U,
        &ctx(),
        &[(f, "16.99.0")],
        f,
        "16.99.0 is not a release of the ComponentVersion (same-major releases: 16.4.0, 16.9.0, 16.14.0)",
    );
    refused(U, &ctx(), &[(f, "")], f, "service version is required");
    let mut unknown_releases = ctx();
    unknown_releases.releases.clear();
    assert!(run(U, &unknown_releases, &[(f, "16.99.0")]).is_ok());
    let choices = OpForm::new(U, &ctx())
        .fields(&ctx())
        .into_iter()
        .find(|x| x.name == f)
        .unwrap()
        .choices;
    assert_eq!(choices, vec!["16.4.0", "16.9.0", "16.14.0"]);
}

#[test]
fn expose() {
    use OpKind::Expose as E;
    let mut form = OpForm::new(E, &ctx());
    form.set("preset", "azure-internal").unwrap();
    let annotations = form
        .fields(&ctx())
        .into_iter()
        .find(|f| f.name == "annotations")
        .unwrap()
        .value;
    assert_eq!(
        annotations,
        "service.beta.kubernetes.io/azure-load-balancer-internal: true\n"
    );
    assert_eq!(
        form.validate(&ctx()).unwrap().body["spec"]["expose"],
        json!([{"componentName": "postgresql", "switch": "Enable", "services": [{
            "name": "vpc", "serviceType": "LoadBalancer", "roleSelector": "primary",
            "annotations": {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
        }]}])
    );
    assert_eq!(
        spec(
            E,
            &ctx(),
            &[("switch", "Disable"), ("service_type", "ClusterIP")]
        )["expose"],
        json!([{"componentName": "postgresql", "switch": "Disable", "services": [{"name": "vpc", "serviceType": "ClusterIP", "roleSelector": "primary"}]}])
    );
    // any phase
    assert!(run(E, &with_phase("Stopped"), &[]).is_ok());
    refused(
        E,
        &ctx(),
        &[("service_name", "Internet")],
        "service_name",
        "service name must be lowercase letters, digits and '-', at most 63 characters",
    );
    refused(
        E,
        &ctx(),
        &[("service_type", "ExternalName")],
        "service_type",
        "type must be ClusterIP, NodePort or LoadBalancer",
    );
    refused(
        E,
        &ctx(),
        &[("role_selector", "leader")],
        "role_selector",
        "role must be primary or secondary",
    );
    refused(
        E,
        &ctx(),
        &[("switch", "On")],
        "switch",
        "switch must be Enable or Disable",
    );
    refused(
        E,
        &ctx(),
        &[("annotations", "just-a-word")],
        "annotations",
        "line 1: expected `key: value`",
    );
    refused(
        E,
        &ctx(),
        &[("annotations", "bad key!: x")],
        "annotations",
        "line 1: \"bad key!\" is not a valid annotation key",
    );
    // annotations belong to load balancers: hidden and not sent for other types
    let mut form = OpForm::new(E, &ctx());
    form.set("preset", "gcp-internal").unwrap();
    form.set("service_type", "NodePort").unwrap();
    let names: Vec<String> = form.fields(&ctx()).into_iter().map(|f| f.name).collect();
    assert!(!names.contains(&"annotations".to_string()) && !names.contains(&"preset".to_string()));
    let service = &form.validate(&ctx()).unwrap().body["spec"]["expose"][0]["services"][0];
    assert_eq!(service["serviceType"], "NodePort");
    assert!(service.get("annotations").is_none());
}

#[test]
fn restart_stop_start() {
    for (op, key) in [(OpKind::Restart, "restart"), (OpKind::Stop, "stop")] {
        assert_eq!(
            spec(op, &ctx(), &[])[key],
            json!([{"componentName": "postgresql"}])
        );
        refused(
            op,
            &ctx(),
            &[("components", "")],
            "components",
            "pick at least one component",
        );
        refused(
            op,
            &ctx(),
            &[("components", "postgresql,pgbouncer")],
            "components",
            "components: [pgbouncer] not found, in cluster.spec.componentSpecs or cluster.spec.shardingSpecs",
        );
    }
    refused(
        OpKind::Restart,
        &with_phase("Stopped"),
        &[],
        "",
        "OpsRequest.spec.type=Restart is forbidden when Cluster.status.phase=Stopped",
    );
    refused(
        OpKind::Stop,
        &with_phase("Stopped"),
        &[],
        "",
        "OpsRequest.spec.type=Stop is forbidden when Cluster.status.phase=Stopped",
    );
    assert!(run(OpKind::Stop, &with_phase("Updating"), &[]).is_ok());
    for phase in ["Stopped", "Stopping", "Running"] {
        assert_eq!(
            spec(OpKind::Start, &with_phase(phase), &[])["start"],
            json!([{"componentName": "postgresql"}])
        );
    }
    refused(
        OpKind::Start,
        &with_phase("Creating"),
        &[],
        "",
        "OpsRequest.spec.type=Start is forbidden when Cluster.status.phase=Creating",
    );
}

#[test]
fn on_demand_backup() {
    use OpKind::Backup as B;
    let r = run(B, &ctx(), &[]).unwrap();
    assert_eq!(r.kind, kbdash_core::kinds::Kind::Backup);
    assert_eq!(
        r.body,
        json!({
            "apiVersion": "dataprotection.kubeblocks.io/v1alpha1",
            "kind": "Backup",
            "metadata": {"name": "backup-demo-pg-cluster-20250604120000", "namespace": "demo", "labels": {"app.kubernetes.io/instance": "pg-cluster"}},
            "spec": {"backupPolicyName": "pg-cluster-postgresql-backup-policy", "backupMethod": "pg-basebackup", "deletionPolicy": "Delete"},
        })
    );
    let methods = OpForm::new(B, &ctx())
        .fields(&ctx())
        .into_iter()
        .find(|f| f.name == "method")
        .unwrap()
        .choices;
    assert_eq!(
        methods,
        vec!["pg-basebackup", "volume-snapshot", "archive-wal"]
    );
    refused(
        B,
        &ctx(),
        &[("method", "archive-wal")],
        "method",
        "archive-wal is a continuous method: enable it in the backup schedule instead",
    );
    refused(
        B,
        &ctx(),
        &[("method", "mysqldump")],
        "method",
        "backup method mysqldump not found in backup policy pg-cluster-postgresql-backup-policy",
    );
    refused(
        B,
        &ctx(),
        &[("policy", "other")],
        "policy",
        "backup policy other not found in namespace demo",
    );
    refused(
        B,
        &ctx(),
        &[("name", "My_Backup")],
        "name",
        "backup name must be lowercase letters, digits, '-' and '.', at most 253 characters",
    );
    refused(
        B,
        &ctx(),
        &[("deletion_policy", "Keep")],
        "deletion_policy",
        "deletion policy must be Delete or Retain",
    );
    refused(
        B,
        &ctx(),
        &[("retention", "7 days")],
        "retention",
        "invalid retention period \"7 days\": use numbers with units y, mo, w, d, h, m, e.g. 7d or 1d12h",
    );
    refused(
        B,
        &with_phase("Stopped"),
        &[],
        "",
        "Backup is forbidden when Cluster.status.phase=Stopped",
    );
}

#[test]
fn backup_schedule_patch() {
    use OpKind::BackupSchedule as BS;
    let r = run(BS, &ctx(), &[("archive-wal.retention", "14d")]).unwrap();
    assert_eq!(
        r.action,
        RequestAction::MergePatch {
            name: "pg-cluster-postgresql-backup-schedule".into()
        }
    );
    assert_eq!(
        r.body["spec"]["schedules"][2],
        json!({"backupMethod": "archive-wal", "enabled": true, "cronExpression": "*/5 * * * *", "retentionPeriod": "14d"})
    );
    assert_eq!(
        r.body["spec"]["schedules"].as_array().unwrap().len(),
        3,
        "lists are replaced whole"
    );
    assert!(r.notes.is_empty());
    let r = run(BS, &ctx(), &[("pg-basebackup.enabled", "false")]).unwrap();
    assert_eq!(
        r.notes,
        vec![
            "archive-wal archives WAL continuously, but point-in-time restore also needs a full backup method enabled"
        ]
    );
    refused(
        BS,
        &ctx(),
        &[("pg-basebackup.cron", "0 2 * *")],
        "pg-basebackup.cron",
        "cron expression: expected 5 fields (minute hour day-of-month month day-of-week), got 4",
    );
    refused(
        BS,
        &ctx(),
        &[("pg-basebackup.cron", "0 25 * * *")],
        "pg-basebackup.cron",
        "cron expression: hour field: 25 is out of range 0-23",
    );
    refused(
        BS,
        &ctx(),
        &[("archive-wal.retention", "forever")],
        "archive-wal.retention",
        "invalid retention period \"forever\": use numbers with units y, mo, w, d, h, m, e.g. 7d or 1d12h",
    );
    // a continuous method without a known full partner needs any full method
    let mut custom = ctx();
    custom.backup_policies[0].methods[2].name = "my-archive".into();
    if let Some(s) = custom.backup_schedule.as_mut() {
        s.schedules[2].method = "my-archive".into();
    }
    assert!(
        run(BS, &custom, &[("volume-snapshot.enabled", "true")])
            .unwrap()
            .notes
            .is_empty()
    );
    assert_eq!(
        run(BS, &custom, &[("pg-basebackup.enabled", "false")])
            .unwrap()
            .notes,
        vec![
            "my-archive archives WAL continuously, but point-in-time restore also needs a full backup method enabled"
        ]
    );
    let mut none = ctx();
    none.backup_schedule = None;
    refused(
        BS,
        &none,
        &[],
        "",
        "cluster pg-cluster has no BackupSchedule",
    );
    let mut form = OpForm::new(BS, &ctx());
    assert!(form.set("pgdump.enabled", "true").is_err());
    assert!(form.set("pg-basebackup.color", "x").is_err());
}

#[test]
fn form_api_for_the_dashboard() {
    let c = ctx();
    for op in OpKind::ALL {
        let form = OpForm::new(op, &c);
        assert_eq!(form.op(), op);
        let fields = form.fields(&c);
        assert!(!fields.is_empty(), "{op:?} has fields");
        for f in &fields {
            assert!(!f.name.is_empty() && !f.label.is_empty());
        }
        for command in op.commands() {
            assert_eq!(
                OpForm::from_command(&format!(":{command}"), &c).map(|f| f.op()),
                Some(op)
            );
        }
    }
    assert!(OpForm::from_command("frobnicate", &c).is_none());
    assert!(OpForm::new(OpKind::Restart, &c).set("nope", "1").is_err());

    let disruptive = |op, fields: Fields| {
        let mut f = OpForm::new(op, &c);
        for (k, v) in fields {
            f.set(k, v).unwrap();
        }
        f.disruptive(&c)
    };
    assert!(disruptive(
        OpKind::HorizontalScaling,
        &[("direction", "in")]
    ));
    assert!(!disruptive(
        OpKind::HorizontalScaling,
        &[("direction", "out")]
    ));
    assert!(
        disruptive(OpKind::Stop, &[])
            && disruptive(OpKind::Restart, &[])
            && disruptive(OpKind::Switchover, &[])
    );
    assert!(!disruptive(OpKind::Start, &[]) && !disruptive(OpKind::VolumeExpansion, &[]));
    assert!(disruptive(
        OpKind::Reconfiguring,
        &[("parameters", "shared_buffers = 1GB")]
    ));
    assert!(!disruptive(
        OpKind::Reconfiguring,
        &[("parameters", "work_mem = 8MB")]
    ));

    assert!(confirmation_matches("pg-cluster", &c));
    assert!(
        !confirmation_matches("pg-cluste", &c)
            && !confirmation_matches("", &FormContext::default())
    );

    assert_eq!(
        allowed_cluster_phases(OpKind::Switchover),
        Some(&["Running", "Abnormal", "Failed"][..])
    );
    assert_eq!(allowed_cluster_phases(OpKind::Expose), None);
    assert!(
        allowed_cluster_phases(OpKind::Start)
            .unwrap()
            .contains(&"Stopped")
    );
}
