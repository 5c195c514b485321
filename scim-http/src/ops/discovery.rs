//! Discovery (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`, generated
//! from the server's configuration and registry. Filtering them is refused (403, §4).

use scim_core::ScimError;
use scim_core::message::ListResponse;
use serde_json::Value;

use crate::request::Exchange;
use crate::response::Reply;

pub(super) fn service_provider_config<'a>(x: &Exchange<'_>) -> Result<Reply<'a>, ScimError> {
    refuse_filter(x)?;
    Ok(Reply::Document(
        x.server.config.to_resource_json(&x.base_url),
    ))
}

pub(super) fn resource_types<'a>(
    x: &Exchange<'_>,
    name: Option<&str>,
) -> Result<Reply<'a>, ScimError> {
    let all = x.server.registry.resource_types();
    let found = name.map(|n| {
        x.server
            .registry
            .resource_types()
            .find(|t| t.id.eq_ignore_ascii_case(n) || t.name.eq_ignore_ascii_case(n))
            .ok_or_else(|| ScimError::not_found(format!("no resource type {n:?}")))
    });
    document(
        x,
        found.map(|t| t.map(|t| t.to_resource_json(&x.base_url))),
        all.map(|t| t.to_resource_json(&x.base_url)),
    )
}

pub(super) fn schemas<'a>(x: &Exchange<'_>, urn: Option<&str>) -> Result<Reply<'a>, ScimError> {
    let registry = &x.server.registry;
    let found = urn.map(|u| {
        registry
            .schema(u)
            .ok_or_else(|| ScimError::not_found(format!("no schema {u:?}")))
    });
    document(
        x,
        found.map(|s| s.map(|s| s.to_resource_json(&x.base_url))),
        registry
            .schemas()
            .into_iter()
            .map(|s| s.to_resource_json(&x.base_url)),
    )
}

/// The one document asked for, or all of them as a ListResponse.
fn document<'a>(
    x: &Exchange<'_>,
    one: Option<Result<Value, ScimError>>,
    all: impl Iterator<Item = Value>,
) -> Result<Reply<'a>, ScimError> {
    refuse_filter(x)?;
    match one {
        Some(found) => Ok(Reply::Document(found?)),
        None => {
            let all: Vec<Value> = all.collect();
            let n = all.len() as u64;
            let list = serde_json::to_value(ListResponse::new(n, 1, all))
                .map_err(|_| ScimError::internal())?;
            Ok(Reply::Document(list))
        }
    }
}

fn refuse_filter(x: &Exchange<'_>) -> Result<(), ScimError> {
    if x.params.filter.is_some() {
        return Err(ScimError::forbidden(
            "discovery endpoints do not support filtering (RFC 7644 §4)",
        ));
    }
    Ok(())
}
