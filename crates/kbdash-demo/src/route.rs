//! Request paths of the Kubernetes REST API, parsed against the kinds table.

use kbdash_core::kinds::{KINDS, Kind};

/// What a request path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/version`.
    Version,
    /// `/api`.
    CoreVersions,
    /// `/apis`.
    Groups,
    /// `/apis/{group}`.
    Group(String),
    /// `/api/v1` or `/apis/{group}/{version}`.
    GroupVersion {
        /// Empty for the core group.
        group: String,
        /// The API version.
        version: String,
    },
    /// `/openapi/v2`, `/openapi/v3`, `/openapi/v3/...`.
    OpenApi(String),
    /// A collection, an object or an object's subresource.
    Resource(ResourcePath),
}

/// The resource part of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourcePath {
    /// The kind the plural names.
    pub(crate) kind: Kind,
    /// The namespace in the path; `None` for cluster-scoped kinds and all-namespaces lists.
    pub(crate) namespace: Option<String>,
    /// The object's name; `None` for a collection.
    pub(crate) name: Option<String>,
    /// `status` when addressing the status subresource, `log` for a pod's log.
    pub(crate) subresource: Option<String>,
}

/// Parses a request path (without query). `None` when it names nothing this server serves.
pub(crate) fn parse(path: &str) -> Option<Route> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["version"] => Some(Route::Version),
        ["api"] => Some(Route::CoreVersions),
        ["apis"] => Some(Route::Groups),
        ["openapi", ..] => Some(Route::OpenApi(path.to_string())),
        ["api", version, rest @ ..] => group_version_route("", version, rest),
        ["apis", group] => known_group(group).then(|| Route::Group(group.to_string())),
        ["apis", group, version, rest @ ..] => group_version_route(group, version, rest),
        _ => None,
    }
}

/// Whether `path` lies under a group and version this server serves (`/api/v1/...`,
/// `/apis/{group}/{version}/...`): a path there that names nothing is answered with a Status.
pub(crate) fn in_served_group_version(path: &str) -> bool {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version) = match segs.as_slice() {
        ["api", version, ..] => ("", *version),
        ["apis", group, version, ..] => (*group, *version),
        _ => return false,
    };
    KINDS
        .iter()
        .any(|k| k.group == group && k.version == version)
}

fn known_group(group: &str) -> bool {
    !group.is_empty() && KINDS.iter().any(|k| k.group == group)
}

fn group_version_route(group: &str, version: &str, rest: &[&str]) -> Option<Route> {
    if !KINDS
        .iter()
        .any(|k| k.group == group && k.version == version)
    {
        return None;
    }
    let kind = |plural: &str| Kind::from_path(group, version, plural);
    let resource = |kind: Kind, namespace: Option<&str>, tail: &[&str]| -> Option<Route> {
        let (name, subresource) = match tail {
            [] => (None, None),
            [name] => (Some(name.to_string()), None),
            [name, sub] => (Some(name.to_string()), Some(sub.to_string())),
            _ => return None,
        };
        // A pod's log is the one other subresource served.
        let served = |s: &str| {
            (s == "status" && kind.info().has_status) || (s == "log" && kind == Kind::Pod)
        };
        if subresource.as_deref().is_some_and(|s| !served(s)) {
            return None;
        }
        Some(Route::Resource(ResourcePath {
            kind,
            namespace: namespace.map(str::to_string),
            name,
            subresource,
        }))
    };
    match rest {
        [] => Some(Route::GroupVersion {
            group: group.to_string(),
            version: version.to_string(),
        }),
        // `namespaces/{ns}/{plural}...` addresses a namespaced kind; shorter forms address
        // namespaces themselves (`namespaces`, `namespaces/{name}`, `namespaces/{name}/status`).
        ["namespaces", ns, plural, tail @ ..] if *plural != "status" => {
            let k = kind(plural)?;
            if !k.info().namespaced {
                return None;
            }
            resource(k, Some(ns), tail)
        }
        [plural, tail @ ..] => {
            let k = kind(plural)?;
            if k.info().namespaced && !tail.is_empty() {
                return None;
            }
            resource(k, None, tail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(path: &str) -> ResourcePath {
        match parse(path) {
            Some(Route::Resource(r)) => r,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn resource_paths() {
        let r = res("/api/v1/namespaces/demo/pods/p-0");
        assert_eq!(
            (r.kind, r.namespace.as_deref(), r.name.as_deref()),
            (Kind::Pod, Some("demo"), Some("p-0"))
        );
        let r = res("/apis/operations.kubeblocks.io/v1alpha1/opsrequests");
        assert_eq!(
            (r.kind, r.namespace, r.name),
            (Kind::OpsRequest, None, None)
        );
        let r = res("/apis/apps.kubeblocks.io/v1/namespaces/d/clusters/c/status");
        assert_eq!(r.subresource.as_deref(), Some("status"));
        let r = res("/api/v1/namespaces/demo");
        assert_eq!((r.kind, r.name.as_deref()), (Kind::Namespace, Some("demo")));
        let r = res("/api/v1/namespaces/demo/status");
        assert_eq!(
            (r.kind, r.name.as_deref(), r.subresource.as_deref()),
            (Kind::Namespace, Some("demo"), Some("status"))
        );
        let r = res("/apis/apps.kubeblocks.io/v1/componentversions/postgresql");
        assert_eq!(r.kind, Kind::ComponentVersion);
    }

    #[test]
    fn discovery_and_unknown_paths() {
        assert_eq!(parse("/api"), Some(Route::CoreVersions));
        assert_eq!(
            parse("/apis/apps.kubeblocks.io/v1"),
            Some(Route::GroupVersion {
                group: "apps.kubeblocks.io".into(),
                version: "v1".into()
            })
        );
        assert_eq!(
            parse("/apis/apps.kubeblocks.io"),
            Some(Route::Group("apps.kubeblocks.io".into()))
        );
        assert_eq!(parse("/apis/apps/v1/deployments"), None);
        assert!(!in_served_group_version("/apis/apps/v1/deployments"));
        assert!(in_served_group_version("/api/v1/widgets"));
        assert!(in_served_group_version(
            "/apis/apps.kubeblocks.io/v1/things"
        ));
        assert!(!in_served_group_version(
            "/apis/apps.kubeblocks.io/v9/things"
        ));
        assert_eq!(parse("/api/v1/widgets"), None);
        assert_eq!(parse("/api/v1/pods/x"), None, "pods are namespaced");
        assert_eq!(
            res("/api/v1/namespaces/d/pods/x/log")
                .subresource
                .as_deref(),
            Some("log")
        );
        assert_eq!(parse("/api/v1/namespaces/d/services/x/log"), None);
        assert_eq!(
            parse("/api/v1/namespaces/d/events/e/status"),
            None,
            "events have no status"
        );
    }
}
