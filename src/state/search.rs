//! Searching the detail's YAML: which lines match a query and where in them. Matching ignores
//! ASCII case (a byte-for-byte lowering, so the places found are places in the line as shown).

/// A search of the YAML view: the query, and the line of the match the view is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// What is searched for.
    pub query: String,
    /// The line of the current match, if one was found.
    pub line: Option<usize>,
}

/// The byte ranges of `line` where `query` occurs, ignoring ASCII case; none for an empty
/// query.
pub(crate) fn ranges(line: &str, query: &str) -> Vec<(usize, usize)> {
    if query.is_empty() {
        return Vec::new();
    }
    let hay = line.to_ascii_lowercase();
    let needle = query.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = hay.get(from..).and_then(|rest| rest.find(&needle)) {
        let start = from + i;
        out.push((start, start + needle.len()));
        from = start + needle.len();
    }
    out
}

/// The lines of `lines` that `query` occurs in.
pub(crate) fn matching_lines(lines: &[String], query: &str) -> Vec<usize> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !ranges(l, query).is_empty())
        .map(|(i, _)| i)
        .collect()
}

/// The match to go to from line `from`: the first at or after it going forward (`step` 1),
/// the last before it going back (`step` -1), wrapping around; `None` without matches.
pub(crate) fn step(matches: &[usize], from: usize, step: i8) -> Option<usize> {
    if step >= 0 {
        matches
            .iter()
            .find(|l| **l >= from)
            .or(matches.first())
            .copied()
    } else {
        matches
            .iter()
            .rev()
            .find(|l| **l < from)
            .or(matches.last())
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_ignore_ascii_case_and_wrap() {
        assert_eq!(ranges("Name: pg-Name", "name"), [(0, 4), (9, 13)]);
        assert!(ranges("anything", "").is_empty());
        // Non-ASCII text keeps its byte places.
        assert_eq!(ranges("数据 phase", "PHASE"), [(7, 12)]);
        let lines: Vec<String> = ["a", "phase: x", "b", "Phase: y"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let found = matching_lines(&lines, "phase");
        assert_eq!(found, [1, 3]);
        assert_eq!(step(&found, 0, 1), Some(1));
        assert_eq!(step(&found, 2, 1), Some(3));
        assert_eq!(step(&found, 4, 1), Some(1), "wraps to the first");
        assert_eq!(step(&found, 3, -1), Some(1));
        assert_eq!(step(&found, 1, -1), Some(3), "wraps to the last");
        assert_eq!(step(&[], 0, 1), None);
    }
}
