//! Mapping a request path to a SCIM endpoint (RFC 7644 §3.2).

use std::sync::Arc;

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
    /// `/Me` and anything under it
    Me(Option<String>),
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

impl Route {
    /// Resolves `path` (the request path, without query) under `base`. Endpoint names are
    /// matched case-insensitively; a trailing slash is ignored.
    pub(crate) fn parse(registry: &Registry, base: &str, path: &str) -> Result<Route, ScimError> {
        let rest = strip_base(base, path).ok_or_else(|| {
            ScimError::not_found(format!("{path} is not under the SCIM base path {base}"))
        })?;
        let rest = rest.trim_matches('/');
        let mut segments = rest.splitn(2, '/');
        let first = segments.next().unwrap_or("");
        let second = segments.next().map(|s| s.trim_end_matches('/'));
        let not_found = || ScimError::not_found(format!("no SCIM endpoint at {path}"));
        let eq = |name: &str| first.eq_ignore_ascii_case(name);
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
            return match second {
                None | Some("") => Ok(Route::ServiceProviderConfig),
                Some(_) => Err(not_found()),
            };
        }
        if eq("ResourceTypes") {
            return Ok(Route::ResourceTypes(arg(second)?));
        }
        if eq("Schemas") {
            return Ok(Route::Schemas(arg(second)?));
        }
        if eq("Me") {
            return Ok(Route::Me(second.map(str::to_owned)));
        }
        if eq("Bulk") {
            return Ok(Route::Bulk);
        }
        if eq(".search") {
            return match second {
                None | Some("") => Ok(Route::RootSearch),
                Some(_) => Err(not_found()),
            };
        }
        let ty = registry.by_endpoint(first).ok_or_else(not_found)?.clone();
        match second {
            None | Some("") => Ok(Route::Collection(ty)),
            Some(".search") => Ok(Route::CollectionSearch(ty)),
            Some(s) if s.contains('/') => Err(not_found()),
            Some(id) => Ok(Route::Item(ty, decode_path_segment(id)?.into_owned())),
        }
    }

    /// The methods the endpoint supports, for 405 responses' `Allow` header.
    pub(crate) fn allowed(&self) -> &'static str {
        match self {
            Route::ServiceProviderConfig | Route::ResourceTypes(_) | Route::Schemas(_) => "GET",
            Route::Me(_) => "GET, PUT, PATCH, DELETE",
            Route::Bulk | Route::RootSearch | Route::CollectionSearch(_) => "POST",
            Route::Collection(_) => "GET, POST",
            Route::Item(..) => "GET, PUT, PATCH, DELETE",
        }
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
        assert!(matches!(route("/scim/v2/Me"), Ok(Route::Me(None))));
        for bad in [
            "/scim/v2",
            "/scim/v2/",
            "/scim/v2/Nope",
            "/scim/v2x/Users",
            "/other/Users",
            "/scim/v2/Users/a/b",
            "/scim/v2/.search/x",
        ] {
            let e = route(bad).unwrap_err();
            assert_eq!(e.status(), http::StatusCode::NOT_FOUND, "{bad}");
        }
    }
}
