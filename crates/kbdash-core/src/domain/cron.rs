//! Five-field cron expressions as Kubernetes CronJobs (and so KubeBlocks BackupSchedules)
//! accept them (robfig/cron `ParseStandard`), the next fire time, and backup retention
//! periods as KubeBlocks parses them.
//!
//! Cron fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC),
//! day of week (0-6 or SUN-SAT). Each is a comma-separated list of `*`, `?`, `N`, `N-M`, each
//! optionally `/step` (`N/step` means `N-max/step`). When both day fields are restricted a day
//! matches if either does; when one is `*` only the other counts. Descriptors `@yearly`,
//! `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly` are accepted too.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Timelike, Utc};

/// One of the five cron fields, in expression order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CronField {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl CronField {
    const ALL: [CronField; 5] = [
        CronField::Minute,
        CronField::Hour,
        CronField::DayOfMonth,
        CronField::Month,
        CronField::DayOfWeek,
    ];

    /// The field's name in messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            CronField::Minute => "minute",
            CronField::Hour => "hour",
            CronField::DayOfMonth => "day-of-month",
            CronField::Month => "month",
            CronField::DayOfWeek => "day-of-week",
        }
    }

    fn bounds(self) -> (u32, u32) {
        match self {
            CronField::Minute => (0, 59),
            CronField::Hour => (0, 23),
            CronField::DayOfMonth => (1, 31),
            CronField::Month => (1, 12),
            CronField::DayOfWeek => (0, 6),
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            CronField::Month => &[
                "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
            ],
            CronField::DayOfWeek => &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
            _ => &[],
        }
    }
}

/// Why a cron expression was refused; `field` is `None` for whole-expression problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronError {
    pub(crate) field: Option<CronField>,
    pub(crate) message: String,
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "{} field: {}", field.name(), self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CronError {}

/// A parsed cron expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CronSchedule {
    /// One bit per allowed value, per field, in [`CronField::ALL`] order.
    bits: [u64; 5],
    dom_star: bool,
    dow_star: bool,
}

/// Parses a five-field cron expression (or a descriptor such as `@daily`).
pub fn parse_cron(expr: &str) -> Result<CronSchedule, CronError> {
    let expr = expr.trim();
    let expanded = match expr.to_ascii_lowercase().as_str() {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        _ if expr.starts_with('@') => {
            return Err(CronError {
                field: None,
                message: format!("unknown descriptor {expr:?}"),
            });
        }
        _ => expr,
    };
    let parts: Vec<&str> = expanded.split_whitespace().collect();
    if parts.len() != 5 {
        return Err(CronError {
            field: None,
            message: format!(
                "expected 5 fields (minute hour day-of-month month day-of-week), got {}",
                parts.len()
            ),
        });
    }
    let mut bits = [0u64; 5];
    let mut stars = [false; 5];
    for (i, (field, text)) in CronField::ALL.iter().zip(&parts).enumerate() {
        let (b, star) = parse_field(*field, text).map_err(|message| CronError {
            field: Some(*field),
            message,
        })?;
        bits[i] = b;
        stars[i] = star;
    }
    Ok(CronSchedule {
        bits,
        dom_star: stars[2],
        dow_star: stars[4],
    })
}

/// Parses one field into its bit set and whether it is an unrestricted `*`/`?`.
fn parse_field(field: CronField, text: &str) -> Result<(u64, bool), String> {
    let mut bits = 0u64;
    let mut star = false;
    for item in text.split(',') {
        let (b, s) = parse_item(field, item)?;
        bits |= b;
        star |= s;
    }
    Ok((bits, star))
}

fn parse_item(field: CronField, item: &str) -> Result<(u64, bool), String> {
    let (min, max) = field.bounds();
    if item.is_empty() {
        return Err("empty list item".to_owned());
    }
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => {
            let step: u32 = s
                .parse()
                .map_err(|_| format!("step {s:?} in {item:?} is not a number"))?;
            if step == 0 {
                return Err(format!("step in {item:?} must be positive"));
            }
            (r, Some(step))
        }
        None => (item, None),
    };
    let (start, end, any) = if range == "*" || range == "?" {
        (min, max, true)
    } else if let Some((a, b)) = range.split_once('-') {
        (value(field, a)?, value(field, b)?, false)
    } else {
        let v = value(field, range)?;
        // `N/step` means from N to the field's maximum.
        (v, if step.is_some() { max } else { v }, false)
    };
    if start > end {
        return Err(format!("range {range:?} starts after it ends"));
    }
    let step = step.unwrap_or(1);
    let mut bits = 0u64;
    let mut v = start;
    while v <= end {
        bits |= 1 << v;
        v += step;
    }
    Ok((bits, any && step == 1))
}

fn value(field: CronField, text: &str) -> Result<u32, String> {
    let (min, max) = field.bounds();
    let upper = text.to_ascii_uppercase();
    if let Some(i) = field.names().iter().position(|n| *n == upper) {
        let offset = if field == CronField::Month { 1 } else { 0 };
        return u32::try_from(i)
            .map(|i| i + offset)
            .map_err(|e| e.to_string());
    }
    let v: u32 = text.parse().map_err(|_| {
        if field.names().is_empty() {
            format!("{text:?} is not a number")
        } else {
            format!(
                "{text:?} is neither a number nor one of {}",
                field.names().join(", ")
            )
        }
    })?;
    if v < min || v > max {
        return Err(format!("{v} is out of range {min}-{max}"));
    }
    Ok(v)
}

impl CronSchedule {
    fn allows(&self, field: CronField, v: u32) -> bool {
        v < 64 && self.bits[field as usize] & (1 << v) != 0
    }

    fn day_matches(&self, date: NaiveDate) -> bool {
        let dom = self.allows(CronField::DayOfMonth, date.day());
        let dow = self.allows(CronField::DayOfWeek, date.weekday().num_days_from_sunday());
        if self.dom_star || self.dow_star {
            dom && dow
        } else {
            dom || dow
        }
    }

    /// The first time strictly after `after` (UTC) at which the schedule fires, or `None`
    /// if it never fires within the next five years (e.g. `0 0 30 2 *`).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = after.naive_utc().with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let limit = start.year() + 5;
        let mut t = start;
        while t.year() <= limit {
            if !self.allows(CronField::Month, t.month()) {
                t = first_of_next_month(t)?;
                continue;
            }
            if !self.day_matches(t.date()) {
                t = t.date().succ_opt()?.and_hms_opt(0, 0, 0)?;
                continue;
            }
            if !self.allows(CronField::Hour, t.hour()) {
                t = t.with_minute(0)? + Duration::hours(1);
                continue;
            }
            if !self.allows(CronField::Minute, t.minute()) {
                t += Duration::minutes(1);
                continue;
            }
            return Some(t.and_utc());
        }
        None
    }
}

fn first_of_next_month(t: NaiveDateTime) -> Option<NaiveDateTime> {
    let (y, m) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.and_hms_opt(0, 0, 0)
}

/// Why a retention period was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid retention period {0:?}: use numbers with units y, mo, w, d, h, m, e.g. 7d or 1d12h"
)]
pub struct RetentionError(pub(crate) String);

/// Parses a backup retention period exactly as KubeBlocks' `RetentionPeriod.ToDuration` does:
/// a sequence of number+unit with units `y` (365 days), `mo` (30 days), `w`, `d`, `h`, `m`
/// (minutes; there is no seconds unit); a repeated unit replaces the earlier one; surrounding
/// blanks are ignored. An empty period is zero (no expiry). The CRDs put no pattern on
/// `retentionPeriod`, so this parser is the only check.
pub fn parse_retention(s: &str) -> Result<Duration, RetentionError> {
    let bad = || RetentionError(s.to_owned());
    // years, months, weeks, days, hours, minutes
    let mut parts = [0i64; 6];
    let mut rest = s.trim();
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(bad());
        }
        let (num, tail) = rest.split_at(digits);
        let num: i64 = num.parse().map_err(|_| bad())?;
        let (slot, unit_len) = if tail.starts_with("mo") {
            (1, 2)
        } else {
            match tail.chars().next() {
                Some('y') => (0, 1),
                Some('w') => (2, 1),
                Some('d') => (3, 1),
                Some('h') => (4, 1),
                Some('m') => (5, 1),
                _ => return Err(bad()),
            }
        };
        parts[slot] = num;
        rest = tail.get(unit_len..).ok_or_else(bad)?;
    }
    let minutes_per = [365 * 24 * 60, 30 * 24 * 60, 7 * 24 * 60, 24 * 60, 60, 1];
    let minutes = parts
        .iter()
        .zip(minutes_per)
        .try_fold(0i64, |acc, (n, per)| {
            n.checked_mul(per).and_then(|x| acc.checked_add(x))
        })
        .ok_or_else(bad)?;
    Duration::try_minutes(minutes).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics(expr in "[0-9*?/,A-Za-z@ -]{0,30}", secs in 0i64..4_000_000_000) {
            if let Ok(c) = parse_cron(&expr) {
                let after = DateTime::from_timestamp(secs, 0).unwrap();
                if let Some(n) = c.next_after(after) {
                    prop_assert!(n > after);
                }
            }
            let _ = parse_retention(&expr);
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn next(expr: &str, after: &str) -> Option<String> {
        parse_cron(expr)
            .unwrap()
            .next_after(t(after))
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    }

    #[test]
    fn valid_expressions() {
        for e in [
            "*/5 * * * *",
            "0 2 * * *",
            "0 18 * * *",
            "0,30 8-18 * * MON-FRI",
            "15 3 1 JAN,jul ?",
            "5/15 * * * *",
            "0 0 1-31/2 * sun",
            "@daily",
            "  0 0 * * 0  ",
        ] {
            assert!(parse_cron(e).is_ok(), "{e}");
        }
    }

    #[test]
    fn invalid_expressions_name_the_field() {
        let err = |e: &str| parse_cron(e).unwrap_err().to_string();
        assert_eq!(
            err("* * * *"),
            "expected 5 fields (minute hour day-of-month month day-of-week), got 4"
        );
        assert_eq!(
            err("0 0 * * * *"),
            "expected 5 fields (minute hour day-of-month month day-of-week), got 6"
        );
        assert_eq!(err("60 * * * *"), "minute field: 60 is out of range 0-59");
        assert_eq!(err("0 24 * * *"), "hour field: 24 is out of range 0-23");
        assert_eq!(
            err("0 0 0 * *"),
            "day-of-month field: 0 is out of range 1-31"
        );
        assert_eq!(err("0 0 * 13 *"), "month field: 13 is out of range 1-12");
        assert_eq!(err("0 0 * * 7"), "day-of-week field: 7 is out of range 0-6");
        assert_eq!(
            err("0 0 * * FUN"),
            "day-of-week field: \"FUN\" is neither a number nor one of SUN, MON, TUE, WED, THU, FRI, SAT"
        );
        assert_eq!(err("x * * * *"), "minute field: \"x\" is not a number");
        assert_eq!(
            err("*/0 * * * *"),
            "minute field: step in \"*/0\" must be positive"
        );
        assert_eq!(
            err("0 5-3 * * *"),
            "hour field: range \"5-3\" starts after it ends"
        );
        assert_eq!(err("0, * * * *"), "minute field: empty list item");
        assert_eq!(err("@sometimes"), "unknown descriptor \"@sometimes\"");
        assert_eq!(
            parse_cron("0 0 * * 9").unwrap_err().field,
            Some(CronField::DayOfWeek)
        );
    }

    #[test]
    fn next_fire_times() {
        assert_eq!(
            next("*/5 * * * *", "2025-06-03T10:02:30Z").as_deref(),
            Some("2025-06-03T10:05:00Z")
        );
        // Strictly after: an instant on a fire time moves to the next one.
        assert_eq!(
            next("*/5 * * * *", "2025-06-03T10:05:00Z").as_deref(),
            Some("2025-06-03T10:10:00Z")
        );
        assert_eq!(
            next("0 2 * * *", "2025-06-03T02:00:00Z").as_deref(),
            Some("2025-06-04T02:00:00Z")
        );
        assert_eq!(
            next("0 0 1 * *", "2025-12-15T00:00:00Z").as_deref(),
            Some("2026-01-01T00:00:00Z")
        );
        // 2025-06-03 is a Tuesday.
        assert_eq!(
            next("30 9 * * MON", "2025-06-03T10:00:00Z").as_deref(),
            Some("2025-06-09T09:30:00Z")
        );
        assert_eq!(
            next("0 0 29 2 *", "2025-01-01T00:00:00Z").as_deref(),
            Some("2028-02-29T00:00:00Z")
        );
        assert_eq!(next("0 0 30 2 *", "2025-01-01T00:00:00Z"), None);
    }

    #[test]
    fn both_day_fields_restricted_means_either() {
        // The 15th (a Sunday in June 2025) or any Friday: the next is Friday 2025-06-06.
        assert_eq!(
            next("0 0 15 * FRI", "2025-06-03T00:00:00Z").as_deref(),
            Some("2025-06-06T00:00:00Z")
        );
        // Day-of-month starred: only Fridays.
        assert_eq!(
            next("0 0 * * FRI", "2025-06-06T00:00:00Z").as_deref(),
            Some("2025-06-13T00:00:00Z")
        );
        // A stepped star is a restriction: odd days or Fridays.
        assert_eq!(
            next("0 0 */2 * FRI", "2025-06-03T00:00:00Z").as_deref(),
            Some("2025-06-05T00:00:00Z")
        );
    }

    #[test]
    fn retention_periods() {
        let minutes = |s: &str| parse_retention(s).map(|d| d.num_minutes());
        assert_eq!(minutes("7d"), Ok(7 * 24 * 60));
        assert_eq!(minutes("8d"), Ok(8 * 24 * 60));
        assert_eq!(minutes("12h"), Ok(12 * 60));
        assert_eq!(minutes("1d12h"), Ok(36 * 60));
        assert_eq!(minutes("30m"), Ok(30));
        assert_eq!(minutes("2w"), Ok(14 * 24 * 60));
        assert_eq!(minutes("1mo"), Ok(30 * 24 * 60));
        assert_eq!(minutes("1y"), Ok(365 * 24 * 60));
        assert_eq!(
            minutes(" 1y2mo3w4d5h6m "),
            Ok(365 * 1440 + 60 * 1440 + 21 * 1440 + 4 * 1440 + 5 * 60 + 6)
        );
        // KubeBlocks assigns, it does not add, when a unit repeats.
        assert_eq!(minutes("1d2d"), Ok(2 * 24 * 60));
        assert_eq!(minutes(""), Ok(0));
        for bad in [
            "7",
            "d",
            "7s",
            "7D",
            "-7d",
            "7 d",
            "1d 12h",
            "7days",
            "1.5d",
            "99999999999999999999d",
        ] {
            assert_eq!(
                parse_retention(bad),
                Err(RetentionError(bad.into())),
                "{bad}"
            );
        }
    }
}
