//! tokenward compiles session-replay identity detections into Microsoft Sentinel KQL and Splunk SPL.
//!
//! ```text
//!  rule.yaml ──model::parse_yaml──▶ RawDetection (spans kept)
//!            ──check::check_file──▶ ir::Detection   (expressions parsed by expr, typed against catalogue,
//!                                                    lists resolved by lists)
//!            ──backend::compile───▶ query text       (profile data + backend escaping + templates)
//!            ──build::write───────▶ dist/<target>/<id>.<ext>, written atomically
//! ```
//!
//! One public function per arrow: [`model::parse_yaml`], [`check::check_file`], [`backend::compile`],
//! [`build::write`]. Target differences live only in `templates/`, `profiles/` and `src/backend/`.

pub mod backend;
pub mod catalogue;
pub mod check;
pub mod diag;
pub mod duration;
pub mod eval;
pub mod events;
pub mod expr;
pub mod fieldcheck;
pub mod gate;
pub mod ir;
pub mod limits;
pub mod lint;
pub mod lists;
pub mod model;
pub mod outdir;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod report;
pub mod syntax;
pub mod target;
pub mod testing;
