//! A table of rows kept in sorted, filtered order incrementally, with a selection that follows
//! its object.
//!
//! Every row is stored once by key together with its sort value for the current sort column;
//! the visible rows (passing filter and scope) are a sorted vector of `(sort value, key)`. An
//! upsert or delete is a binary search plus one vector insert or removal, so a watch event costs
//! O(log n + shift) instead of a full re-sort. Changing the sort column, filter or scope rebuilds
//! the visible vector once: those are user actions, not per-event work.

use std::collections::HashMap;

use crate::state::columns::{Column, ColumnId};
use kbdash_core::rows::{Atom, Ctx, ObjKey};

/// A value rows are sorted by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SortValue {
    Num(i64),
    Text(Atom),
}

/// What a table needs from its rows.
pub trait TableRow: Sized + 'static {
    /// The columns a pane of these rows shows, in order.
    const COLUMNS: &'static [Column<Self>];
    /// The column a new table sorts by.
    const FIRST_SORT: ColumnId;
    /// The object's identity.
    fn key(&self) -> &ObjKey;
    /// Whether any filterable column contains `needle` (already lowercase).
    fn matches(&self, needle: &str) -> bool;
    /// Whether the row belongs to the scoped cluster `scope`.
    fn in_scope(&self, scope: &ObjKey) -> bool;
}

/// Case-insensitive `contains` for filters; `needle` is lowercase.
pub(crate) fn contains_ci(haystack: &str, needle: &str) -> bool {
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
    pub column: ColumnId,
    pub descending: bool,
}

/// The sort key of a column that does not sort: every row equal, so rows keep key order.
fn unsorted<R>(_: &R) -> SortValue {
    SortValue::Num(0)
}

/// The sort key of `column` of `R` rows.
fn sort_key<R: TableRow>(column: ColumnId) -> fn(&R) -> SortValue {
    R::COLUMNS
        .iter()
        .find(|c| c.id == column)
        .and_then(|c| c.sort)
        .unwrap_or(unsorted::<R>)
}

/// The keys of a table's rows on screen, in display order: see [`Table::window_keys`].
pub struct WindowKeys<'a> {
    entries: std::slice::Iter<'a, (SortValue, ObjKey)>,
    /// A descending table shows its visible entries last to first.
    reversed: bool,
}

impl<'a> Iterator for WindowKeys<'a> {
    type Item = &'a ObjKey;

    fn next(&mut self) -> Option<&'a ObjKey> {
        let entry = if self.reversed {
            self.entries.next_back()
        } else {
            self.entries.next()
        };
        entry.map(|(_, key)| key)
    }
}

/// Rows of one kind in display order, with selection and scroll state.
#[derive(Debug, Clone)]
pub struct Table<R> {
    /// Boxed: a hash map keeps a quarter to a half of its slots empty, and rows are hundreds
    /// of bytes; empty slots of pointers cost little.
    rows: HashMap<ObjKey, Box<(R, SortValue)>>,
    visible: Vec<(SortValue, ObjKey)>,
    sort: Sort,
    /// The sort key of `sort.column`.
    sort_key: fn(&R) -> SortValue,
    filter: String,
    scope: Option<ObjKey>,
    selected: Option<ObjKey>,
    cursor: usize,
    offset: usize,
    page: usize,
}

impl<R: TableRow> Default for Table<R> {
    fn default() -> Table<R> {
        Table::new()
    }
}

impl<R: TableRow> Table<R> {
    /// An empty table sorted by the rows' first sort column.
    pub(crate) fn new() -> Table<R> {
        Table {
            rows: HashMap::new(),
            visible: Vec::new(),
            sort: Sort {
                column: R::FIRST_SORT,
                descending: false,
            },
            sort_key: sort_key::<R>(R::FIRST_SORT),
            filter: String::new(),
            scope: None,
            selected: None,
            cursor: 0,
            offset: 0,
            page: 10,
        }
    }

    fn sort_of(&self, row: &R) -> SortValue {
        (self.sort_key)(row)
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
    pub(crate) fn upsert(&mut self, row: R) -> Option<R> {
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
    pub(crate) fn remove(&mut self, key: &ObjKey) -> Option<R> {
        let (row, sort) = *self.rows.remove(key)?;
        if let Ok(i) = self.search(&sort, key) {
            self.visible.remove(i);
        }
        self.fix_selection();
        Some(row)
    }

    /// Replaces the rows of context `ctx` at once (one context's relist): the other
    /// contexts' rows stay as they are, and the new ones are sorted once instead of inserted
    /// one by one.
    pub(crate) fn replace_ctx(&mut self, ctx: Ctx, rows: impl IntoIterator<Item = R>) {
        self.rows.retain(|k, _| k.ctx != ctx);
        self.visible.retain(|(_, k)| k.ctx != ctx);
        let mut keys = Vec::new();
        for row in rows {
            let sort = self.sort_of(&row);
            let key = row.key().clone();
            keys.push(key.clone());
            self.rows.insert(key, Box::new((row, sort)));
        }
        // A key listed twice is kept once, as the map keeps it.
        keys.sort_unstable();
        keys.dedup();
        let start = self.visible.len();
        for key in keys {
            if let Some(entry) = self.rows.get(&key)
                && self.passes(&entry.0)
            {
                self.visible.push((entry.1.clone(), key));
            }
        }
        self.visible[start..].sort_unstable();
        // Two sorted runs: the stable sort finds them and merges them in linear time.
        self.visible.sort();
        self.fix_selection();
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
    pub(crate) fn set_sort(&mut self, sort: Sort) {
        if sort == self.sort {
            return;
        }
        let column_changed = sort.column != self.sort.column;
        self.sort = sort;
        if column_changed {
            let key = sort_key::<R>(sort.column);
            self.sort_key = key;
            for entry in self.rows.values_mut() {
                let (row, s) = &mut **entry;
                *s = key(row);
            }
        }
        self.rebuild();
    }

    /// The current sort.
    pub fn sort(&self) -> Sort {
        self.sort
    }

    /// Sorts by the column titled `title`; when it is the current column, reverses the order.
    pub(crate) fn sort_by(&mut self, title: &str) {
        if let Some(c) = R::COLUMNS.iter().find(|c| c.title == title) {
            self.set_sort(Sort {
                column: c.id,
                descending: c.id == self.sort.column && !self.sort.descending,
            });
        }
    }

    /// Sorts ascending by the next (`step` 1) or previous (-1) sortable column; NAMESPACE takes
    /// its turn only when `namespaces` show.
    pub(crate) fn cycle_sort(&mut self, step: isize, namespaces: bool) {
        let sortable: Vec<ColumnId> = R::COLUMNS
            .iter()
            .filter(|c| c.sort.is_some() && (namespaces || c.id != ColumnId::Namespace))
            .map(|c| c.id)
            .collect();
        if sortable.is_empty() {
            return;
        }
        let pos = sortable
            .iter()
            .position(|c| *c == self.sort.column)
            .unwrap_or(0) as isize;
        let n = sortable.len() as isize;
        self.set_sort(Sort {
            column: sortable[(pos + step).rem_euclid(n) as usize],
            descending: false,
        });
    }

    /// Reverses the sort order.
    pub(crate) fn reverse_sort(&mut self) {
        self.set_sort(Sort {
            column: self.sort.column,
            descending: !self.sort.descending,
        });
    }

    /// Shows only rows matching `filter` (case-insensitive).
    pub(crate) fn set_filter(&mut self, filter: &str) {
        let filter = filter.to_lowercase();
        if filter != self.filter {
            self.filter = filter;
            self.rebuild();
        }
    }

    /// The current filter (lowercase).
    pub(crate) fn filter(&self) -> &str {
        &self.filter
    }

    /// Shows only rows of cluster `scope`.
    pub(crate) fn set_scope(&mut self, scope: Option<ObjKey>) {
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
    pub(crate) fn window(&self) -> impl Iterator<Item = (usize, &R)> {
        (self.offset..(self.offset + self.page).min(self.visible.len()))
            .filter_map(|i| self.visible_row(i).map(|r| (i, r)))
    }

    /// Keys of the rows on screen, in display order (no row lookups).
    pub fn window_keys(&self) -> WindowKeys<'_> {
        let len = self.visible.len();
        let end = (self.offset + self.page).min(len);
        let start = self.offset.min(end);
        // Display positions count from the other end of `visible` when descending.
        let range = if self.sort.descending {
            len - end..len - start
        } else {
            start..end
        };
        WindowKeys {
            entries: self.visible.get(range).unwrap_or_default().iter(),
            reversed: self.sort.descending,
        }
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
    pub(crate) fn set_page(&mut self, page: usize) {
        self.page = page.max(1);
        self.fix_offset();
    }

    /// Moves the selection by `delta` rows, clamped.
    pub(crate) fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let max = self.visible.len() - 1;
        let target = self.cursor.saturating_add_signed(delta).min(max);
        self.select_index(target);
    }

    /// Selects display position `i`, clamped.
    pub(crate) fn select_index(&mut self, i: usize) {
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

/// What keys and the screen do with a pane's table, whatever its row type.
pub(crate) trait TableOps {
    fn move_by(&mut self, delta: isize);
    fn select_index(&mut self, i: usize);
    /// The key of the selected row.
    fn selected_key(&self) -> Option<&ObjKey>;
    fn set_filter(&mut self, filter: &str);
    fn filter(&self) -> &str;
    fn set_scope(&mut self, scope: Option<ObjKey>);
    fn set_page(&mut self, page: usize);
    fn sort_by(&mut self, title: &str);
    fn cycle_sort(&mut self, step: isize, namespaces: bool);
    fn reverse_sort(&mut self);
    fn visible_len(&self) -> usize;
    fn cursor(&self) -> usize;
    fn window_keys(&self) -> WindowKeys<'_>;
}

impl<R: TableRow> TableOps for Table<R> {
    fn move_by(&mut self, delta: isize) {
        Table::move_by(self, delta)
    }
    fn select_index(&mut self, i: usize) {
        Table::select_index(self, i)
    }
    fn selected_key(&self) -> Option<&ObjKey> {
        self.selected().map(R::key)
    }
    fn set_filter(&mut self, filter: &str) {
        Table::set_filter(self, filter)
    }
    fn filter(&self) -> &str {
        Table::filter(self)
    }
    fn set_scope(&mut self, scope: Option<ObjKey>) {
        Table::set_scope(self, scope)
    }
    fn set_page(&mut self, page: usize) {
        Table::set_page(self, page)
    }
    fn sort_by(&mut self, title: &str) {
        Table::sort_by(self, title)
    }
    fn cycle_sort(&mut self, step: isize, namespaces: bool) {
        Table::cycle_sort(self, step, namespaces)
    }
    fn reverse_sort(&mut self) {
        Table::reverse_sort(self)
    }
    fn visible_len(&self) -> usize {
        Table::visible_len(self)
    }
    fn cursor(&self) -> usize {
        Table::cursor(self)
    }
    fn window_keys(&self) -> WindowKeys<'_> {
        Table::window_keys(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone)]
    struct T(ObjKey, i64, String);

    impl TableRow for T {
        const COLUMNS: &'static [Column<T>] = &[
            Column::sorted(ColumnId::Name, "NAME", |t| {
                SortValue::Text(t.0.name.clone())
            }),
            Column::sorted(ColumnId::Size, "SIZE", |t| SortValue::Num(t.1)),
            Column::unsorted(ColumnId::Status, "STATUS"),
        ];
        const FIRST_SORT: ColumnId = ColumnId::Name;

        fn key(&self) -> &ObjKey {
            &self.0
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

    /// An empty table sorted ascending by `column`.
    fn by(column: ColumnId) -> Table<T> {
        let mut tab = Table::new();
        tab.set_sort(Sort {
            column,
            descending: false,
        });
        tab
    }

    fn names(t: &Table<T>) -> Vec<String> {
        (0..t.visible_len())
            .map(|i| t.visible_row(i).unwrap().0.name.to_string())
            .collect()
    }

    #[test]
    fn keeps_sorted_order_incrementally() {
        let mut tab = Table::new();
        for (n, v) in [("c", 1), ("a", 3), ("b", 2)] {
            tab.upsert(t(n, v));
        }
        assert_eq!(names(&tab), ["a", "b", "c"]);
        tab.set_sort(Sort {
            column: ColumnId::Size,
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
        let mut tab = by(ColumnId::Size);
        tab.replace_ctx(Ctx::default(), (0..20).map(|i| t(&format!("r{i:02}"), i)));
        for (name, v) in [
            ("r03", 17),
            ("r15", 2),
            ("r07", 7),
            ("r00", 20),
            ("r19", -1),
        ] {
            tab.upsert(t(name, v));
            let mut fresh = by(ColumnId::Size);
            fresh.replace_ctx(Ctx::default(), tab.iter().cloned());
            assert_eq!(names(&tab), names(&fresh));
        }
        assert_eq!(names(&tab)[..2], ["r19", "r01"]);
        assert_eq!(names(&tab).last().unwrap(), "r00");
    }

    /// A relist of one context puts its rows where a full sort of every row puts them, and
    /// leaves the other context's rows be.
    #[test]
    fn one_contexts_rows_replaced_land_where_a_full_sort_puts_them() {
        let in_ctx = |ctx: u16, name: &str, v: i64| {
            let mut row = t(name, v);
            row.0 = row.0.in_ctx(Ctx(ctx));
            row
        };
        let mut tab = by(ColumnId::Size);
        tab.replace_ctx(Ctx(0), (0..10).map(|i| in_ctx(0, &format!("r{i}"), i * 2)));
        tab.replace_ctx(Ctx(1), (0..10).map(|i| in_ctx(1, &format!("r{i}"), i * 3)));
        // Context 1 lists again: one row gone, one changed, one new, one listed twice.
        let relisted = [
            in_ctx(1, "r1", 40),
            in_ctx(1, "r2", 5),
            in_ctx(1, "new", 7),
            in_ctx(1, "new", 7),
        ];
        tab.replace_ctx(Ctx(1), relisted.clone());
        // The oracle: the same rows inserted one by one.
        let mut fresh = by(ColumnId::Size);
        let rows: Vec<T> = tab.iter().filter(|r| r.0.ctx == Ctx(0)).cloned().collect();
        for row in rows.into_iter().chain(relisted) {
            fresh.upsert(row);
        }
        let keys = |tab: &Table<T>| -> Vec<ObjKey> {
            (0..tab.visible_len())
                .filter_map(|i| tab.visible_row(i).map(|r| r.0.clone()))
                .collect()
        };
        assert_eq!(keys(&tab), keys(&fresh));
        assert_eq!(tab.len(), 13);
        assert_eq!(tab.visible_len(), 13);
    }

    #[test]
    fn selection_follows_its_object() {
        let mut tab = Table::new();
        tab.replace_ctx(Ctx::default(), [t("b", 0), t("d", 0)]);
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
        let mut tab = Table::new();
        tab.replace_ctx(
            Ctx::default(),
            [
                t("alpha", 0),
                t("beta", 0),
                T(ObjKey::new("ns", "gamma"), 0, "x".into()),
            ],
        );
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
    fn sorts_by_column_identity() {
        let mut tab = Table::new();
        tab.replace_ctx(Ctx::default(), [t("a", 2), t("b", 1)]);
        tab.sort_by("SIZE");
        assert_eq!(tab.sort().column, ColumnId::Size);
        assert_eq!(names(&tab), ["b", "a"]);
        tab.sort_by("SIZE");
        assert!(tab.sort().descending, "the same column again reverses");
        assert_eq!(names(&tab), ["a", "b"]);
        tab.sort_by("NO SUCH COLUMN");
        assert_eq!(tab.sort().column, ColumnId::Size);
        // STATUS does not sort: cycling skips it and wraps around.
        tab.cycle_sort(1, true);
        assert_eq!(
            tab.sort(),
            Sort {
                column: ColumnId::Name,
                descending: false
            }
        );
        tab.cycle_sort(-1, true);
        assert_eq!(tab.sort().column, ColumnId::Size);
        tab.reverse_sort();
        assert!(tab.sort().descending);
    }

    #[test]
    fn window_scrolls_with_the_cursor() {
        let mut tab = by(ColumnId::Size);
        tab.replace_ctx(Ctx::default(), (0..20).map(|i| t(&format!("p{i:02}"), i)));
        tab.set_page(5);
        tab.select_index(12);
        assert_eq!(tab.offset(), 8);
        let shown: Vec<usize> = tab.window().map(|(i, _)| i).collect();
        assert_eq!(shown, [8, 9, 10, 11, 12]);
        tab.move_by(-100);
        assert_eq!((tab.cursor(), tab.offset()), (0, 0));
    }

    #[test]
    fn window_keys_are_the_keys_of_the_window_either_way_round() {
        let mut tab = by(ColumnId::Size);
        tab.replace_ctx(Ctx::default(), (0..20).map(|i| t(&format!("p{i:02}"), i)));
        tab.set_page(5);
        for descending in [false, true] {
            tab.set_sort(Sort {
                column: ColumnId::Size,
                descending,
            });
            for cursor in [0, 7, 19] {
                tab.select_index(cursor);
                let keys: Vec<&ObjKey> = tab.window_keys().collect();
                let rows: Vec<&ObjKey> = tab.window().map(|(_, r)| &r.0).collect();
                assert_eq!(keys, rows, "descending {descending}, cursor {cursor}");
            }
        }
    }
}
