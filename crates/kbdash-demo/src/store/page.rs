//! One page of a list, walked straight out of a kind's ordered map.
//!
//! A fleet-size kind holds tens of thousands of objects and a sync lists it in pages of a few
//! hundred, so a page must cost about its own size: cloning the whole kind per page (to undo
//! the changes made since the first page, then to filter and slice it) was most of the server's
//! time in a 5,000-cluster sync. Here only the history entries after the page's version are
//! gathered, and merged in key order with the live map from the page's start.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use kbdash_core::kinds::Kind;

use super::{EventType, Key, Store, StoreError, StoredObject};

/// Which objects of a kind a page covers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageRequest<'a> {
    /// The kind listed.
    pub(crate) kind: Kind,
    /// Only this namespace's objects, or every namespace's when `None`.
    pub(crate) namespace: Option<&'a str>,
    /// The resourceVersion whose state is listed (a continued list's first page, or
    /// `resourceVersionMatch=Exact`); the current state when `None`.
    pub(crate) at: Option<u64>,
    /// The namespace (empty for cluster-scoped kinds) and name of the last object of the
    /// previous page; the page starts after it.
    pub(crate) after: Option<(&'a str, &'a str)>,
    /// The most objects the page holds; all that are left when `None`.
    pub(crate) limit: Option<usize>,
}

/// The selected objects of one page.
#[derive(Debug)]
pub(crate) struct PageItems {
    /// The page's objects, sorted by namespace then name.
    pub(crate) items: Vec<StoredObject>,
    /// Selected objects after the page.
    pub(crate) remaining: usize,
    /// The resourceVersion the page shows.
    pub(crate) resource_version: u64,
}

impl Store {
    /// One page of the objects of `req.kind` that `select` accepts, as they were at `req.at`.
    /// Clones only the objects of the page. Fails with [`StoreError::Expired`] when the
    /// history no longer reaches back to `req.at` (as a list at a compacted etcd revision
    /// does).
    pub(crate) fn page(
        &self,
        req: &PageRequest<'_>,
        select: impl Fn(&StoredObject) -> bool,
    ) -> Result<PageItems, StoreError> {
        let inner = self.read();
        if let Some(rv) = req.at
            && rv < inner.history_floor
        {
            return Err(StoreError::Expired {
                requested: rv,
                oldest: inner.history_floor,
            });
        }
        // The earliest change after `at` holds the object as it was at `at`, so walking the
        // history newest first, the last write per key is the one that counts.
        let mut undo: BTreeMap<Key, Option<&StoredObject>> = BTreeMap::new();
        if let Some(rv) = req.at {
            let later = inner
                .history
                .iter()
                .rev()
                .take_while(|e| e.object.resource_version > rv)
                .filter(|e| e.kind == req.kind);
            for e in later {
                let was = match e.event_type {
                    EventType::Added => None,
                    EventType::Modified | EventType::Deleted => e.previous.as_ref(),
                };
                undo.insert((e.object.namespace.clone(), e.object.name.clone()), was);
            }
        }
        let empty = BTreeMap::new();
        let current = inner.objects.get(&req.kind).unwrap_or(&empty);
        let start = start_bound(req.namespace, req.after);
        let in_namespace = |k: &Key| req.namespace.is_none_or(|ns| k.0.as_deref() == Some(ns));
        let mut selected = merge_undone(
            current.range((start.clone(), Bound::Unbounded)),
            undo.range((start, Bound::Unbounded)),
        )
        .take_while(|(k, _)| in_namespace(k))
        .map(|(_, o)| o)
        .filter(|o| select(o));
        let items = selected
            .by_ref()
            .take(req.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect();
        Ok(PageItems {
            items,
            remaining: selected.count(),
            resource_version: req.at.unwrap_or(inner.resource_version),
        })
    }
}

/// Where a page starts in key order: after the previous page's last object, and not before
/// the namespace listed.
fn start_bound(namespace: Option<&str>, after: Option<(&str, &str)>) -> Bound<Key> {
    // Cluster-scoped objects have no namespace and sort first, as "" would: a token's empty
    // namespace is theirs.
    let after = after.map(|(ns, name)| ((!ns.is_empty()).then(|| Arc::from(ns)), Arc::from(name)));
    let first_in_namespace = namespace.map(|ns| (Some(Arc::from(ns)), Arc::from("")));
    match (after, first_in_namespace) {
        (None, None) => Bound::Unbounded,
        (Some(a), None) => Bound::Excluded(a),
        (None, Some(f)) => Bound::Included(f),
        (Some(a), Some(f)) if a >= f => Bound::Excluded(a),
        (Some(_), Some(f)) => Bound::Included(f),
    }
}

/// The state at a past version, in key order: the live objects, except that a key changed
/// since then shows the object as it was (absent when it did not exist yet).
fn merge_undone<'a>(
    current: impl Iterator<Item = (&'a Key, &'a StoredObject)>,
    undo: impl Iterator<Item = (&'a Key, &'a Option<&'a StoredObject>)>,
) -> impl Iterator<Item = (&'a Key, &'a StoredObject)> {
    let mut current = current.peekable();
    let mut undo = undo.peekable();
    std::iter::from_fn(move || {
        loop {
            let live_first = match (current.peek(), undo.peek()) {
                (None, None) => return None,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some((c, _)), Some((u, _))) => match c.cmp(u) {
                    Ordering::Less => true,
                    Ordering::Greater => false,
                    Ordering::Equal => {
                        current.next();
                        false
                    }
                },
            };
            if live_first {
                return current.next();
            }
            if let Some((k, Some(was))) = undo.next() {
                return Some((k, *was));
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::store;

    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn pod(ns: &str, name: &str, label: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": ns, "labels": {"a": label}}, "spec": {}})
    }

    fn relabel(s: &Store, ns: &str, name: &str, label: &str) {
        s.modify(Kind::Pod, Some(ns), name, |o| {
            o["metadata"]["labels"]["a"] = json!(label);
            Ok(())
        })
        .expect("modified");
    }

    fn req<'a>(
        namespace: Option<&'a str>,
        at: Option<u64>,
        after: Option<(&'a str, &'a str)>,
        limit: Option<usize>,
    ) -> PageRequest<'a> {
        PageRequest {
            kind: Kind::Pod,
            namespace,
            at,
            after,
            limit,
        }
    }

    fn names(p: &PageItems) -> Vec<String> {
        p.items
            .iter()
            .map(|o| format!("{}/{}", o.namespace.as_deref().unwrap_or_default(), o.name))
            .collect()
    }

    fn label_one(o: &StoredObject) -> bool {
        o.label("a") == Some("1")
    }

    /// The computation the list endpoint used before pages were walked: clone the kind, undo
    /// every later change, filter, then slice after the token.
    fn by_cloning(
        s: &Store,
        req: &PageRequest<'_>,
        select: impl Fn(&StoredObject) -> bool,
    ) -> Result<PageItems, StoreError> {
        let (all, resource_version) = match req.at {
            None => s.list(req.kind, req.namespace),
            Some(rv) => {
                let inner = s.read();
                if rv < inner.history_floor {
                    return Err(StoreError::Expired {
                        requested: rv,
                        oldest: inner.history_floor,
                    });
                }
                let mut objects = inner.objects.get(&req.kind).cloned().unwrap_or_default();
                let later = inner
                    .history
                    .iter()
                    .rev()
                    .take_while(|e| e.object.resource_version > rv);
                for e in later.filter(|e| e.kind == req.kind) {
                    let k = (e.object.namespace.clone(), e.object.name.clone());
                    match (&e.event_type, &e.previous) {
                        (EventType::Added, _) | (_, None) => {
                            objects.remove(&k);
                        }
                        (_, Some(previous)) => {
                            objects.insert(k, previous.clone());
                        }
                    }
                }
                let all = objects
                    .into_values()
                    .filter(|o| req.namespace.is_none() || o.namespace.as_deref() == req.namespace)
                    .collect::<Vec<_>>();
                (all, rv)
            }
        };
        let start = match req.after {
            None => 0,
            Some(after) => all.partition_point(|o| {
                (o.namespace.as_deref().unwrap_or_default(), &*o.name) <= after
            }),
        };
        let mut matching = all[start..].iter().filter(|o| select(o));
        let items = matching
            .by_ref()
            .take(req.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect();
        Ok(PageItems {
            items,
            remaining: matching.count(),
            resource_version,
        })
    }

    #[test]
    fn a_continued_page_shows_the_first_pages_version() {
        let s = store(100);
        for n in ["p0", "p1", "p2", "p3", "p4", "p5"] {
            s.create(Kind::Pod, pod("a", n, "1")).expect("created");
        }
        let first = s
            .page(&req(None, None, None, Some(2)), |_| true)
            .expect("page");
        assert_eq!(names(&first), ["a/p0", "a/p1"]);
        assert_eq!(first.remaining, 4);
        let rv = first.resource_version;
        let p4_before = s.get(Kind::Pod, Some("a"), "p4").expect("p4");

        s.create(Kind::Pod, pod("a", "p3a", "1")).expect("created");
        s.create(Kind::Pod, pod("a", "p00", "1")).expect("created");
        relabel(&s, "a", "p4", "2");
        relabel(&s, "a", "p4", "3");
        s.delete(Kind::Pod, Some("a"), "p5").expect("deleted");
        s.delete(Kind::Pod, Some("a"), "p2").expect("deleted");
        s.create(Kind::Pod, pod("a", "p2", "9"))
            .expect("re-created");

        let next = s
            .page(&req(None, Some(rv), Some(("a", "p1")), Some(10)), |_| true)
            .expect("page");
        assert_eq!(names(&next), ["a/p2", "a/p3", "a/p4", "a/p5"]);
        assert_eq!(next.resource_version, rv);
        assert_eq!(next.remaining, 0);
        assert_eq!(next.items[0].label("a"), Some("1"), "p2 as first created");
        assert_eq!(next.items[2].json, p4_before.json);
        assert_eq!(next.items[2].resource_version, p4_before.resource_version);

        let now = s
            .page(&req(None, None, Some(("a", "p1")), None), |_| true)
            .expect("page");
        assert_eq!(names(&now), ["a/p2", "a/p3", "a/p3a", "a/p4"]);
    }

    #[test]
    fn a_namespace_page_keeps_out_changes_elsewhere() {
        let s = store(100);
        for (ns, n) in [("a", "x"), ("ab", "a0"), ("b", "y"), ("a", "z")] {
            s.create(Kind::Pod, pod(ns, n, "1")).expect("created");
        }
        let rv = s.resource_version();
        s.delete(Kind::Pod, Some("ab"), "a0").expect("deleted");
        s.delete(Kind::Pod, Some("b"), "y").expect("deleted");
        s.create(Kind::Pod, pod("a", "w", "1")).expect("created");
        s.create(Kind::Pod, pod("aa", "v", "1")).expect("created");

        let page = s
            .page(&req(Some("a"), Some(rv), None, Some(1)), |_| true)
            .expect("page");
        assert_eq!(names(&page), ["a/x"]);
        assert_eq!(page.remaining, 1);
        let page = s
            .page(&req(Some("a"), Some(rv), Some(("a", "x")), Some(1)), |_| {
                true
            })
            .expect("page");
        assert_eq!(names(&page), ["a/z"]);
        assert_eq!(page.remaining, 0);
        // A token from before the namespace starts the page at the namespace.
        let page = s
            .page(&req(Some("b"), Some(rv), Some(("a", "x")), None), |_| true)
            .expect("page");
        assert_eq!(names(&page), ["b/y"]);
        let page = s
            .page(&req(Some("a"), None, None, None), |_| true)
            .expect("page");
        assert_eq!(names(&page), ["a/w", "a/x", "a/z"]);
        let page = s
            .page(&req(Some("c"), None, None, None), |_| true)
            .expect("page");
        assert!(page.items.is_empty());
    }

    #[test]
    fn selectors_apply_to_the_page_and_the_remaining_count() {
        let s = store(100);
        for i in 0..10 {
            let label = if i % 3 == 0 { "1" } else { "2" };
            s.create(Kind::Pod, pod("a", &format!("p{i}"), label))
                .expect("created");
        }
        let rv = s.resource_version();
        relabel(&s, "a", "p4", "1");
        relabel(&s, "a", "p9", "2");

        let first = s
            .page(&req(None, None, None, Some(2)), label_one)
            .expect("page");
        assert_eq!(names(&first), ["a/p0", "a/p3"]);
        assert_eq!(first.remaining, 2, "p4 and p6 now");
        let next = s
            .page(&req(None, Some(rv), Some(("a", "p3")), Some(1)), label_one)
            .expect("page");
        assert_eq!(names(&next), ["a/p6"]);
        assert_eq!(next.remaining, 1, "p9 as it was");
    }

    #[test]
    fn a_limit_beyond_the_end_takes_what_is_left() {
        let s = store(100);
        for n in ["p0", "p1", "p2"] {
            s.create(Kind::Pod, pod("a", n, "1")).expect("created");
        }
        let rv = s.resource_version();
        let page = s
            .page(&req(None, Some(rv), Some(("a", "p0")), Some(500)), |_| true)
            .expect("page");
        assert_eq!(names(&page), ["a/p1", "a/p2"]);
        assert_eq!(page.remaining, 0);
        let page = s
            .page(&req(None, Some(rv), Some(("a", "p2")), Some(500)), |_| true)
            .expect("page");
        assert!(page.items.is_empty());
        let other = PageRequest {
            kind: Kind::Cluster,
            ..req(None, Some(rv), None, Some(5))
        };
        assert!(s.page(&other, |_| true).expect("page").items.is_empty());
    }

    #[test]
    fn cluster_scoped_pages_continue_after_an_empty_namespace() {
        let s = store(100);
        for n in ["n0", "n1", "n2"] {
            s.create(Kind::Namespace, json!({"metadata": {"name": n}}))
                .expect("created");
        }
        let rv = s.resource_version();
        s.delete(Kind::Namespace, None, "n2").expect("deleted");
        let page = s
            .page(
                &PageRequest {
                    kind: Kind::Namespace,
                    namespace: None,
                    at: Some(rv),
                    after: Some(("", "n0")),
                    limit: Some(1),
                },
                |_| true,
            )
            .expect("page");
        assert_eq!(names(&page), ["/n1"]);
        assert_eq!(page.remaining, 1);
    }

    #[test]
    fn a_version_below_the_history_is_expired() {
        let s = store(2);
        for n in ["p0", "p1", "p2", "p3"] {
            s.create(Kind::Pod, pod("a", n, "1")).expect("created");
        }
        let r = s.page(&req(None, Some(2), Some(("a", "p0")), Some(1)), |_| true);
        assert!(matches!(
            r,
            Err(StoreError::Expired {
                requested: 2,
                oldest: 3
            })
        ));
        let r = s.page(&req(None, Some(3), None, Some(1)), |_| true);
        assert_eq!(names(&r.expect("at the floor")), ["a/p0"]);
    }

    /// The object a random write touches: a (cluster-scoped) Namespace or a Pod, with
    /// indexes into [`NAMESPACES`] and [`NAMES`].
    #[derive(Debug, Clone, Copy)]
    struct Target {
        cluster_scoped: bool,
        namespace: usize,
        name: usize,
    }

    /// One write of a random history; the flag is whether the label `a` is "1".
    #[derive(Debug, Clone)]
    enum Op {
        Create(Target, bool),
        Relabel(Target, bool),
        Delete(Target),
    }

    const NAMESPACES: [&str; 3] = ["a", "ab", "b"];
    const NAMES: [&str; 4] = ["p0", "p1", "p2", "p3"];

    fn op() -> impl Strategy<Value = Op> {
        let target = (any::<bool>(), 0..NAMESPACES.len(), 0..NAMES.len()).prop_map(
            |(cluster_scoped, namespace, name)| Target {
                cluster_scoped,
                namespace,
                name,
            },
        );
        prop_oneof![
            (target.clone(), any::<bool>()).prop_map(|(t, one)| Op::Create(t, one)),
            (target.clone(), any::<bool>()).prop_map(|(t, one)| Op::Relabel(t, one)),
            target.prop_map(Op::Delete),
        ]
    }

    fn apply(s: &Store, op: &Op) {
        let kind = |t: Target| {
            if t.cluster_scoped {
                Kind::Namespace
            } else {
                Kind::Pod
            }
        };
        let ns = |t: Target| (!t.cluster_scoped).then_some(NAMESPACES[t.namespace]);
        let label = |one: bool| if one { "1" } else { "2" };
        // Refusals (a name taken, an object gone) are part of a random history.
        let _ = match *op {
            Op::Create(t, one) => s.create(
                kind(t),
                pod(NAMESPACES[t.namespace], NAMES[t.name], label(one)),
            ),
            Op::Relabel(t, one) => s.modify(kind(t), ns(t), NAMES[t.name], |o| {
                o["metadata"]["labels"]["a"] = json!(label(one));
                Ok(())
            }),
            Op::Delete(t) => s.delete(kind(t), ns(t), NAMES[t.name]),
        };
    }

    fn summary(
        r: Result<PageItems, StoreError>,
    ) -> Result<(Vec<Arc<str>>, usize, u64), StoreError> {
        r.map(|p| {
            let json = p.items.iter().map(|o| o.json.clone()).collect();
            (json, p.remaining, p.resource_version)
        })
    }

    proptest! {
        #[test]
        fn pages_match_the_whole_kind_clone(
            cap in 1usize..40,
            before in prop::collection::vec(op(), 0..30),
            after in prop::collection::vec(op(), 0..30),
            cluster in any::<bool>(),
            namespace in prop::option::of(0..NAMESPACES.len() + 1),
            token in prop::option::of((0..NAMESPACES.len() + 1, 0..NAMES.len())),
            at_first_page in any::<bool>(),
            exact in 0u64..70,
            limit in prop::option::of(1usize..6),
            selected in any::<bool>(),
        ) {
            let s = store(cap);
            before.iter().for_each(|o| apply(&s, o));
            let rv = s.resource_version();
            after.iter().for_each(|o| apply(&s, o));
            // Index NAMESPACES.len() stands for the empty namespace of cluster-scoped kinds.
            let ns_at = |i: usize| NAMESPACES.get(i).copied().unwrap_or("");
            let req = PageRequest {
                kind: if cluster { Kind::Namespace } else { Kind::Pod },
                namespace: namespace.map(ns_at),
                at: if token.is_some() && at_first_page { Some(rv) } else if exact < 60 { Some(exact) } else { None },
                after: token.map(|(n, m)| (ns_at(n), NAMES[m])),
                limit,
            };
            let select = |o: &StoredObject| !selected || label_one(o);
            prop_assert_eq!(summary(s.page(&req, select)), summary(by_cloning(&s, &req, select)));
        }
    }
}
