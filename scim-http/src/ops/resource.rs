//! One resource: create (RFC 7644 §3.3), read (§3.4.1), replace (§3.5.1), modify (§3.5.2) and
//! delete (§3.6).

use std::sync::Arc;

use http::StatusCode;
use scim_core::message::PatchRequest;
use scim_core::validate::{validate_create, validate_replace};
use scim_core::{Projection, ResourceType, ScimError};
use serde_json::Value;

use crate::context::RequestContext;
use crate::password::{hash_patch, hash_resource};
use crate::precondition::{Precondition, entity_tag, not_modified};
use crate::request::Exchange;
use crate::response::Reply;
use crate::store::{PatchResult, StoreError, read_check_write, retrying};

pub(super) async fn create<'a>(
    x: &'a Exchange<'a>,
    ty: &Arc<ResourceType>,
    body: Value,
) -> Result<Reply<'a>, ScimError> {
    let projection = x.projection(ty, &x.params)?;
    let mut resource = validate_create(ty, body, &x.server.validation)?;
    hash_resource(&*x.server.passwords, &mut resource, None)?;
    let ctx = x.context(ty)?;
    let stored = retrying(|| x.server.store.create(&ctx, resource.clone()))
        .await
        .map_err(StoreError::into_scim)?;
    Ok(Reply::Resource {
        status: StatusCode::CREATED,
        resource: x.renderer().render(ty, stored, &projection),
    })
}

pub(super) async fn get<'a>(
    x: &'a Exchange<'a>,
    ty: &Arc<ResourceType>,
    id: &str,
) -> Result<Reply<'a>, ScimError> {
    let projection = x.projection(ty, &x.params)?;
    let ctx = x.context_for(ty, &projection)?;
    let resource = retrying(|| x.server.store.get(&ctx, id))
        .await
        .map_err(StoreError::into_scim)?
        .ok_or_else(|| not_found(ty, id))?;
    let tag = entity_tag(&resource);
    if not_modified(x.headers, tag.as_deref()) {
        return Ok(Reply::NotModified(tag));
    }
    Ok(Reply::Resource {
        status: StatusCode::OK,
        resource: x.renderer().render(ty, resource, &projection),
    })
}

pub(super) async fn replace<'a>(
    x: &'a Exchange<'a>,
    ty: &Arc<ResourceType>,
    id: &str,
    body: Value,
) -> Result<Reply<'a>, ScimError> {
    let projection = x.projection(ty, &x.params)?;
    let options = &x.server.validation;
    let ctx = x.context(ty)?;
    let result = retrying(|| {
        read_check_write(
            &*x.server.store,
            &ctx,
            id,
            Precondition::if_match(x.headers),
            |existing| {
                let mut new = validate_replace(ty, body.clone(), existing, options)?;
                hash_resource(&*x.server.passwords, &mut new, Some(existing))?;
                Ok(Some(new))
            },
        )
    })
    .await;
    let PatchResult { resource, .. } = result.map_err(|e| missing(e, ty, id))?;
    Ok(Reply::Resource {
        status: StatusCode::OK,
        resource: x.renderer().render(ty, resource, &projection),
    })
}

pub(super) async fn patch<'a>(
    x: &'a Exchange<'a>,
    ty: &Arc<ResourceType>,
    id: &str,
    mut message: PatchRequest,
) -> Result<Reply<'a>, ScimError> {
    let server = x.server;
    hash_patch(&*server.passwords, &mut message)?;
    let patch = scim_patch::Patch::parse(&message, ty, &server.patch_options)?;
    // RFC 7644 §3.5.2: with `attributes`, the response is 200 with the resource.
    let no_content = x.params.attributes.is_none()
        && (server.patch_no_content
            || server
                .patch_no_content_types
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&ty.name)));
    let projection = if no_content {
        Projection::default()
    } else {
        x.projection(ty, &x.params)?
    };
    // With 204, only the entity tag is sent: a store need not load a group's members.
    let ctx = x
        .context_for(ty, &projection)?
        .with_members(!no_content && projection.may_include(ty, "members"));
    let version = expected_version(x, &ctx, ty, id).await?;
    let expected = version
        .as_deref()
        .map_or(Precondition::Any, Precondition::Version);
    let result = retrying(|| server.store.patch(&ctx, id, &patch, expected))
        .await
        .map_err(|e| missing(e, ty, id))?;
    if no_content {
        return Ok(Reply::NoContent(entity_tag(&result.resource)));
    }
    Ok(Reply::Resource {
        status: StatusCode::OK,
        resource: x.renderer().render(ty, result.resource, &projection),
    })
}

pub(super) async fn delete<'a>(
    x: &'a Exchange<'a>,
    ty: &Arc<ResourceType>,
    id: &str,
) -> Result<Reply<'a>, ScimError> {
    let ctx = x.context(ty)?.with_members(false);
    let version = expected_version(x, &ctx, ty, id).await?;
    let expected = version
        .as_deref()
        .map_or(Precondition::Any, Precondition::Version);
    retrying(|| x.server.store.delete(&ctx, id, expected))
        .await
        .map_err(|e| missing(e, ty, id))?;
    Ok(Reply::NoContent(None))
}

/// The one version a store must find, from the client's `If-Match` (RFC 7644 §3.14): `None`
/// without one (or with `*`); with a list of entity tags, the server reads the resource and
/// checks the list against its [`entity_tag`] itself (412 when no tag matches), so a store
/// compares with a single version of its own, e.g. in `UPDATE … WHERE version = $n`.
async fn expected_version(
    x: &Exchange<'_>,
    ctx: &RequestContext,
    ty: &ResourceType,
    id: &str,
) -> Result<Option<String>, ScimError> {
    let Precondition::Version(tags) = Precondition::if_match(x.headers) else {
        return Ok(None);
    };
    let current = retrying(|| x.server.store.get(ctx, id))
        .await
        .map_err(StoreError::into_scim)?
        .ok_or_else(|| not_found(ty, id))?;
    if !Precondition::Version(tags).matches(entity_tag(&current).as_deref()) {
        return Err(StoreError::VersionMismatch.into_scim());
    }
    Ok(current.version().map(str::to_owned))
}

/// A store error, with "not found" naming the resource type.
fn missing(e: StoreError, ty: &ResourceType, id: &str) -> ScimError {
    match e {
        StoreError::NotFound(_) => not_found(ty, id),
        e => e.into_scim(),
    }
}

fn not_found(ty: &ResourceType, id: &str) -> ScimError {
    ScimError::not_found(format!("{} {id:?} not found", ty.name))
}
