//! Newest-first seek paging: `page[size]` 1..100 (default 10) and `page[after]=<id>`.

use crate::error::Problem;

pub const DEFAULT_PAGE_SIZE: u32 = 10;
pub const MAX_PAGE_SIZE: u32 = 100;

/// Which page of a list to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub size: u32,
    /// The id of the last item of the previous page.
    pub after: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            size: DEFAULT_PAGE_SIZE,
            after: None,
        }
    }
}

impl PageRequest {
    /// Reads `page[size]` and `page[after]` as given in a query string.
    pub fn parse(size: Option<&str>, after: Option<&str>) -> Result<Self, Problem> {
        let size = match size {
            None => DEFAULT_PAGE_SIZE,
            Some(text) => text
                .parse()
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or_else(|| Problem {
                    kind: crate::ProblemKind::Invalid,
                    code: "invalid-page-size",
                    detail: format!("page[size] is a whole number from 1 to {MAX_PAGE_SIZE}"),
                    pointer: None,
                })?,
        };
        Ok(Self {
            size,
            after: after.filter(|a| !a.is_empty()).map(str::to_owned),
        })
    }

    /// The SQL `LIMIT`: one more than the page, to know whether another page follows.
    pub fn limit(&self) -> i64 {
        i64::from(self.size) + 1
    }
}

/// One page of a list, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The `page[after]` value of the next page, when there is one.
    pub next_after: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit()` rows, using `id` to name the cursor.
    pub fn from_rows(mut rows: Vec<T>, request: &PageRequest, id: impl Fn(&T) -> String) -> Self {
        let more = rows.len() > request.size as usize;
        rows.truncate(request.size as usize);
        let next_after = if more { rows.last().map(&id) } else { None };
        Self {
            items: rows,
            next_after,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_after: self.next_after,
        }
    }
}

/// A list statement built for the filters a request gives. Each combination gets plain
/// conditions that an index serves in the list's order (`status = $3`, never the catch-all
/// `$3 IS NULL OR status = $3`, which planners cannot use), its parameters numbered as they are
/// added. Filters that need several index ranges (an expired token is stored `expired`, or
/// `created` past its expiry) are several reads, each newest first and limited, merged.
#[derive(Default)]
pub(crate) struct ListStatement {
    params: Vec<ListParam>,
}

enum ListParam {
    Text(String),
    Int(i64),
}

impl ListStatement {
    /// Adds a text parameter; returns its placeholder (`$n`).
    pub(crate) fn text(&mut self, value: impl Into<String>) -> String {
        self.params.push(ListParam::Text(value.into()));
        format!("${}", self.params.len())
    }

    /// Adds an integer parameter; returns its placeholder.
    pub(crate) fn int(&mut self, value: i64) -> String {
        self.params.push(ListParam::Int(value));
        format!("${}", self.params.len())
    }

    /// Binds the parameters, in the order they were added, to `sql`.
    pub(crate) fn query_as<'q, O>(
        &'q self,
        sql: &'q str,
    ) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        let mut query = sqlx::query_as(sql);
        for param in &self.params {
            query = match param {
                ListParam::Text(text) => query.bind(text.as_str()),
                ListParam::Int(n) => query.bind(*n),
            };
        }
        query
    }
}

/// The statement reading `reads` (each selecting `seq`, newest first, at most `limit`) as one
/// newest-first list of at most `limit` rows.
pub(crate) fn merged_newest_first(reads: Vec<String>, limit: &str) -> String {
    match <[String; 1]>::try_from(reads) {
        Ok([read]) => read,
        Err(reads) => {
            let union = reads
                .iter()
                .enumerate()
                .map(|(n, read)| format!("SELECT * FROM ({read}) AS read{n}"))
                .collect::<Vec<_>>()
                .join(" UNION ALL ");
            format!("{union} ORDER BY seq DESC LIMIT {limit}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_must_be_between_1_and_100() {
        assert_eq!(PageRequest::parse(None, None).unwrap().size, 10);
        assert_eq!(PageRequest::parse(Some("100"), None).unwrap().size, 100);
        for bad in ["0", "101", "ten", "-1"] {
            assert_eq!(
                PageRequest::parse(Some(bad), None).unwrap_err().code,
                "invalid-page-size",
                "page[size]={bad}"
            );
        }
    }

    #[test]
    fn a_full_page_with_more_rows_names_its_last_item_as_the_cursor() {
        let request = PageRequest {
            size: 2,
            after: None,
        };

        let page = Page::from_rows(vec![5, 4, 3], &request, |n| n.to_string());

        assert_eq!(page.items, [5, 4]);
        assert_eq!(page.next_after.as_deref(), Some("4"));
        assert_eq!(
            Page::from_rows(vec![5, 4], &request, |n| n.to_string()).next_after,
            None
        );
    }
}
