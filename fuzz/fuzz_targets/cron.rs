//! Cron expressions (BackupSchedule) and retention periods. Invariants: no panic; the next
//! firing is strictly later, on a whole minute, and is also the next firing seen from one
//! second before it; retention periods are never negative.
#![no_main]

use chrono::{DateTime, Duration, Timelike, Utc};
use kbdash_core::domain::cron::{parse_cron, parse_retention};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((head, text)) = data.split_first_chunk::<4>() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    if let Ok(d) = parse_retention(text) {
        assert!(d >= Duration::zero(), "{text:?} -> {d:?}");
    }
    let Ok(schedule) = parse_cron(text) else {
        return;
    };
    // `after` in 1970..2106 with second precision.
    let secs = i64::from(u32::from_le_bytes(*head));
    let Some(after) = DateTime::<Utc>::from_timestamp(secs, 0) else {
        return;
    };
    if let Some(t) = schedule.next_after(after) {
        assert!(t > after, "{text:?}: {t} is not after {after}");
        assert_eq!((t.second(), t.nanosecond()), (0, 0), "{text:?}: {t}");
        assert!(t - after <= Duration::days(6 * 366), "{text:?}: {t}");
        assert_eq!(
            schedule.next_after(t - Duration::seconds(1)),
            Some(t),
            "{text:?}"
        );
    }
});
