//! Mounting: [`ScimServer`] as a `tower::Service` over any `http_body::Body`, so that an
//! axum host writes `Router::new().nest_service("/scim/v2", server)`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{Request, Response};
use http_body::Body;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use scim_core::ScimError;

use crate::server::ScimServer;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<B> tower_service::Service<Request<B>> for ScimServer
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    /// Reads the body up to [`ScimServer::max_payload`] (413 beyond it, never a truncated
    /// body; 400 when it fails to arrive in full), then [`ScimServer::handle`]s the request.
    fn call(&mut self, request: Request<B>) -> Self::Future {
        let server = self.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let response = match read_body(body, &parts.headers, server.max_payload()).await {
                Ok(bytes) => server.handle(Request::from_parts(parts, bytes)).await,
                Err(e) => server.error_response(&e),
            };
            Ok(response.map(|b| Full::new(Bytes::from(b))))
        })
    }
}

/// The whole body, at most `limit` bytes.
async fn read_body<B>(body: B, headers: &http::HeaderMap, limit: usize) -> Result<Bytes, ScimError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let too_large =
        || ScimError::payload_too_large(format!("the request body exceeds {limit} bytes"));
    // A declared length over the limit is refused before anything is read.
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(too_large()),
        Err(_) => Err(ScimError::invalid_syntax(
            "the request body could not be read in full",
        )),
    }
}
