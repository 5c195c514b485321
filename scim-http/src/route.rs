//! Step 1 of a request: mapping its path and method to a SCIM endpoint (RFC 7644 §3.2) and
//! to what the request asks of it, or to 404 / 405.
//!
//! The methods an endpoint accepts are written once, in [`Route::target`]; the `Allow` header
//! of a 405 is derived from it.

use std::sync::Arc;

use http::Method;
use scim_core::{Registry, ResourceType, ScimError};

use crate::query::decode_path_segment;

/// A SCIM endpoint, relative to the base path.
#[derive(Debug, Clone)]
pub(crate) enum Route {
    /// `/ServiceProviderConfig`
    ServiceProviderConfig,
    /// `/ResourceTypes` or `/ResourceTypes/{name}`
    ResourceTypes(Option<String>),
    /// `/Schemas` or `/Schemas/{urn}`
    Schemas(Option<String>),
    /// `/Me` (RFC 7644 §3.11)
    Me,
    /// `/Bulk`
    Bulk,
    /// `/.search` at the root
    RootSearch,
    /// `/{endpoint}`
    Collection(Arc<ResourceType>),
    /// `/{endpoint}/.search`
    CollectionSearch(Arc<ResourceType>),
    /// `/{endpoint}/{id}`
    Item(Arc<ResourceType>, String),
}

/// What a request asks of an endpoint: the route and the method, combined.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// `GET /ServiceProviderConfig` (RFC 7644 §4).
    ServiceProviderConfig,
    /// `GET /ResourceTypes[/{name}]`.
    ResourceTypes(Option<String>),
    /// `GET /Schemas[/{urn}]`.
    Schemas(Option<String>),
    /// Any method on `/Me`: resolved to a [`Route::Item`] once the caller is known.
    Me,
    /// `POST /Bulk` (RFC 7644 §3.7).
    Bulk,
    /// `POST /.search` (RFC 7644 §3.4.3).
    RootSearch,
    /// `GET /{endpoint}` (RFC 7644 §3.4.2).
    List(Arc<ResourceType>),
    /// `POST /{endpoint}/.search` (RFC 7644 §3.4.3).
    Search(Arc<ResourceType>),
    /// `POST /{endpoint}` (RFC 7644 §3.3).
    Create(Arc<ResourceType>),
    /// `GET /{endpoint}/{id}` (RFC 7644 §3.4.1).
    Get(Arc<ResourceType>, String),
    /// `PUT /{endpoint}/{id}` (RFC 7644 §3.5.1).
    Replace(Arc<ResourceType>, String),
    /// `PATCH /{endpoint}/{id}` (RFC 7644 §3.5.2).
    Patch(Arc<ResourceType>, String),
    /// `DELETE /{endpoint}/{id}` (RFC 7644 §3.6).
    Delete(Arc<ResourceType>, String),
}

/// A method the endpoint does not support: 405 with the `Allow` header.
#[derive(Debug)]
pub(crate) struct MethodNotAllowed {
    pub(crate) error: ScimError,
    pub(crate) allow: String,
}

/// The methods tried when listing what an endpoint allows.
const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

impl Route {
    /// Resolves `path` (the request path, without query) under `base`. Endpoint names are
    /// matched case-insensitively; a trailing slash is ignored. A path that does not start
    /// with `base` is read as already relative to it, as a router that strips the mount
    /// point hands it over (axum's `nest_service`).
    pub(crate) fn parse(registry: &Registry, base: &str, path: &str) -> Result<Route, ScimError> {
        let rest = strip_base(base, path).unwrap_or(path);
        let rest = rest.trim_matches('/');
        let mut segments = rest.splitn(2, '/');
        let first = segments.next().unwrap_or("");
        let second = segments.next().map(|s| s.trim_end_matches('/'));
        let not_found = || ScimError::not_found(format!("no SCIM endpoint at {path}"));
        let eq = |name: &str| first.eq_ignore_ascii_case(name);
        let only = |route: Route| match second {
            None | Some("") => Ok(route),
            Some(_) => Err(not_found()),
        };
        let arg = |s: Option<&str>| -> Result<Option<String>, ScimError> {
            match s {
                None | Some("") => Ok(None),
                Some(s) if s.contains('/') => Err(not_found()),
                Some(s) => Ok(Some(decode_path_segment(s)?.into_owned())),
            }
        };
        if first.is_empty() {
            return Err(not_found());
        }
        if eq("ServiceProviderConfig") || eq("ServiceProviderConfigs") {
            return only(Route::ServiceProviderConfig);
        }
        if eq("ResourceTypes") {
            return Ok(Route::ResourceTypes(arg(second)?));
        }
        if eq("Schemas") {
            return Ok(Route::Schemas(arg(second)?));
        }
        if eq("Me") {
            return only(Route::Me);
        }
        if eq("Bulk") {
            return only(Route::Bulk);
        }
        if eq(".search") {
            return only(Route::RootSearch);
        }
        let ty = registry.by_endpoint(first).ok_or_else(not_found)?.clone();
        match second {
            None | Some("") => Ok(Route::Collection(ty)),
            Some(s) if s.eq_ignore_ascii_case(".search") => Ok(Route::CollectionSearch(ty)),
            Some(s) if s.contains('/') => Err(not_found()),
            Some(id) => Ok(Route::Item(ty, decode_path_segment(id)?.into_owned())),
        }
    }

    /// What `method` asks of this endpoint; the one table of which methods each endpoint
    /// supports.
    pub(crate) fn target(&self, method: &Method) -> Result<Target, MethodNotAllowed> {
        self.target_of(method).ok_or_else(|| MethodNotAllowed {
            error: ScimError::method_not_allowed(format!(
                "{method} is not supported here; use {}",
                self.allowed()
            )),
            allow: self.allowed(),
        })
    }

    fn target_of(&self, method: &Method) -> Option<Target> {
        let m = method;
        Some(match self {
            Route::ServiceProviderConfig if m == Method::GET => Target::ServiceProviderConfig,
            Route::ResourceTypes(name) if m == Method::GET => Target::ResourceTypes(name.clone()),
            Route::Schemas(urn) if m == Method::GET => Target::Schemas(urn.clone()),
            Route::Me if m != Method::POST => Target::Me,
            Route::Bulk if m == Method::POST => Target::Bulk,
            Route::RootSearch if m == Method::POST => Target::RootSearch,
            Route::Collection(ty) if m == Method::GET => Target::List(ty.clone()),
            Route::Collection(ty) if m == Method::POST => Target::Create(ty.clone()),
            Route::CollectionSearch(ty) if m == Method::POST => Target::Search(ty.clone()),
            Route::Item(ty, id) => {
                let (ty, id) = (ty.clone(), id.clone());
                match *m {
                    Method::GET => Target::Get(ty, id),
                    Method::PUT => Target::Replace(ty, id),
                    Method::PATCH => Target::Patch(ty, id),
                    Method::DELETE => Target::Delete(ty, id),
                    _ => return None,
                }
            }
            _ => return None,
        })
    }

    /// The methods the endpoint supports, for the `Allow` header of a 405.
    fn allowed(&self) -> String {
        METHODS
            .iter()
            .filter(|m| self.target_of(m).is_some())
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn strip_base<'p>(base: &str, path: &'p str) -> Option<&'p str> {
    if base.is_empty() || base == "/" {
        return Some(path);
    }
    let head = path.get(..base.len())?;
    if !head.eq_ignore_ascii_case(base) {
        return None;
    }
    let rest = path.get(base.len()..)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str) -> Result<Route, ScimError> {
        Route::parse(&Registry::standard(), "/scim/v2", path)
    }

    #[test]
    fn routes() {
        assert!(matches!(route("/scim/v2/Users"), Ok(Route::Collection(t)) if t.name == "User"));
        assert!(matches!(route("/scim/v2/users/"), Ok(Route::Collection(t)) if t.name == "User"));
        assert!(matches!(route("/Users"), Ok(Route::Collection(t)) if t.name == "User"));
        assert!(
            matches!(route("/scim/v2/Groups/abc"), Ok(Route::Item(t, id)) if t.name == "Group" && id == "abc")
        );
        assert!(matches!(route("/scim/v2/Users/a%20b"), Ok(Route::Item(_, id)) if id == "a b"));
        assert!(matches!(
            route("/scim/v2/Users/.search"),
            Ok(Route::CollectionSearch(_))
        ));
        assert!(matches!(route("/scim/v2/.search"), Ok(Route::RootSearch)));
        assert!(matches!(
            route("/scim/v2/ServiceProviderConfig"),
            Ok(Route::ServiceProviderConfig)
        ));
        assert!(
            matches!(route("/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"), Ok(Route::Schemas(Some(u))) if u.ends_with(":User"))
        );
        assert!(matches!(
            route("/scim/v2/ResourceTypes"),
            Ok(Route::ResourceTypes(None))
        ));
        assert!(matches!(route("/scim/v2/Me"), Ok(Route::Me)));
        for bad in [
            "/scim/v2",
            "/scim/v2/",
            "/scim/v2/Nope",
            "/scim/v2x/Users",
            "/other/Users",
            "/scim/v2/Users/a/b",
            "/scim/v2/.search/x",
            "/scim/v2/Me/x",
        ] {
            let e = route(bad).unwrap_err();
            assert_eq!(e.status(), http::StatusCode::NOT_FOUND, "{bad}");
        }
    }

    #[test]
    fn allow_lists_come_from_the_one_table() {
        let cases = [
            ("/scim/v2/Users", Method::DELETE, "GET, POST"),
            ("/scim/v2/Users/1", Method::POST, "GET, PUT, PATCH, DELETE"),
            ("/scim/v2/Me", Method::POST, "GET, PUT, PATCH, DELETE"),
            ("/scim/v2/.search", Method::GET, "POST"),
            ("/scim/v2/Users/.search", Method::GET, "POST"),
            ("/scim/v2/Schemas", Method::POST, "GET"),
            ("/scim/v2/Bulk", Method::GET, "POST"),
        ];
        for (path, method, allow) in cases {
            let e = route(path).unwrap().target(&method).unwrap_err();
            assert_eq!(e.allow, allow, "{method} {path}");
            assert_eq!(e.error.status(), http::StatusCode::METHOD_NOT_ALLOWED);
        }
    }
}
