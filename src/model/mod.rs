//! Resources as rules see them, whatever the input format.
//!
//! A `Unit` is what references resolve within: one CloudFormation template (or CDK stack
//! template) or one Terraform module (all `.tf` files of a directory). It owns its source
//! files, its resources with their resolved properties, and the problems met while reading
//! it. Rules never see raw documents, only `Resource`s.

pub mod cdk;
pub mod cfn;
pub mod json_text;
pub mod plan;
pub mod terraform;

use crate::lines::{LineCol, LineIndex};
use crate::tree::{Node, ParseError, RefTarget, Span};
use std::path::PathBuf;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    CloudFormation,
    Terraform,
    TerraformPlan,
}

impl Format {
    /// The name rule files use for this format's section.
    pub fn rule_section(self) -> &'static str {
        match self {
            Format::CloudFormation => "cloudformation",
            Format::Terraform | Format::TerraformPlan => "terraform",
        }
    }
}

/// One source file of a unit: the path as the user gave it, and its text.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    lines: OnceLock<LineIndex>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> SourceFile {
        SourceFile {
            path,
            text,
            lines: OnceLock::new(),
        }
    }

    /// Line and column of a byte offset; the line index is built on first use.
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.lines
            .get_or_init(|| LineIndex::new(&self.text))
            .line_col(&self.text, offset)
    }

    pub fn line_index(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    pub fn display_path(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }
}

#[derive(Clone, Debug)]
pub struct Resource {
    /// CloudFormation logical id or Terraform address (`aws_s3_bucket.data`,
    /// `data.aws_iam_policy_document.p`, `module.ml.aws_kms_key.k`).
    pub id: String,
    /// `AWS::SageMaker::NotebookInstance`, `aws_sagemaker_notebook_instance`,
    /// or `data.aws_iam_policy_document` for Terraform data sources.
    pub rtype: String,
    /// Index into `Unit::files`.
    pub file: usize,
    /// Where a finding about a missing property points: the logical-id key (CloudFormation)
    /// or the `resource "type" "name"` header (Terraform).
    pub header: Span,
    /// Resolved properties: a `Map` (empty when the resource has none).
    pub properties: Node,
    /// CloudFormation `Metadata` (unresolved), used for suppressions and the CDK path.
    pub metadata: Option<Node>,
    /// CDK construct path from `aws:cdk:path` metadata.
    pub cdk_path: Option<String>,
    /// Other resources this one refers to, filled in by the resolve stage (sorted, unique).
    pub refs: Vec<RefTarget>,
    /// When the properties depend on choices the template leaves open (a condition it does
    /// not decide, a parameter with `AllowedValues` but no default), the properties under each
    /// combination of choices. A rule fails only if it fails in every one of them.
    pub worlds: Vec<World>,
}

/// The properties of a resource under one combination of open choices.
#[derive(Clone, Debug)]
pub struct World {
    /// The choices, e.g. `condition IsProd is false`, `parameter Access is "Enabled"`.
    pub assumptions: Vec<String>,
    pub properties: Node,
}

impl Resource {
    pub fn new(id: String, rtype: String, file: usize, header: Span, properties: Node) -> Resource {
        Resource {
            id,
            rtype,
            file,
            header,
            properties,
            metadata: None,
            cdk_path: None,
            refs: Vec::new(),
            worlds: Vec::new(),
        }
    }
}

/// A problem reading one file of a unit.
#[derive(Clone, Debug)]
pub struct UnitError {
    pub file: usize,
    pub error: ParseError,
}

#[derive(Debug)]
pub struct Unit {
    pub format: Format,
    pub files: Vec<SourceFile>,
    pub resources: Vec<Resource>,
    pub errors: Vec<UnitError>,
}

impl Unit {
    pub fn new(format: Format) -> Unit {
        Unit {
            format,
            files: Vec::new(),
            resources: Vec::new(),
            errors: Vec::new(),
        }
    }

    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.id == id)
    }
}
