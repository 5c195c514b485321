//! What both SQL stores (`SqliteStore`, `PostgresStore`) share. The dialects differ only in
//! their statements: each implements [`Engine`] (one transaction's primitive reads and writes,
//! in its own SQL) and its connection handling; every store operation is written once, in
//! [`ops`], over `&mut dyn Engine`, and `list` once in [`list`]. What the rows mean (entity
//! tags, timestamps, the unique and indexed values of a resource, membership rows) is in
//! `row`.

mod engine;
pub(crate) mod list;
pub(crate) mod ops;
mod row;

pub(crate) use self::engine::{Engine, MemberRow, Reader};
pub(crate) use self::row::*;

/// The [`ResourceStore`](crate::ResourceStore) impl of a SQL store: each call opens a
/// transaction (`write_tx` / `read_tx`, the store's own; a `get` that is one statement uses
/// `read_conn`), runs the shared operation of
/// [`ops`] (or the dialect's `query::list`) on it, and commits on success; an error drops
/// the transaction, so a failed call changes nothing. The invoking module provides `db` (its
/// error mapping), `query::list`, and the store's `point_get` (a `get` answered without the
/// pool, or `None`).
macro_rules! sql_resource_store {
    ($store:ty) => {
        #[::async_trait::async_trait]
        impl $crate::store::ResourceStore for $store {
            async fn create(
                &self,
                ctx: &$crate::context::RequestContext,
                resource: $crate::Resource,
            ) -> Result<$crate::Resource, $crate::store::StoreError> {
                let mut tx = self.write_tx().await?;
                let out = $crate::stored::ops::create(&mut *tx, ctx, resource).await?;
                tx.commit().await.map_err(db)?;
                Ok(out)
            }

            async fn get(
                &self,
                ctx: &$crate::context::RequestContext,
                id: &str,
            ) -> Result<Option<$crate::Resource>, $crate::store::StoreError> {
                if let Some(found) = self.point_get(ctx, id).await {
                    return found;
                }
                // One statement reads a row with its derived values (`read_conn`, no
                // transaction); a group's member rows are a second one, in one snapshot.
                if $crate::store::has_members(ctx.resource_type()) && ctx.wants_members() {
                    let mut tx = self.read_tx().await?;
                    let out = $crate::stored::ops::get(&mut *tx, ctx, id).await?;
                    tx.commit().await.map_err(db)?;
                    Ok(out)
                } else {
                    let mut conn = self.read_conn().await?;
                    $crate::stored::ops::get(&mut *conn, ctx, id).await
                }
            }

            async fn list(
                &self,
                ctx: &$crate::context::RequestContext,
                query: &$crate::store::ListQuery,
            ) -> Result<$crate::store::Page, $crate::store::StoreError> {
                query::list(self, ctx, query).await
            }

            async fn replace(
                &self,
                ctx: &$crate::context::RequestContext,
                id: &str,
                replacement: $crate::store::Replacement,
                expected: $crate::precondition::Precondition<'_>,
            ) -> Result<$crate::Resource, $crate::store::StoreError> {
                let mut tx = self.write_tx().await?;
                let out =
                    $crate::stored::ops::replace(&mut *tx, ctx, id, replacement, expected).await?;
                tx.commit().await.map_err(db)?;
                Ok(out)
            }

            async fn delete(
                &self,
                ctx: &$crate::context::RequestContext,
                id: &str,
                expected: $crate::precondition::Precondition<'_>,
            ) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.write_tx().await?;
                $crate::stored::ops::delete(&mut *tx, ctx, id, expected).await?;
                tx.commit().await.map_err(db)
            }

            /// See `$crate::stored::ops::patch`: membership changes become row inserts and deletes; anything else
            /// is compare and swap on the row.
            async fn patch(
                &self,
                ctx: &$crate::context::RequestContext,
                id: &str,
                patch: &::scim_patch::Patch<'_>,
                expected: $crate::precondition::Precondition<'_>,
            ) -> Result<$crate::store::PatchResult, $crate::store::StoreError> {
                let mut tx = self.write_tx().await?;
                let out = $crate::stored::ops::patch(&mut *tx, ctx, id, patch, expected).await?;
                tx.commit().await.map_err(db)?;
                Ok(out)
            }
        }
    };
}
pub(crate) use sql_resource_store;
