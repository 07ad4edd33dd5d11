//! Field paths: segments of `[a-z0-9_-]+` joined by `.` (`name.first` lives in the hash `name`).

use std::fmt;

/// A parsed field path. Past `parse`, a path is always well formed.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FieldPath(String);

/// Why a string is not a field path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a field key: use segments of lowercase letters, digits, `_` or `-` joined by `.`"
)]
pub struct InvalidFieldPath {
    pub text: String,
}

impl FieldPath {
    /// Longest accepted path, in bytes.
    pub const MAX_LEN: usize = 200;

    pub fn parse(text: &str) -> Result<Self, InvalidFieldPath> {
        let valid_segment = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        };
        if text.len() <= Self::MAX_LEN && text.split('.').all(valid_segment) {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidFieldPath {
                text: text.to_owned(),
            })
        }
    }

    /// The path of `segment` inside `parent` (or at the top when `parent` is `None`).
    pub fn child(parent: Option<&FieldPath>, segment: &str) -> Result<Self, InvalidFieldPath> {
        match parent {
            Some(parent) => Self::parse(&format!("{}.{segment}", parent.0)),
            None => Self::parse(segment),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('.')
    }

    /// True when `self` is a strict ancestor of `other` (`name` of `name.first`).
    pub fn is_ancestor_of(&self, other: &FieldPath) -> bool {
        other.0.len() > self.0.len()
            && other.0.starts_with(&self.0)
            && other.0.as_bytes()[self.0.len()] == b'.'
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldPath({})", self.0)
    }
}

impl TryFrom<String> for FieldPath {
    type Error = InvalidFieldPath;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<FieldPath> for String {
    fn from(path: FieldPath) -> String {
        path.0
    }
}

#[cfg(any(test, feature = "proptest"))]
pub mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Any well-formed path of one to four segments.
    pub fn any_path() -> impl Strategy<Value = FieldPath> {
        prop::collection::vec("[a-z0-9_-]{1,12}", 1..=4).prop_map(|segments| {
            FieldPath::parse(&segments.join(".")).expect("generated paths are valid")
        })
    }

    #[test]
    fn dotted_paths_parse_into_segments() {
        let path = FieldPath::parse("address.street-1").expect("a valid path");

        assert_eq!(path.segments().collect::<Vec<_>>(), ["address", "street-1"]);
    }

    #[test]
    fn malformed_paths_are_refused() {
        for text in [
            "",
            "Name",
            "name..first",
            ".name",
            "name.",
            "na me",
            "name/first",
            "námé",
        ] {
            assert!(
                FieldPath::parse(text).is_err(),
                "`{text}` should not be a valid field path"
            );
        }
    }

    #[test]
    fn ancestry_is_by_whole_segments() {
        let name = FieldPath::parse("name").unwrap();

        assert!(name.is_ancestor_of(&FieldPath::parse("name.first").unwrap()));
        assert!(!name.is_ancestor_of(&FieldPath::parse("names.first").unwrap()));
        assert!(!name.is_ancestor_of(&name));
    }

    proptest! {
        #[test]
        fn a_path_prints_as_it_parses(path in any_path()) {
            let printed = path.to_string();
            prop_assert_eq!(FieldPath::parse(&printed), Ok(path));
        }

        #[test]
        fn a_path_joined_from_its_segments_is_itself(path in any_path()) {
            let mut rebuilt: Option<FieldPath> = None;
            for segment in path.segments() {
                rebuilt = Some(FieldPath::child(rebuilt.as_ref(), segment).unwrap());
            }
            prop_assert_eq!(rebuilt, Some(path));
        }
    }
}
