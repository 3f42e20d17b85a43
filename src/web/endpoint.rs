//! Every route as data: method, path and handler. The router is built from
//! this list, so tests can walk the same list (the OpenAPI document must
//! describe each API route; later, each route must have an access policy).

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, post};

use super::AppState;

pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub handler: MethodRouter<AppState>,
}

impl Endpoint {
    pub fn get<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H) -> Endpoint {
        Endpoint { method: Method::GET, path, handler: get(handler) }
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H) -> Endpoint {
        Endpoint { method: Method::POST, path, handler: post(handler) }
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H) -> Endpoint {
        Endpoint { method: Method::DELETE, path, handler: delete(handler) }
    }

    /// Wraps the handler, e.g. in a layer of its own.
    pub fn map(mut self, f: impl FnOnce(MethodRouter<AppState>) -> MethodRouter<AppState>) -> Endpoint {
        self.handler = f(self.handler);
        self
    }
}
