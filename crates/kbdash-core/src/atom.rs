//! Shared immutable strings for the values that repeat across a fleet.
//!
//! Namespaces, cluster names, phases, roles, condition types and reasons repeat thousands of
//! times across 50,000 rows; each row holding its own copy was most of the dashboard's memory.
//! An [`Atom`] is a reference-counted string: [`Atom::new`] hands out one shared copy per
//! distinct value (interned), [`Atom::unique`] makes a private one for values that never
//! repeat (object names) but are cloned often (keys kept in several indexes). Either kind
//! compares, hashes and orders by its text.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

/// A cheaply cloned, immutable string.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Atom(Arc<str>);

/// The interned values, and the size after the last sweep.
struct Pool {
    values: HashSet<Arc<str>>,
    swept_at: usize,
}

/// Values that no row holds any more are swept out once the pool has doubled since the last
/// sweep, so a long session with values coming and going keeps it bounded by what is in use.
const MIN_SWEEP: usize = 4096;

static POOL: LazyLock<Mutex<Pool>> = LazyLock::new(|| {
    Mutex::new(Pool {
        values: HashSet::new(),
        swept_at: MIN_SWEEP,
    })
});

static EMPTY: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(""));

impl Atom {
    /// The shared copy of `s`.
    pub fn new(s: &str) -> Atom {
        if s.is_empty() {
            return Atom::default();
        }
        // A poisoned pool is still a valid set of strings.
        let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(v) = pool.values.get(s) {
            return Atom(v.clone());
        }
        if pool.values.len() >= pool.swept_at.saturating_mul(2) {
            pool.values.retain(|v| Arc::strong_count(v) > 1);
            pool.swept_at = pool.values.len().max(MIN_SWEEP);
        }
        let v: Arc<str> = Arc::from(s);
        pool.values.insert(v.clone());
        Atom(v)
    }

    /// A private copy of `s`, for values that do not repeat.
    pub(crate) fn unique(s: &str) -> Atom {
        if s.is_empty() {
            return Atom::default();
        }
        Atom(Arc::from(s))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How many distinct values are interned now.
    #[cfg(test)]
    fn pool_len() -> usize {
        POOL.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values
            .len()
    }
}

impl Default for Atom {
    fn default() -> Atom {
        Atom(EMPTY.clone())
    }
}

impl Deref for Atom {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Atom {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Atom {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, not `write_str`: column layouts format atoms with widths like `{:<16}`.
        f.pad(&self.0)
    }
}

impl fmt::Debug for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for Atom {
    fn from(s: &str) -> Atom {
        Atom::new(s)
    }
}

impl From<String> for Atom {
    fn from(s: String) -> Atom {
        Atom::new(&s)
    }
}

impl From<&String> for Atom {
    fn from(s: &String) -> Atom {
        Atom::new(s)
    }
}

impl From<&Atom> for Atom {
    fn from(s: &Atom) -> Atom {
        s.clone()
    }
}

impl From<Atom> for String {
    fn from(a: Atom) -> String {
        a.as_str().to_string()
    }
}

impl PartialEq<str> for Atom {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Atom {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Atom {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<Atom> for str {
    fn eq(&self, other: &Atom) -> bool {
        self == &*other.0
    }
}

impl PartialEq<Atom> for &str {
    fn eq(&self, other: &Atom) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<Atom> for String {
    fn eq(&self, other: &Atom) -> bool {
        self.as_str() == &*other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_one_copy() {
        let a = Atom::new("Running-atom-test");
        let b = Atom::new(&String::from("Running-atom-test"));
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, "Running-atom-test");
        assert_eq!(a.as_str(), "Running-atom-test");
    }

    #[test]
    fn unique_atoms_compare_by_text() {
        let a = Atom::unique("pg-0");
        let b = Atom::new("pg-0");
        assert!(!Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, b);
        assert!(Atom::new("a") < Atom::unique("b"));
    }

    #[test]
    fn widths_apply_as_to_strings() {
        assert_eq!(format!("[{:<6}]", Atom::new("ab")), "[ab    ]");
        assert_eq!(format!("[{:>4.3}]", Atom::new("abcdef")), "[ abc]");
    }

    #[test]
    fn empty_is_the_default_and_allocates_nothing_new() {
        assert_eq!(Atom::new(""), Atom::default());
        assert!(Arc::ptr_eq(&Atom::new("").0, &Atom::unique("").0));
    }

    #[test]
    fn values_no_longer_held_are_swept() {
        for i in 0..(MIN_SWEEP * 3) {
            let _ = Atom::new(&format!("sweep-test-{i}"));
        }
        // Nothing holds those values; the pool never grows past twice the last sweep.
        let held = Atom::new("sweep-test-held");
        assert!(
            Atom::pool_len() <= MIN_SWEEP * 2 + 1,
            "{}",
            Atom::pool_len()
        );
        assert_eq!(held, "sweep-test-held");
    }
}
