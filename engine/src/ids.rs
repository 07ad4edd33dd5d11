//! Prefixed identifiers (`inq_…`, `cnst_…`) and random secrets: the domain's, generated here from
//! the operating system's random source.

pub use domain::ids::*;
