//! Query-string decoding (`application/x-www-form-urlencoded`: `+` and `%20` both mean a space)
//! and the list parameters of RFC 7644 §3.4.2.

use std::borrow::Cow;

use scim_core::ScimError;
use scim_core::message::{SearchRequest, SortOrder};

/// The list and projection parameters of a GET query string or a `/.search` body, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct QueryParams {
    pub(crate) filter: Option<String>,
    pub(crate) sort_by: Option<String>,
    pub(crate) sort_order: Option<SortOrder>,
    pub(crate) start_index: Option<i64>,
    pub(crate) count: Option<i64>,
    /// RFC 9865 `cursor`: `Some("")` for `cursor` with no value (the first page).
    pub(crate) cursor: Option<String>,
    pub(crate) attributes: Option<Vec<String>>,
    pub(crate) excluded_attributes: Option<Vec<String>>,
}

impl QueryParams {
    /// Parses a raw query string. Parameter names are matched case-insensitively; unknown
    /// parameters (such as Entra's stray `aadOptscim062020`) are ignored.
    pub(crate) fn parse(query: Option<&str>) -> Result<Self, ScimError> {
        let mut p = QueryParams::default();
        let Some(query) = query else {
            return Ok(p);
        };
        for pair in query.split('&').filter(|s| !s.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(k)?;
            let value = decode(v)?;
            let key = key.as_ref();
            let is = |name: &str| key.eq_ignore_ascii_case(name);
            if is("filter") {
                p.filter = Some(value.into_owned());
            } else if is("sortBy") {
                p.sort_by = non_empty(value);
            } else if is("sortOrder") {
                p.sort_order = match non_empty(value) {
                    None => None,
                    Some(s) => Some(SortOrder::parse(&s).ok_or_else(|| {
                        ScimError::invalid_value(format!(
                            "sortOrder must be \"ascending\" or \"descending\", not {s:?}"
                        ))
                    })?),
                };
            } else if is("startIndex") {
                p.start_index = integer("startIndex", &value)?;
            } else if is("count") {
                p.count = integer("count", &value)?;
            } else if is("cursor") {
                p.cursor = Some(value.into_owned());
            } else if is("attributes") {
                p.attributes = Some(names(&value));
            } else if is("excludedAttributes") {
                p.excluded_attributes = Some(names(&value));
            }
        }
        Ok(p)
    }

    /// Reads a `/.search` body (RFC 7644 §3.4.3).
    pub(crate) fn from_search(req: SearchRequest) -> Self {
        QueryParams {
            filter: req.filter,
            sort_by: req.sort_by.filter(|s| !s.trim().is_empty()),
            sort_order: req.sort_order,
            start_index: req.start_index,
            count: req.count,
            cursor: req.cursor,
            attributes: req.attributes,
            excluded_attributes: req.excluded_attributes,
        }
    }
}

fn non_empty(v: Cow<'_, str>) -> Option<String> {
    let t = v.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn integer(name: &str, v: &str) -> Result<Option<i64>, ScimError> {
    let t = v.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<i64>() {
        Ok(n) => Ok(Some(n)),
        // Out of range in either direction: clamp rather than fail.
        Err(_)
            if t.bytes()
                .skip(usize::from(t.starts_with('-')))
                .all(|b| b.is_ascii_digit()) =>
        {
            Ok(Some(if t.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            }))
        }
        Err(_) => Err(ScimError::invalid_value(format!(
            "{name} must be an integer, not {t:?}"
        ))),
    }
}

/// Splits a comma-separated attribute list.
pub(crate) fn names(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Percent-decodes one query component, reading `+` as a space.
pub(crate) fn decode(s: &str) -> Result<Cow<'_, str>, ScimError> {
    if !s.bytes().any(|b| b == b'%' || b == b'+') {
        return Ok(Cow::Borrowed(s));
    }
    let bytes = percent_decode(s.as_bytes(), true)?;
    String::from_utf8(bytes)
        .map(Cow::Owned)
        .map_err(|_| ScimError::invalid_value("the query string is not valid UTF-8 once decoded"))
}

/// Percent-decodes a path segment (`+` stays a plus sign).
pub(crate) fn decode_path_segment(s: &str) -> Result<Cow<'_, str>, ScimError> {
    if !s.contains('%') {
        return Ok(Cow::Borrowed(s));
    }
    let bytes = percent_decode(s.as_bytes(), false)?;
    String::from_utf8(bytes)
        .map(Cow::Owned)
        .map_err(|_| ScimError::not_found("the path is not valid UTF-8 once decoded"))
}

fn percent_decode(s: &[u8], plus_is_space: bool) -> Result<Vec<u8>, ScimError> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        match b {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => {
                let hex = |j: usize| s.get(j).and_then(|c| (*c as char).to_digit(16));
                match (hex(i + 1), hex(i + 2)) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    // A stray '%' is kept, as browsers and most servers do.
                    _ => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_and_percent_20_both_mean_space() {
        for q in [
            "filter=userName+eq+%22bjensen%22",
            "filter=userName%20eq%20%22bjensen%22",
            "FILTER=userName eq \"bjensen\"",
        ] {
            let p = QueryParams::parse(Some(q)).unwrap();
            assert_eq!(p.filter.as_deref(), Some("userName eq \"bjensen\""), "{q}");
        }
        let p = QueryParams::parse(Some("filter=userName+eq+%22a%2Bb%40c.d%22")).unwrap();
        assert_eq!(p.filter.as_deref(), Some("userName eq \"a+b@c.d\""));
    }

    #[test]
    fn paging_sorting_and_projection() {
        let p = QueryParams::parse(Some(
            "startIndex=0&count=-5&sortBy=userName&sortOrder=DESCENDING&attributes=userName,%20emails&excludedAttributes=&aadOptscim062020",
        ))
        .unwrap();
        assert_eq!(p.start_index, Some(0));
        assert_eq!(p.count, Some(-5));
        assert_eq!(p.sort_by.as_deref(), Some("userName"));
        assert_eq!(p.sort_order, Some(SortOrder::Descending));
        assert_eq!(
            p.attributes,
            Some(vec!["userName".to_owned(), "emails".to_owned()])
        );
        assert_eq!(p.excluded_attributes, Some(vec![]));
        let big = QueryParams::parse(Some("count=99999999999999999999999")).unwrap();
        assert_eq!(big.count, Some(i64::MAX));
    }

    #[test]
    fn bad_values_are_invalid_value() {
        for q in [
            "count=ten",
            "startIndex=1.5",
            "sortOrder=up",
            "filter=%FF%FE",
        ] {
            let e = QueryParams::parse(Some(q)).unwrap_err();
            assert_eq!(
                e.scim_type(),
                Some(scim_core::ScimType::InvalidValue),
                "{q}"
            );
        }
    }

    #[test]
    fn cursor_with_and_without_a_value() {
        let p = QueryParams::parse(Some("filter=x&cursor&count=2")).unwrap();
        assert_eq!(p.cursor.as_deref(), Some(""));
        let p = QueryParams::parse(Some("Cursor=AbC-_9")).unwrap();
        assert_eq!(p.cursor.as_deref(), Some("AbC-_9"));
        assert_eq!(QueryParams::parse(Some("count=2")).unwrap().cursor, None);
    }

    #[test]
    fn path_segments_keep_plus() {
        assert_eq!(decode_path_segment("a+b%20c").unwrap(), "a+b c");
        assert_eq!(decode("100%").unwrap(), "100%");
    }
}
