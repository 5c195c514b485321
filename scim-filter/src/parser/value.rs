//! `compValue = false / null / true / number / string` (RFC 7644 §3.4.2.2), with the JSON rules
//! of RFC 8259 §6 (numbers) and §7 (strings).

use nom::Parser;
use nom::bytes::complete::take_while;
use nom::character::complete::{char, digit1, one_of};
use nom::combinator::{consumed, opt};
use serde_json::Number;

use super::lexeme::is_name_char;
use super::perr::{PErr, PResult, expected_or_end};
use crate::ast::CompValue;
use crate::error::ParseErrorKind;

const EXPECTED_VALUE: &str = "a JSON value (string, number, true, false or null)";

/// A comparison value: a JSON string, number, or `true`/`false`/`null` (in any case).
/// Bare words and single-quoted strings are errors.
pub(super) fn comp_value(s: &str) -> PResult<'_, CompValue> {
    match s.as_bytes().first() {
        Some(b'"') => {
            let (rest, text) = string(s)?;
            Ok((rest, CompValue::String(text)))
        }
        Some(b'-' | b'0'..=b'9') => {
            let (rest, n) = number(s)?;
            Ok((rest, CompValue::Number(n)))
        }
        _ => {
            let (rest, word) = take_while(is_name_char).parse(s)?;
            let value = if word.eq_ignore_ascii_case("true") {
                CompValue::Bool(true)
            } else if word.eq_ignore_ascii_case("false") {
                CompValue::Bool(false)
            } else if word.eq_ignore_ascii_case("null") {
                CompValue::Null
            } else {
                return Err(PErr::fail(s, expected_or_end(s, EXPECTED_VALUE)));
            };
            Ok((rest, value))
        }
    }
}

/// A JSON string starting at the opening `"`. Strings without escapes are copied in one piece.
pub(super) fn string(s: &str) -> PResult<'_, String> {
    let Some(body) = s.strip_prefix('"') else {
        return Err(PErr::fail(s, expected_or_end(s, "'\"'")));
    };
    // Fast path: find the closing quote, or the first byte that needs care.
    let special = body
        .bytes()
        .position(|b| b == b'"' || b == b'\\' || b < 0x20);
    if let Some(i) = special
        && body.as_bytes().get(i) == Some(&b'"')
    {
        // `i` indexes an ASCII byte, so both halves are on char boundaries.
        if let (Some(text), Some(rest)) = (body.get(..i), body.get(i + 1..)) {
            return Ok((rest, text.to_owned()));
        }
    }
    string_slow(body)
}

/// Decodes a string body with escapes, `\uXXXX` surrogate pairs included.
fn string_slow(body: &str) -> PResult<'_, String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        // `at` is where this character starts, for error offsets.
        let at = body.get(i..).unwrap_or_default();
        match c {
            '"' => {
                let rest = body.get(i + 1..).unwrap_or_default();
                return Ok((rest, out));
            }
            '\\' => {
                let Some((_, e)) = chars.next() else {
                    return Err(PErr::fail(rest_of(body), ParseErrorKind::UnexpectedEnd));
                };
                match e {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let high = hex4(&mut chars).ok_or_else(|| bad_string(at))?;
                        let code = match high {
                            0xD800..=0xDBFF => {
                                // A high surrogate must be followed by `\u` and a low surrogate.
                                let low = match (chars.next(), chars.next()) {
                                    (Some((_, '\\')), Some((_, 'u'))) => hex4(&mut chars),
                                    _ => None,
                                };
                                match low {
                                    Some(low @ 0xDC00..=0xDFFF) => {
                                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                                    }
                                    _ => return Err(bad_string(at)),
                                }
                            }
                            0xDC00..=0xDFFF => return Err(bad_string(at)),
                            other => other,
                        };
                        out.push(char::from_u32(code).ok_or_else(|| bad_string(at))?);
                    }
                    _ => return Err(bad_string(at)),
                }
            }
            c if c < '\u{20}' => return Err(bad_string(at)),
            c => out.push(c),
        }
    }
    Err(PErr::fail(rest_of(body), ParseErrorKind::UnexpectedEnd))
}

/// Four hex digits of a `\u` escape.
fn hex4(chars: &mut std::str::CharIndices<'_>) -> Option<u32> {
    let mut code = 0;
    for _ in 0..4 {
        let (_, c) = chars.next()?;
        code = code * 16 + c.to_digit(16)?;
    }
    Some(code)
}

fn bad_string(at: &str) -> nom::Err<PErr<'_>> {
    PErr::fail(at, ParseErrorKind::BadString)
}

/// The empty suffix of `s` (its end position).
fn rest_of(s: &str) -> &str {
    s.get(s.len()..).unwrap_or_default()
}

/// A JSON number: `-? (0 / [1-9] *DIGIT) [. 1*DIGIT] [(e/E) [+/-] 1*DIGIT]`.
///
/// Integers that fit become `u64`/`i64` numbers; the rest become `f64` (an infinite result,
/// e.g. `1e400`, is an error).
pub(super) fn number(s: &str) -> PResult<'_, Number> {
    let bad = || PErr::fail(s, ParseErrorKind::BadNumber);
    let (rest, (text, (_, int, frac, exp))) = consumed((
        opt(char('-')),
        digit1,
        opt((char('.'), digit1)),
        opt((one_of("eE"), opt(one_of("+-")), digit1)),
    ))
    .parse(s)
    .map_err(|_: nom::Err<PErr<'_>>| bad())?;
    // No leading zeros, and nothing number-like straight after (`1.`, `1e`, `1x`).
    let trailing_junk = rest
        .chars()
        .next()
        .is_some_and(|c| is_name_char(c) || c == '.');
    if (int.len() > 1 && int.starts_with('0')) || trailing_junk {
        return Err(bad());
    }
    let number = if frac.is_none() && exp.is_none() {
        match text.strip_prefix('-') {
            None => text.parse::<u64>().ok().map(Number::from),
            Some(_) => text.parse::<i64>().ok().map(Number::from),
        }
    } else {
        None
    };
    let number = match number {
        Some(n) => n,
        // Out-of-range integers, fractions and exponents: as serde_json without
        // `arbitrary_precision`, an `f64`.
        None => text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .ok_or_else(bad)?,
    };
    Ok((rest, number))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(s: &str) -> CompValue {
        let (rest, v) = comp_value(s).unwrap();
        assert_eq!(rest, "", "{s}");
        v
    }

    fn err(s: &str) -> (usize, ParseErrorKind) {
        match comp_value(s) {
            Err(nom::Err::Failure(e) | nom::Err::Error(e)) => (s.len() - e.at.len(), e.kind),
            other => panic!("{s:?} gave {other:?}"),
        }
    }

    #[test]
    fn keywords_any_case() {
        assert_eq!(value("true"), CompValue::Bool(true));
        assert_eq!(value("FALSE"), CompValue::Bool(false));
        assert_eq!(value("Null"), CompValue::Null);
        assert_eq!(err("bjensen").1, ParseErrorKind::Expected(EXPECTED_VALUE));
        assert_eq!(err("truex").1, ParseErrorKind::Expected(EXPECTED_VALUE));
        assert_eq!(err("'bjensen'").1, ParseErrorKind::Expected(EXPECTED_VALUE));
        assert_eq!(err("").1, ParseErrorKind::UnexpectedEnd);
    }

    #[test]
    fn strings_and_escapes() {
        let s = |t: &str| CompValue::String(t.to_owned());
        assert_eq!(value(r#""bjensen""#), s("bjensen"));
        assert_eq!(value(r#""""#), s(""));
        assert_eq!(value(r#""Ünïcødé@例え.jp""#), s("Ünïcødé@例え.jp"));
        assert_eq!(value(r#""\"\\\/\b\f\n\r\t""#), s("\"\\/\u{8}\u{c}\n\r\t"));
        assert_eq!(value(r#""\u00e9\u00C9x""#), s("éÉx"));
        assert_eq!(value(r#""\ud83d\ude00""#), s("😀"));
        assert_eq!(value(r#""é\n""#), s("é\n"));
        let (rest, v) = comp_value(r#""a\"b" and"#).unwrap();
        assert_eq!((rest, v), (" and", s("a\"b")));
    }

    #[test]
    fn bad_strings() {
        assert_eq!(err(r#""abc"#), (4, ParseErrorKind::UnexpectedEnd));
        assert_eq!(err(r#""ab\"#), (4, ParseErrorKind::UnexpectedEnd));
        assert_eq!(err(r#""a\x""#), (2, ParseErrorKind::BadString));
        assert_eq!(err(r#""\u12""#).1, ParseErrorKind::BadString);
        assert_eq!(err(r#""\ud83d""#).1, ParseErrorKind::BadString);
        assert_eq!(err(r#""\ud83dx""#).1, ParseErrorKind::BadString);
        assert_eq!(err(r#""\ud83d\u0041""#).1, ParseErrorKind::BadString);
        assert_eq!(err(r#""\ude00""#).1, ParseErrorKind::BadString);
        assert_eq!(err("\"a\u{1}\"").1, ParseErrorKind::BadString);
        assert_eq!(err("\"tab\there\"").1, ParseErrorKind::BadString);
    }

    #[test]
    fn numbers() {
        let n = |t: &str| match value(t) {
            CompValue::Number(n) => n,
            other => panic!("{other:?}"),
        };
        assert_eq!(n("0"), Number::from(0u64));
        assert_eq!(n("3"), Number::from(3u64));
        assert_eq!(n("-42"), Number::from(-42i64));
        assert_eq!(n("18446744073709551615"), Number::from(u64::MAX));
        assert_eq!(n("-9223372036854775808"), Number::from(i64::MIN));
        assert_eq!(n("-1.5e3").as_f64(), Some(-1500.0));
        assert_eq!(n("2.5").as_f64(), Some(2.5));
        assert_eq!(n("1E+2").as_f64(), Some(100.0));
        assert_eq!(n("1e-2").as_f64(), Some(0.01));
        assert!(n("123456789012345678901234567890").is_f64());
        for bad in [
            "01", "-", "-a", "1.", "1.e3", "1e", "1e+", "1x", "1e400", "--1", "1.2.3",
        ] {
            assert_eq!(err(bad).1, ParseErrorKind::BadNumber, "{bad}");
        }
        let (rest, _) = comp_value("12)").unwrap();
        assert_eq!(rest, ")");
    }
}
