//! The YAML editor's input: `forms::validate_edited` on arbitrary text, for each example form
//! over the fixture context. Invariants: no panic; an accepted edit keeps the form's kind and
//! namespace, and re-submitting the accepted request's YAML is accepted again with the same
//! body and form (validation is idempotent).
#![no_main]

use std::sync::LazyLock;

use kbdash_core::forms::examples::example_forms;
use kbdash_core::forms::{FormContext, OpForm, validate_edited};
use libfuzzer_sys::fuzz_target;

static FORMS: LazyLock<Vec<(FormContext, OpForm)>> = LazyLock::new(|| {
    example_forms()
        .expect("the example forms build")
        .into_iter()
        .map(|(_, ctx, form)| (ctx, form))
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let Some((form_sel, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let (ctx, form) = &FORMS[usize::from(*form_sel) % FORMS.len()];
    let Ok((updated, request)) = validate_edited(form, text, ctx) else {
        return;
    };
    assert_eq!(request.namespace, ctx.namespace);
    let yaml = serde_yaml_ng::to_string(&request.body).expect("a JSON value serialises");
    let (again_form, again) = validate_edited(&updated, &yaml, ctx)
        .unwrap_or_else(|e| panic!("accepted edit refused on re-submit: {e:?}\n{yaml}"));
    assert_eq!(again.body, request.body);
    assert_eq!(again_form, updated);
});
