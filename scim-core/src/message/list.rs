use serde::{Deserialize, Serialize};

use crate::{Resource, urn};

/// A query response (RFC 7644 §3.4.2): `totalResults`, the page's `startIndex` and
/// `itemsPerPage`, and the page of `Resources`; with cursor paging (RFC 9865 §2),
/// `nextCursor` and `previousCursor` instead of `startIndex`.
///
/// Always serialises `totalResults`, `itemsPerPage` and `Resources` (even when empty, which
/// is what identity providers' connection tests expect of a query that matches nothing);
/// `startIndex` when the page was selected by index ([`ListResponse::new`]), the cursors when
/// it was selected by cursor ([`ListResponse::cursor_page`]) and another page exists.
///
/// ```
/// use scim_core::message::ListResponse;
/// use scim_core::Resource;
///
/// let empty: ListResponse = ListResponse::new(0, 1, Vec::<Resource>::new());
/// let v = serde_json::to_value(&empty)?;
/// assert_eq!(v["totalResults"], 0);
/// assert_eq!(v["Resources"], serde_json::json!([]));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T = Resource> {
    /// `["urn:ietf:params:scim:api:messages:2.0:ListResponse"]`.
    pub schemas: Vec<String>,
    /// The total number of results the query matched, across all pages.
    pub total_results: u64,
    /// The 1-based index of the first result of this page; `None` on a page selected by
    /// cursor (RFC 9865 §2 examples carry no `startIndex`). Read as 1 when absent.
    #[serde(default = "one", skip_serializing_if = "Option::is_none")]
    pub start_index: Option<u64>,
    /// The number of results on this page.
    #[serde(default)]
    pub items_per_page: u64,
    /// The results of this page.
    #[serde(rename = "Resources", default = "Vec::new")]
    pub resources: Vec<T>,
    /// The cursor of the next page (RFC 9865 §2); absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// The cursor of the previous page (RFC 9865 §2); never on the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_cursor: Option<String>,
}

fn one() -> Option<u64> {
    Some(1)
}

impl<T> ListResponse<T> {
    /// A page of `resources` starting at `start_index` out of `total_results`.
    pub fn new(total_results: u64, start_index: u64, resources: Vec<T>) -> Self {
        ListResponse {
            schemas: vec![urn::LIST_RESPONSE.to_owned()],
            total_results,
            start_index: Some(start_index),
            items_per_page: resources.len() as u64,
            resources,
            next_cursor: None,
            previous_cursor: None,
        }
    }

    /// A page selected by cursor (RFC 9865 §2): no `startIndex`, and the cursors of the
    /// pages around it, each `None` when there is no such page.
    ///
    /// ```
    /// use scim_core::message::ListResponse;
    /// use scim_core::Resource;
    ///
    /// let page: ListResponse = ListResponse::cursor_page(5, Vec::<Resource>::new(), Some("n".into()), None);
    /// let v = serde_json::to_value(&page)?;
    /// assert_eq!(v["nextCursor"], "n");
    /// assert!(v.get("startIndex").is_none() && v.get("previousCursor").is_none());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn cursor_page(
        total_results: u64,
        resources: Vec<T>,
        next_cursor: Option<String>,
        previous_cursor: Option<String>,
    ) -> Self {
        ListResponse {
            schemas: vec![urn::LIST_RESPONSE.to_owned()],
            total_results,
            start_index: None,
            items_per_page: resources.len() as u64,
            resources,
            next_cursor,
            previous_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_rfc_example_and_tolerates_missing_resources() {
        let v = json!({
            "schemas": [urn::LIST_RESPONSE], "totalResults": 2,
            "Resources": [{"id": "2819c223", "title": "Tour Guide"}, {"id": "c75ad752", "title": "Employee"}]
        });
        let l: ListResponse = serde_json::from_value(v).unwrap();
        assert_eq!(l.total_results, 2);
        assert_eq!(l.resources[1].id(), Some("c75ad752"));
        let empty: ListResponse =
            serde_json::from_value(json!({"schemas": [urn::LIST_RESPONSE], "totalResults": 0}))
                .unwrap();
        assert!(empty.resources.is_empty());
        assert_eq!(empty.start_index, Some(1));
    }
}
