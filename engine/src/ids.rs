//! Prefixed identifiers (`inq_…`, `cnst_…`) and random secrets: the domain's own, with the
//! engine's features of `domain` turning on generation (`random`) and storage (`sqlx`).

pub use domain::ids::*;
