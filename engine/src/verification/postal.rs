//! Postal code formats by ISO 3166-1 alpha-2 country, for the `database` verification.
//!
//! A pattern uses `9` for a digit, `A` for a letter, `?` for a letter or digit; other characters
//! stand for themselves. A code is well formed when it matches one of its country's patterns
//! (letters compared case-insensitively). Countries not listed are not checked.

const FORMATS: &[(&str, &[&str])] = &[
    ("AR", &["9999", "A9999AAA"]),
    ("AT", &["9999"]),
    ("AU", &["9999"]),
    ("BE", &["9999"]),
    ("BR", &["99999-999", "99999999"]),
    ("CA", &["A9A 9A9", "A9A9A9"]),
    ("CH", &["9999"]),
    ("CN", &["999999"]),
    ("CZ", &["999 99", "99999"]),
    ("DE", &["99999"]),
    ("DK", &["9999"]),
    ("ES", &["99999"]),
    ("FI", &["99999"]),
    ("FR", &["99999"]),
    (
        "GB",
        &[
            "A9 9AA", "A99 9AA", "AA9 9AA", "AA99 9AA", "A9A 9AA", "AA9A 9AA",
        ],
    ),
    ("GR", &["999 99", "99999"]),
    ("IE", &["A99 ????", "A99????"]),
    ("IN", &["999999", "999 999"]),
    ("IT", &["99999"]),
    ("JP", &["999-9999", "9999999"]),
    ("KR", &["99999"]),
    ("MX", &["99999"]),
    ("NL", &["9999 AA", "9999AA"]),
    ("NO", &["9999"]),
    ("NZ", &["9999"]),
    ("PL", &["99-999"]),
    ("PT", &["9999-999"]),
    ("RU", &["999999"]),
    ("SE", &["999 99", "99999"]),
    ("SG", &["999999"]),
    ("US", &["99999", "99999-9999"]),
    ("ZA", &["9999"]),
];

/// `Some(true/false)` when the country's format is known, `None` otherwise.
pub fn is_well_formed(country: &str, code: &str) -> Option<bool> {
    let (_, patterns) = FORMATS
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(country))?;
    let code = code.trim();
    Some(patterns.iter().any(|pattern| matches(pattern, code)))
}

fn matches(pattern: &str, code: &str) -> bool {
    pattern.len() == code.len()
        && pattern.bytes().zip(code.bytes()).all(|(p, c)| match p {
            b'9' => c.is_ascii_digit(),
            b'A' => c.is_ascii_alphabetic(),
            b'?' => c.is_ascii_alphanumeric(),
            other => other == c,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_countries_accept_their_formats_and_refuse_others() {
        assert_eq!(is_well_formed("US", "94105"), Some(true));
        assert_eq!(is_well_formed("us", "94105-1234"), Some(true));
        assert_eq!(is_well_formed("US", "9410"), Some(false));
        assert_eq!(is_well_formed("GB", "SW1A 1AA"), Some(true));
        assert_eq!(is_well_formed("NL", "1012 ab"), Some(true));
        assert_eq!(is_well_formed("DE", "1011"), Some(false));
    }

    #[test]
    fn an_unlisted_country_is_not_checked() {
        assert_eq!(is_well_formed("LU", "anything"), None);
    }
}
