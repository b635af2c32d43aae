//! Reading the restore time a user types, and writing it the way `Restore.spec.restoreTime`
//! requires (`YYYY-MM-DDTHH:MM:SSZ`).
//!
//! Accepted forms (surrounding blanks ignored, case-insensitive words):
//! - RFC 3339: `2025-06-03T09:30:00Z`, `2025-06-03T11:30:00.5+02:00`;
//! - `YYYY-MM-DD HH:MM[:SS]` (space or `T`) followed by a zone `Z`, `UTC`, `GMT`, `+02:00`,
//!   `+0200`, `+2`, `UTC+8`, `UTC-07:00`, or with no zone, in the caller's local offset;
//! - kbcli's `Jan 02,2006 15:04:05 UTC-0700` (the format of `kbcli cluster describe`);
//! - relative to `now`: `now`, `-15m`, `-2h30m`, `now-1h`, `now - 90s`, `now+1d` (units
//!   `d`, `h`, `m`, `s`).
//!
//! [`parse_operator_time`] is the strict counterpart: only the two layouts the KubeBlocks
//! operator accepts for `spec.restore.restorePointInTime`.
//!
//! Pure: `now` and the local offset are parameters. Fractions of a second are dropped
//! (restore times have second precision). No input makes it panic (a property test checks).

use std::sync::LazyLock;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use regex::Regex;

/// Why a typed restore time was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreTimeError {
    /// Nothing but blanks.
    #[error("enter a restore time, e.g. 2025-06-03 09:30:00, 2025-06-03T09:30:00Z, -15m or now-1h")]
    Empty,
    /// A relative time whose duration does not read (`-15x`, `now-`, an overflow).
    #[error(
        "\"{0}\" is not a duration: use whole numbers with units d, h, m, s, e.g. 15m or 2h30m"
    )]
    BadDuration(String),
    /// A date and time followed by a zone that is not one of the accepted forms.
    #[error("unknown time zone \"{0}\": use Z, UTC, UTC+8, +02:00 or -0700")]
    BadZone(String),
    /// A date or time that does not exist (`2025-02-30`, `25:00`, an unknown month name).
    #[error("\"{0}\" is not a valid date and time")]
    BadDate(String),
    /// A relative time that falls outside the representable range.
    #[error("the time is out of range")]
    OutOfRange,
    /// No accepted form matches.
    #[error(
        "cannot read \"{0}\" as a time: use 2025-06-03T09:30:00Z, 2025-06-03 09:30:00 +02:00, Jun 03,2025 09:30:00 UTC+0800, -15m or now-1h"
    )]
    Unrecognized(String),
}

// Constant patterns (compiled once; the tests exercise them). `[0-9]`, not `\d`, which would
// also match non-ASCII digits that `u32::from_str` refuses.
#[allow(
    clippy::expect_used,
    reason = "a constant pattern, compiled by the tests"
)]
static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})[Tt ]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?\s*(.*)$",
    )
    .expect("constant regex")
});
#[allow(
    clippy::expect_used,
    reason = "a constant pattern, compiled by the tests"
)]
static KBCLI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([A-Za-z]{3}) +([0-9]{1,2}) *, *([0-9]{4}) +([0-9]{1,2}):([0-9]{2}):([0-9]{2})\s*(.*)$",
    )
    .expect("constant regex")
});

#[allow(
    clippy::expect_used,
    reason = "a constant pattern, compiled by the tests"
)]
static OPERATOR_KBCLI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z]{3}) ([0-9]{2}),([0-9]{4}) ([0-9]{1,2}):([0-9]{2}):([0-9]{2}) UTC([+-][0-9]{4})$")
        .expect("constant regex")
});

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Parses what a user typed as a restore time, in UTC with second precision.
pub fn parse_restore_time(
    input: &str,
    now: DateTime<Utc>,
    local: FixedOffset,
) -> Result<DateTime<Utc>, RestoreTimeError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(RestoreTimeError::Empty);
    }
    if let Some(t) = parse_relative(s, now)? {
        return Ok(truncate(t));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(truncate(t.with_timezone(&Utc)));
    }
    if let Some(c) = NUMERIC.captures(s) {
        let n = |i: usize| c.get(i).map_or(Some(0), |m| m.as_str().parse::<u32>().ok());
        let fields = [n(1), n(2), n(3), n(4), n(5), n(6)];
        let zone = c.get(7).map_or("", |m| m.as_str());
        return build(s, fields, zone, local);
    }
    if let Some(c) = KBCLI.captures(s) {
        let month = c.get(1).map(|m| m.as_str().to_ascii_lowercase());
        let month = MONTHS
            .iter()
            .position(|m| Some(*m) == month.as_deref())
            .and_then(|i| u32::try_from(i + 1).ok());
        let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        let fields = [n(3), month, n(2), n(4), n(5), n(6)];
        let zone = c.get(7).map_or("", |m| m.as_str());
        return build(s, fields, zone, local);
    }
    Err(RestoreTimeError::Unrecognized(s.to_owned()))
}

/// Parses `spec.restore.restorePointInTime` exactly as the operator does (Go layouts
/// `Jan 02,2006 15:04:05 UTC-0700`, then RFC 3339), for the demo operator to refuse what the
/// real one refuses. `None` when neither layout matches.
pub fn parse_operator_time(s: &str) -> Option<DateTime<Utc>> {
    if let Some(c) = OPERATOR_KBCLI.captures(s) {
        let month = c.get(1)?.as_str().to_ascii_lowercase();
        let month = u32::try_from(MONTHS.iter().position(|m| *m == month)? + 1).ok()?;
        let n = |i: usize| c.get(i)?.as_str().parse::<u32>().ok();
        let offset = parse_offset(c.get(7)?.as_str())?;
        let year = i32::try_from(n(3)?).ok()?;
        let naive =
            NaiveDate::from_ymd_opt(year, month, n(2)?)?.and_hms_opt(n(4)?, n(5)?, n(6)?)?;
        return offset
            .from_local_datetime(&naive)
            .single()
            .map(|t| t.with_timezone(&Utc));
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Formats a time as `Restore.spec.restoreTime` requires: UTC, seconds, `Z`.
pub fn format_restore_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Formats a time as kbcli shows it (`Jun 03,2025 17:30:00 UTC+0800`), in `offset`.
pub fn format_kbcli(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset)
        .format("%b %d,%Y %H:%M:%S UTC%z")
        .to_string()
}

fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap_or(t)
}

/// `now`, `now±dur`, `±dur`; `Ok(None)` when the input is not relative at all.
fn parse_relative(s: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, RestoreTimeError> {
    let rest = match s.get(..3) {
        Some(head) if head.eq_ignore_ascii_case("now") => s.get(3..).unwrap_or("").trim_start(),
        _ => s,
    };
    if rest.is_empty() {
        return Ok(Some(now));
    }
    let (sign, dur) = if let Some(d) = rest.strip_prefix('-') {
        (-1, d)
    } else if let Some(d) = rest.strip_prefix('+') {
        (1, d)
    } else if rest.len() == s.len() {
        return Ok(None);
    } else {
        return Err(RestoreTimeError::Unrecognized(s.to_owned()));
    };
    let seconds = parse_duration_seconds(dur.trim())?;
    let delta = Duration::try_seconds(seconds).ok_or(RestoreTimeError::OutOfRange)?;
    let t = if sign < 0 {
        now.checked_sub_signed(delta)
    } else {
        now.checked_add_signed(delta)
    };
    t.map(Some).ok_or(RestoreTimeError::OutOfRange)
}

/// `15m`, `2h30m`, `1d12h`, `90s` in seconds.
fn parse_duration_seconds(s: &str) -> Result<i64, RestoreTimeError> {
    let bad = || RestoreTimeError::BadDuration(s.to_owned());
    let mut total: i64 = 0;
    let mut number: Option<i64> = None;
    for ch in s.chars() {
        if let Some(d) = ch.to_digit(10) {
            let n = number.unwrap_or(0);
            number = Some(
                n.checked_mul(10)
                    .and_then(|n| n.checked_add(i64::from(d)))
                    .ok_or_else(bad)?,
            );
            continue;
        }
        let unit = match ch.to_ascii_lowercase() {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let n = number.take().ok_or_else(bad)?;
        total = n
            .checked_mul(unit)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(bad)?;
    }
    if number.is_some() || s.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

/// Builds the instant from `[year, month, day, hour, minute, second]` and a zone text.
fn build(
    s: &str,
    fields: [Option<u32>; 6],
    zone: &str,
    local: FixedOffset,
) -> Result<DateTime<Utc>, RestoreTimeError> {
    let bad_date = || RestoreTimeError::BadDate(s.to_owned());
    let [Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec)] = fields else {
        return Err(bad_date());
    };
    let year = i32::try_from(y).map_err(|_| bad_date())?;
    let naive: NaiveDateTime = NaiveDate::from_ymd_opt(year, mo, d)
        .and_then(|date| date.and_hms_opt(h, mi, sec))
        .ok_or_else(bad_date)?;
    let offset = match parse_zone(zone.trim()) {
        Some(Some(o)) => o,
        Some(None) => local,
        None => return Err(RestoreTimeError::BadZone(zone.trim().to_owned())),
    };
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(bad_date)
}

/// A zone: `Some(None)` when empty (use the local offset), `None` when not understood.
fn parse_zone(z: &str) -> Option<Option<FixedOffset>> {
    if z.is_empty() {
        return Some(None);
    }
    let upper = z.to_ascii_uppercase();
    if matches!(upper.as_str(), "Z" | "UTC" | "GMT") {
        return Some(FixedOffset::east_opt(0));
    }
    let offset = upper
        .strip_prefix("UTC")
        .or_else(|| upper.strip_prefix("GMT"))
        .unwrap_or(&upper)
        .trim_start();
    parse_offset(offset).map(Some)
}

/// `+8`, `+08`, `+08:00`, `+0800`, `-3:30`.
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let (sign, rest) = if let Some(r) = s.strip_prefix('+') {
        (1, r)
    } else {
        (-1, s.strip_prefix('-')?)
    };
    if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_digit() || c == ':') {
        return None;
    }
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h, m),
        Some(_) => return None,
        None if rest.len() <= 2 => (rest, "0"),
        None if rest.len() == 4 => (rest.get(..2)?, rest.get(2..)?),
        None => return None,
    };
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h.to_string().len() > 2 || h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-06-03T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn plus8() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    fn parse(s: &str) -> Result<String, RestoreTimeError> {
        parse_restore_time(s, now(), plus8()).map(format_restore_time)
    }

    #[test]
    fn accepted_forms() {
        let cases = [
            ("2025-06-03T09:30:00Z", "2025-06-03T09:30:00Z"),
            ("2025-06-03T11:30:00.75+02:00", "2025-06-03T09:30:00Z"),
            ("2025-06-03 09:30:00 Z", "2025-06-03T09:30:00Z"),
            ("2025-06-03 09:30:00Z", "2025-06-03T09:30:00Z"),
            ("2025-06-03 09:30:00 UTC", "2025-06-03T09:30:00Z"),
            ("2025-06-03 09:30:00 utc", "2025-06-03T09:30:00Z"),
            ("2025-06-03 11:30:00 +02:00", "2025-06-03T09:30:00Z"),
            ("2025-06-03 11:30:00+0200", "2025-06-03T09:30:00Z"),
            ("2025-06-03 17:30:00 UTC+8", "2025-06-03T09:30:00Z"),
            ("2025-06-03 02:30:00 UTC-07:00", "2025-06-03T09:30:00Z"),
            ("2025-06-03 05:00:00 -4:30", "2025-06-03T09:30:00Z"),
            // No zone: the local offset (+08:00 here).
            ("2025-06-03 17:30:00", "2025-06-03T09:30:00Z"),
            ("2025-06-03T17:30:00", "2025-06-03T09:30:00Z"),
            ("2025-06-03 17:30", "2025-06-03T09:30:00Z"),
            ("Jun 03,2025 02:30:00 UTC-0700", "2025-06-03T09:30:00Z"),
            ("jun 3, 2025 17:30:00 UTC+0800", "2025-06-03T09:30:00Z"),
            ("now", "2025-06-03T10:00:00Z"),
            ("NOW", "2025-06-03T10:00:00Z"),
            ("-15m", "2025-06-03T09:45:00Z"),
            ("-2h30m", "2025-06-03T07:30:00Z"),
            ("now-1h", "2025-06-03T09:00:00Z"),
            ("now - 90s", "2025-06-03T09:58:30Z"),
            ("now+1d", "2025-06-04T10:00:00Z"),
            ("  -1d12h  ", "2025-06-01T22:00:00Z"),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input).as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn refused_forms_say_why() {
        assert_eq!(parse(""), Err(RestoreTimeError::Empty));
        assert_eq!(parse("   "), Err(RestoreTimeError::Empty));
        assert_eq!(
            parse("-15x"),
            Err(RestoreTimeError::BadDuration("15x".into()))
        );
        assert_eq!(parse("now-"), Err(RestoreTimeError::BadDuration("".into())));
        assert_eq!(parse("-h"), Err(RestoreTimeError::BadDuration("h".into())));
        assert_eq!(
            parse("-15"),
            Err(RestoreTimeError::BadDuration("15".into()))
        );
        assert_eq!(
            parse("2025-02-30 10:00:00"),
            Err(RestoreTimeError::BadDate("2025-02-30 10:00:00".into()))
        );
        assert_eq!(
            parse("2025-06-03 25:00:00"),
            Err(RestoreTimeError::BadDate("2025-06-03 25:00:00".into()))
        );
        assert_eq!(
            parse("2025-06-03 10:00:00 Mars"),
            Err(RestoreTimeError::BadZone("Mars".into()))
        );
        assert_eq!(
            parse("2025-06-03 10:00:00 UTC+99"),
            Err(RestoreTimeError::BadZone("UTC+99".into()))
        );
        assert_eq!(
            parse("Foo 03,2025 02:30:00 UTC"),
            Err(RestoreTimeError::BadDate("Foo 03,2025 02:30:00 UTC".into()))
        );
        assert_eq!(
            parse("yesterday"),
            Err(RestoreTimeError::Unrecognized("yesterday".into()))
        );
        assert_eq!(
            parse("nowish"),
            Err(RestoreTimeError::Unrecognized("nowish".into()))
        );
        assert_eq!(
            parse("-99999999999999999d"),
            Err(RestoreTimeError::BadDuration("99999999999999999d".into()))
        );
        assert_eq!(parse("-9999999999d"), Err(RestoreTimeError::OutOfRange));
        assert!(
            RestoreTimeError::Unrecognized("x".into())
                .to_string()
                .starts_with("cannot read \"x\" as a time")
        );
    }

    #[test]
    fn formatting() {
        let t = now();
        assert_eq!(format_restore_time(t), "2025-06-03T10:00:00Z");
        assert_eq!(format_kbcli(t, plus8()), "Jun 03,2025 18:00:00 UTC+0800");
        assert_eq!(
            parse_restore_time(
                &format_kbcli(t, plus8()),
                now(),
                FixedOffset::east_opt(0).unwrap()
            ),
            Ok(t)
        );
    }

    #[test]
    fn operator_layouts_only() {
        let want = Some(now());
        assert_eq!(parse_operator_time("Jun 03,2025 18:00:00 UTC+0800"), want);
        assert_eq!(parse_operator_time("jun 03,2025 03:00:00 UTC-0700"), want);
        assert_eq!(parse_operator_time("2025-06-03T10:00:00Z"), want);
        assert_eq!(parse_operator_time("2025-06-03T12:00:00+02:00"), want);
        for lenient_only in [
            "Jun 3,2025 18:00:00 UTC+0800",
            "Jun 03, 2025 18:00:00 UTC+0800",
            "Jun 03,2025 18:00:00 UTC+08:00",
            "2025-06-03 10:00:00",
            "now",
            "-15m",
        ] {
            assert_eq!(parse_operator_time(lenient_only), None, "{lenient_only}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_restore_time(&s, now(), plus8());
            let _ = parse_operator_time(&s);
        }

        #[test]
        fn never_panics_on_near_misses(s in "(now|NOW)?[ +-]{0,3}[0-9dhms:TZUC+. -]{0,30}") {
            let _ = parse_restore_time(&s, now(), plus8());
        }

        #[test]
        fn formatted_times_read_back(secs in 0i64..4_000_000_000) {
            let t = DateTime::from_timestamp(secs, 0).unwrap();
            let text = format_restore_time(t);
            prop_assert_eq!(parse_restore_time(&text, now(), plus8()), Ok(t));
            prop_assert_eq!(parse_restore_time(&format_kbcli(t, plus8()), now(), plus8()), Ok(t));
        }
    }
}
