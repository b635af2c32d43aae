//! The fault switches over HTTP: `/kbdash-demo/faults/...` (the `faults` feature).

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use kbdash_core::kinds::{KINDS, Kind};

use super::Faults;
use crate::status::ApiError;

/// How long the refusal endpoint waits before cutting connections, so its own answer gets out.
const ANSWER_GRACE: Duration = Duration::from_millis(100);

/// Finds a kind by `plural` or `plural.group`.
fn kind_by_resource(resource: &str) -> Option<Kind> {
    KINDS
        .iter()
        .find(|k| {
            k.plural == resource
                || (!k.group.is_empty() && format!("{}.{}", k.plural, k.group) == resource)
        })
        .map(|k| k.kind)
}

fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> Result<&'a str, ApiError> {
    q.get(name)
        .map(String::as_str)
        .ok_or_else(|| ApiError::bad_request(format!("missing query parameter \"{name}\"")))
}

fn number(q: &HashMap<String, String>, name: &str) -> Result<u64, ApiError> {
    param(q, name)?
        .parse()
        .map_err(|_| ApiError::bad_request(format!("\"{name}\" must be a whole number")))
}

/// `GET /kbdash-demo/faults`.
pub(crate) async fn admin_show(State(faults): State<Faults>) -> Response {
    axum::Json(faults.describe()).into_response()
}

/// `POST /kbdash-demo/faults/{action}`.
pub(crate) async fn admin_apply(
    State(faults): State<Faults>,
    Path(action): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = match action.as_str() {
        "drop-watches" => {
            faults.drop_watches();
            Ok(())
        }
        "drop-log-streams" => {
            faults.drop_log_streams();
            Ok(())
        }
        "expire-history" => {
            faults.expire_history();
            Ok(())
        }
        "refuse-connections" => number(&q, "seconds").map(|s| {
            // This very connection is among those cut: answer first, then cut.
            let faults = faults.clone();
            tokio::spawn(async move {
                tokio::time::sleep(ANSWER_GRACE).await;
                faults.refuse_connections(Duration::from_secs(s));
            });
        }),
        "forbid" if param(&q, "resource").is_ok_and(|r| r == "pods/proxy") => {
            faults.forbid_proxy();
            Ok(())
        }
        "forbid" => param(&q, "resource").and_then(|r| {
            kind_by_resource(r)
                .map(|k| faults.forbid(k))
                .ok_or_else(|| ApiError::bad_request(format!("unknown resource \"{r}\"")))
        }),
        "freeze-watches" => param(&q, "resource").and_then(|r| {
            kind_by_resource(r)
                .map(|k| faults.freeze_watches(k))
                .ok_or_else(|| ApiError::bad_request(format!("unknown resource \"{r}\"")))
        }),
        "expire-watches" => param(&q, "resource").and_then(|r| {
            kind_by_resource(r)
                .map(|k| faults.expire_watches(k))
                .ok_or_else(|| ApiError::bad_request(format!("unknown resource \"{r}\"")))
        }),
        "hide-group" => param(&q, "group").map(|g| faults.hide_group(g)),
        "latency" => number(&q, "ms").map(|ms| faults.set_latency(Duration::from_millis(ms))),
        "fail-writes" => number(&q, "status").and_then(|code| match u16::try_from(code) {
            Ok(code @ 400..=599) => {
                faults.fail_writes(code);
                Ok(())
            }
            _ => Err(ApiError::bad_request(
                "\"status\" must be an HTTP error status (400-599)",
            )),
        }),
        "clear" => {
            faults.clear();
            Ok(())
        }
        _ => Err(ApiError::path_not_found()),
    };
    match result {
        Ok(()) => axum::Json(faults.describe()).into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_by_plural_or_qualified_name() {
        assert_eq!(kind_by_resource("opsrequests"), Some(Kind::OpsRequest));
        assert_eq!(
            kind_by_resource("backups.dataprotection.kubeblocks.io"),
            Some(Kind::Backup)
        );
        assert_eq!(kind_by_resource("widgets"), None);
    }

    #[test]
    fn failing_writes_refuse_writes_only_until_cleared() {
        use std::sync::Arc;

        use axum::http::Method;

        use crate::store::Store;

        let faults = Faults::new(Arc::new(Store::new(16, crate::store::system_clock(), 1)));
        assert!(faults.write_failure(&Method::POST).is_none());
        faults.fail_writes(422);
        assert!(faults.write_failure(&Method::GET).is_none());
        let e = faults.write_failure(&Method::PATCH).unwrap();
        assert_eq!((e.code, e.reason), (422, "Invalid"));
        assert_eq!(faults.write_failure(&Method::POST).unwrap().code, 422);
        faults.clear();
        assert!(faults.write_failure(&Method::POST).is_none());
    }
}
