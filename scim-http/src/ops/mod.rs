//! Step 4 of a request: the operations of RFC 7644 (§3.3–§3.7, §4), one module per kind.
//! Each takes its parsed input and the [`Exchange`], calls the store, and returns a
//! [`Reply`] of rendered resources.

mod discovery;
mod list;
mod resource;
mod search;

use scim_core::ScimError;

use crate::request::{Exchange, Operation};
use crate::response::Reply;

/// Runs one operation.
pub(crate) async fn run<'a>(x: &'a Exchange<'a>, op: Operation) -> Result<Reply<'a>, ScimError> {
    match op {
        Operation::ServiceProviderConfig => discovery::service_provider_config(x),
        Operation::ResourceTypes(name) => discovery::resource_types(x, name.as_deref()),
        Operation::Schemas(urn) => discovery::schemas(x, urn.as_deref()),
        Operation::Bulk => Err(ScimError::not_implemented(
            "bulk operations are not supported (see /ServiceProviderConfig)",
        )),
        Operation::List(ty, params) => list::list(x, &ty, &params).await,
        Operation::RootSearch(params) => search::root_search(x, &params).await,
        Operation::Create(ty, body) => resource::create(x, &ty, body).await,
        Operation::Get(ty, id) => resource::get(x, &ty, &id).await,
        Operation::Replace(ty, id, body) => resource::replace(x, &ty, &id, body).await,
        Operation::Patch(ty, id, body) => resource::patch(x, &ty, &id, body).await,
        Operation::Delete(ty, id) => resource::delete(x, &ty, &id).await,
    }
}
