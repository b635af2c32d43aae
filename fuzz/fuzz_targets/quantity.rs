//! Kubernetes quantities. Invariants: no panic; the canonical spelling parses back to the same
//! value and, once re-read, is a fixed point (a BinarySI value with no exact binary suffix is
//! spelt without one and so reads back as DecimalSI, as in Kubernetes: the first re-read may
//! change the spelling, the second may not); value accessors agree with each other.
#![no_main]

use kbdash_core::domain::quantity::{Quantity, QuantityFormat};
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
    let settled = back.canonical();
    let again = Quantity::parse(&settled).map(|q| q.canonical());
    assert_eq!(
        again.as_deref(),
        Ok(settled.as_str()),
        "{text:?}: canonical does not settle"
    );
    assert_eq!(
        q.to_string().parse::<Quantity>().map(|p| p.nanos()),
        Ok(q.nanos())
    );
    assert!(
        q.millis_ceil() * 1_000_000 >= q.nanos(),
        "{text:?}: millis_ceil rounds down"
    );
    assert!(
        q.units_ceil() * 1_000_000_000 >= q.nanos(),
        "{text:?}: units_ceil rounds down"
    );
}
