//! lenslint: holds AI/ML infrastructure-as-code to the AWS Well-Architected Machine Learning,
//! Generative AI and Responsible AI lenses.
//!
//! The pipeline runs one way: [`discover`] files → [`parse`] into a span-carrying [`tree`] →
//! [`model`] resources per format (CloudFormation intrinsics are resolved in [`resolve`]) →
//! [`engine`] evaluates the [`rules`] → [`scan`] filters and sorts findings → [`report`].

pub mod baseline;
pub mod changes;
pub mod classify;
pub mod config;
pub mod discover;
pub mod docs;
pub mod engine;
pub mod filter;
pub mod finding;
pub mod lines;
pub mod model;
pub mod parse;
pub mod parse_only;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod scan;
pub mod suppress;
pub mod synthetic;
pub mod tree;
pub mod workflow;
