use serde::{Deserialize, Serialize};

use crate::{Resource, urn};

/// A query response (RFC 7644 §3.4.2): `totalResults`, the page's `startIndex` and
/// `itemsPerPage`, and the page of `Resources`.
///
/// Always serialises all four fields, and `Resources` even when empty, which is what
/// identity providers' connection tests expect of a query that matches nothing.
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
    /// The 1-based index of the first result of this page.
    #[serde(default = "one")]
    pub start_index: u64,
    /// The number of results on this page.
    #[serde(default)]
    pub items_per_page: u64,
    /// The results of this page.
    #[serde(rename = "Resources", default = "Vec::new")]
    pub resources: Vec<T>,
}

fn one() -> u64 {
    1
}

impl<T> ListResponse<T> {
    /// A page of `resources` starting at `start_index` out of `total_results`.
    pub fn new(total_results: u64, start_index: u64, resources: Vec<T>) -> Self {
        ListResponse {
            schemas: vec![urn::LIST_RESPONSE.to_owned()],
            total_results,
            start_index,
            items_per_page: resources.len() as u64,
            resources,
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
        assert_eq!(empty.start_index, 1);
    }
}
