//! Completing a typed word: as far as every candidate agrees, for `:` commands and for the
//! parameter names of a form's list fields.

/// The longest prefix every string in `words` starts with.
pub(crate) fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    words[1..].iter().fold(first.clone(), |acc, w| {
        acc.chars()
            .zip(w.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefix_of_completions() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            common_prefix(&words(&["max_wal_senders", "max_wal_size"])),
            "max_wal_s"
        );
        assert_eq!(common_prefix(&words(&["wal_level", "work_mem"])), "w");
        assert_eq!(common_prefix(&words(&["abc"])), "abc");
        assert_eq!(common_prefix(&words(&["é1", "é2"])), "é");
        assert_eq!(common_prefix(&[]), "");
    }
}
