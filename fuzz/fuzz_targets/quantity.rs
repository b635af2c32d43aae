//! Kubernetes quantities. Invariants: no panic; the canonical spelling parses back to the same
//! value and is a fixed point; value accessors agree with each other.
#![no_main]

use kbdash::domain::quantity::{Quantity, QuantityFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(q) = Quantity::parse(text) else {
        return;
    };
    check(q, text);
    // Whole units (as the forms build them) in every format.
    if let Ok(units) = i64::try_from(q.units_ceil()) {
        for format in [
            QuantityFormat::BinarySI,
            QuantityFormat::DecimalSI,
            QuantityFormat::DecimalExponent,
        ] {
            let whole = Quantity::from_units(units, format);
            check(whole, &whole.canonical());
        }
    }
});

fn check(q: Quantity, text: &str) {
    let canonical = q.canonical();
    let back = Quantity::parse(&canonical)
        .unwrap_or_else(|e| panic!("{text:?} -> {canonical:?} does not parse: {e}"));
    assert_eq!(back.nanos(), q.nanos(), "{text:?} -> {canonical:?}");
    assert_eq!(back.canonical(), canonical, "{text:?}: canonical is not a fixed point");
    assert_eq!(q.to_string().parse::<Quantity>().map(|p| p.nanos()), Ok(q.nanos()));
    assert!(q.millis_ceil() * 1_000_000 >= q.nanos(), "{text:?}: millis_ceil rounds down");
    assert!(q.units_ceil() * 1_000_000_000 >= q.nanos(), "{text:?}: units_ceil rounds down");
}
