//! Kubernetes resource quantities (`500m`, `2Gi`, `1.5`, `1e3`), parsed exactly.
//!
//! Grammar (k8s.io/apimachinery `resource.ParseQuantity`):
//! ```text
//! quantity  ::= sign? number suffix
//! number    ::= digits | digits "." digits? | "." digits
//! suffix    ::= "" | binarySI | decimalSI | ("e" | "E") sign? digits
//! binarySI  ::= Ki | Mi | Gi | Ti | Pi | Ei
//! decimalSI ::= n | u | m | k | M | G | T | P | E
//! ```
//! The value is held as an exact count of nano-units (`i128`), so `1Gi == 1073741824` and
//! `500m < 1`. Kubernetes silently caps values beyond 2^63-1 and rounds below one nano-unit
//! up; a form should not send such values, so they are refused here instead
//! ([`QuantityError::TooLarge`], [`QuantityError::TooPrecise`]).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

const NANOS_PER_UNIT: i128 = 1_000_000_000;
/// Kubernetes' cap on a quantity's magnitude, in nano-units.
const MAX_NANOS: i128 = i64::MAX as i128 * NANOS_PER_UNIT;

/// How a quantity was written, which decides how it is formatted back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityFormat {
    /// `Ki`, `Mi`, ... suffixes.
    BinarySI,
    /// `m`, `k`, `M`, ... suffixes or none.
    DecimalSI,
    /// `1e3`.
    DecimalExponent,
}

/// Why a string is not a usable quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// Not a number with an optional suffix.
    #[error(
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )]
    Syntax,
    /// A magnitude above 2^63-1 units, which Kubernetes would silently cap.
    #[error("quantity is too large (the maximum is 2^63-1)")]
    TooLarge,
    /// A fraction finer than one nano-unit, which Kubernetes would silently round up.
    #[error("quantity is more precise than 1n")]
    TooPrecise,
}

/// An exact Kubernetes quantity. Equality and order compare values, not spelling.
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    nanos: i128,
    format: QuantityFormat,
}

impl Quantity {
    /// Parses `s` with the exact Kubernetes grammar; never panics.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        let (negative, rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let number_len = rest
            .bytes()
            .position(|b| !(b.is_ascii_digit() || b == b'.'))
            .unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(number_len);
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        if (int_part.is_empty() && frac_part.is_empty()) || frac_part.contains('.') {
            return Err(QuantityError::Syntax);
        }
        let (pow10, binary, format) = parse_suffix(suffix)?;
        // digits as one integer D with the value D * 10^(pow10 - frac_len) * binary
        let frac_trimmed = frac_part.trim_end_matches('0');
        let mut digits: i128 = 0;
        for b in int_part.bytes().chain(frac_trimmed.bytes()) {
            digits = digits
                .checked_mul(10)
                .and_then(|d| d.checked_add(i128::from(b - b'0')))
                .ok_or(QuantityError::TooLarge)?;
        }
        let exponent = i64::from(pow10) - frac_trimmed.len() as i64 + 9;
        let nanos = if digits == 0 {
            0
        } else if exponent >= 0 {
            let scale = u32::try_from(exponent)
                .ok()
                .and_then(|e| 10_i128.checked_pow(e))
                .ok_or(QuantityError::TooLarge)?;
            digits
                .checked_mul(scale)
                .and_then(|v| v.checked_mul(binary))
                .ok_or(QuantityError::TooLarge)?
        } else {
            let scale = u32::try_from(-exponent)
                .ok()
                .and_then(|e| 10_i128.checked_pow(e))
                .ok_or(QuantityError::TooPrecise)?;
            let scaled = digits.checked_mul(binary).ok_or(QuantityError::TooLarge)?;
            if scaled % scale != 0 {
                return Err(QuantityError::TooPrecise);
            }
            scaled / scale
        };
        if nanos > MAX_NANOS {
            return Err(QuantityError::TooLarge);
        }
        Ok(Quantity {
            nanos: if negative { -nanos } else { nanos },
            format,
        })
    }

    /// A quantity of whole units (e.g. bytes), formatted as `format`.
    pub fn from_units(units: i64, format: QuantityFormat) -> Quantity {
        Quantity {
            nanos: i128::from(units) * NANOS_PER_UNIT,
            format,
        }
    }

    /// The exact value in nano-units.
    pub fn nanos(&self) -> i128 {
        self.nanos
    }

    /// The value in milli-units, rounded up as Kubernetes does for `MilliValue`.
    pub fn millis_ceil(&self) -> i128 {
        div_ceil(self.nanos, 1_000_000)
    }

    /// The value in whole units, rounded up as Kubernetes does for `Value`.
    pub fn units_ceil(&self) -> i128 {
        div_ceil(self.nanos, NANOS_PER_UNIT)
    }

    /// The canonical Kubernetes spelling: `1536Mi` for `1.5Gi`, `500m` for `0.5`, `1k` for
    /// `1000`.
    pub fn canonical(&self) -> String {
        let sign = if self.nanos < 0 { "-" } else { "" };
        let abs = self.nanos.unsigned_abs();
        if self.format == QuantityFormat::BinarySI
            && abs.is_multiple_of(NANOS_PER_UNIT as u128)
            && abs >= 1024 * NANOS_PER_UNIT as u128
        {
            let mut units = abs / NANOS_PER_UNIT as u128;
            let mut idx = 0;
            while idx < 6 && units.is_multiple_of(1024) {
                units /= 1024;
                idx += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][idx];
            return format!("{sign}{units}{suffix}");
        }
        if abs == 0 {
            return "0".to_string();
        }
        // largest exponent (multiple of 3, from -9 to 18) leaving an integer mantissa
        let mut mantissa = abs;
        let mut idx = 0; // exponent = -9 + 3 * idx
        while idx < 9 && mantissa.is_multiple_of(1000) {
            mantissa /= 1000;
            idx += 1;
        }
        let exponent = -9 + 3 * idx as i32;
        let suffix = match self.format {
            QuantityFormat::DecimalExponent if exponent == 0 => String::new(),
            QuantityFormat::DecimalExponent => format!("e{exponent}"),
            _ => ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"][idx].to_string(),
        };
        format!("{sign}{mantissa}{suffix}")
    }
}

fn div_ceil(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b > 0 { q + 1 } else { q }
}

/// Returns (power of ten, binary multiplier, format) of a suffix.
fn parse_suffix(suffix: &str) -> Result<(i32, i128, QuantityFormat), QuantityError> {
    use QuantityFormat::*;
    let decimal = |p: i32| Ok((p, 1, DecimalSI));
    let binary = |k: u32| Ok((0, 1024_i128.pow(k), BinarySI));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(1),
        "Mi" => binary(2),
        "Gi" => binary(3),
        "Ti" => binary(4),
        "Pi" => binary(5),
        "Ei" => binary(6),
        _ => {
            let exp = suffix
                .strip_prefix(['e', 'E'])
                .ok_or(QuantityError::Syntax)?;
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(QuantityError::Syntax);
            }
            // Go parses the exponent with ParseInt(.., 32): beyond i32 it is a syntax error.
            let p: i32 = exp
                .trim_start_matches('+')
                .parse()
                .map_err(|_| QuantityError::Syntax)?;
            Ok((p, 1, DecimalExponent))
        }
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn good_quantities_with_values_and_canonical_forms() {
        let table: &[(&str, i128, &str)] = &[
            ("0", 0, "0"),
            ("-0", 0, "0"),
            ("1", 1_000_000_000, "1"),
            ("+1", 1_000_000_000, "1"),
            ("500m", 500_000_000, "500m"),
            ("0.5", 500_000_000, "500m"),
            (".5", 500_000_000, "500m"),
            ("1.", 1_000_000_000, "1"),
            ("1.500", 1_500_000_000, "1500m"),
            ("1000", 1_000_000_000_000, "1k"),
            ("1500", 1_500_000_000_000, "1500"),
            ("1n", 1, "1n"),
            ("1u", 1_000, "1u"),
            ("2k", 2_000_000_000_000, "2k"),
            ("1Ki", 1024 * 1_000_000_000, "1Ki"),
            ("1.5Gi", 1536 * 1024 * 1024 * 1_000_000_000, "1536Mi"),
            ("2Gi", 2 * (1 << 30) * 1_000_000_000, "2Gi"),
            ("1024", 1024 * 1_000_000_000, "1024"),
            ("512Ki", 512 * 1024 * 1_000_000_000, "512Ki"),
            ("0.5Ki", 512 * 1_000_000_000, "512"),
            ("1Ei", (1 << 60) * 1_000_000_000, "1Ei"),
            ("1e3", 1_000_000_000_000, "1e3"),
            ("1E3", 1_000_000_000_000, "1e3"),
            ("1e-3", 1_000_000, "1e-3"),
            ("1.5e+3", 1_500_000_000_000, "1500"),
            ("-2Gi", -2 * (1 << 30) * 1_000_000_000, "-2Gi"),
            ("-1.5", -1_500_000_000, "-1500m"),
            ("1E", 1_000_000_000_000_000_000_000_000_000, "1E"),
            ("00001", 1_000_000_000, "1"),
            (
                "9223372036854775807",
                i64::MAX as i128 * 1_000_000_000,
                "9223372036854775807",
            ),
        ];
        for (s, nanos, canonical) in table {
            let v = q(s);
            assert_eq!(v.nanos(), *nanos, "{s}");
            assert_eq!(v.canonical(), *canonical, "{s}");
            assert_eq!(q(canonical), v, "{s} canonical round trip");
        }
    }

    #[test]
    fn bad_quantities() {
        let table: &[(&str, QuantityError)] = &[
            ("", QuantityError::Syntax),
            ("-", QuantityError::Syntax),
            (".", QuantityError::Syntax),
            ("+.", QuantityError::Syntax),
            ("1.2.3", QuantityError::Syntax),
            ("1 Gi", QuantityError::Syntax),
            (" 1", QuantityError::Syntax),
            ("1Gi ", QuantityError::Syntax),
            ("1K", QuantityError::Syntax),
            ("1KB", QuantityError::Syntax),
            ("1gi", QuantityError::Syntax),
            ("1GiB", QuantityError::Syntax),
            ("1mi", QuantityError::Syntax),
            ("Gi", QuantityError::Syntax),
            ("1e", QuantityError::Syntax),
            ("1e+", QuantityError::Syntax),
            ("1e1.5", QuantityError::Syntax),
            ("1e99999999999", QuantityError::Syntax),
            ("--1", QuantityError::Syntax),
            ("1,5", QuantityError::Syntax),
            ("½", QuantityError::Syntax),
            ("１", QuantityError::Syntax),
            ("0x10", QuantityError::Syntax),
            ("NaN", QuantityError::Syntax),
            ("9223372036854775808", QuantityError::TooLarge),
            ("9Ei", QuantityError::TooLarge),
            ("1e19", QuantityError::TooLarge),
            ("1e2147483647", QuantityError::TooLarge),
            (
                "99999999999999999999999999999999999999999",
                QuantityError::TooLarge,
            ),
            ("0.1n", QuantityError::TooPrecise),
            ("1e-10", QuantityError::TooPrecise),
            ("1e-2147483648", QuantityError::TooPrecise),
        ];
        for (s, want) in table {
            assert_eq!(Quantity::parse(s).as_ref().err(), Some(want), "{s:?}");
        }
        assert_eq!(q("0e99999"), q("0"));
    }

    #[test]
    fn ordering_compares_values_across_formats() {
        assert!(q("500m") < q("1"));
        assert!(q("1Gi") > q("1G"));
        assert_eq!(q("1Gi"), q("1073741824"));
        assert_eq!(q("1k"), q("1e3"));
        assert!(q("20Gi") < q("25Gi"));
        assert!(q("-1") < q("0"));
        assert_eq!(q("1.5").millis_ceil(), 1500);
        assert_eq!(q("1n").millis_ceil(), 1);
        assert_eq!(q("1.5").units_ceil(), 2);
        assert_eq!(q("-1.5").units_ceil(), -1);
        assert_eq!(
            Quantity::from_units(20 << 30, QuantityFormat::BinarySI).to_string(),
            "20Gi"
        );
    }

    fn quantity_text() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!["", "+", "-"]),
            0u64..100_000,
            prop::option::of(0u32..1000),
            prop::sample::select(vec![
                "", "m", "k", "M", "G", "T", "Ki", "Mi", "Gi", "Ti", "e3", "e-3", "E6", "u", "n",
            ]),
        )
            .prop_map(|(sign, int, frac, suffix)| match frac {
                Some(f) => format!("{sign}{int}.{f:03}{suffix}"),
                None => format!("{sign}{int}{suffix}"),
            })
    }

    proptest! {
        #[test]
        fn never_panics_on_any_input(s in "\\PC{0,40}") {
            let _ = Quantity::parse(&s);
        }

        #[test]
        fn never_panics_on_quantity_like_input(s in "[-+]?[0-9.]{0,25}[eEinumkKMGTP]{0,3}[-+]?[0-9]{0,12}") {
            if let Ok(v) = Quantity::parse(&s) {
                prop_assert_eq!(Quantity::parse(&v.canonical()), Ok(v));
            }
        }

        #[test]
        fn canonical_round_trips_and_orders(a in quantity_text(), b in quantity_text()) {
            let (qa, qb) = (Quantity::parse(&a), Quantity::parse(&b));
            if let (Ok(qa), Ok(qb)) = (qa, qb) {
                let (ca, cb) = (Quantity::parse(&qa.canonical()).unwrap(), Quantity::parse(&qb.canonical()).unwrap());
                prop_assert_eq!(ca, qa);
                prop_assert_eq!(ca.cmp(&cb), qa.cmp(&qb));
            }
        }
    }
}
