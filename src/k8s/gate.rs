//! The read-only gate: in read-only mode the API client is wrapped in [`GetOnly`], which refuses
//! any request that is not a GET (or HEAD) before it leaves the process, whatever asked for it.

use std::task::{Context, Poll};

use futures::future::BoxFuture;
use hyper::{Method, Request, Response};
use kube::Client;
use kube::client::Body;

/// Whether a request with `method` may be sent in read-only mode.
pub fn method_allowed(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

/// A request refused by the read-only gate.
#[derive(Debug, thiserror::Error)]
#[error("read-only mode: refused {method} {path}")]
pub(crate) struct Refused {
    pub(crate) method: String,
    pub(crate) path: String,
}

/// The request gate: forwards GET and HEAD to the wrapped client, refuses everything else
/// (create, update, patch, delete, and server dry-runs, which are writes too).
#[derive(Clone)]
pub(crate) struct GetOnly {
    inner: Client,
}

impl tower::Service<Request<Body>> for GetOnly {
    type Response = Response<Body>;
    type Error = tower::BoxError;
    type Future = BoxFuture<'static, Result<Response<Body>, tower::BoxError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        if !method_allowed(req.method()) {
            let refused = Refused {
                method: req.method().to_string(),
                path: req.uri().path().to_string(),
            };
            tracing::warn!(%refused, "read-only gate");
            return Box::pin(async move { Err(refused.into()) });
        }
        let inner = self.inner.clone();
        Box::pin(async move { inner.send(req).await.map_err(Into::into) })
    }
}

/// The client to use: `client` itself, or behind the read-only gate when `readonly`.
pub fn guard(client: Client, readonly: bool) -> Client {
    if readonly {
        let ns = client.default_namespace().to_string();
        Client::new(GetOnly { inner: client }, ns)
    } else {
        client
    }
}
