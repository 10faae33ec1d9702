//! Reproducible synthetic input for benchmarks: a monorepo tree of N files (CloudFormation YAML
//! and JSON templates, CDK cloud assemblies, Terraform modules and a few non-template YAML/JSON
//! files) with ML/GenAI resources, some compliant and some not, padded with ordinary resources
//! that no rule targets, as real stacks are. The same seed and file count always give the same
//! bytes (a small xorshift generator, no randomness from the system). Also makes the
//! condition-heavy template the engine benchmark uses. Driven by the hidden
//! `lenslint dev generate` command and by the benches in `benches/`.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// xorshift64*: tiny, fast, and stable across platforms and releases.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that nearby seeds give unrelated streams (and 0 works).
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }
    #[allow(clippy::should_implement_trait)] // a PRNG step, not an iterator
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 32) as usize) % n.max(1)
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// How many files of each kind a generated tree holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenSummary {
    pub files: usize,
    pub bytes: u64,
    pub cfn_yaml: usize,
    pub cfn_json: usize,
    /// Files of CDK apps: `cdk.json`, `manifest.json` and the stack templates.
    pub cdk: usize,
    /// `.tf` and `.tfvars` files.
    pub terraform: usize,
    /// YAML/JSON files that are not templates (skipped by the scanner).
    pub other: usize,
}

/// One value of a CloudFormation template, written as YAML (short tags) or JSON (long form).
#[derive(Clone, Debug)]
enum V {
    S(String),
    Raw(String),
    Ref(String),
    GetAtt(String, String),
    Sub(String),
    If(String, Box<V>, Box<V>),
    Fn(&'static str, Vec<V>),
    L(Vec<V>),
    M(Vec<(String, V)>),
}

fn s(x: impl Into<String>) -> V {
    V::S(x.into())
}
fn raw(x: impl Into<String>) -> V {
    V::Raw(x.into())
}
fn m(entries: Vec<(&str, V)>) -> V {
    V::M(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}
fn r(x: &str) -> V {
    V::Ref(x.to_string())
}
fn att(res: &str, a: &str) -> V {
    V::GetAtt(res.to_string(), a.to_string())
}

fn is_flow(v: &V) -> bool {
    !matches!(v, V::M(e) if !e.is_empty()) && !matches!(v, V::L(l) if !l.is_empty())
}

fn yaml_scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:*@".contains(&b))
        && !matches!(
            text,
            "true" | "false" | "null" | "yes" | "no" | "on" | "off"
        )
        && !text.as_bytes()[0].is_ascii_digit()
        && !text.starts_with(['-', ':', '*', '@']);
    if plain {
        text.to_string()
    } else {
        format!("{text:?}")
    }
}

/// Writes `v` as YAML in flow style (for short-tag arguments and leaves).
fn yaml_flow(v: &V, out: &mut String) {
    match v {
        V::S(t) => out.push_str(&yaml_scalar(t)),
        V::Raw(t) => out.push_str(t),
        V::Ref(t) => {
            out.push_str("!Ref ");
            out.push_str(t);
        }
        V::GetAtt(a, b) => {
            let _ = write!(out, "!GetAtt {a}.{b}");
        }
        V::Sub(t) => {
            let _ = write!(out, "!Sub {t:?}");
        }
        V::If(c, a, b) => {
            let _ = write!(out, "!If [{c}, ");
            yaml_flow(a, out);
            out.push_str(", ");
            yaml_flow(b, out);
            out.push(']');
        }
        V::Fn(name, args) => {
            let _ = write!(out, "!{} ", name.trim_start_matches("Fn::"));
            yaml_flow(&V::L(args.clone()), out);
        }
        V::L(items) => {
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                yaml_flow(it, out);
            }
            out.push(']');
        }
        V::M(entries) => {
            out.push_str("{ ");
            for (i, (k, it)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{k}: ");
                yaml_flow(it, out);
            }
            out.push_str(" }");
        }
    }
}

/// Writes the entries of a map in block style at `indent` spaces.
fn yaml_block(entries: &[(String, V)], indent: usize, out: &mut String) {
    for (k, v) in entries {
        pad(indent, out);
        out.push_str(k);
        out.push(':');
        yaml_value(v, indent, out);
    }
}

fn yaml_value(v: &V, indent: usize, out: &mut String) {
    match v {
        V::M(e) if !e.is_empty() => {
            out.push('\n');
            yaml_block(e, indent + 2, out);
        }
        V::L(items) if !items.is_empty() => {
            out.push('\n');
            for it in items {
                pad(indent + 2, out);
                out.push_str("- ");
                match it {
                    V::M(e) if !e.is_empty() => {
                        // First entry on the dash line, the rest aligned under it.
                        let mut first = String::new();
                        yaml_block(&e[..1], indent + 4, &mut first);
                        out.push_str(first.get(indent + 4..).unwrap_or_default());
                        yaml_block(&e[1..], indent + 4, out);
                    }
                    other if is_flow(other) => {
                        yaml_flow(other, out);
                        out.push('\n');
                    }
                    other => {
                        yaml_flow(other, out);
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            out.push(' ');
            yaml_flow(other, out);
            out.push('\n');
        }
    }
}

fn pad(n: usize, out: &mut String) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn json_str(t: &str, out: &mut String) {
    let _ = write!(out, "{}", serde_json::Value::String(t.to_string()));
}

fn json_value(v: &V, indent: usize, out: &mut String) {
    match v {
        V::S(t) => json_str(t, out),
        V::Raw(t) => {
            if t.parse::<f64>().is_ok() || t == "true" || t == "false" {
                out.push_str(t)
            } else {
                json_str(t, out)
            }
        }
        V::Ref(t) => {
            out.push_str("{\"Ref\": ");
            json_str(t, out);
            out.push('}');
        }
        V::GetAtt(a, b) => {
            out.push_str("{\"Fn::GetAtt\": [");
            json_str(a, out);
            out.push_str(", ");
            json_str(b, out);
            out.push_str("]}");
        }
        V::Sub(t) => {
            out.push_str("{\"Fn::Sub\": ");
            json_str(t, out);
            out.push('}');
        }
        V::If(c, a, b) => {
            out.push_str("{\"Fn::If\": [");
            json_str(c, out);
            out.push_str(", ");
            json_value(a, indent, out);
            out.push_str(", ");
            json_value(b, indent, out);
            out.push_str("]}");
        }
        V::Fn(name, args) => {
            let _ = write!(out, "{{\"{name}\": ");
            json_value(&V::L(args.clone()), indent, out);
            out.push('}');
        }
        V::L(items) => {
            if items.iter().all(|i| !matches!(i, V::M(_) | V::L(_))) {
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    json_value(it, indent, out);
                }
                out.push(']');
                return;
            }
            out.push_str("[\n");
            for (i, it) in items.iter().enumerate() {
                pad(indent + 2, out);
                json_value(it, indent + 2, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            pad(indent, out);
            out.push(']');
        }
        V::M(entries) => {
            if entries.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push_str("{\n");
            for (i, (k, it)) in entries.iter().enumerate() {
                pad(indent + 2, out);
                json_str(k, out);
                out.push_str(": ");
                json_value(it, indent + 2, out);
                out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
            }
            pad(indent, out);
            out.push('}');
        }
    }
}

/// A CloudFormation template being built.
struct Cfn {
    description: String,
    parameters: Vec<(String, V)>,
    conditions: Vec<(String, V)>,
    resources: Vec<(String, V)>,
}

impl Cfn {
    fn to_yaml(&self) -> String {
        let mut out = String::with_capacity(8192);
        out.push_str("AWSTemplateFormatVersion: \"2010-09-09\"\n");
        let _ = writeln!(out, "Description: {}", yaml_scalar(&self.description));
        for (name, section) in [
            ("Parameters", &self.parameters),
            ("Conditions", &self.conditions),
            ("Resources", &self.resources),
        ] {
            if section.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{name}:");
            for (id, v) in section {
                let _ = write!(out, "  {id}:");
                yaml_value(v, 2, &mut out);
                if name == "Resources" {
                    out.push('\n');
                }
            }
        }
        out
    }

    fn to_json(&self) -> String {
        let mut doc = vec![
            ("AWSTemplateFormatVersion".to_string(), s("2010-09-09")),
            ("Description".to_string(), s(self.description.clone())),
        ];
        for (name, section) in [
            ("Parameters", &self.parameters),
            ("Conditions", &self.conditions),
            ("Resources", &self.resources),
        ] {
            if !section.is_empty() {
                doc.push((name.to_string(), V::M(section.clone())));
            }
        }
        let mut out = String::with_capacity(12288);
        json_value(&V::M(doc), 0, &mut out);
        out.push('\n');
        out
    }
}

const TEAMS: &[&str] = &[
    "fraud", "search", "recs", "vision", "speech", "ads", "risk", "support", "docs", "pricing",
];
const INSTANCE_TYPES: &[&str] = &[
    "ml.t3.medium",
    "ml.m5.xlarge",
    "ml.c5.2xlarge",
    "ml.g5.xlarge",
    "ml.p4d.24xlarge",
    "ml.inf2.xlarge",
];
const MODELS: &[&str] = &[
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "amazon.titan-text-premier-v1:0",
    "meta.llama3-70b-instruct-v1:0",
];
const FILTERS: &[&str] = &[
    "HATE",
    "INSULTS",
    "SEXUAL",
    "VIOLENCE",
    "MISCONDUCT",
    "PROMPT_ATTACK",
];
const STRENGTHS: &[&str] = &["NONE", "LOW", "MEDIUM", "HIGH"];

/// One CloudFormation stack: a key, a bucket, a role and ordinary padding resources, and, when
/// `ml`, ML/GenAI resources (some compliant, some not; most carry the ownership tags).
fn cfn_stack(rng: &mut Rng, name: &str, cdk_stack: Option<&str>, ml: bool) -> Cfn {
    let mut res: Vec<(String, V)> = Vec::new();
    let mut add = |id: String, ty: &str, props: V, cdk: Option<&str>| {
        let mut entries = vec![("Type", s(ty)), ("Properties", props)];
        if let Some(stack) = cdk {
            entries.push((
                "Metadata",
                m(vec![("aws:cdk:path", s(format!("{stack}/{id}/Resource")))]),
            ));
        }
        res.push((id, m(entries)));
    };
    let key = format!("{name}Key");
    let bucket = format!("{name}Bucket");
    let role = format!("{name}Role");
    add(
        key.clone(),
        "AWS::KMS::Key",
        m(vec![
            ("Description", s(format!("Encrypts {name} data"))),
            (
                "EnableKeyRotation",
                raw(if rng.chance(70) { "true" } else { "false" }),
            ),
        ]),
        cdk_stack,
    );
    let mut bprops = vec![(
        "BucketName",
        V::Sub(format!("{name}-data-${{AWS::AccountId}}")),
    )];
    if rng.chance(60) {
        bprops.push((
            "BucketEncryption",
            m(vec![(
                "ServerSideEncryptionConfiguration",
                V::L(vec![m(vec![(
                    "ServerSideEncryptionByDefault",
                    m(vec![
                        ("SSEAlgorithm", s("aws:kms")),
                        ("KMSMasterKeyID", att(&key, "Arn")),
                    ]),
                )])]),
            )]),
        ));
    }
    if rng.chance(50) {
        bprops.push((
            "VersioningConfiguration",
            m(vec![(
                "Status",
                s(if rng.chance(70) {
                    "Enabled"
                } else {
                    "Suspended"
                }),
            )]),
        ));
    }
    add(bucket.clone(), "AWS::S3::Bucket", m(bprops), cdk_stack);
    let wide = rng.chance(30);
    add(
        role.clone(),
        "AWS::IAM::Role",
        m(vec![
            (
                "AssumeRolePolicyDocument",
                m(vec![
                    ("Version", s("2012-10-17")),
                    (
                        "Statement",
                        V::L(vec![m(vec![
                            ("Effect", s("Allow")),
                            (
                                "Principal",
                                m(vec![("Service", s("sagemaker.amazonaws.com"))]),
                            ),
                            ("Action", s("sts:AssumeRole")),
                        ])]),
                    ),
                ]),
            ),
            (
                "Policies",
                V::L(vec![m(vec![
                    ("PolicyName", s("access")),
                    (
                        "PolicyDocument",
                        m(vec![
                            ("Version", s("2012-10-17")),
                            (
                                "Statement",
                                V::L(vec![m(vec![
                                    ("Effect", s("Allow")),
                                    (
                                        "Action",
                                        if wide {
                                            s("s3:*")
                                        } else {
                                            V::L(vec![s("s3:GetObject"), s("s3:PutObject")])
                                        },
                                    ),
                                    (
                                        "Resource",
                                        if wide {
                                            s("*")
                                        } else {
                                            V::Sub(format!("${{{bucket}.Arn}}/*"))
                                        },
                                    ),
                                ])]),
                            ),
                        ]),
                    ),
                ])]),
            ),
        ]),
        cdk_stack,
    );
    let ml = if ml { 1 + rng.below(3) } else { 0 };
    let tags = |rng: &mut Rng, map: bool| -> Option<V> {
        if !rng.chance(70) {
            return None;
        }
        let pairs = [
            ("owner", name.to_lowercase()),
            ("cost-center", "cc-1234".to_string()),
        ];
        Some(if map {
            V::M(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), s(v.clone())))
                    .collect(),
            )
        } else {
            V::L(
                pairs
                    .iter()
                    .map(|(k, v)| m(vec![("Key", s(*k)), ("Value", s(v.clone()))]))
                    .collect(),
            )
        })
    };
    for i in 0..ml {
        match rng.below(5) {
            0 => {
                let mut p = vec![
                    ("InstanceType", s(rng.pick(INSTANCE_TYPES))),
                    ("RoleArn", att(&role, "Arn")),
                ];
                if rng.chance(50) {
                    p.push(("KmsKeyId", r(&key)));
                }
                if rng.chance(50) {
                    p.push(("DirectInternetAccess", s("Disabled")));
                    p.push(("SubnetId", r("SubnetId")));
                }
                if let Some(t) = tags(rng, false) {
                    p.push(("Tags", t));
                }
                if rng.chance(40) {
                    p.push((
                        "RootAccess",
                        V::If(
                            "IsProd".into(),
                            Box::new(s("Disabled")),
                            Box::new(s("Enabled")),
                        ),
                    ));
                }
                add(
                    format!("{name}Notebook{i}"),
                    "AWS::SageMaker::NotebookInstance",
                    m(p),
                    cdk_stack,
                );
            }
            1 | 2 => {
                let model = format!("{name}Model{i}");
                let config = format!("{name}EndpointConfig{i}");
                let mut mp = vec![
                    ("ExecutionRoleArn", att(&role, "Arn")),
                    (
                        "PrimaryContainer",
                        m(vec![
                            ("Image", r("ModelImage")),
                            (
                                "ModelDataUrl",
                                V::Sub(format!("s3://${{{bucket}}}/model.tar.gz")),
                            ),
                        ]),
                    ),
                ];
                if rng.chance(50) {
                    mp.push(("EnableNetworkIsolation", raw("true")));
                }
                if let Some(t) = tags(rng, false) {
                    mp.push(("Tags", t));
                }
                if rng.chance(40) {
                    mp.push((
                        "VpcConfig",
                        m(vec![
                            ("SecurityGroupIds", V::L(vec![r("SecurityGroupId")])),
                            ("Subnets", V::L(vec![r("SubnetId")])),
                        ]),
                    ));
                }
                add(model.clone(), "AWS::SageMaker::Model", m(mp), cdk_stack);
                let mut cp = vec![(
                    "ProductionVariants",
                    V::L(vec![m(vec![
                        ("VariantName", s("AllTraffic")),
                        ("ModelName", att(&model, "ModelName")),
                        ("InstanceType", s(rng.pick(INSTANCE_TYPES))),
                        (
                            "InitialInstanceCount",
                            raw(if rng.chance(60) { "2" } else { "1" }),
                        ),
                        ("InitialVariantWeight", raw("1")),
                    ])]),
                )];
                if rng.chance(55) {
                    cp.push(("KmsKeyId", att(&key, "Arn")));
                }
                if let Some(t) = tags(rng, false) {
                    cp.push(("Tags", t));
                }
                if rng.chance(50) {
                    cp.push((
                        "DataCaptureConfig",
                        m(vec![
                            ("EnableCapture", raw("true")),
                            ("InitialSamplingPercentage", raw("20")),
                            (
                                "DestinationS3Uri",
                                V::Sub(format!("s3://${{{bucket}}}/capture")),
                            ),
                            (
                                "CaptureOptions",
                                V::L(vec![
                                    m(vec![("CaptureMode", s("Input"))]),
                                    m(vec![("CaptureMode", s("Output"))]),
                                ]),
                            ),
                        ]),
                    ));
                }
                add(
                    config.clone(),
                    "AWS::SageMaker::EndpointConfig",
                    m(cp),
                    cdk_stack,
                );
                let mut ep = vec![("EndpointConfigName", att(&config, "EndpointConfigName"))];
                if let Some(t) = tags(rng, false) {
                    ep.push(("Tags", t));
                }
                add(
                    format!("{name}Endpoint{i}"),
                    "AWS::SageMaker::Endpoint",
                    m(ep),
                    cdk_stack,
                );
            }
            3 => {
                let guardrail = format!("{name}Guardrail{i}");
                let n = 1 + rng.below(FILTERS.len());
                let filters = (0..n)
                    .map(|f| {
                        let st = rng.pick(STRENGTHS);
                        m(vec![
                            ("Type", s(FILTERS[f])),
                            ("InputStrength", s(st)),
                            (
                                "OutputStrength",
                                s(if FILTERS[f] == "PROMPT_ATTACK" {
                                    "NONE"
                                } else {
                                    st
                                }),
                            ),
                        ])
                    })
                    .collect();
                let gtags = tags(rng, false);
                let mut gp = vec![
                    ("Name", s(format!("{name}-guardrail-{i}"))),
                    ("BlockedInputMessaging", s("Sorry, I can't help with that.")),
                    (
                        "BlockedOutputsMessaging",
                        s("Sorry, I can't help with that."),
                    ),
                    (
                        "ContentPolicyConfig",
                        m(vec![("FiltersConfig", V::L(filters))]),
                    ),
                ];
                if let Some(t) = gtags {
                    gp.push(("Tags", t));
                }
                add(
                    guardrail.clone(),
                    "AWS::Bedrock::Guardrail",
                    m(gp),
                    cdk_stack,
                );
                let mut ap = vec![
                    ("AgentName", s(format!("{name}-agent-{i}"))),
                    ("FoundationModel", s(rng.pick(MODELS))),
                    (
                        "Instruction",
                        s("Answer questions about the team's documents and cite each source."),
                    ),
                    ("AgentResourceRoleArn", att(&role, "Arn")),
                ];
                if rng.chance(50) {
                    ap.push((
                        "GuardrailConfiguration",
                        m(vec![
                            ("GuardrailIdentifier", att(&guardrail, "GuardrailId")),
                            ("GuardrailVersion", s("DRAFT")),
                        ]),
                    ));
                }
                if rng.chance(40) {
                    ap.push(("CustomerEncryptionKeyArn", att(&key, "Arn")));
                }
                if let Some(t) = tags(rng, true) {
                    ap.push(("Tags", t));
                }
                add(
                    format!("{name}Agent{i}"),
                    "AWS::Bedrock::Agent",
                    m(ap),
                    cdk_stack,
                );
            }
            _ => {
                let mut lp = vec![("LogGroupName", s(format!("/ml/{name}/{i}")))];
                if rng.chance(60) {
                    lp.push(("RetentionInDays", raw("90")));
                }
                if rng.chance(50) {
                    lp.push(("KmsKeyId", att(&key, "Arn")));
                }
                add(
                    format!("{name}Logs{i}"),
                    "AWS::Logs::LogGroup",
                    m(lp),
                    cdk_stack,
                );
            }
        }
    }
    // Padding: the ordinary resources around an ML workload, which no rule targets.
    for i in 0..rng.below(8) {
        let (ty, props) = match rng.below(4) {
            0 => (
                "AWS::Lambda::Function",
                m(vec![
                    ("Runtime", s("python3.12")),
                    ("Handler", s("app.handler")),
                    ("Role", att(&role, "Arn")),
                    ("Timeout", raw("30")),
                    ("MemorySize", raw("512")),
                    (
                        "Environment",
                        m(vec![(
                            "Variables",
                            m(vec![
                                ("BUCKET", r(&bucket)),
                                ("STAGE", r("Environment")),
                                ("LOG_LEVEL", s("INFO")),
                            ]),
                        )]),
                    ),
                    (
                        "Code",
                        m(vec![
                            ("S3Bucket", r(&bucket)),
                            ("S3Key", s(format!("lambda/{name}-{i}.zip"))),
                        ]),
                    ),
                ]),
            ),
            1 => (
                "AWS::SQS::Queue",
                m(vec![
                    ("VisibilityTimeout", raw("120")),
                    ("MessageRetentionPeriod", raw("345600")),
                    ("KmsMasterKeyId", r(&key)),
                ]),
            ),
            2 => (
                "AWS::DynamoDB::Table",
                m(vec![
                    ("BillingMode", s("PAY_PER_REQUEST")),
                    (
                        "AttributeDefinitions",
                        V::L(vec![
                            m(vec![("AttributeName", s("pk")), ("AttributeType", s("S"))]),
                            m(vec![("AttributeName", s("sk")), ("AttributeType", s("S"))]),
                        ]),
                    ),
                    (
                        "KeySchema",
                        V::L(vec![
                            m(vec![("AttributeName", s("pk")), ("KeyType", s("HASH"))]),
                            m(vec![("AttributeName", s("sk")), ("KeyType", s("RANGE"))]),
                        ]),
                    ),
                    (
                        "PointInTimeRecoverySpecification",
                        m(vec![("PointInTimeRecoveryEnabled", raw("true"))]),
                    ),
                ]),
            ),
            _ => (
                "AWS::SNS::Topic",
                m(vec![
                    (
                        "TopicName",
                        V::Sub(format!("{name}-events-{i}-${{Environment}}")),
                    ),
                    ("KmsMasterKeyId", r(&key)),
                ]),
            ),
        };
        add(format!("{name}Support{i}"), ty, props, cdk_stack);
    }
    let mut parameters = vec![
        (
            "Environment".to_string(),
            m(vec![
                ("Type", s("String")),
                ("Default", s("dev")),
                (
                    "AllowedValues",
                    V::L(vec![s("dev"), s("staging"), s("prod")]),
                ),
            ]),
        ),
        (
            "ModelImage".to_string(),
            m(vec![
                ("Type", s("String")),
                ("Description", s("ECR image URI of the inference container")),
            ]),
        ),
        (
            "SubnetId".to_string(),
            m(vec![("Type", s("AWS::EC2::Subnet::Id"))]),
        ),
        (
            "SecurityGroupId".to_string(),
            m(vec![("Type", s("AWS::EC2::SecurityGroup::Id"))]),
        ),
    ];
    if cdk_stack.is_some() {
        parameters.retain(|(k, _)| k != "Environment");
        parameters.push((
            "Environment".to_string(),
            m(vec![("Type", s("String")), ("Default", s("prod"))]),
        ));
    }
    Cfn {
        description: format!("{name}: service stack ({} resources)", res.len()),
        parameters,
        conditions: vec![(
            "IsProd".to_string(),
            V::Fn("Fn::Equals", vec![r("Environment"), s("prod")]),
        )],
        resources: res,
    }
}

fn tf_bool(rng: &mut Rng, percent: usize) -> &'static str {
    if rng.chance(percent) {
        "true"
    } else {
        "false"
    }
}

/// `main.tf` of a Terraform module: the same workload shapes as [`cfn_stack`].
fn tf_main(rng: &mut Rng, name: &str, ml: bool) -> String {
    let mut o = String::with_capacity(8192);
    let owner = if rng.chance(70) {
        format!("    owner       = \"{name}\"\n    cost-center = \"cc-1234\"\n")
    } else {
        String::new()
    };
    let _ = write!(
        o,
        r#"# {name}: service module.

locals {{
  name = "{name}-${{var.environment}}"
  tags = {{
    team        = "{name}"
    environment = var.environment
{owner}  }}
}}

resource "aws_kms_key" "data" {{
  description         = "Encrypts ${{local.name}} data"
  enable_key_rotation = {rot}
  tags                = local.tags
}}

resource "aws_s3_bucket" "data" {{
  bucket = "${{local.name}}-data"
  tags   = local.tags
}}

"#,
        rot = tf_bool(rng, 70)
    );
    if rng.chance(60) {
        o.push_str(
            r#"resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}

"#,
        );
    }
    if rng.chance(50) {
        o.push_str(
            r#"resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id
  versioning_configuration {
    status = "Enabled"
  }
}

"#,
        );
    }
    let action = if rng.chance(30) {
        r#""s3:*""#
    } else {
        r#"["s3:GetObject", "s3:PutObject"]"#
    };
    let _ = write!(
        o,
        r#"data "aws_iam_policy_document" "assume" {{
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }}
  }}
}}

resource "aws_iam_role" "ml" {{
  name               = "${{local.name}}-ml"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}}

resource "aws_iam_role_policy" "ml" {{
  name = "access"
  role = aws_iam_role.ml.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect   = "Allow"
      Action   = {action}
      Resource = "${{aws_s3_bucket.data.arn}}/*"
    }}]
  }})
}}

"#
    );
    for i in 0..if ml { 1 + rng.below(3) } else { 0 } {
        match rng.below(5) {
            0 => {
                let kms = if rng.chance(50) {
                    "  kms_key_id             = aws_kms_key.data.arn\n"
                } else {
                    ""
                };
                let net = if rng.chance(50) {
                    "  direct_internet_access = \"Disabled\"\n  subnet_id              = var.subnet_id\n  security_groups        = [var.security_group_id]\n"
                } else {
                    ""
                };
                let root = if rng.chance(40) {
                    "  root_access            = var.environment == \"prod\" ? \"Disabled\" : \"Enabled\"\n"
                } else {
                    ""
                };
                let _ = write!(
                    o,
                    "resource \"aws_sagemaker_notebook_instance\" \"nb{i}\" {{\n  name                   = \"${{local.name}}-nb{i}\"\n  role_arn               = aws_iam_role.ml.arn\n  instance_type          = \"{it}\"\n{kms}{net}{root}  tags                   = local.tags\n}}\n\n",
                    it = rng.pick(INSTANCE_TYPES)
                );
            }
            1 | 2 => {
                let iso = if rng.chance(50) {
                    "  enable_network_isolation = true\n"
                } else {
                    ""
                };
                let vpc = if rng.chance(40) {
                    "\n  vpc_config {\n    security_group_ids = [var.security_group_id]\n    subnets            = [var.subnet_id]\n  }\n"
                } else {
                    ""
                };
                let kms = if rng.chance(55) {
                    "  kms_key_arn = aws_kms_key.data.arn\n"
                } else {
                    ""
                };
                let capture = if rng.chance(50) {
                    "\n  data_capture_config {\n    enable_capture              = true\n    initial_sampling_percentage = 20\n    destination_s3_uri          = \"s3://${aws_s3_bucket.data.bucket}/capture\"\n    capture_options {\n      capture_mode = \"Input\"\n    }\n    capture_options {\n      capture_mode = \"Output\"\n    }\n  }\n"
                } else {
                    ""
                };
                let _ = write!(
                    o,
                    r#"resource "aws_sagemaker_model" "m{i}" {{
  name               = "${{local.name}}-m{i}"
  execution_role_arn = aws_iam_role.ml.arn
{iso}
  primary_container {{
    image          = var.model_image
    model_data_url = "s3://${{aws_s3_bucket.data.bucket}}/model.tar.gz"
  }}
{vpc}}}

resource "aws_sagemaker_endpoint_configuration" "c{i}" {{
  name = "${{local.name}}-c{i}"
{kms}
  production_variants {{
    variant_name           = "AllTraffic"
    model_name             = aws_sagemaker_model.m{i}.name
    instance_type          = "{it}"
    initial_instance_count = {count}
  }}
{capture}}}

resource "aws_sagemaker_endpoint" "e{i}" {{
  name                 = "${{local.name}}-e{i}"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.c{i}.name
}}

"#,
                    it = rng.pick(INSTANCE_TYPES),
                    count = if rng.chance(60) { 2 } else { 1 },
                );
            }
            3 => {
                let mut filters = String::new();
                for f in FILTERS.iter().take(1 + rng.below(FILTERS.len())) {
                    let st = rng.pick(STRENGTHS);
                    let out = if *f == "PROMPT_ATTACK" { "NONE" } else { st };
                    let _ = write!(
                        filters,
                        "    filters_config {{\n      type            = \"{f}\"\n      input_strength  = \"{st}\"\n      output_strength = \"{out}\"\n    }}\n"
                    );
                }
                let guard = if rng.chance(50) {
                    format!("\n  guardrail_configuration {{\n    guardrail_identifier = aws_bedrock_guardrail.g{i}.guardrail_id\n    guardrail_version    = \"DRAFT\"\n  }}\n")
                } else {
                    String::new()
                };
                let _ = write!(
                    o,
                    r#"resource "aws_bedrock_guardrail" "g{i}" {{
  name                      = "${{local.name}}-g{i}"
  blocked_input_messaging   = "Sorry, I can't help with that."
  blocked_outputs_messaging = "Sorry, I can't help with that."

  content_policy_config {{
{filters}  }}
}}

resource "aws_bedrockagent_agent" "a{i}" {{
  agent_name              = "${{local.name}}-a{i}"
  agent_resource_role_arn = aws_iam_role.ml.arn
  foundation_model        = "{model}"
  instruction             = "Answer questions about the team's documents and cite each source."
{guard}}}

"#,
                    model = rng.pick(MODELS),
                );
            }
            _ => {
                let ret = if rng.chance(60) {
                    "  retention_in_days = 90\n"
                } else {
                    ""
                };
                let kms = if rng.chance(50) {
                    "  kms_key_id        = aws_kms_key.data.arn\n"
                } else {
                    ""
                };
                let _ = write!(
                    o,
                    "resource \"aws_cloudwatch_log_group\" \"l{i}\" {{\n  name              = \"/ml/${{local.name}}/{i}\"\n{ret}{kms}}}\n\n"
                );
            }
        }
    }
    for i in 0..rng.below(6) {
        match rng.below(3) {
            0 => {
                let _ = write!(
                    o,
                    r#"resource "aws_lambda_function" "f{i}" {{
  function_name = "${{local.name}}-f{i}"
  role          = aws_iam_role.ml.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  s3_bucket     = aws_s3_bucket.data.id
  s3_key        = "lambda/f{i}.zip"
  timeout       = 30
  memory_size   = 512

  environment {{
    variables = {{
      BUCKET    = aws_s3_bucket.data.id
      STAGE     = var.environment
      LOG_LEVEL = "INFO"
    }}
  }}
}}

"#
                );
            }
            1 => {
                let _ = write!(
                    o,
                    "resource \"aws_sqs_queue\" \"q{i}\" {{\n  name                       = \"${{local.name}}-q{i}\"\n  visibility_timeout_seconds = 120\n  kms_master_key_id          = aws_kms_key.data.id\n  tags                       = merge(local.tags, {{ queue = \"q{i}\" }})\n}}\n\n"
                );
            }
            _ => {
                let _ = write!(
                    o,
                    "resource \"aws_dynamodb_table\" \"t{i}\" {{\n  name         = \"${{local.name}}-t{i}\"\n  billing_mode = \"PAY_PER_REQUEST\"\n  hash_key     = \"pk\"\n\n  attribute {{\n    name = \"pk\"\n    type = \"S\"\n  }}\n\n  point_in_time_recovery {{\n    enabled = {pitr}\n  }}\n}}\n\n",
                    pitr = tf_bool(rng, 70)
                );
            }
        }
    }
    o
}

const TF_VARIABLES: &str = r#"variable "environment" {
  type    = string
  default = "dev"
  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "model_image" {
  type        = string
  description = "ECR image URI of the inference container"
}

variable "subnet_id" {
  type = string
}

variable "security_group_id" {
  type = string
}
"#;

const TF_OUTPUTS: &str = r#"output "bucket" {
  value = aws_s3_bucket.data.bucket
}

output "key_arn" {
  value = aws_kms_key.data.arn
}

output "role_arn" {
  value = aws_iam_role.ml.arn
}
"#;

fn k8s_manifest(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels:\n    app: {name}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/{name}:1.0.0\n          ports:\n            - containerPort: 8080\n          resources:\n            limits:\n              cpu: 500m\n              memory: 512Mi\n"
    )
}

fn package_json(name: &str) -> String {
    format!(
        "{{\n  \"name\": \"{name}\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n  \"scripts\": {{\n    \"build\": \"tsc\",\n    \"synth\": \"cdk synth\"\n  }},\n  \"dependencies\": {{\n    \"aws-cdk-lib\": \"2.150.0\",\n    \"constructs\": \"10.3.0\"\n  }}\n}}\n"
    )
}

/// Writes files into `dir`, counting them, and stops taking files at the limit.
struct Writer {
    dir: PathBuf,
    limit: usize,
    summary: GenSummary,
}

impl Writer {
    fn room(&self) -> usize {
        self.limit - self.summary.files
    }
    fn write(&mut self, rel: &str, text: &str) -> io::Result<bool> {
        if self.room() == 0 {
            return Ok(false);
        }
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
        self.summary.files += 1;
        self.summary.bytes += text.len() as u64;
        Ok(true)
    }
}

/// Writes a tree of exactly `files` files under `dir` (created if needed), reproducible from
/// `seed`: the mix is about 40% CloudFormation YAML, 15% CloudFormation JSON, 15% CDK app
/// files, 25% Terraform and 5% other YAML/JSON.
pub fn generate(dir: &Path, seed: u64, files: usize) -> io::Result<GenSummary> {
    let mut rng = Rng::new(seed);
    let mut w = Writer {
        dir: dir.to_path_buf(),
        limit: files,
        summary: GenSummary::default(),
    };
    let mut project = 0usize;
    while w.room() > 0 {
        let team = TEAMS[project % TEAMS.len()];
        let base = format!("{team}/svc-{project:05}");
        let name = format!("{}{project}", capitalize(team));
        // Most stacks of a monorepo are ordinary services; some hold ML/GenAI resources.
        let ml = rng.chance(30);
        match rng.below(100) {
            0..=39 => {
                for k in 0..1 + rng.below(4) {
                    let t = cfn_stack(&mut rng, &format!("{name}S{k}"), None, ml).to_yaml();
                    let ext = if rng.chance(15) { "yml" } else { "yaml" };
                    if w.write(&format!("{base}/cfn/stack-{k}.{ext}"), &t)? {
                        w.summary.cfn_yaml += 1;
                    }
                }
            }
            40..=54 => {
                for k in 0..1 + rng.below(3) {
                    let t = cfn_stack(&mut rng, &format!("{name}S{k}"), None, ml).to_json();
                    if w.write(&format!("{base}/cfn/stack-{k}.json"), &t)? {
                        w.summary.cfn_json += 1;
                    }
                }
            }
            55..=69 => {
                let stacks = 1 + rng.below(3);
                if w.room() < stacks + 2 {
                    // A CDK app needs its cdk.json and manifest; fill the rest with a template.
                    let t = cfn_stack(&mut rng, &name, None, ml).to_yaml();
                    if w.write(&format!("{base}/template.yaml"), &t)? {
                        w.summary.cfn_yaml += 1;
                    }
                    project += 1;
                    continue;
                }
                let names: Vec<String> = (0..stacks).map(|k| format!("{name}Stack{k}")).collect();
                w.write(
                    &format!("{base}/cdk.json"),
                    "{\n  \"app\": \"npx ts-node bin/app.ts\"\n}\n",
                )?;
                let mut manifest =
                    String::from("{\n  \"version\": \"36.0.0\",\n  \"artifacts\": {\n");
                for (k, st) in names.iter().enumerate() {
                    let _ = write!(
                        manifest,
                        "    \"{st}\": {{\n      \"type\": \"aws:cloudformation:stack\",\n      \"environment\": \"aws://unknown-account/unknown-region\",\n      \"properties\": {{\"templateFile\": \"{st}.template.json\", \"validateOnSynth\": false}},\n      \"displayName\": \"{st}\"\n    }}{}\n",
                        if k + 1 < names.len() { "," } else { "" }
                    );
                }
                manifest.push_str("  }\n}\n");
                w.write(&format!("{base}/cdk.out/manifest.json"), &manifest)?;
                w.summary.cdk += 2;
                for st in &names {
                    let t = cfn_stack(&mut rng, st, Some(st), ml).to_json();
                    if w.write(&format!("{base}/cdk.out/{st}.template.json"), &t)? {
                        w.summary.cdk += 1;
                    }
                }
            }
            70..=94 => {
                let dir = format!("{base}/terraform");
                if w.write(
                    &format!("{dir}/main.tf"),
                    &tf_main(&mut rng, &name.to_lowercase(), ml),
                )? {
                    w.summary.terraform += 1;
                }
                if w.write(&format!("{dir}/variables.tf"), TF_VARIABLES)? {
                    w.summary.terraform += 1;
                }
                if rng.chance(60) && w.write(&format!("{dir}/outputs.tf"), TF_OUTPUTS)? {
                    w.summary.terraform += 1;
                }
                if rng.chance(50) {
                    let env = rng.pick(&["dev", "staging", "prod"]);
                    let vars = format!(
                        "environment       = \"{env}\"\nmodel_image       = \"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}:latest\"\nsubnet_id         = \"subnet-0abc{project:05}\"\nsecurity_group_id = \"sg-0abc{project:05}\"\n"
                    );
                    if w.write(&format!("{dir}/terraform.tfvars"), &vars)? {
                        w.summary.terraform += 1;
                    }
                }
            }
            _ => {
                let lower = name.to_lowercase();
                if w.write(
                    &format!("{base}/k8s/deployment.yaml"),
                    &k8s_manifest(&lower),
                )? {
                    w.summary.other += 1;
                }
                if w.write(&format!("{base}/package.json"), &package_json(&lower))? {
                    w.summary.other += 1;
                }
            }
        }
        project += 1;
    }
    Ok(w.summary)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A CloudFormation YAML template with `conditions` conditions (at least 4): parameters without
/// defaults restricted by `AllowedValues`, conditions built from nested `Fn::And`/`Fn::Or`/
/// `Fn::Not`/`Fn::Equals` over them and over each other, and ML resources whose properties are
/// chosen by nested `Fn::If`s, so that the engine must explore the open choices.
pub fn condition_heavy_template(conditions: usize) -> String {
    let conditions = conditions.max(4);
    let params = conditions.div_ceil(4).max(2);
    let mut out = String::from(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: Condition-heavy ML stack\n\nParameters:\n",
    );
    for p in 0..params {
        let _ = write!(
            out,
            "  Stage{p}:\n    Type: String\n    AllowedValues: [dev, test, prod]\n  Flag{p}:\n    Type: String\n    AllowedValues: [\"true\", \"false\"]\n"
        );
    }
    out.push_str("\nConditions:\n");
    for c in 0..conditions {
        let p = c % params;
        let body = match c % 4 {
            0 => format!("!Equals [!Ref Stage{p}, prod]"),
            1 => format!("!Or [!Equals [!Ref Flag{p}, \"true\"], !Equals [!Ref Stage{p}, test]]"),
            2 if c >= 2 => format!(
                "!And [!Condition C{}, !Not [!Condition C{}], !Equals [!Ref Stage{p}, dev]]",
                c - 1,
                c - 2
            ),
            _ if c >= 3 => format!(
                "!Or [!And [!Condition C{}, !Condition C{}], !Not [!Equals [!Ref Flag{p}, \"false\"]]]",
                c - 1,
                c - 3
            ),
            _ => format!("!Equals [!Ref Flag{p}, \"true\"]"),
        };
        let _ = writeln!(out, "  C{c}: {body}");
    }
    out.push_str("\nResources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: !If [C0, true, false]\n\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: { Service: sagemaker.amazonaws.com }\n            Action: sts:AssumeRole\n\n");
    for c in 0..conditions {
        let a = c;
        let b = (c + 1) % conditions;
        let d = (c + 2) % conditions;
        let _ = write!(
            out,
            "  Notebook{c}:\n    Type: AWS::SageMaker::NotebookInstance\n    Condition: C{a}\n    Properties:\n      InstanceType: !If [C{b}, ml.t3.medium, !If [C{d}, ml.g5.xlarge, ml.m5.xlarge]]\n      RoleArn: !GetAtt Role.Arn\n      DirectInternetAccess: !If [C{a}, !If [C{b}, Disabled, Enabled], !If [C{d}, Enabled, Disabled]]\n      RootAccess: !If [C{b}, Disabled, !Ref AWS::NoValue]\n      KmsKeyId: !If [C{d}, !Ref Key, !Ref AWS::NoValue]\n\n  Config{c}:\n    Type: AWS::SageMaker::EndpointConfig\n    Properties:\n      KmsKeyId: !If [C{a}, !GetAtt Key.Arn, !If [C{b}, !Ref AWS::NoValue, !GetAtt Key.Arn]]\n      ProductionVariants:\n        - VariantName: AllTraffic\n          ModelName: model-{c}\n          InstanceType: !If [C{d}, ml.g5.xlarge, ml.m5.large]\n          InitialInstanceCount: !If [C{a}, 2, 1]\n\n"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_different_seeds_differ() {
        let a: Vec<u64> = (0..8)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next()
            })
            .collect();
        let b: Vec<u64> = (0..8)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next()
            })
            .collect();
        let c: Vec<u64> = (0..8)
            .map({
                let mut r = Rng::new(8);
                move |_| r.next()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn generated_templates_parse_as_cloudformation() {
        let mut rng = Rng::new(3);
        for i in 0..20 {
            let cfn = cfn_stack(&mut rng, &format!("S{i}"), None, i % 2 == 0);
            let y = crate::parse::parse_yaml(&cfn.to_yaml()).map_err(|e| e.message);
            let j = crate::parse::parse_json(&cfn.to_json()).map_err(|e| e.message);
            let (y, j) = (
                y.unwrap_or_else(|e| panic!("{e}")),
                j.unwrap_or_else(|e| panic!("{e}")),
            );
            assert!(crate::model::cfn::is_template(&y.root));
            assert!(crate::model::cfn::is_template(&j.root));
            // The two spellings describe the same template.
            assert_eq!(y.root.to_json(), j.root.to_json());
        }
        let heavy = crate::parse::parse_yaml(&condition_heavy_template(40));
        assert!(heavy.is_ok_and(|p| crate::model::cfn::is_template(&p.root)));
    }

    #[test]
    fn tree_has_exactly_n_files_and_is_reproducible() {
        let base = std::env::temp_dir().join(format!("lenslint-synth-{}", std::process::id()));
        let (a, b) = (base.join("a"), base.join("b"));
        let sa = generate(&a, 42, 137).unwrap_or_default();
        let sb = generate(&b, 42, 137).unwrap_or_default();
        assert_eq!(sa.files, 137);
        assert_eq!(sa, sb);
        assert_eq!(
            sa.cfn_yaml + sa.cfn_json + sa.cdk + sa.terraform + sa.other,
            137
        );
        assert!(sa.cfn_yaml > 0 && sa.cfn_json > 0 && sa.cdk > 0 && sa.terraform > 0);
        let list = |d: &Path| {
            let mut v: Vec<(PathBuf, Vec<u8>)> = ignore::WalkBuilder::new(d)
                .standard_filters(false)
                .build()
                .flatten()
                .filter(|e| e.path().is_file())
                .map(|e| {
                    (
                        e.path().strip_prefix(d).unwrap_or(e.path()).to_path_buf(),
                        std::fs::read(e.path()).unwrap_or_default(),
                    )
                })
                .collect();
            v.sort();
            v
        };
        let (la, lb) = (list(&a), list(&b));
        assert_eq!(la.len(), 137);
        assert!(la == lb, "same seed, different trees");
        let _ = std::fs::remove_dir_all(&base);
    }
}
