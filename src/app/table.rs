//! A table of rows kept in sorted, filtered order incrementally, with a selection that follows
//! its object.
//!
//! Every row is stored once by key together with its sort value for the current sort column;
//! the visible rows (passing filter and scope) are a sorted vector of `(sort value, key)`. An
//! upsert or delete is a binary search plus one vector insert or removal, so a watch event costs
//! O(log n + shift) instead of a full re-sort. Changing the sort column, filter or scope rebuilds
//! the visible vector once: those are user actions, not per-event work.

use std::collections::HashMap;

use kbdash_core::rows::{Atom, ObjKey};

/// A value rows are sorted by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortValue {
    Num(i64),
    Text(Atom),
}

/// What a table needs from its rows.
pub trait TableRow {
    /// The object's identity.
    fn key(&self) -> &ObjKey;
    /// The row's value in sortable column `column`; `None` when that column does not sort.
    fn sort_value(&self, column: usize) -> Option<SortValue>;
    /// Whether any filterable column contains `needle` (already lowercase).
    fn matches(&self, needle: &str) -> bool;
    /// Whether the row belongs to the scoped cluster `scope`.
    fn in_scope(&self, scope: &ObjKey) -> bool;
}

/// Case-insensitive `contains` for filters; `needle` is lowercase.
pub fn contains_ci(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        let h = haystack.as_bytes();
        let n = needle.as_bytes();
        n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        haystack.to_lowercase().contains(needle)
    }
}

/// Sort column and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub descending: bool,
}

/// Rows of one kind in display order, with selection and scroll state.
#[derive(Debug, Clone)]
pub struct Table<R> {
    /// Boxed: a hash map keeps a quarter to a half of its slots empty, and rows are hundreds
    /// of bytes; empty slots of pointers cost little.
    rows: HashMap<ObjKey, Box<(R, SortValue)>>,
    visible: Vec<(SortValue, ObjKey)>,
    sort: Sort,
    filter: String,
    scope: Option<ObjKey>,
    selected: Option<ObjKey>,
    cursor: usize,
    offset: usize,
    page: usize,
}

impl<R: TableRow> Table<R> {
    /// An empty table sorted by `column`.
    pub fn new(column: usize) -> Table<R> {
        Table {
            rows: HashMap::new(),
            visible: Vec::new(),
            sort: Sort {
                column,
                descending: false,
            },
            filter: String::new(),
            scope: None,
            selected: None,
            cursor: 0,
            offset: 0,
            page: 10,
        }
    }

    fn sort_of(&self, row: &R) -> SortValue {
        row.sort_value(self.sort.column)
            .unwrap_or(SortValue::Num(0))
    }

    fn passes(&self, row: &R) -> bool {
        self.scope.as_ref().is_none_or(|s| row.in_scope(s))
            && (self.filter.is_empty() || row.matches(&self.filter))
    }

    fn search(&self, sort: &SortValue, key: &ObjKey) -> Result<usize, usize> {
        self.visible
            .binary_search_by(|(s, k)| s.cmp(sort).then_with(|| k.cmp(key)))
    }

    /// Inserts or replaces a row; returns the previous version.
    pub fn upsert(&mut self, row: R) -> Option<R> {
        let key = row.key().clone();
        let sort = self.sort_of(&row);
        let passes = self.passes(&row);
        let old = self.rows.remove(&key).map(|b| *b);
        let shown_at = old
            .as_ref()
            .and_then(|(_, old_sort)| self.search(old_sort, &key).ok());
        match shown_at {
            // A watch event seldom moves its row: shift only the rows between its old and new
            // places, never the whole visible list.
            Some(i) if passes => self.move_visible(i, sort.clone(), key.clone()),
            Some(i) => {
                self.visible.remove(i);
            }
            None => {
                if passes && let Err(i) = self.search(&sort, &key) {
                    self.visible.insert(i, (sort.clone(), key.clone()));
                }
            }
        }
        self.rows.insert(key, Box::new((row, sort)));
        self.fix_selection();
        old.map(|(r, _)| r)
    }

    /// Moves the visible entry at `i` to where `sort` puts it.
    fn move_visible(&mut self, i: usize, sort: SortValue, key: ObjKey) {
        if self.visible[i].0 == sort {
            return;
        }
        // The entry at `i` has another sort value, so `key` is not found with `sort`.
        let j = match self.search(&sort, &key) {
            Ok(j) | Err(j) => j,
        };
        if j > i {
            self.visible[i..j].rotate_left(1);
            self.visible[j - 1] = (sort, key);
        } else {
            self.visible[j..=i].rotate_right(1);
            self.visible[j] = (sort, key);
        }
    }

    /// Removes a row; returns it.
    pub fn remove(&mut self, key: &ObjKey) -> Option<R> {
        let (row, sort) = *self.rows.remove(key)?;
        if let Ok(i) = self.search(&sort, key) {
            self.visible.remove(i);
        }
        self.fix_selection();
        Some(row)
    }

    /// Replaces every row at once (a relist): one sort instead of n inserts.
    pub fn replace_all(&mut self, rows: impl IntoIterator<Item = R>) {
        self.rows = rows
            .into_iter()
            .map(|r| {
                let sort = self.sort_of(&r);
                (r.key().clone(), Box::new((r, sort)))
            })
            .collect();
        self.rebuild();
    }

    fn rebuild(&mut self) {
        let mut visible: Vec<(SortValue, ObjKey)> = self
            .rows
            .iter()
            .filter(|(_, e)| self.passes(&e.0))
            .map(|(k, e)| (e.1.clone(), k.clone()))
            .collect();
        visible.sort_unstable();
        self.visible = visible;
        self.fix_selection();
    }

    /// Sorts by another column (one full sort).
    pub fn set_sort(&mut self, sort: Sort) {
        if sort == self.sort {
            return;
        }
        let column_changed = sort.column != self.sort.column;
        self.sort = sort;
        if column_changed {
            let column = sort.column;
            for entry in self.rows.values_mut() {
                let (row, s) = &mut **entry;
                *s = row.sort_value(column).unwrap_or(SortValue::Num(0));
            }
        }
        self.rebuild();
    }

    /// The current sort.
    pub fn sort(&self) -> Sort {
        self.sort
    }

    /// Shows only rows matching `filter` (case-insensitive).
    pub fn set_filter(&mut self, filter: &str) {
        let filter = filter.to_lowercase();
        if filter != self.filter {
            self.filter = filter;
            self.rebuild();
        }
    }

    /// The current filter (lowercase).
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Shows only rows of cluster `scope`.
    pub fn set_scope(&mut self, scope: Option<ObjKey>) {
        if scope != self.scope {
            self.scope = scope;
            self.rebuild();
        }
    }

    /// A row by key, visible or not.
    pub fn get(&self, key: &ObjKey) -> Option<&R> {
        self.rows.get(key).map(|e| &e.0)
    }

    /// Every row, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &R> {
        self.rows.values().map(|e| &e.0)
    }

    /// Number of rows, visible or not.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table holds no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Number of visible rows.
    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    fn storage_index(&self, display: usize) -> usize {
        if self.sort.descending {
            self.visible.len() - 1 - display
        } else {
            display
        }
    }

    /// The visible row at display position `i`.
    pub fn visible_row(&self, i: usize) -> Option<&R> {
        if i >= self.visible.len() {
            return None;
        }
        let (_, key) = &self.visible[self.storage_index(i)];
        self.get(key)
    }

    /// The visible rows of the current page window, with their display positions.
    pub fn window(&self) -> impl Iterator<Item = (usize, &R)> {
        (self.offset..(self.offset + self.page).min(self.visible.len()))
            .filter_map(|i| self.visible_row(i).map(|r| (i, r)))
    }

    /// Keys of the rows on screen, in display order (no row lookups).
    pub fn window_keys(&self) -> impl Iterator<Item = &ObjKey> {
        let end = (self.offset + self.page).min(self.visible.len());
        self.visible
            .get(self.offset.min(end)..end)
            .unwrap_or_default()
            .iter()
            .map(|(_, k)| k)
    }

    /// Display position of the selected row.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// First display position on screen.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The selected row, if any row is visible.
    pub fn selected(&self) -> Option<&R> {
        self.selected.as_ref().and_then(|k| self.get(k))
    }

    /// Number of rows the screen shows at once.
    pub fn set_page(&mut self, page: usize) {
        self.page = page.max(1);
        self.fix_offset();
    }

    /// Moves the selection by `delta` rows, clamped.
    pub fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let max = self.visible.len() - 1;
        let target = self.cursor.saturating_add_signed(delta).min(max);
        self.select_index(target);
    }

    /// Selects display position `i`, clamped.
    pub fn select_index(&mut self, i: usize) {
        if self.visible.is_empty() {
            self.selected = None;
            self.cursor = 0;
            self.offset = 0;
            return;
        }
        self.cursor = i.min(self.visible.len() - 1);
        let si = self.storage_index(self.cursor);
        self.selected = Some(self.visible[si].1.clone());
        self.fix_offset();
    }

    /// Selects the row with `key` if it is visible.
    pub fn select_key(&mut self, key: &ObjKey) {
        self.selected = Some(key.clone());
        self.fix_selection();
    }

    /// Moves the cursor to where the selected object now is; when it is gone, keeps the
    /// position and selects whatever row is there now.
    fn fix_selection(&mut self) {
        let pos = self.selected.as_ref().and_then(|k| {
            let (_, sort) = &**self.rows.get(k)?;
            self.search(sort, k).ok()
        });
        match pos {
            Some(si) => {
                self.cursor = self.storage_index(si);
                self.fix_offset();
            }
            None => self.select_index(self.cursor),
        }
    }

    fn fix_offset(&mut self) {
        let len = self.visible.len();
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + self.page {
            self.offset = self.cursor + 1 - self.page;
        }
        // Never leave blank lines at the bottom while rows above are hidden.
        if self.offset + self.page > len {
            self.offset = len.saturating_sub(self.page);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone)]
    struct T(ObjKey, i64, String);

    impl TableRow for T {
        fn key(&self) -> &ObjKey {
            &self.0
        }
        fn sort_value(&self, column: usize) -> Option<SortValue> {
            match column {
                0 => Some(SortValue::Text(self.0.name.clone())),
                1 => Some(SortValue::Num(self.1)),
                _ => None,
            }
        }
        fn matches(&self, needle: &str) -> bool {
            contains_ci(&self.0.name, needle)
        }
        fn in_scope(&self, scope: &ObjKey) -> bool {
            self.2 == scope.name
        }
    }

    fn t(name: &str, n: i64) -> T {
        T(ObjKey::new("ns", name), n, "c".into())
    }

    fn names(t: &Table<T>) -> Vec<String> {
        (0..t.visible_len())
            .map(|i| t.visible_row(i).unwrap().0.name.to_string())
            .collect()
    }

    #[test]
    fn keeps_sorted_order_incrementally() {
        let mut tab = Table::new(0);
        for (n, v) in [("c", 1), ("a", 3), ("b", 2)] {
            tab.upsert(t(n, v));
        }
        assert_eq!(names(&tab), ["a", "b", "c"]);
        tab.set_sort(Sort {
            column: 1,
            descending: true,
        });
        assert_eq!(names(&tab), ["a", "b", "c"]);
        tab.upsert(t("b", 9));
        assert_eq!(names(&tab), ["b", "a", "c"]);
        tab.remove(&ObjKey::new("ns", "a"));
        assert_eq!(names(&tab), ["b", "c"]);
    }

    #[test]
    fn moved_rows_land_where_a_full_sort_puts_them() {
        let mut tab = Table::new(1);
        tab.replace_all((0..20).map(|i| t(&format!("r{i:02}"), i)));
        for (name, v) in [
            ("r03", 17),
            ("r15", 2),
            ("r07", 7),
            ("r00", 20),
            ("r19", -1),
        ] {
            tab.upsert(t(name, v));
            let mut fresh = Table::new(1);
            fresh.replace_all(tab.iter().cloned());
            assert_eq!(names(&tab), names(&fresh));
        }
        assert_eq!(names(&tab)[..2], ["r19", "r01"]);
        assert_eq!(names(&tab).last().unwrap(), "r00");
    }

    #[test]
    fn selection_follows_its_object() {
        let mut tab = Table::new(0);
        tab.replace_all([t("b", 0), t("d", 0)]);
        tab.select_index(1);
        assert_eq!(tab.selected().unwrap().0.name, "d");
        tab.upsert(t("a", 0));
        assert_eq!(
            (tab.cursor(), tab.selected().unwrap().0.name.as_str()),
            (2, "d")
        );
        tab.remove(&ObjKey::new("ns", "d"));
        assert_eq!(tab.selected().unwrap().0.name, "b");
    }

    #[test]
    fn filter_and_scope_hide_rows() {
        let mut tab = Table::new(0);
        tab.replace_all([
            t("alpha", 0),
            t("beta", 0),
            T(ObjKey::new("ns", "gamma"), 0, "x".into()),
        ]);
        tab.set_filter("A");
        assert_eq!(names(&tab), ["alpha", "beta", "gamma"]);
        tab.set_filter("ph");
        assert_eq!(names(&tab), ["alpha"]);
        tab.set_filter("");
        tab.set_scope(Some(ObjKey::new("ns", "x")));
        assert_eq!(names(&tab), ["gamma"]);
        tab.upsert(t("zeta", 0));
        assert_eq!(names(&tab), ["gamma"]);
    }

    #[test]
    fn window_scrolls_with_the_cursor() {
        let mut tab = Table::new(1);
        tab.replace_all((0..20).map(|i| t(&format!("p{i:02}"), i)));
        tab.set_page(5);
        tab.select_index(12);
        assert_eq!(tab.offset(), 8);
        let shown: Vec<usize> = tab.window().map(|(i, _)| i).collect();
        assert_eq!(shown, [8, 9, 10, 11, 12]);
        tab.move_by(-100);
        assert_eq!((tab.cursor(), tab.offset()), (0, 0));
    }
}
