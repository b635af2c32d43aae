//! The request dispatcher: maps a method and path onto discovery, list, watch, get and the
//! writes, after the fault checks (hidden groups, 403).

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::discovery;
use super::faults::Faults;
use super::list::{self, Params};
use super::openapi;
use super::proxy;
use super::route::{self, ResourcePath, Route};
use super::status::ApiError;
use super::store::Store;
use super::table;
use super::watch::{WatchEnders, WatchRequest, watch_response};
use super::write::{self, PatchType};

/// What every request handler shares.
#[derive(Clone)]
pub(crate) struct ApiState {
    pub(crate) store: Arc<Store>,
    pub(crate) faults: Faults,
    /// `127.0.0.1:PORT`, for `/api`'s serverAddressByClientCIDRs.
    pub(crate) server_address: String,
    pub(crate) shutdown: watch::Receiver<bool>,
    /// How often a watch that allows bookmarks gets one.
    pub(crate) bookmark_interval: Duration,
}

fn json_response(code: StatusCode, body: String) -> Response {
    let mut resp = (code, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn ok_json(v: &Value) -> Response {
    json_response(StatusCode::OK, v.to_string())
}

/// Handles every Kubernetes API request.
pub(crate) async fn handle(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Query::<std::collections::HashMap<String, String>>::try_from_uri(&uri)
        .map(|q| Params(q.0))
        .unwrap_or_default();
    match dispatch(&state, &method, uri.path(), &params, &headers, &body) {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

fn dispatch(
    state: &ApiState,
    method: &Method,
    path: &str,
    params: &Params,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let faults = &state.faults;
    if let Some(proxied) = proxy::parse(path) {
        if faults.is_proxy_forbidden() {
            return Err(proxy::forbidden(&proxied));
        }
        return match *method {
            Method::GET => Ok(proxy::answer(&state.store, &proxied)),
            _ => Err(ApiError::method_not_allowed()),
        };
    }
    let Some(route) = route::parse(path) else {
        // A served group and version answers a Status; anything else is not served at all.
        return if route::in_served_group_version(path) {
            Err(ApiError::path_not_found())
        } else {
            Ok(page_not_found())
        };
    };
    if let Route::Resource(rp) = route {
        return resource(state, method, rp, params, headers, body);
    }
    if method != Method::GET {
        return Err(ApiError::method_not_allowed());
    }
    let doc = match route {
        Route::Version => discovery::version(),
        Route::CoreVersions => discovery::core_versions(&state.server_address),
        Route::Groups => discovery::group_list(&|g| faults.is_hidden(g)),
        Route::Group(g) if !faults.is_hidden(&g) => {
            discovery::group(&g).ok_or_else(ApiError::path_not_found)?
        }
        Route::GroupVersion { group, version } if !faults.is_hidden(&group) => {
            discovery::resource_list(&group, &version).ok_or_else(ApiError::path_not_found)?
        }
        Route::OpenApi(p) if p.trim_end_matches('/') == "/openapi/v3" => {
            openapi::root(&|g| faults.is_hidden(g))
        }
        Route::OpenApi(p) => {
            let gv = p.trim_start_matches("/openapi/v3/").trim_end_matches('/');
            let group = gv.strip_prefix("apis/").and_then(|r| r.split('/').next());
            if group.is_some_and(|g| faults.is_hidden(g)) || !p.starts_with("/openapi/v3/") {
                return Err(ApiError::path_not_found());
            }
            openapi::group_version(gv).ok_or_else(ApiError::path_not_found)?
        }
        // A hidden group is not served, as when its CRDs are not installed.
        Route::Group(_) | Route::GroupVersion { .. } => return Ok(page_not_found()),
        _ => return Err(ApiError::path_not_found()),
    };
    Ok(ok_json(&doc))
}

/// What the API server answers for a path it serves nothing under (an unknown or uninstalled
/// API group or version): plain text, not a Status.
fn page_not_found() -> Response {
    let mut resp = (StatusCode::NOT_FOUND, "404 page not found\n").into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

/// The RBAC verb a request needs, for 403 messages.
fn verb(method: &Method, rp: &ResourcePath, params: &Params) -> &'static str {
    match *method {
        Method::GET if rp.name.is_some() => "get",
        Method::GET if params.flag("watch") => "watch",
        Method::GET => "list",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE => "delete",
        _ => "access",
    }
}

fn resource(
    state: &ApiState,
    method: &Method,
    rp: ResourcePath,
    params: &Params,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let kind = rp.kind;
    if state.faults.is_hidden(kind.info().group) {
        return Ok(page_not_found());
    }
    if state.faults.is_forbidden(kind) {
        return Err(ApiError::forbidden(
            kind,
            verb(method, &rp, params),
            rp.namespace.as_deref(),
        ));
    }
    if let Some(e) = state.faults.write_failure(method) {
        return Err(e);
    }
    let store = &state.store;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let as_table = table::wants_table(accept)
        .then(|| table::IncludeObject::parse(params.get("includeObject")));
    // The demo speaks JSON (and YAML) only. kubectl's imperative generators (`kubectl create
    // namespace`, ...) send core objects as protobuf: say so plainly instead of failing to parse.
    if (*method == Method::POST || *method == Method::PUT)
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/vnd.kubernetes.protobuf"))
    {
        return Err(ApiError {
            code: 415,
            reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (the kbdash demo server does not read protobuf: use `kubectl create -f` or `kubectl apply -f` with YAML)".to_string(),
            details: None,
        });
    }
    let written = match (method.clone(), rp.name.clone()) {
        (Method::GET, None) if params.flag("watch") => {
            return watch(state, rp, params, as_table);
        }
        (Method::GET, None) => {
            if rp.subresource.is_some() {
                return Err(ApiError::path_not_found());
            }
            let page = list::list_page(store, kind, rp.namespace.as_deref(), params)?;
            let chunks = match as_table {
                Some(include) => list::ListChunks::table(kind, page, store.now(), include),
                None => list::ListChunks::list(kind, page),
            }
            .map(Ok::<_, std::convert::Infallible>);
            let mut resp = Response::new(Body::from_stream(futures::stream::iter(chunks)));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            return Ok(resp);
        }
        (Method::GET, Some(name)) if rp.subresource.as_deref() == Some("log") => {
            return super::logs::serve(state, &rp, &name, params);
        }
        (Method::GET, Some(name)) => {
            let obj = store
                .get(kind, rp.namespace.as_deref(), &name)
                .ok_or_else(|| ApiError::not_found(kind, &name))?;
            if let Some(include) = as_table {
                let row = table::row(kind, obj.value(), store.now(), include);
                let meta = json!({"resourceVersion": obj.resource_version.to_string()});
                return Ok(ok_json(&table::table(kind, vec![row], meta)));
            }
            return Ok(json_response(StatusCode::OK, obj.json.to_string()));
        }
        (Method::POST, None) if rp.subresource.is_none() => {
            write::create(store, &rp, params, write::parse_body(body)?)?
        }
        (Method::PUT, Some(name)) => {
            write::update(store, &rp, &name, params, write::parse_body(body)?)?
        }
        (Method::PATCH, Some(name)) => {
            let ct = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let patch_type = PatchType::from_content_type(ct).ok_or_else(|| ApiError {
                code: 415,
                reason: "UnsupportedMediaType",
                message: format!("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {ct:?})"),
                details: None,
            })?;
            write::patch(
                store,
                &rp,
                &name,
                params,
                patch_type,
                write::parse_body(body)?,
            )?
        }
        (Method::DELETE, Some(name)) if rp.subresource.is_none() => {
            let options = if body.is_empty() {
                None
            } else {
                Some(write::parse_body(body)?)
            };
            write::delete(store, &rp, &name, params, options.as_ref())?
        }
        _ => return Err(ApiError::method_not_allowed()),
    };
    let mut resp = json_response(written.code, written.body.to_string());
    for warning in &written.warnings {
        // `299 - "text"`, the text quoted as Go quotes it (JSON string escaping is the same
        // for what is warned about here).
        let value = format!("299 - {}", Value::String(warning.clone()));
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().append(header::WARNING, v);
        }
    }
    Ok(resp)
}

fn watch(
    state: &ApiState,
    rp: ResourcePath,
    params: &Params,
    as_table: Option<table::IncludeObject>,
) -> Result<Response, ApiError> {
    let resource_version = match params.get("resourceVersion") {
        None | Some("") | Some("0") => None,
        Some(v) => Some(
            v.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {v:?}")))?,
        ),
    };
    let req = WatchRequest {
        kind: rp.kind,
        namespace: rp.namespace,
        selectors: params.selectors(rp.kind)?,
        resource_version,
        send_initial_events: params.flag("sendInitialEvents"),
        bookmarks: params
            .flag("allowWatchBookmarks")
            .then_some(state.bookmark_interval),
        timeout: params.positive("timeoutSeconds")?.map(Duration::from_secs),
        table: as_table,
    };
    let enders = WatchEnders {
        drop_watches: state.faults.watch_dropper(),
        shutdown: state.shutdown.clone(),
        faults: state.faults.clone(),
    };
    Ok(watch_response(state.store.clone(), enders, req))
}
