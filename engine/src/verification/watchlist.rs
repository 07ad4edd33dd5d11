//! The watchlist report: fuzzy full-name matching (Jaro-Winkler on normalised names) against a
//! CSV list of `name,birthdate?`.

use chrono::NaiveDate;
use serde::Serialize;

use crate::fields::parse_date;

/// The fictional list shipped with Tessera, used when no `--watchlist` file is given.
const DEFAULT_LIST: &str = include_str!("../../data/watchlist.csv");

/// Similarity at or above which a name is a hit (CONTRACT.md §4).
pub const MATCH_THRESHOLD: f64 = 0.92;

#[derive(Clone, Debug, PartialEq)]
struct Entry {
    name: String,
    normalised: String,
    birthdate: Option<NaiveDate>,
}

/// A loaded watchlist.
#[derive(Clone, Debug, PartialEq)]
pub struct Watchlist {
    entries: Vec<Entry>,
}

/// One list entry the name matched.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WatchlistMatch {
    pub name: String,
    pub score: f64,
}

/// Why a watchlist file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum WatchlistError {
    #[error("line {line}: {reason}")]
    Row { line: u64, reason: String },
    #[error("{0}")]
    Csv(#[from] csv::Error),
}

impl Default for Watchlist {
    fn default() -> Self {
        Self::from_csv(DEFAULT_LIST).expect("the bundled watchlist is valid")
    }
}

impl Watchlist {
    /// Parses CSV with a header row `name,birthdate` (birthdate optional, `YYYY-MM-DD`).
    pub fn from_csv(text: &str) -> Result<Self, WatchlistError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut entries = Vec::new();
        for record in reader.records() {
            let record = record?;
            let line = record.position().map_or(0, |p| p.line());
            let name = record.get(0).unwrap_or_default().to_owned();
            if name.is_empty() {
                return Err(WatchlistError::Row {
                    line,
                    reason: "the name is empty".into(),
                });
            }
            let birthdate = match record.get(1).filter(|b| !b.is_empty()) {
                None => None,
                Some(text) => Some(parse_date(text).ok_or_else(|| WatchlistError::Row {
                    line,
                    reason: format!("`{text}` is not a date in the form YYYY-MM-DD"),
                })?),
            };
            entries.push(Entry {
                normalised: normalise(&name),
                name,
                birthdate,
            });
        }
        Ok(Self { entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries whose name scores at least [`MATCH_THRESHOLD`] against `full_name`. An entry with a
    /// birthdate does not match a person whose known birthdate differs.
    pub fn screen(&self, full_name: &str, birthdate: Option<NaiveDate>) -> Vec<WatchlistMatch> {
        let name = normalise(full_name);
        self.entries
            .iter()
            .filter(|e| !matches!((e.birthdate, birthdate), (Some(listed), Some(known)) if listed != known))
            .map(|e| WatchlistMatch { name: e.name.clone(), score: strsim::jaro_winkler(&name, &e.normalised) })
            .filter(|m| m.score >= MATCH_THRESHOLD)
            .collect()
    }
}

/// Lowercase ASCII letters and digits, accents folded, words separated by one space.
fn normalise(name: &str) -> String {
    deunicode::deunicode(name)
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_or_slightly_misspelt_listed_name_is_a_hit() {
        let list = Watchlist::default();

        assert_eq!(list.screen("Viktor Malvado", None).len(), 1);
        assert_eq!(
            list.screen("VIKTOR  MALVADÖ", None).len(),
            1,
            "case, spacing and accents are normalised"
        );
        assert_eq!(
            list.screen("Viktor Malvada", None).len(),
            1,
            "one letter off still matches"
        );
    }

    #[test]
    fn a_different_name_is_clear() {
        assert!(Watchlist::default().screen("Ada Lovelace", None).is_empty());
    }

    #[test]
    fn a_listed_birthdate_that_differs_rules_the_entry_out() {
        let list = Watchlist::from_csv("name,birthdate\nJane Roe,1970-01-01\n").unwrap();

        assert!(
            list.screen("Jane Roe", NaiveDate::from_ymd_opt(1990, 5, 5))
                .is_empty()
        );
        assert_eq!(
            list.screen("Jane Roe", NaiveDate::from_ymd_opt(1970, 1, 1))
                .len(),
            1
        );
    }

    #[test]
    fn a_bad_birthdate_in_the_file_is_reported_with_its_line() {
        let err =
            Watchlist::from_csv("name,birthdate\nJane Roe,yesterday\n").expect_err("bad date");

        assert!(err.to_string().starts_with("line 2"), "{err}");
    }
}
