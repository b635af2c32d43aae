//! Container logs as kbdash keeps them: a line split from the timestamp the API server put in
//! front of it (`timestamps=true`), a bounded buffer of lines ([`buffer`]), and what a dropped
//! stream needs to go on from where it was without repeating a line ([`resume`]).

pub mod buffer;
pub mod resume;

use chrono::{DateTime, Utc};

/// One line of a container's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When the container wrote it, as the API server stamped it; `None` when the line came
    /// without a stamp.
    pub at: Option<DateTime<Utc>>,
    /// The line as the container wrote it (not yet safe for a terminal).
    pub text: String,
}

impl LogLine {
    /// Reads a line of a log requested with `timestamps=true`: the API server puts an RFC 3339
    /// time (nanoseconds) and one space in front of each line. A line without one is kept whole,
    /// unstamped.
    pub fn parse(raw: &str) -> LogLine {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some((stamp, text)) = raw.split_once(' ')
            && let Ok(at) = DateTime::parse_from_rfc3339(stamp)
        {
            return LogLine {
                at: Some(at.with_timezone(&Utc)),
                text: text.to_string(),
            };
        }
        LogLine {
            at: None,
            text: raw.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamped_line_is_split_and_others_are_kept_whole() {
        let l = LogLine::parse("2026-12-06T10:00:01.123456789Z INFO: no action. I am x\r");
        assert_eq!(l.text, "INFO: no action. I am x");
        assert_eq!(
            l.at.map(|t| t.timestamp_nanos_opt()),
            Some(Some(1_796_551_201_123_456_789))
        );
        let l = LogLine::parse("not-a-time some text");
        assert_eq!((l.at, l.text.as_str()), (None, "not-a-time some text"));
        assert_eq!(LogLine::parse("").text, "");
    }
}
