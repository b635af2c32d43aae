//! Rates of counters across scrapes. A counter that went down was reset (PostgreSQL restarted,
//! or its statistics were reset): as Prometheus' `rate()` does, the increase across a reset is
//! the new value itself, so a restart shows as a dip, never as a negative rate or a spike.

use chrono::{DateTime, Utc};

/// The last reading of one counter, to turn the next into a rate.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CounterRate {
    last: Option<(DateTime<Utc>, f64)>,
}

impl CounterRate {
    /// Takes the counter's value at `at` and returns the rate per second since the last
    /// reading, if there is one earlier than `at`. A reading not later than the last one (a
    /// late answer) is ignored.
    pub fn observe(&mut self, at: DateTime<Utc>, value: f64) -> Option<f64> {
        if !value.is_finite() || value < 0.0 {
            return None;
        }
        let rate = match self.last {
            Some((t, _)) if at <= t => return None,
            Some((t, before)) => {
                let secs = (at - t).num_milliseconds() as f64 / 1000.0;
                let increase = if value >= before {
                    value - before
                } else {
                    value
                };
                Some(increase / secs)
            }
            None => None,
        };
        self.last = Some((at, value));
        rate
    }

    /// Forgets the last reading: the next one starts afresh (the series went missing).
    pub fn reset(&mut self) {
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_reset_counts_the_new_value_as_the_increase() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut r = CounterRate::default();
        assert_eq!(r.observe(t0, 1000.0), None, "one reading is no rate");
        assert_eq!(r.observe(t0 + Duration::seconds(10), 1100.0), Some(10.0));
        assert_eq!(
            r.observe(t0 + Duration::seconds(20), 50.0),
            Some(5.0),
            "reset"
        );
        assert_eq!(
            r.observe(t0 + Duration::seconds(20), 60.0),
            None,
            "same time"
        );
        assert_eq!(r.observe(t0 + Duration::seconds(15), 60.0), None, "late");
        assert_eq!(r.observe(t0 + Duration::seconds(30), 50.0), Some(0.0));
    }
}
