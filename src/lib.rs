//! lenslint: holds AI/ML infrastructure-as-code to the AWS Well-Architected Machine Learning,
//! Generative AI and Responsible AI lenses.
//!
//! The pipeline runs one way: [`discover`] files → [`parse`] into a span-carrying [`tree`] →
//! [`model`] resources per format (CloudFormation intrinsics are resolved in [`resolve`]) →
//! [`engine`] evaluates the [`rules`] → [`scan`] filters and sorts findings → [`report`].

pub mod discover;
pub mod engine;
pub mod finding;
pub mod lines;
pub mod model;
pub mod parse;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod scan;
pub mod tree;
