//! `xsd:dateTime` values (RFC 7643 §2.3.5), parsed to instants so they compare correctly
//! across time zone offsets.

use std::cmp::Ordering;
use std::fmt;

/// An instant parsed from an `xsd:dateTime` string such as `2011-05-13T04:42:34Z` or
/// `2011-05-13T06:42:34.5+02:00`.
///
/// RFC 7643 §2.3.5 requires both a date and a time; the zone offset is optional in
/// `xsd:dateTime` and a value without one is read as UTC. Fractional seconds are kept to the
/// nanosecond. Ordering and equality compare the instants, so `04:42:34Z` equals
/// `06:42:34+02:00`.
///
/// ```
/// use scim_core::DateTime;
/// let a = DateTime::parse("2011-05-13T04:42:34Z").unwrap();
/// let b = DateTime::parse("2011-05-13T06:42:34+02:00").unwrap();
/// assert_eq!(a, b);
/// assert!(DateTime::parse("2011-05-13").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    seconds: i64,
    nanos: u32,
}

impl DateTime {
    /// Parses an `xsd:dateTime`; `None` when the text is not one.
    pub fn parse(s: &str) -> Option<DateTime> {
        let b = s.as_bytes();
        let mut i = 0;
        let neg = b.first() == Some(&b'-');
        if neg {
            i += 1;
        }
        let year_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let year_len = i - year_start;
        if !(4..=9).contains(&year_len) {
            return None;
        }
        let mut year: i64 = digits(b, year_start, year_len)?;
        if neg {
            year = -year;
        }
        expect(b, i, b'-')?;
        let month = digits(b, i + 1, 2)?;
        expect(b, i + 3, b'-')?;
        let day = digits(b, i + 4, 2)?;
        if !matches!(b.get(i + 6), Some(b'T' | b't')) {
            return None;
        }
        let hour = digits(b, i + 7, 2)?;
        expect(b, i + 9, b':')?;
        let minute = digits(b, i + 10, 2)?;
        expect(b, i + 12, b':')?;
        let second = digits(b, i + 13, 2)?;
        i += 15;
        let mut nanos: u32 = 0;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            let mut scale = 100_000_000u32;
            while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
                nanos += u32::from(d - b'0') * scale;
                scale /= 10;
                i += 1;
            }
            if i == start {
                return None;
            }
        }
        let offset_minutes: i64 = match b.get(i) {
            None => 0,
            Some(b'Z' | b'z') => {
                i += 1;
                0
            }
            Some(&sign @ (b'+' | b'-')) => {
                let oh: i64 = digits(b, i + 1, 2)?;
                expect(b, i + 3, b':')?;
                let om: i64 = digits(b, i + 4, 2)?;
                if oh > 14 || om > 59 {
                    return None;
                }
                i += 6;
                let m = oh * 60 + om;
                if sign == b'-' { -m } else { m }
            }
            Some(_) => return None,
        };
        if i != b.len() {
            return None;
        }
        let valid_time = (hour < 24 && minute < 60 && second < 60)
            || (hour == 24 && minute == 0 && second == 0 && nanos == 0);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || !valid_time
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
        Some(DateTime { seconds, nanos })
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(&self) -> i64 {
        self.seconds
    }

    /// The fraction of the second, in nanoseconds.
    pub fn nanos(&self) -> u32 {
        self.nanos
    }

    /// The instant `unix_seconds` seconds after the epoch, at nanosecond `nanos` (clamped).
    pub fn from_unix(unix_seconds: i64, nanos: u32) -> DateTime {
        DateTime {
            seconds: unix_seconds,
            nanos: nanos.min(999_999_999),
        }
    }
}

impl PartialOrd for DateTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DateTime {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.seconds, self.nanos).cmp(&(other.seconds, other.nanos))
    }
}

impl fmt::Display for DateTime {
    /// Prints the canonical UTC form, `YYYY-MM-DDThh:mm:ss[.fff]Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.seconds.div_euclid(86_400);
        let secs = self.seconds.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )?;
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

fn digits(b: &[u8], at: usize, len: usize) -> Option<i64> {
    let slice = b.get(at..at + len)?;
    let mut n: i64 = 0;
    for c in slice {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(c - b'0');
    }
    Some(n)
}

fn expect(b: &[u8], at: usize, c: u8) -> Option<()> {
    (b.get(at) == Some(&c)).then_some(())
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc_examples_and_offsets() {
        let a = DateTime::parse("2008-01-23T04:56:22Z").unwrap();
        assert_eq!(a.unix_seconds(), 1_201_064_182);
        assert_eq!(a.to_string(), "2008-01-23T04:56:22Z");
        let b = DateTime::parse("2008-01-23T05:56:22+01:00").unwrap();
        assert_eq!(a, b);
        let c = DateTime::parse("2008-01-23T04:56:22.250Z").unwrap();
        assert!(c > a);
        assert_eq!(c.nanos(), 250_000_000);
        assert_eq!(c.to_string(), "2008-01-23T04:56:22.25Z");
        assert_eq!(DateTime::parse("2008-01-23T04:56:22").unwrap(), a);
        assert!(
            DateTime::parse("1969-12-31T23:59:59Z")
                .unwrap()
                .unix_seconds()
                == -1
        );
    }

    #[test]
    fn rejects_malformed_values() {
        for s in [
            "",
            "2008-01-23",
            "2008-1-23T04:56:22Z",
            "2008-01-23 04:56:22Z",
            "2008-13-01T00:00:00Z",
            "2007-02-29T00:00:00Z",
            "2008-01-23T25:00:00Z",
            "2008-01-23T04:56:22.Z",
            "2008-01-23T04:56:22+1:00",
            "2008-01-23T04:56:22Zjunk",
            "yesterday",
            "2008-01-23T04:56:22€",
        ] {
            assert!(DateTime::parse(s).is_none(), "{s}");
        }
        assert!(DateTime::parse("2008-02-29T00:00:00Z").is_some());
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 11_016, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
