use serde::{Deserialize, Deserializer, Serialize};

use crate::urn;

/// The body of `POST /.search` (RFC 7644 §3.4.3): the query parameters of a GET as JSON.
///
/// `attributes` and `excludedAttributes` are lists of names; a comma-separated string is
/// accepted too. `startIndex` and `count` are kept as sent (they may be out of range; the
/// server clamps them per RFC 7644 §3.4.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    /// `["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]`.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The attributes to return.
    #[serde(
        default,
        deserialize_with = "names",
        skip_serializing_if = "Option::is_none"
    )]
    pub attributes: Option<Vec<String>>,
    /// The attributes not to return.
    #[serde(
        default,
        deserialize_with = "names",
        skip_serializing_if = "Option::is_none"
    )]
    pub excluded_attributes: Option<Vec<String>>,
    /// The filter, as text (parse it with `scim-filter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// The attribute to sort by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<String>,
    /// The sort order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<SortOrder>,
    /// The 1-based index of the first result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_index: Option<i64>,
    /// The maximum number of results per page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// The cursor of the page wanted (RFC 9865 §3): `""` for the first page, else a
    /// `nextCursor` or `previousCursor` of an earlier response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl SearchRequest {
    /// An empty search request with its schema URN set.
    pub fn new() -> Self {
        SearchRequest {
            schemas: vec![urn::SEARCH_REQUEST.to_owned()],
            ..SearchRequest::default()
        }
    }
}

/// `sortOrder` (RFC 7644 §3.4.2.3): `ascending` (the default) or `descending`, read
/// case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SortOrder {
    /// Smallest first.
    #[default]
    Ascending,
    /// Largest first.
    Descending,
}

impl SortOrder {
    /// Parses `ascending`/`descending` in any case.
    pub fn parse(s: &str) -> Option<SortOrder> {
        if s.eq_ignore_ascii_case("ascending") {
            Some(SortOrder::Ascending)
        } else if s.eq_ignore_ascii_case("descending") {
            Some(SortOrder::Descending)
        } else {
            None
        }
    }
}

impl<'de> Deserialize<'de> for SortOrder {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SortOrder::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "sortOrder must be \"ascending\" or \"descending\", not {s:?}"
            ))
        })
    }
}

fn names<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Names {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match Option::<Names>::deserialize(d)? {
        None => None,
        Some(Names::List(v)) => Some(v),
        Some(Names::Csv(s)) => Some(
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_rfc_example() {
        let r: SearchRequest = serde_json::from_value(json!({
            "schemas": [urn::SEARCH_REQUEST],
            "attributes": ["displayName", "userName"],
            "filter": "displayName sw \"smith\"",
            "startIndex": 1, "count": 10
        }))
        .unwrap();
        assert_eq!(
            r.attributes.as_deref(),
            Some(&["displayName".to_owned(), "userName".to_owned()][..])
        );
        assert_eq!(r.count, Some(10));
        assert_eq!(r.sort_order, None);
    }

    #[test]
    fn accepts_csv_names_and_any_case_sort_order() {
        let r: SearchRequest = serde_json::from_value(json!({
            "excludedAttributes": "members, meta", "sortOrder": "DESCENDING", "startIndex": -4
        }))
        .unwrap();
        assert_eq!(
            r.excluded_attributes,
            Some(vec!["members".to_owned(), "meta".to_owned()])
        );
        assert_eq!(r.sort_order, Some(SortOrder::Descending));
        assert_eq!(r.start_index, Some(-4));
        assert!(serde_json::from_value::<SearchRequest>(json!({"sortOrder": "up"})).is_err());
    }
}
