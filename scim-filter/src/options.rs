//! Limits applied while parsing.

/// Limits for [`Filter::parse_with`](crate::Filter::parse_with),
/// [`PatchPath::parse_with`](crate::PatchPath::parse_with) and
/// [`AttrPath::parse_with`](crate::AttrPath::parse_with).
///
/// Both limits are checked before any work that could grow with them, so hostile input fails
/// fast with [`ParseErrorKind::TooDeep`](crate::ParseErrorKind::TooDeep) or
/// [`ParseErrorKind::TooLong`](crate::ParseErrorKind::TooLong) instead of exhausting the stack
/// or the CPU. The parser itself is iterative: `max_depth` bounds the size of the syntax tree's
/// nesting, not the parser's stack.
///
/// ```
/// use scim_filter::{Filter, ParseOptions};
///
/// let strict = ParseOptions { max_depth: 2, ..ParseOptions::default() };
/// assert!(Filter::parse_with("((a pr))", &strict).is_ok());
/// assert!(Filter::parse_with("(((a pr)))", &strict).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParseOptions {
    /// The most groups that may be open at once: each `(`, `not (` and value-path `[` counts one.
    /// Default [`ParseOptions::DEFAULT_MAX_DEPTH`] (64).
    pub max_depth: usize,
    /// The longest input accepted, in bytes. Default [`ParseOptions::DEFAULT_MAX_LEN`] (64 KiB).
    ///
    /// This also bounds the length of `and`/`or` chains, which the parser left-folds into a
    /// left-deep tree (`a or b or c` is `Or(Or(a, b), c)`). Every operation on
    /// [`Filter`](crate::Filter) walks such chains in a loop (and `Drop` walks any tree
    /// iteratively), so raising this limit costs time and memory but no stack; only the
    /// nesting of groups, bounded by `max_depth`, costs stack.
    pub max_len: usize,
}

impl ParseOptions {
    /// The default nesting limit: 64 open groups.
    pub const DEFAULT_MAX_DEPTH: usize = 64;
    /// The default length limit: 64 KiB.
    pub const DEFAULT_MAX_LEN: usize = 64 * 1024;
    /// The defaults, usable in `const` contexts.
    pub const DEFAULT: ParseOptions = ParseOptions {
        max_depth: Self::DEFAULT_MAX_DEPTH,
        max_len: Self::DEFAULT_MAX_LEN,
    };
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}
