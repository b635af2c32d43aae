//! Hostile and malformed objects: arbitrary JSON decoded as every watched kind and rendered in
//! every pane and in the detail view never panics, and odd values render within the frame;
//! text of random Unicode (wide CJK, combining marks, emoji, zero-width joiners, byte-order
//! marks, direction overrides, controls) in every field a screen shows leaves every row as
//! wide as the terminal counts it, with its border in place.

use crate::app_fixtures::{ch, cluster, fixture_file, fleet, key, model_with, pod, render, watch};
use crossterm::event::KeyCode;
use kbdash::k8s::watch::WatchEvent;
use kbdash::state::launch::Launch;
use kbdash::state::model::{Model, Overlay};
use kbdash::state::msg::Msg;
use kbdash::state::store::WATCHED;
use kbdash::update::update;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::Row;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, CellWidth};
use serde_json::{Map, Value, json};
use unicode_width::UnicodeWidthChar;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("Running"),
            Just("Failed"),
            Just("primary"),
            Just("-/-"),
            Just("3/2"),
            Just("2025-06-03T10:14:52Z"),
            Just("9999-12-31T23:59:59Z"),
            Just("Continuous"),
            Just("18446744073709551615"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("status".to_string()),
                    Just("phase".to_string()),
                    Just("timeRange".to_string()),
                    Just("start".to_string()),
                    Just("end".to_string()),
                    Just("progress".to_string()),
                    Just("conditions".to_string()),
                    Just("containerStatuses".to_string()),
                    Just("componentSpecs".to_string()),
                    Just("labels".to_string()),
                    Just("kubeblocks.io/role".to_string()),
                    Just("app.kubernetes.io/instance".to_string()),
                    ".{0,8}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn with_identity(mut body: Value, name: String) -> Value {
    if !body.is_object() {
        body = json!({"status": body});
    }
    let meta = json!({"name": name, "namespace": "ns", "labels": {
        "app.kubernetes.io/instance": "billing", "kubeblocks.io/role": "leader?"}});
    body["metadata"] = meta;
    body
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_objects_render_everywhere(
        body in arb_json(),
        status in arb_json(),
        name in prop_oneof![".{1,20}", "[a-z0-9-]{253}"],
    ) {
        let mut obj = with_identity(body, name);
        obj["status"] = status;
        let mut m = model_with(&fleet(), 80, 24);
        for kind in WATCHED {
            if let Some(row) = Row::from_value(kind, &obj) {
                update(&mut m, watch(kind, WatchEvent::Apply(Box::new(row))));
            }
        }
        for pane in ['1', '2', '3', '4'] {
            update(&mut m, ch(pane));
            let screen = render(&m);
            prop_assert_eq!(screen.lines().count(), 24);
            update(&mut m, key(KeyCode::Char('G')));
            update(&mut m, key(KeyCode::Char('d')));
            render(&m);
            update(&mut m, key(KeyCode::Esc));
        }
    }
}

/// Characters that draw nothing or steer the terminal; none may reach a cell.
const INVISIBLE: [char; 18] = [
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{200E}',
    '\u{202E}',
    '\u{2066}',
    '\u{FEFF}',
    '\u{FE0F}',
    '\u{FE0E}',
    '\u{00AD}',
    '\u{2028}',
    '\u{1B}',
    '\u{9B}',
    '\u{7}',
    '\n',
    '\t',
    '\u{3164}',
    '\u{E0001}',
];

fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::char::range('a', 'z'),
        2 => proptest::char::range('\u{4E00}', '\u{9FFF}'),
        2 => proptest::char::range('\u{0300}', '\u{036F}'),
        2 => proptest::sample::select(INVISIBLE.to_vec()),
        1 => proptest::char::range('\u{1F300}', '\u{1F64F}'),
        1 => proptest::char::range('\u{1F3FB}', '\u{1F3FF}'),
        1 => any::<char>(),
    ]
}

fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 1..24).prop_map(|v| v.into_iter().collect())
}

/// Hostile text for each field a screen shows.
#[derive(Debug, Clone)]
struct Texts {
    namespace: String,
    name: String,
    phase: String,
    message: String,
    node: String,
    role: String,
    method: String,
}

fn texts() -> impl Strategy<Value = Texts> {
    (
        hostile(),
        hostile(),
        hostile(),
        hostile(),
        hostile(),
        hostile(),
        hostile(),
    )
        .prop_map(
            |(namespace, name, phase, message, node, role, method)| Texts {
                namespace,
                name,
                phase,
                message,
                node,
                role,
                method,
            },
        )
}

/// The reference fleet plus a cluster, its pods, a failed OpsRequest and a continuous backup
/// whose every shown field is hostile text.
fn hostile_fleet(t: &Texts) -> Vec<(Kind, Value)> {
    let mut objs = fleet();
    let mut c = cluster(&t.namespace, &t.name, &t.phase, 3, "2025-06-01T09:00:00Z");
    c["status"]["conditions"] = json!([{"type": t.phase, "status": "False", "reason": t.node,
        "message": t.message, "lastTransitionTime": "9999-12-31T23:59:59Z"}]);
    c["status"]["components"] =
        json!({"postgresql": {"phase": t.phase, "message": {"x": t.message}}});
    objs.push((Kind::Cluster, c));
    for (i, role) in [(0, "primary"), (1, t.role.as_str()), (2, "")] {
        let mut p = pod(&t.namespace, &t.name, i, role, i != 2);
        p["spec"]["nodeName"] = json!(t.node);
        p["status"]["phase"] = json!(t.phase);
        objs.push((Kind::Pod, p));
    }
    let (_, mut op) = fixture_file("opsrequest-verticalscaling-validate-failed.yaml").remove(0);
    op["metadata"]["namespace"] = json!(t.namespace);
    op["metadata"]["name"] = json!(format!("{}-vscale", t.name));
    op["metadata"]["labels"]["app.kubernetes.io/instance"] = json!(t.name);
    op["spec"]["clusterName"] = json!(t.name);
    op["spec"]["type"] = json!(t.method);
    for cond in op["status"]["conditions"].as_array_mut().unwrap() {
        cond["message"] = json!(t.message);
    }
    objs.push((Kind::OpsRequest, op));
    let (_, mut b) = fixture_file("backup-continuous-archive-wal.yaml").remove(0);
    b["metadata"]["namespace"] = json!(t.namespace);
    b["metadata"]["name"] = json!(format!("{}-wal", t.name));
    b["metadata"]["labels"]["app.kubernetes.io/instance"] = json!(t.name);
    b["spec"]["backupMethod"] = json!(t.method);
    b["status"]["failureReason"] = json!(t.message);
    objs.push((Kind::Backup, b));
    objs
}

/// Every row of `buf` is as wide as a terminal counts it, code point by code point, and holds
/// no invisible character; `bordered` rows end with a border.
fn rows_whole(
    buf: &Buffer,
    bordered: std::ops::Range<u16>,
    what: &str,
) -> Result<(), TestCaseError> {
    let area = buf.area;
    for y in 0..area.height {
        let mut cols = 0usize;
        let mut skip = 0usize;
        let mut last = "";
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buf[(x, y)].symbol();
            prop_assert!(
                !symbol
                    .chars()
                    .any(|c| c.is_control() || INVISIBLE.contains(&c)),
                "{what}: row {y} column {x} holds {symbol:?}"
            );
            let counted: usize = symbol.chars().map(|c| c.width().unwrap_or(0)).sum();
            let laid = usize::from(symbol.cell_width());
            prop_assert_eq!(
                counted,
                laid,
                "{}: row {} column {}: {:?} takes {} cells on a terminal, {} in the layout",
                what,
                y,
                x,
                symbol,
                counted,
                laid
            );
            cols += laid;
            skip = laid.saturating_sub(1);
            last = symbol;
        }
        prop_assert_eq!(cols, usize::from(area.width), "{}: row {}", what, y);
        if bordered.contains(&y) {
            prop_assert!(
                ["│", "┐", "┘", "┤"].contains(&last),
                "{what}: row {y} ends with {last:?}, not its border"
            );
        }
    }
    Ok(())
}

fn drawn(m: &Model) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(m.size.0, m.size.1)).unwrap();
    t.draw(|f| kbdash::view::view(m, f)).unwrap();
    t.backend().buffer().clone()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn hostile_text_leaves_every_row_whole(t in texts(), wide in any::<bool>()) {
        let (w, h) = if wide { (120, 40) } else { (80, 24) };
        let mut m = model_with(&hostile_fleet(&t), w, h);
        // The table panes, the detail of their first and last rows, and the YAML view.
        let panes = 2..h - 1;
        for pane in ['1', '2', '3', '4'] {
            update(&mut m, ch(pane));
            rows_whole(&drawn(&m), panes.clone(), &format!("pane {pane}"))?;
            for end in ['g', 'G'] {
                update(&mut m, ch(end));
                update(&mut m, ch('d'));
                rows_whole(&drawn(&m), panes.clone(), &format!("detail {pane}{end}"))?;
                update(&mut m, ch('y'));
                if let Overlay::Detail(d) = &m.overlay {
                    let target = d.target.clone();
                    let body = json!({"metadata": {"name": t.name, "namespace": t.namespace},
                        "status": {"phase": t.phase, "message": t.message}});
                    update(&mut m, Msg::Raw { target, result: Ok(body) });
                }
                rows_whole(&drawn(&m), panes.clone(), &format!("YAML {pane}{end}"))?;
                update(&mut m, key(KeyCode::Esc));
            }
        }
        update(&mut m, ch('!'));
        rows_whole(&drawn(&m), panes.clone(), "triage")?;
        update(&mut m, ch('!'));
        Launch { wall_cycle: Some(10), ..Launch::default() }.apply(&mut m);
        rows_whole(&drawn(&m), 0..0, "wall")?;
    }
}
