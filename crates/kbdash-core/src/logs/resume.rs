//! Going on with a log after its stream dropped. The API server's `sinceTime` is whole seconds
//! (and includes lines of that second), so a resumed stream repeats the lines of the second
//! the last one was written in, and possibly earlier ones of it: with `timestamps=true` every
//! line says when it was written, and those seen already are left out. Lines written in the
//! same nanosecond as the last one seen are told apart by how many of them were seen.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use super::LogLine;

/// Where a log stream got to, and the filter of a resumed stream's lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resume {
    /// The time of the last stamped line seen.
    last: Option<DateTime<Utc>>,
    /// How many lines stamped `last` were seen.
    seen_at_last: usize,
    /// Lines stamped `last` a resumed stream has still to repeat before its new lines.
    to_skip: usize,
}

impl Resume {
    /// Where to resume from: the whole second of the last line seen (`None`: nothing seen
    /// yet, start over).
    pub fn since(&self) -> Option<DateTime<Utc>> {
        self.last
            .map(|t| t.duration_trunc(TimeDelta::seconds(1)).unwrap_or(t))
    }

    /// A new stream starts from [`Resume::since`]: the lines it repeats are to be left out.
    pub fn reconnected(&mut self) {
        self.to_skip = self.seen_at_last;
    }

    /// Whether `line` is new (and notes it as seen), or was seen before the stream resumed.
    pub fn admit(&mut self, line: &LogLine) -> bool {
        let (Some(at), Some(last)) = (line.at, self.last) else {
            if let Some(at) = line.at {
                self.last = Some(at);
                self.seen_at_last = 1;
            }
            return true;
        };
        if at < last {
            return false;
        }
        if at == last {
            if self.to_skip > 0 {
                self.to_skip -= 1;
                return false;
            }
            self.seen_at_last += 1;
            return true;
        }
        self.last = Some(at);
        self.seen_at_last = 1;
        self.to_skip = 0;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamped(raw: &str) -> LogLine {
        LogLine::parse(raw)
    }

    #[test]
    fn a_resumed_stream_repeats_nothing_and_loses_nothing() {
        let first = [
            "2026-12-06T10:00:00.100000000Z a",
            "2026-12-06T10:00:01.200000000Z b",
            "2026-12-06T10:00:01.500000000Z c",
            "2026-12-06T10:00:01.500000000Z d",
        ];
        let mut r = Resume::default();
        assert!(r.since().is_none());
        let mut kept: Vec<String> = Vec::new();
        for l in first.iter().map(|l| stamped(l)) {
            assert!(r.admit(&l));
            kept.push(l.text);
        }
        assert_eq!(
            r.since().map(|t| t.to_rfc3339()),
            Some("2026-12-06T10:00:01+00:00".into())
        );
        // The server sends the whole second again, then what came after the drop, among it a
        // third line of the same nanosecond.
        r.reconnected();
        let again = [
            "2026-12-06T10:00:01.200000000Z b",
            "2026-12-06T10:00:01.500000000Z c",
            "2026-12-06T10:00:01.500000000Z d",
            "2026-12-06T10:00:01.500000000Z e",
            "2026-12-06T10:00:02.000000000Z f",
        ];
        for l in again.iter().map(|l| stamped(l)) {
            if r.admit(&l) {
                kept.push(l.text);
            }
        }
        assert_eq!(kept, ["a", "b", "c", "d", "e", "f"]);
    }

    #[test]
    fn unstamped_lines_are_always_new() {
        let mut r = Resume::default();
        assert!(r.admit(&LogLine::parse("plain")));
        assert!(r.since().is_none());
        r.reconnected();
        assert!(r.admit(&LogLine::parse("plain")));
    }
}
