//! Protocol messages of RFC 7644: list responses, search requests, PATCH requests, bulk
//! requests and responses. (The error message is [`crate::ErrorResponse`].)
//!
//! These are wire shapes only. Input structs are lenient (unknown keys are ignored, as
//! identity providers send extras); output structs are exact (no nulls). The semantics of
//! PATCH live in `scim-patch`, and filters are parsed by `scim-filter`.

mod bulk;
mod list;
mod patch;
mod search;

pub use bulk::{BulkOperation, BulkRequest, BulkResponse, BulkResponseOperation};
pub use list::ListResponse;
pub use patch::{PatchOp, PatchOperation, PatchRequest};
pub use search::{SearchRequest, SortOrder};
