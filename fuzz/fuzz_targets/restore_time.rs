//! Restore-time input: `parse_restore_time` (what the user types) and `parse_operator_time`
//! (what the demo operator reads back from a Restore). Invariants: no panic; results have
//! second precision; what kbdash writes (`format_restore_time`, `format_kbcli`) reads back to
//! the same instant through both parsers.
#![no_main]

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use kbdash_core::domain::restore_time::{
    format_kbcli, format_restore_time, parse_operator_time, parse_restore_time,
};
use libfuzzer_sys::fuzz_target;

/// Seconds of year 9999's end: formats stay four-digit years up to it.
const MAX_SECS: i64 = 253_402_300_799;

fuzz_target!(|data: &[u8]| {
    let Some((head, text)) = data.split_first_chunk::<6>() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    // `now` anywhere in years 1970..=9999, the local offset in whole minutes within the zones
    // that exist (UTC-12 to UTC+14; kbcli's layout is only read within that range).
    let secs = i64::from(u32::from_le_bytes([head[0], head[1], head[2], head[3]])) * 59;
    let Some(now) = DateTime::<Utc>::from_timestamp(secs % MAX_SECS, 0) else {
        return;
    };
    let minutes = i32::from(i16::from_le_bytes([head[4], head[5]])) % (14 * 60 + 1);
    let Some(local) = FixedOffset::east_opt(minutes * 60) else {
        return;
    };

    if let Ok(t) = parse_restore_time(text, now, local) {
        assert_eq!(t.nanosecond(), 0, "{text:?} kept a fraction of a second");
        check_round_trips(t, now, local);
    }
    if let Some(t) = parse_operator_time(text) {
        check_round_trips(t.with_nanosecond(0).unwrap_or(t), now, local);
    }
});

fn check_round_trips(t: DateTime<Utc>, now: DateTime<Utc>, local: FixedOffset) {
    if !(0..=MAX_SECS).contains(&t.timestamp()) {
        return;
    }
    let written = format_restore_time(t);
    assert_eq!(parse_restore_time(&written, now, local), Ok(t), "{written}");
    assert_eq!(parse_operator_time(&written), Some(t), "{written}");
    let shown = format_kbcli(t, local);
    // kbcli's layout carries the offset, so the instant survives whatever `local` is.
    if (0..=MAX_SECS).contains(&t.with_timezone(&local).naive_local().and_utc().timestamp()) {
        assert_eq!(parse_operator_time(&shown), Some(t), "{shown}");
        assert_eq!(parse_restore_time(&shown, now, local), Ok(t), "{shown}");
    }
}
