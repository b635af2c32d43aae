//! A bounded log buffer. Lines have positions that count every line ever added, so a place in
//! the log (where the view is scrolled to, a search match) stays the same line when old lines
//! fall off the front.

use std::collections::VecDeque;

use super::LogLine;

/// How many lines a log view keeps.
pub const DEFAULT_CAPACITY: usize = 20_000;

/// The last lines of a log, at most a capacity of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    capacity: usize,
    /// The position of the first line kept.
    start: usize,
    /// Lines dropped from the front to keep within the capacity.
    dropped: usize,
}

impl Default for LogBuffer {
    fn default() -> Self {
        LogBuffer::with_capacity(DEFAULT_CAPACITY)
    }
}

impl LogBuffer {
    /// An empty buffer keeping at most `capacity` lines (at least one).
    pub fn with_capacity(capacity: usize) -> LogBuffer {
        LogBuffer {
            lines: VecDeque::new(),
            capacity: capacity.max(1),
            start: 0,
            dropped: 0,
        }
    }

    /// Adds a line at the end, dropping the oldest when full.
    pub fn push(&mut self, line: LogLine) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
            self.start += 1;
            self.dropped += 1;
        }
        self.lines.push_back(line);
    }

    /// The position of the first line kept.
    pub fn first(&self) -> usize {
        self.start
    }

    /// The position the next line will get: one past the last line.
    pub fn end(&self) -> usize {
        self.start + self.lines.len()
    }

    /// How many lines are kept.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no line is kept.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// How many lines fell off the front to keep within the capacity.
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    /// The line at position `at`, if it is still kept.
    pub fn get(&self, at: usize) -> Option<&LogLine> {
        at.checked_sub(self.start).and_then(|i| self.lines.get(i))
    }

    /// The kept lines with their positions, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (usize, &LogLine)> {
        (self.start..self.end()).zip(self.lines.iter())
    }

    /// Forgets every line (none of them counted as dropped); positions go on counting.
    pub fn clear(&mut self) {
        self.start += self.lines.len();
        self.dropped = 0;
        self.lines.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> LogLine {
        LogLine {
            at: None,
            text: text.into(),
        }
    }

    #[test]
    fn a_full_buffer_drops_the_oldest_and_positions_stay() {
        let mut b = LogBuffer::with_capacity(3);
        for i in 0..5 {
            b.push(line(&i.to_string()));
        }
        assert_eq!((b.first(), b.end(), b.len(), b.dropped()), (2, 5, 3, 2));
        assert_eq!(b.get(1), None, "dropped");
        assert_eq!(b.get(2).map(|l| l.text.as_str()), Some("2"));
        assert_eq!(b.get(4).map(|l| l.text.as_str()), Some("4"));
        assert_eq!(b.get(5), None);
        let kept: Vec<usize> = b.iter().map(|(at, _)| at).collect();
        assert_eq!(kept, [2, 3, 4]);
        b.clear();
        assert!(b.is_empty());
        assert_eq!((b.first(), b.end(), b.dropped()), (5, 5, 0));
    }

    #[test]
    fn the_default_keeps_twenty_thousand_lines() {
        let mut b = LogBuffer::default();
        for i in 0..20_005 {
            b.push(line(&i.to_string()));
        }
        assert_eq!(b.len(), 20_000);
        assert_eq!(b.get(5).map(|l| l.text.as_str()), Some("5"));
    }
}
