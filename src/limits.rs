//! What the SIEMs refuse, shared by the compiler (which must not emit it) and the linter (which reports
//! it in hand-written queries).

/// Sentinel refuses a scheduled analytic rule whose query is longer than this, in characters.
pub const SENTINEL_QUERY_CHARS: usize = 10_000;
