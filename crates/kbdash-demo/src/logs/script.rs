//! What a container wrote during one run, as a function of time: lines at start-up, a line
//! every so often while it runs, and its last lines when the run ended. The same run always has
//! the same lines at the same times, so a client resuming from `sinceTime` sees them again
//! exactly as before.

use chrono::{DateTime, Duration, Utc};

/// How far back a running container's periodic lines go: older ones are rotated away, as the
/// kubelet rotates container logs.
const KEPT: Duration = Duration::hours(1);

/// Lines with their offsets in milliseconds.
type Timed = Vec<(i64, String)>;

/// The periodic line made from its number and its time.
type Periodic = Box<dyn Fn(i64, DateTime<Utc>) -> String + Send>;

/// One run of a container.
pub(crate) struct Script {
    /// When the run started.
    pub(crate) start: DateTime<Utc>,
    /// Lines after the start, with their offsets in milliseconds.
    pub(crate) boot: Timed,
    /// A line every so many milliseconds after the boot lines, made from its number.
    pub(crate) every: Option<(i64, Periodic)>,
    /// When the run ended, and its last lines with their offsets from then.
    pub(crate) end: Option<(DateTime<Utc>, Timed)>,
}

impl Script {
    /// A run started at `start` with these boot lines, running still.
    pub(crate) fn new(start: DateTime<Utc>, boot: Vec<(i64, String)>) -> Script {
        Script {
            start,
            boot,
            every: None,
            end: None,
        }
    }

    /// Adds a line every `period_ms`.
    pub(crate) fn every(
        mut self,
        period_ms: i64,
        line: impl Fn(i64, DateTime<Utc>) -> String + Send + 'static,
    ) -> Script {
        self.every = Some((period_ms.max(1), Box::new(line)));
        self
    }

    /// Ends the run at `at` with these last lines.
    pub(crate) fn ended(mut self, at: DateTime<Utc>, last: Vec<(i64, String)>) -> Script {
        self.end = Some((at, last));
        self
    }

    /// Whether the run is over by `now` (its last line written).
    pub(crate) fn over(&self, now: DateTime<Utc>) -> bool {
        self.end.as_ref().is_some_and(|(at, last)| {
            *at + Duration::milliseconds(last.iter().map(|(ms, _)| *ms).max().unwrap_or(0)) <= now
        })
    }

    /// The lines written after `after` (exclusive; `None`: from the start) up to `to`
    /// (inclusive), oldest first.
    pub(crate) fn between(
        &self,
        after: Option<DateTime<Utc>>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, String)> {
        let wanted = |t: DateTime<Utc>| after.is_none_or(|a| t > a) && t <= to;
        let mut out: Vec<(DateTime<Utc>, String)> = Vec::new();
        let at = |ms: i64| self.start + Duration::milliseconds(ms);
        out.extend(
            self.boot
                .iter()
                .map(|(ms, l)| (at(*ms), l.clone()))
                .filter(|(t, _)| wanted(*t)),
        );
        let boot_end = at(self.boot.iter().map(|(ms, _)| *ms).max().unwrap_or(0));
        let ended = self.end.as_ref().map(|(e, _)| *e);
        if let Some((period, line)) = &self.every {
            let period = Duration::milliseconds(*period);
            let from = after.unwrap_or(boot_end).max(boot_end).max(to - KEPT);
            let mut k = ((from - boot_end).num_milliseconds() / period.num_milliseconds()).max(1);
            loop {
                let t = boot_end + period * i32::try_from(k).unwrap_or(i32::MAX);
                if t > to || ended.is_some_and(|e| t >= e) {
                    break;
                }
                if wanted(t) {
                    out.push((t, line(k, t)));
                }
                k += 1;
            }
        }
        if let Some((end, last)) = &self.end {
            out.extend(
                last.iter()
                    .map(|(ms, l)| (*end + Duration::milliseconds(*ms), l.clone()))
                    .filter(|(t, _)| wanted(*t)),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_once_in_order_whatever_the_windows() {
        let start = DateTime::from_timestamp(1_000_000, 0).unwrap_or_default();
        let script = Script::new(start, vec![(0, "boot".into()), (500, "ready".into())])
            .every(1000, |k, _| format!("tick {k}"))
            .ended(
                start + Duration::seconds(5),
                vec![(100, "FATAL: bye".into())],
            );
        let all = script.between(None, start + Duration::seconds(60));
        let texts: Vec<&str> = all.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            texts,
            [
                "boot",
                "ready",
                "tick 1",
                "tick 2",
                "tick 3",
                "tick 4",
                "FATAL: bye"
            ]
        );
        // Read in two windows, the same lines.
        let mid = start + Duration::milliseconds(2500);
        let mut parts = script.between(None, mid);
        parts.extend(script.between(Some(mid), start + Duration::seconds(60)));
        assert_eq!(parts, all);
        assert!(script.over(start + Duration::seconds(6)));
        assert!(!script.over(start + Duration::seconds(4)));
    }
}
