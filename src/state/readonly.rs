//! Read-only mode: which contexts it applies to ([`Policy`]), and how it is enforced.
//!
//! The guarantee does not rest on every view remembering to hide its buttons: whatever asks
//! for a write, the API client kbdash talks through in read-only mode is wrapped in the gate of
//! [`crate::k8s::gate`], which refuses any request that is not a GET before it leaves the
//! process. On top of that, every key action ([`crate::state::keymap::Action::mutates`]), `:`
//! command ([`crate::state::command::Command::mutates`]) and effect
//! ([`crate::state::cmd::Cmd::mutates`]) says whether it mutates by an exhaustive match (no
//! wildcard arm), so whoever adds a new one must decide; mutating ones disappear from keys, help
//! and the command line in read-only mode, and the engine refuses to run them.

/// Which contexts a session may change nothing in. Decided again on every context switch, so
/// `:ctx prod-eu` from a development context turns read-only on when the config says
/// production contexts are read-only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Every context (`--readonly`, `--wall`).
    pub always: bool,
    /// Context name patterns (`*` wildcards) that are read-only; empty with `--write`.
    pub contexts: Vec<String>,
}

impl Policy {
    /// Whether `context` is read-only.
    pub fn applies_to(&self, context: &str) -> bool {
        self.always || self.contexts.iter().any(|p| glob_match(p, context))
    }
}

/// Whether `name` matches the glob `pattern` (`*` any run, `?` one character).
fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        for (p, n, want) in [
            ("prod-*", "prod-eu", true),
            ("prod-*", "staging", false),
            ("*prod*", "gke_x_prod_1", true),
            ("kind-?", "kind-a", true),
            ("kind-?", "kind-ab", false),
            ("exact", "exact", true),
            ("*", "", true),
        ] {
            assert_eq!(glob_match(p, n), want, "{p} {n}");
        }
    }
}
