//! [`Engine`] and [`Reader`]: the statements a SQL dialect runs for the shared store operations.

use std::collections::HashMap;

use async_trait::async_trait;
use scim_core::{Resource, ResourceType};

use super::row::Stored;
use crate::store::StoreError;

/// The reads of one connection, in a transaction or a statement on its own: a row, and what
/// is derived from other rows when it is rendered ([`super::ops::get`],
/// [`super::ops::render`]). Every [`Engine`] is one; SQLite's point reads
/// (`sql::point`) are only this.
#[async_trait]
pub(crate) trait Reader: Send {
    /// The row of resource `id` of `ty` in `tenant`. With `lock`, concurrent writers of the
    /// row wait until this transaction ends (PostgreSQL: `FOR UPDATE`; SQLite's write
    /// transactions are exclusive already).
    async fn load(
        &mut self,
        tenant: &str,
        ty: &ResourceType,
        id: &str,
        lock: bool,
    ) -> Result<Option<Stored>, StoreError>;

    /// A group's members as read: id, recorded type, and the member's name (`displayName`,
    /// else `userName`), in insertion order.
    async fn member_rows(
        &mut self,
        tenant: &str,
        group: &str,
    ) -> Result<Vec<MemberRow>, StoreError>;

    /// The groups listing `member`, with their `displayName`, ordered by group id.
    async fn group_rows(
        &mut self,
        tenant: &str,
        member: &str,
    ) -> Result<Vec<(String, Option<String>)>, StoreError>;

    /// The `displayName` of resource `id` (any type) in the tenant, if it exists and has one.
    async fn display_name(&mut self, tenant: &str, id: &str) -> Result<Option<String>, StoreError>;
}

/// One connection inside one transaction, as a SQL dialect drives it: each method is one (or
/// a few) statements over the `resources` and `members` tables of the dialect's schema.
/// Errors are mapped by the dialect (a unique index violation to
/// [`StoreError::Uniqueness`], a serialization failure or deadlock to
/// [`StoreError::Retryable`], anything else to [`StoreError::Backend`]).
///
/// The operations built on it ([`super::ops`]) are the store contract's; the dialect only
/// decides how each statement is written and what it locks.
#[async_trait]
pub(crate) trait Engine: Reader {
    /// Inserts a new row (version 1, `created` = `lastModified` = `now`) with `r` as its data
    /// and indexed columns.
    async fn insert(
        &mut self,
        tenant: &str,
        ty: &ResourceType,
        id: &str,
        r: &Resource,
        now: &str,
    ) -> Result<(), StoreError>;

    /// Writes `r` as the row's data and indexed columns with the next version, if the stored
    /// version is still `version` ([`StoreError::VersionMismatch`] otherwise).
    async fn update(
        &mut self,
        tenant: &str,
        ty: &ResourceType,
        id: &str,
        r: &Resource,
        version: i64,
        now: &str,
    ) -> Result<(), StoreError>;

    /// Deletes the row if its version is still `version`; whether it did.
    async fn delete(
        &mut self,
        tenant: &str,
        ty: &ResourceType,
        id: &str,
        version: i64,
    ) -> Result<bool, StoreError>;

    /// Fails with [`StoreError::Uniqueness`] when another resource of `ty` in the tenant has
    /// one of `r`'s unique values (RFC 7643 §2.4).
    async fn check_unique(
        &mut self,
        tenant: &str,
        ty: &ResourceType,
        r: &Resource,
        self_id: Option<&str>,
    ) -> Result<(), StoreError>;

    /// The resource type of each of `ids` found in the tenant (ids not found are absent).
    /// The rows found stay (key-share) locked until the transaction ends where the dialect
    /// can, so that a concurrent delete of a member cannot leave a membership behind.
    async fn types_of(
        &mut self,
        tenant: &str,
        ids: &[&str],
    ) -> Result<HashMap<String, String>, StoreError>;

    /// Inserts the membership row (group, member) unless it exists; whether it did.
    async fn insert_member(
        &mut self,
        tenant: &str,
        group: &str,
        member: &str,
        member_type: &str,
    ) -> Result<bool, StoreError>;

    /// Deletes the membership row (group, member); whether there was one.
    async fn delete_member(
        &mut self,
        tenant: &str,
        group: &str,
        member: &str,
    ) -> Result<bool, StoreError>;

    /// The ids of a group's members, in insertion order.
    async fn member_ids(&mut self, tenant: &str, group: &str) -> Result<Vec<String>, StoreError>;

    /// The ids of the groups listing `member`.
    async fn groups_of(&mut self, tenant: &str, member: &str) -> Result<Vec<String>, StoreError>;

    /// Deletes every membership row of `id`, as a group and as a member.
    async fn delete_memberships(&mut self, tenant: &str, id: &str) -> Result<(), StoreError>;

    /// Gives the row `id` (any type) the next version and `lastModified` = `now`.
    async fn bump(&mut self, tenant: &str, id: &str, now: &str) -> Result<(), StoreError>;
}

/// One member of a group, as [`Reader::member_rows`] reads it.
#[derive(Debug, Clone)]
pub(crate) struct MemberRow {
    pub(crate) id: String,
    pub(crate) member_type: Option<String>,
    pub(crate) display: Option<String>,
}

impl MemberRow {
    /// A row of the member query (`member_id`, `member_type`, `display`), in either dialect.
    pub(crate) fn from_row<R>(row: &R) -> Result<MemberRow, StoreError>
    where
        R: sqlx::Row,
        for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        for<'c> &'c str: sqlx::ColumnIndex<R>,
    {
        let db = StoreError::backend;
        Ok(MemberRow {
            id: row.try_get("member_id").map_err(db)?,
            member_type: row.try_get("member_type").map_err(db)?,
            display: row.try_get("display").map_err(db)?,
        })
    }
}
