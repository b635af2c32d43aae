//! The demo server's label and field selectors (query parameters of list and watch).
//! Invariants: no panic; parsing is deterministic; an empty selector selects everything and a
//! parsed one can be evaluated against any labels.
#![no_main]

use kbdash_core::selector::{FieldSelector, LabelSelector};
use kbdash_core::kinds::KINDS;
use libfuzzer_sys::fuzz_target;

const LABELS: [(&str, &str); 3] = [
    ("app.kubernetes.io/instance", "pg-cluster"),
    ("kubeblocks.io/role", "primary"),
    ("apps.kubeblocks.io/component-name", "postgresql"),
];

fuzz_target!(|data: &[u8]| {
    let Some((kind_sel, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    if let Ok(selector) = LabelSelector::parse(text) {
        assert_eq!(LabelSelector::parse(text).as_ref(), Ok(&selector));
        let lookup = |k: &str| LABELS.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        let selected = selector.matches(lookup);
        let none_selected = selector.matches(|_| None);
        if selector.is_empty() {
            assert!(selected && none_selected, "{text:?}");
        }
    }
    let kind = KINDS[usize::from(*kind_sel) % KINDS.len()].kind;
    let _ = FieldSelector::parse(kind, text);
});
