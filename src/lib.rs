//! tokenward compiles session-replay identity detections into Microsoft Sentinel KQL and Splunk SPL.
//!
//! ```text
//!  rule.yaml ──model::parse_yaml───▶ RawDetection   (spans kept)
//!            ──check::check_all────▶ ir::Detection  (conditions parsed by expr, typed against the
//!                                                    catalogue, lists resolved)
//!            ──plan::lower─────────▶ plan::Plan     (target-neutral: filters, pairing, signals, outputs)
//!            ──Backend::render─────▶ query text     (one backend per target: dialect + profile + templates)
//!            ──pipeline::compile───▶ every artifact (companions, deployment objects, self-lint)
//!            ──outdir::write───────▶ dist/, atomically
//!  plan::Plan ──eval::evaluate─────▶ alerts         (`tokenward test` runs what is compiled)
//! ```
//!
//! [`pipeline`] drives the arrows. Target differences live only in `templates/`, `profiles/` and
//! `src/backend/` ([`target::Target::backend`] is the one place a target becomes code).

// Diagnostics carry their labels and notes by value: they are the cold path, and boxing every
// `Result<_, Diagnostic>` would cost readability for no measurable gain.
#![allow(clippy::result_large_err)]

pub mod backend;
pub mod catalogue;
pub mod check;
pub mod codes;
pub mod diag;
pub mod duration;
pub mod eval;
pub mod events;
pub mod explain;
pub mod expr;
pub mod fieldcheck;
pub mod gate;
pub mod health;
pub mod ir;
pub mod limits;
pub mod lint;
pub mod lists;
pub mod lsp;
pub mod model;
pub mod navigator;
pub mod outdir;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod report;
pub mod scaffold;
pub mod schema;
pub mod syntax;
pub mod synth;
pub mod target;
pub mod testing;
pub mod walk;
