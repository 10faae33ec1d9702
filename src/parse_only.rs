//! The parse-only floor a scan is measured against: the same discovery and the same reads and
//! parsers as `scan` (YAML/JSON through [`crate::scan::parse_document`], HCL through
//! `hcl-edit` after the nesting guard), in parallel over the same jobs, with no model, rules
//! or report. `lenslint dev parse DIR` runs it; the README's Performance section compares a
//! whole scan's throughput with this one on the same files.

use crate::discover::{discover, Job};
use rayon::prelude::*;
use std::path::PathBuf;

/// What a parse-only pass read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParseStats {
    pub files: usize,
    pub bytes: u64,
    /// Files that did not read or parse.
    pub failed: usize,
}

impl std::ops::Add for ParseStats {
    type Output = ParseStats;
    fn add(self, o: ParseStats) -> ParseStats {
        ParseStats {
            files: self.files + o.files,
            bytes: self.bytes + o.bytes,
            failed: self.failed + o.failed,
        }
    }
}

/// Parses one HCL file as the Terraform loader does (nesting guard, then `hcl-edit`).
pub fn parse_hcl(text: &str) -> bool {
    crate::parse::hcl::check_depth(text).is_ok()
        && text
            .trim_start_matches('\u{feff}')
            .parse::<hcl_edit::structure::Body>()
            .is_ok()
}

fn one(path: &std::path::Path, hcl: bool) -> ParseStats {
    match crate::scan::read_text(path) {
        Ok(text) => {
            let ok = if hcl {
                parse_hcl(&text)
            } else {
                crate::scan::parse_document(&text).is_ok()
            };
            ParseStats {
                files: 1,
                bytes: text.len() as u64,
                failed: usize::from(!ok),
            }
        }
        Err(_) => ParseStats {
            files: 1,
            bytes: 0,
            failed: 1,
        },
    }
}

/// Discovers `paths` and parses every file a scan would read, once.
pub fn parse_tree(paths: &[PathBuf]) -> ParseStats {
    let jobs = discover(paths).jobs;
    jobs.par_iter()
        .map(|job| match job {
            Job::Document { path, .. } => one(path, false),
            Job::Module { tf, tfvars, .. } => tf
                .iter()
                .map(|p| one(p, !p.to_string_lossy().ends_with(".json")))
                .chain(tfvars.iter().map(|p| one(p, true)))
                .fold(ParseStats::default(), |a, b| a + b),
        })
        .reduce(ParseStats::default, |a, b| a + b)
}
