//! The HTTP side of the demo server: routes, the latency and request-log layer, serving.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::sync::watch;

use super::api::{self, ApiState};
#[cfg(feature = "faults")]
use super::faults;
use super::faults::{ADMIN_PREFIX, Faults};
use super::listener::FaultyListener;
use super::request_log::RequestLog;
use super::store::Store;

#[derive(Clone)]
struct LayerState {
    faults: Faults,
    log: Option<RequestLog>,
}

/// Adds the injected latency to API requests and logs every request.
async fn latency_and_log(State(s): State<LayerState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_string(), |p| p.as_str().to_string());
    if !path.starts_with(ADMIN_PREFIX) {
        let delay = s.faults.latency();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }
    let resp = next.run(req).await;
    if let Some(log) = &s.log {
        log.record(&method, &path, resp.status().as_u16());
    }
    resp
}

/// The whole application: fault admin endpoints, then the Kubernetes API for everything else.
pub(crate) fn router(
    store: Arc<Store>,
    faults: Faults,
    server_address: String,
    shutdown: watch::Receiver<bool>,
    log: Option<RequestLog>,
    bookmark_interval: std::time::Duration,
) -> Router {
    let api_state = ApiState {
        store,
        faults: faults.clone(),
        server_address,
        shutdown,
        bookmark_interval,
    };
    let router = Router::new();
    #[cfg(feature = "faults")]
    let router = router.merge(
        Router::new()
            .route(ADMIN_PREFIX, axum::routing::get(faults::admin_show))
            .route(
                &format!("{ADMIN_PREFIX}/{{action}}"),
                axum::routing::post(faults::admin_apply),
            )
            .with_state(faults.clone()),
    );
    router
        .fallback(api::handle)
        .with_state(api_state)
        .layer(middleware::from_fn_with_state(
            LayerState { faults, log },
            latency_and_log,
        ))
}

/// Serves until `shutdown` turns true.
pub(crate) async fn serve(
    listener: FaultyListener,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let signal = async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    };
    // Errors here are connection-level and already logged by hyper; nothing to recover.
    let _ = axum::serve(listener, app)
        .with_graceful_shutdown(signal)
        .await;
}
