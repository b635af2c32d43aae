//! PostgreSQL parameter values: `pg_params::validate` for arbitrary (major, name, value) in
//! both modes. Invariants: no panic; an accepted value names the parameter asked for and
//! validates again, unchanged, as the value it normalised to; refusals have a message.
#![no_main]

use kbdash_core::domain::pg_params::{ValueMode, majors, names, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(([major_sel, name_sel], rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let Ok(rest) = std::str::from_utf8(rest) else {
        return;
    };
    // Mostly a known major and a known name (to reach the value rules), sometimes anything.
    let known = majors();
    let major = match known.get(usize::from(*major_sel)) {
        Some(m) => *m,
        None if *major_sel >= 250 => u32::from(*major_sel),
        None => known[usize::from(*major_sel) % known.len()],
    };
    let all = names(major);
    let (name, value) = if *name_sel == 255 || all.is_empty() {
        rest.split_once('=').unwrap_or((rest, ""))
    } else {
        let i = (usize::from(*name_sel) * 7 + rest.len()) % all.len();
        (all[i], rest)
    };
    for mode in [ValueMode::Form, ValueMode::Operator] {
        match validate(major, name, value, mode) {
            Ok(n) => {
                assert_eq!(n.name, name);
                let again = validate(major, name, &n.value, mode)
                    .unwrap_or_else(|e| panic!("{name}={value:?} -> {:?} refused: {e}", n.value));
                assert_eq!(again.value, n.value, "{name}={value:?} is not normalised");
                assert_eq!(again.in_unit, n.in_unit, "{name}={value:?}");
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
});
