//! String matching for `eq`, `ne`, `co`, `sw`, `ew` and the orderings.

use std::borrow::Cow;
use std::cmp::Ordering;

use memchr::memmem;

use crate::ast::CompareOp;

pub(super) fn ordered(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        // Rejected at compile time for non-string types.
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// The needle of a `co` comparison, with its substring searcher built once at compile time
/// (boxed: the searcher is a few hundred bytes, and compiled nodes stay small).
///
/// The search is `memchr`'s `memmem` (Two-Way with SIMD prefilters): linear in the length of
/// the value whatever the needle, so a long stored value and a long needle cost
/// O(|value| + |needle|), not O(|value| · |needle|).
#[derive(Clone, Debug)]
pub(super) struct Needle(Box<memmem::Finder<'static>>);

impl Needle {
    /// A searcher for `needle` (already folded when the comparison ignores case).
    pub(super) fn new(needle: &str) -> Self {
        Needle(Box::new(
            memmem::Finder::new(needle.as_bytes()).into_owned(),
        ))
    }

    /// Whether `haystack` contains the needle.
    pub(super) fn is_in(&self, haystack: &str) -> bool {
        self.0.find(haystack.as_bytes()).is_some()
    }
}

impl PartialEq for Needle {
    fn eq(&self, other: &Self) -> bool {
        self.0.needle() == other.0.needle()
    }
}

/// `s` folded as `caseExact: false` strings compare: Unicode lowercase ([`str::to_lowercase`]),
/// which for ASCII text is ASCII lowercase. Borrows when nothing changes (ASCII without
/// capitals); otherwise allocates once, linear in `s`.
pub(super) fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// Compares a candidate `s` with a needle that is already folded (see [`fold`]) when
/// `!case_exact`. `contains` is the needle's searcher for `co` (built at compile time).
///
/// Every operator is linear in `|s| + |needle|`: `eq`, `ne`, `sw`, `ew` and the orderings
/// compare in place (ASCII) or after folding `s` once (other text); `co` folds `s` once when
/// case does not matter and then runs `memmem`. The result is always that of comparing
/// `fold(s)` with the needle.
pub(super) fn compare_str(
    op: CompareOp,
    s: &str,
    needle: &str,
    case_exact: bool,
    contains: Option<&Needle>,
) -> bool {
    if op == CompareOp::Co {
        let haystack = if case_exact {
            Cow::Borrowed(s)
        } else {
            fold(s)
        };
        return match contains {
            Some(finder) => finder.is_in(&haystack),
            None => memmem::find(haystack.as_bytes(), needle.as_bytes()).is_some(),
        };
    }
    if case_exact {
        return match op {
            CompareOp::Eq => s == needle,
            CompareOp::Ne => s != needle,
            CompareOp::Sw => s.starts_with(needle),
            CompareOp::Ew => s.ends_with(needle),
            _ => ordered(op, s.cmp(needle)),
        };
    }
    if s.is_ascii() && needle.is_ascii() {
        let (h, n) = (s.as_bytes(), needle.as_bytes());
        return match op {
            CompareOp::Eq => s.eq_ignore_ascii_case(needle),
            CompareOp::Ne => !s.eq_ignore_ascii_case(needle),
            CompareOp::Sw => h.len() >= n.len() && h[..n.len()].eq_ignore_ascii_case(n),
            CompareOp::Ew => h.len() >= n.len() && h[h.len() - n.len()..].eq_ignore_ascii_case(n),
            _ => {
                let ord = h.iter().map(u8::to_ascii_lowercase).cmp(n.iter().copied());
                ordered(op, ord)
            }
        };
    }
    compare_str(op, &fold(s), needle, true, contains)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_matches_unicode_lowercase() {
        for s in [
            "",
            "abc",
            "ABC",
            "MiXeD 123",
            "Ünïcødé",
            "ΣΑΣ",
            "İstanbul",
            "例え",
        ] {
            assert_eq!(fold(s), s.to_lowercase(), "{s}");
        }
        assert!(matches!(fold("already lower"), Cow::Borrowed(_)));
    }

    #[test]
    fn co_with_and_without_a_prebuilt_searcher_agree() {
        for (s, needle, case_exact, want) in [
            ("Hello World", "o w", false, true),
            ("Hello World", "o w", true, false),
            ("Hello World", "", false, true),
            ("", "", true, true),
            ("", "a", false, false),
            ("ÜNÏCØDÉ", "ïcø", false, true),
            ("abcabd", "abd", true, true),
        ] {
            let finder = Needle::new(needle);
            assert_eq!(
                compare_str(CompareOp::Co, s, needle, case_exact, Some(&finder)),
                want
            );
            assert_eq!(
                compare_str(CompareOp::Co, s, needle, case_exact, None),
                want
            );
        }
    }
}
