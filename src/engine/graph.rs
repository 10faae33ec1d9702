//! The reference graph of one unit, built once: which resource refers to which (by `Ref`,
//! `Fn::GetAtt`, Terraform traversal, or by name: an `s3://bucket/...` URI or bucket ARN, a
//! role ARN, a KMS alias or a log-group name that matches a resource of the unit), and which
//! resources are in ML scope (ML/GenAI resources, what they use, and the companions of those).

use crate::model::{Resource, Unit};
use crate::tree::{Kind, Node};
use std::collections::HashMap;

/// Resource types of the ML and GenAI services, whose supporting resources are in scope.
pub fn is_ml_type(rtype: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "AWS::SageMaker::",
        "AWS::Bedrock::",
        "AWS::BedrockAgentCore::",
        "aws_sagemaker_",
        "aws_bedrock",
        "awscc_sagemaker_",
        "awscc_bedrock",
    ];
    PREFIXES.iter().any(|p| rtype.starts_with(p))
}

#[derive(Debug, Default)]
pub struct Graph {
    /// Outgoing references per resource (indices into `unit.resources`), sorted and unique.
    pub out: Vec<Vec<usize>>,
    /// Incoming references per resource.
    pub incoming: Vec<Vec<usize>>,
    /// Whether each resource is in ML scope.
    pub ml_scope: Vec<bool>,
    by_id: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
}

/// The names a resource is known by in other resources' strings (`s3:my-bucket`).
fn names_of(r: &Resource) -> Vec<String> {
    let props = &r.properties;
    let known = |k: &str| props.get(k).and_then(Node::as_str).map(str::to_string);
    let pick = |keys: &[&str], prefix: &str| -> Vec<String> {
        keys.iter()
            .filter_map(|k| known(k))
            .map(|n| format!("{prefix}:{n}"))
            .collect()
    };
    match r.rtype.as_str() {
        "AWS::S3::Bucket" | "aws_s3_bucket" => pick(&["BucketName", "bucket"], "s3"),
        "AWS::IAM::Role" | "aws_iam_role" => pick(&["RoleName", "name"], "role"),
        "AWS::KMS::Alias" | "aws_kms_alias" => pick(&["AliasName", "name"], "alias"),
        "AWS::Logs::LogGroup" | "aws_cloudwatch_log_group" => {
            pick(&["LogGroupName", "name"], "logs")
        }
        "AWS::SageMaker::Endpoint" | "aws_sagemaker_endpoint" => {
            pick(&["EndpointName", "name"], "endpoint")
        }
        _ => Vec::new(),
    }
}

/// Names mentioned in a string value: S3 URIs and ARNs, role ARNs, KMS aliases, log groups.
fn names_in(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(rest) = s.strip_prefix("s3://") {
        out.push(format!("s3:{}", rest.split('/').next().unwrap_or(rest)));
    }
    if let Some(i) = s.find(":s3:::") {
        let rest = &s[i + 6..];
        out.push(format!("s3:{}", rest.split('/').next().unwrap_or(rest)));
    }
    if let Some(i) = s.find(":role/") {
        let rest = &s[i + 6..];
        out.push(format!("role:{}", rest.rsplit('/').next().unwrap_or(rest)));
    }
    if let Some(i) = s.find("alias/") {
        out.push(format!("alias:{}", &s[i..]));
    }
    if let Some(rest) = s.strip_prefix("endpoint/") {
        out.push(format!(
            "endpoint:{}",
            rest.split('/').next().unwrap_or(rest)
        ));
    }
    if s.starts_with('/') {
        out.push(format!("logs:{s}"));
    }
    out
}

impl Graph {
    pub fn build(unit: &Unit) -> Graph {
        let n = unit.resources.len();
        let mut g = Graph {
            out: vec![Vec::new(); n],
            incoming: vec![Vec::new(); n],
            ml_scope: vec![false; n],
            by_id: HashMap::with_capacity(n),
            by_name: HashMap::new(),
        };
        for (i, r) in unit.resources.iter().enumerate() {
            g.by_id.insert(r.id.clone(), i);
            for name in names_of(r) {
                g.by_name.entry(name).or_insert(i);
            }
        }
        for (i, r) in unit.resources.iter().enumerate() {
            let mut targets: Vec<usize> = r
                .refs
                .iter()
                .filter_map(|t| g.by_id.get(&t.resource).copied())
                .collect();
            targets.extend(g.targets_by_name(&r.properties));
            targets.retain(|t| *t != i);
            targets.sort_unstable();
            targets.dedup();
            for t in &targets {
                g.incoming[*t].push(i);
            }
            g.out[i] = targets;
        }
        g.compute_scope(unit);
        g
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    fn targets_by_name(&self, node: &Node) -> Vec<usize> {
        if self.by_name.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        node.walk(&mut |n| {
            if let Kind::Str(s) = &n.kind {
                for name in names_in(s) {
                    if let Some(i) = self.by_name.get(&name) {
                        out.push(*i);
                    }
                }
            }
            true
        });
        out
    }

    /// The resources a value refers to: its `Ref`s (also inside templates) and names.
    pub fn targets(&self, node: &Node) -> Vec<usize> {
        let mut out = Vec::new();
        node.walk(&mut |n| {
            if let Kind::Ref(r) = &n.kind {
                if let Some(i) = self.by_id.get(&r.resource) {
                    out.push(*i);
                }
            }
            true
        });
        out.extend(self.targets_by_name(node));
        out.sort_unstable();
        out.dedup();
        out
    }

    /// ML scope: ML/GenAI resources; what they use (up to three hops: endpoint config →
    /// alias → key); and companions that refer to something in scope (a bucket policy, an
    /// IAM policy attached to an in-scope role, a Terraform `aws_s3_bucket_versioning`), with
    /// what those companions use (an `aws_iam_policy_document`).
    fn compute_scope(&mut self, unit: &Unit) {
        let n = unit.resources.len();
        let mut frontier: Vec<usize> = (0..n)
            .filter(|i| is_ml_type(&unit.resources[*i].rtype))
            .collect();
        for i in &frontier {
            self.ml_scope[*i] = true;
        }
        for _ in 0..3 {
            let mut next = Vec::new();
            for i in &frontier {
                for t in &self.out[*i] {
                    if !self.ml_scope[*t] {
                        self.ml_scope[*t] = true;
                        next.push(*t);
                    }
                }
            }
            frontier = next;
        }
        let supporting: Vec<usize> = (0..n)
            .filter(|i| self.ml_scope[*i] && !is_ml_type(&unit.resources[*i].rtype))
            .collect();
        let mut companions = Vec::new();
        for s in supporting {
            for c in &self.incoming[s] {
                if !self.ml_scope[*c] && !is_ml_type(&unit.resources[*c].rtype) {
                    companions.push(*c);
                }
            }
        }
        for c in companions {
            self.ml_scope[c] = true;
            for t in self.out[c].clone() {
                self.ml_scope[t] = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_uris_and_arns() {
        assert_eq!(names_in("s3://data/capture"), vec!["s3:data"]);
        assert_eq!(names_in("arn:aws:s3:::data/*"), vec!["s3:data"]);
        assert_eq!(
            names_in("arn:aws:iam::1:role/svc/ml-role"),
            vec!["role:ml-role"]
        );
        assert!(names_in("plain").is_empty());
    }
}
