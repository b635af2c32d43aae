//! A bounded history of one figure for a sparkline: the last readings, oldest first; a full
//! history drops its oldest reading for each new one, so memory per pod stays fixed however
//! long the session runs.

use std::collections::VecDeque;

/// Readings kept per series: an hour at the default 10 s interval would be 360; the detail's
/// sparklines are at most a screen wide, so the last 10 minutes at 10 s are plenty.
pub const SERIES_LEN: usize = 60;

/// The last [`SERIES_LEN`] readings of a figure; a scrape without it records a gap (`None`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    values: VecDeque<Option<f64>>,
}

impl Series {
    /// Appends a reading, dropping the oldest when full.
    pub fn push(&mut self, value: Option<f64>) {
        if self.values.len() == SERIES_LEN {
            self.values.pop_front();
        }
        self.values.push_back(value.filter(|v| v.is_finite()));
    }

    /// The readings, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = Option<f64>> + '_ {
        self.values.iter().copied()
    }

    /// The latest reading, if the last scrape had one.
    pub fn last(&self) -> Option<f64> {
        self.values.back().copied().flatten()
    }

    /// How many readings are kept.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether nothing was recorded yet.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_keeps_only_its_last_readings() {
        let mut s = Series::default();
        for i in 0..(SERIES_LEN + 5) {
            s.push(Some(i as f64));
        }
        assert_eq!(s.len(), SERIES_LEN);
        assert_eq!(s.iter().next(), Some(Some(5.0)));
        assert_eq!(s.last(), Some((SERIES_LEN + 4) as f64));
        s.push(Some(f64::NAN));
        assert_eq!(s.last(), None, "a value that is no number is a gap");
    }
}
