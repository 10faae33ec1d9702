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
        "AWS::SageMaker::EndpointConfig" | "aws_sagemaker_endpoint_configuration" => {
            pick(&["EndpointConfigName", "name"], "name")
        }
        "AWS::SageMaker::Model" | "aws_sagemaker_model" => pick(&["ModelName", "name"], "name"),
        "AWS::SageMaker::DataQualityJobDefinition"
        | "AWS::SageMaker::ModelQualityJobDefinition"
        | "AWS::SageMaker::ModelBiasJobDefinition"
        | "AWS::SageMaker::ModelExplainabilityJobDefinition"
        | "aws_sagemaker_data_quality_job_definition" => {
            pick(&["JobDefinitionName", "name"], "name")
        }
        "AWS::Bedrock::Guardrail" | "aws_bedrock_guardrail" => pick(&["Name", "name"], "name"),
        "AWS::SageMaker::NotebookInstanceLifecycleConfig"
        | "aws_sagemaker_notebook_instance_lifecycle_configuration" => {
            pick(&["NotebookInstanceLifecycleConfigName", "name"], "name")
        }
        "awscc_sagemaker_endpoint" => pick(&["endpoint_name"], "endpoint"),
        "awscc_sagemaker_endpoint_config" => pick(&["endpoint_config_name"], "name"),
        "awscc_sagemaker_model" => pick(&["model_name"], "name"),
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
        // A bare name where a rule expects a reference (`bucket = "my-data"` in a Terraform
        // companion) names the resource of that name.
        if let Kind::Str(name) = &node.kind {
            for kind in ["s3", "role", "logs", "alias", "endpoint", "name"] {
                if let Some(i) = self.by_name.get(&format!("{kind}:{name}")) {
                    out.push(*i);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// ML scope, computed once per unit:
    /// 1. ML/GenAI resources, and everything they refer to (following chains of ML resources:
    ///    endpoint → endpoint config → model → role);
    /// 2. through a few pass-through types only: a KMS alias to its key, a role or Lambda
    ///    function to its policies, keys and role (not to the buckets a policy names);
    /// 3. companions of anything in scope: resources whose job is to configure another one
    ///    (a bucket policy, an IAM policy attached to a role, a Terraform
    ///    `aws_s3_bucket_versioning`, a log group named after an endpoint), and the policy
    ///    documents those companions use.
    fn compute_scope(&mut self, unit: &Unit) {
        let n = unit.resources.len();
        let ty = |i: usize| unit.resources[i].rtype.as_str();
        let mut stack: Vec<usize> = (0..n).filter(|i| is_ml_type(ty(*i))).collect();
        for i in &stack {
            self.ml_scope[*i] = true;
        }
        while let Some(i) = stack.pop() {
            let from_ml = is_ml_type(ty(i));
            for &t in &self.out[i] {
                if self.ml_scope[t] {
                    continue;
                }
                if from_ml || follows_through(ty(i), ty(t)) {
                    self.ml_scope[t] = true;
                    if is_ml_type(ty(t)) || is_pass_through(ty(t)) {
                        stack.push(t);
                    }
                }
            }
        }
        let companions: Vec<usize> = (0..n)
            .filter(|c| !self.ml_scope[*c] && is_companion(ty(*c)))
            .filter(|c| self.out[*c].iter().any(|t| self.ml_scope[*t]))
            .collect();
        for c in companions {
            self.ml_scope[c] = true;
            for t in self.out[c].clone() {
                if is_policy_document(ty(t)) {
                    self.ml_scope[t] = true;
                }
            }
        }
    }
}

/// Supporting types whose own references stay in scope (see `follows_through`).
fn is_pass_through(t: &str) -> bool {
    matches!(
        t,
        "AWS::KMS::Alias"
            | "aws_kms_alias"
            | "AWS::IAM::Role"
            | "aws_iam_role"
            | "AWS::Lambda::Function"
            | "aws_lambda_function"
    )
}

/// Which references of a pass-through resource keep the target in scope: keys, roles and
/// policies, not the data stores a policy happens to name.
fn follows_through(from: &str, to: &str) -> bool {
    is_pass_through(from)
        && (is_policy_document(to)
            || matches!(
                to,
                "AWS::KMS::Key"
                    | "aws_kms_key"
                    | "AWS::IAM::Role"
                    | "aws_iam_role"
                    | "AWS::Logs::LogGroup"
                    | "aws_cloudwatch_log_group"
            ))
}

fn is_policy_document(t: &str) -> bool {
    matches!(
        t,
        "AWS::IAM::ManagedPolicy" | "aws_iam_policy" | "data.aws_iam_policy_document"
    )
}

/// Resources that exist to configure another resource.
fn is_companion(t: &str) -> bool {
    matches!(
        t,
        "AWS::S3::BucketPolicy"
            | "AWS::IAM::Policy"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::IAM::RolePolicy"
            | "AWS::EC2::SecurityGroupIngress"
            | "AWS::KMS::Alias"
            | "AWS::Logs::LogGroup"
            | "AWS::ApplicationAutoScaling::ScalableTarget"
            | "AWS::ApplicationAutoScaling::ScalingPolicy"
            | "aws_s3_bucket_server_side_encryption_configuration"
            | "aws_s3_bucket_public_access_block"
            | "aws_s3_bucket_versioning"
            | "aws_s3_bucket_lifecycle_configuration"
            | "aws_s3_bucket_policy"
            | "aws_s3_bucket_logging"
            | "aws_iam_role_policy"
            | "aws_iam_role_policy_attachment"
            | "aws_iam_policy_attachment"
            | "aws_vpc_security_group_ingress_rule"
            | "aws_security_group_rule"
            | "aws_kms_alias"
            | "aws_kms_key_policy"
            | "aws_cloudwatch_log_group"
            | "aws_cloudwatch_log_data_protection_policy"
            | "aws_appautoscaling_target"
            | "aws_appautoscaling_policy"
            | "aws_ecr_repository_policy"
    )
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
