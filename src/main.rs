//! The `lenslint` command line: `scan`, `rules` and `explain`.

use clap::{Parser, Subcommand, ValueEnum};
use lenslint::report::{self, OutputFormat, RenderContext, Summary};
use lenslint::rules::{RuleSet, Severity};
use lenslint::workflow;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "lenslint",
    version,
    about = "Holds AI/ML infrastructure-as-code to the AWS Well-Architected ML, Generative AI and Responsible AI lenses"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Table,
    Json,
    /// The rules reference (docs/rules.md).
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once; boxing would only obscure the clap fields
enum Command {
    /// Scan CloudFormation templates and Terraform modules for lens violations.
    Scan {
        /// Files or directories (default: the current directory).
        paths: Vec<PathBuf>,
        /// Output format (default: human); repeat it, with --output, for several reports.
        #[arg(long, value_enum)]
        format: Vec<OutputFormat>,
        /// Write the report to this file; repeated, the n-th --output takes the n-th --format.
        #[arg(long, short)]
        output: Vec<PathBuf>,
        /// Exit 1 when a reported finding is at or above this severity [default: the config's
        /// fail-on, else low].
        #[arg(long, value_enum, ignore_case = true)]
        fail_on: Option<SeverityArg>,
        /// Only report findings at or above this severity (the rest neither show nor fail).
        #[arg(long, value_enum, ignore_case = true, default_value = "info")]
        severity: SeverityArg,
        /// Add the Well-Architected lens scorecard to the human report.
        #[arg(long)]
        lens_summary: bool,
        /// Also list rule decisions that depended on a value the template does not decide.
        #[arg(long)]
        show_unknown: bool,
        /// Load extra rule files from this folder (a rule with a built-in id replaces it).
        #[arg(long = "rules", value_name = "DIR")]
        rules_dir: Vec<PathBuf>,
        /// Set a Terraform variable (NAME=VALUE); wins over tfvars and defaults.
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
        /// Read Terraform variable values from this file.
        #[arg(long = "var-file", value_name = "FILE")]
        var_files: Vec<PathBuf>,
        /// When to use colour in the human report.
        #[arg(long, value_enum, default_value = "auto")]
        color: ColorChoice,
        /// Plain ASCII output, without box-drawing characters.
        #[arg(long)]
        ascii: bool,
        /// Use this config file instead of the nearest lenslint.toml above each path.
        #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
        config: Option<PathBuf>,
        /// Ignore every lenslint.toml (built-in defaults only).
        #[arg(long)]
        isolated: bool,
        /// Report and fail only on findings not recorded in this baseline file.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// Record every current finding in this baseline file (the run then exits 0).
        #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
        write_baseline: Option<PathBuf>,
        /// Scan only files changed since this git revision (modules are still read whole).
        #[arg(long, value_name = "REV")]
        diff_base: Option<String>,
        /// Also list the findings that suppressions and the baseline silenced.
        #[arg(long)]
        show_suppressed: bool,
        /// Skip named files that are not templates even when they do not parse (for
        /// pre-commit, which passes every YAML and JSON file).
        #[arg(long)]
        skip_non_templates: bool,
    },
    /// Write a commented lenslint.toml with the defaults.
    Init {
        /// Where to write it.
        #[arg(default_value = "lenslint.toml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// List the rules.
    Rules {
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Explain one rule: what it checks, why, how to fix it, its lens practices.
    Explain {
        /// Rule id, e.g. SM002.
        id: String,
    },
    /// Developer tools (benchmark input); not part of the user interface.
    #[command(hide = true, subcommand)]
    Dev(DevCommand),
}

#[derive(Subcommand)]
enum DevCommand {
    /// Write a reproducible synthetic monorepo of templates (see `lenslint::synthetic`).
    Generate {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 1000)]
        files: usize,
        dir: PathBuf,
    },
    /// Discover and parse only (no rules, no report): the floor a scan is compared with.
    Parse { paths: Vec<PathBuf> },
}

fn load_rules(dirs: &[PathBuf]) -> Result<RuleSet, String> {
    let mut rules = RuleSet::builtin().map_err(|e| e.join("\n"))?;
    for d in dirs {
        rules.extend_from_dir(d).map_err(|e| e.join("\n"))?;
    }
    Ok(rules)
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("lenslint: error: {msg}");
    ExitCode::from(2)
}

fn write_out(output: &Option<PathBuf>, text: &str) -> Result<(), String> {
    match output {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).map_err(|e| e.to_string())
        }
    }
}

/// Writes one report to its file or to standard output, through a buffer.
fn write_report(
    output: &Option<PathBuf>,
    format: OutputFormat,
    cx: &RenderContext,
) -> Result<(), String> {
    let (mut sink, name): (Box<dyn Write>, String) = match output {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => (Box::new(f), p.display().to_string()),
            Err(e) => return Err(format!("cannot write {}: {e}", p.display())),
        },
        None => (Box::new(std::io::stdout().lock()), "standard output".into()),
    };
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, &mut sink);
    report::write(format, cx, &mut out)
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write {name}: {e}"))
}

fn color_enabled(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if std::env::var_os("FORCE_COLOR").is_some_and(|v| !v.is_empty() && v != "0") {
                true
            } else {
                !to_file && std::io::stdout().is_terminal()
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan {
            paths,
            format,
            output,
            fail_on,
            severity,
            show_unknown,
            rules_dir,
            vars,
            var_files,
            color,
            ascii,
            lens_summary,
            config,
            isolated,
            baseline,
            write_baseline,
            diff_base,
            show_suppressed,
            skip_non_templates,
        } => {
            let started = std::time::Instant::now();
            let plan = match report::plan_outputs(&format, &output) {
                Ok(p) => p,
                Err(e) => return usage_error(&e),
            };
            let mut parsed_vars = Vec::new();
            for v in &vars {
                match v.split_once('=') {
                    Some((k, val)) if !k.is_empty() => {
                        parsed_vars.push((k.to_string(), val.to_string()))
                    }
                    _ => return usage_error(&format!("--var takes NAME=VALUE, got `{v}`")),
                }
            }
            let request = workflow::Request {
                paths,
                config,
                isolated,
                rule_dirs: rules_dir,
                vars: parsed_vars,
                var_files,
                baseline,
                write_baseline,
                diff_base,
                fail_on: fail_on.map(Severity::from),
                min_severity: Some(severity.into()),
                skip_non_templates,
                without_evaluations: !plan.iter().any(|(f, _)| {
                    matches!(f, OutputFormat::Junit | OutputFormat::Lens)
                        || (*f == OutputFormat::Human && lens_summary)
                }),
                without_text: !plan.iter().any(|(f, _)| *f == OutputFormat::Human),
            };
            let progress = report::progress::Progress::start();
            let outcome = workflow::run(&request, &|d, t| progress.update(d, t));
            progress.finish();
            let outcome = match outcome {
                // Not dropped: the process exits next, and freeing every rule, finding and
                // file one by one was a tenth of a one-template scan.
                Ok(o) => std::mem::ManuallyDrop::new(o),
                Err(e) => return usage_error(&e),
            };
            for note in &outcome.notes {
                eprintln!("{note}");
            }
            let (result, rules) = (&outcome.result, &outcome.rules);
            let mut summary = Summary::of(result, outcome.suppressed);
            summary.baselined = outcome.baselined;
            let term_dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
            let src_root = std::env::current_dir()
                .ok()
                .map(|d| report::sarif::dir_uri(&d));
            let elapsed = started.elapsed();
            for (format, output) in &plan {
                let cx = RenderContext {
                    result,
                    rules,
                    summary: &summary,
                    style: report::human::Style {
                        color: color_enabled(color, output.is_some()),
                        ascii: ascii || term_dumb,
                    },
                    elapsed,
                    show_unknown,
                    lens_summary,
                    src_root: src_root.clone(),
                    show_suppressed,
                };
                let timing = lenslint::scan::Timing::start();
                let written = write_report(output, *format, &cx);
                timing.mark("report");
                if let Err(e) = written {
                    return usage_error(&e);
                }
            }
            if !result.errors.is_empty() {
                ExitCode::from(2)
            } else if outcome.failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Init { path, force } => {
            if path.exists() && !force {
                return usage_error(&format!(
                    "{} exists; `--force` overwrites it",
                    path.display()
                ));
            }
            let rules = match load_rules(&[]) {
                Ok(r) => r,
                Err(e) => return usage_error(&e),
            };
            let text = lenslint::config::init_template(&rules);
            match std::fs::write(&path, text) {
                Ok(()) => {
                    eprintln!("lenslint: wrote {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => usage_error(&format!("cannot write {}: {e}", path.display())),
            }
        }
        Command::Rules { format } => {
            let rules = match load_rules(&[]) {
                Ok(r) => r,
                Err(e) => return usage_error(&e),
            };
            let text = match format {
                ListFormat::Json => {
                    let docs: Vec<&lenslint::rules::RuleDoc> =
                        rules.rules.iter().map(|r| &r.doc).collect();
                    let mut s = serde_json::to_string_pretty(&docs).unwrap_or_default();
                    s.push('\n');
                    s
                }
                ListFormat::Table => lenslint::report::rules_table(&rules),
                ListFormat::Markdown => lenslint::docs::rules_markdown(&rules),
            };
            match write_out(&None, &text) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => usage_error(&e),
            }
        }
        Command::Dev(DevCommand::Generate { seed, files, dir }) => {
            match lenslint::synthetic::generate(&dir, seed, files) {
                Ok(s) => {
                    println!(
                        "{} files, {} bytes: {} CloudFormation YAML, {} CloudFormation JSON, {} CDK, {} Terraform, {} other",
                        s.files, s.bytes, s.cfn_yaml, s.cfn_json, s.cdk, s.terraform, s.other
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => usage_error(&format!("cannot write {}: {e}", dir.display())),
            }
        }
        Command::Dev(DevCommand::Parse { paths }) => {
            let s = lenslint::parse_only::parse_tree(&paths);
            println!(
                "{} files, {} bytes parsed, {} failed",
                s.files, s.bytes, s.failed
            );
            ExitCode::SUCCESS
        }
        Command::Explain { id } => {
            let rules = match load_rules(&[]) {
                Ok(r) => r,
                Err(e) => return usage_error(&e),
            };
            match rules.get(&id) {
                Some(r) => match write_out(&None, &lenslint::report::explain(r)) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => usage_error(&e),
                },
                None => {
                    let peers = lenslint::report::rules_for_peer_id(&rules, &id);
                    if peers.is_empty() {
                        return usage_error(&format!(
                            "no rule `{id}`, and no rule lists it as an equivalent; \
                             `lenslint rules` lists them"
                        ));
                    }
                    let text: Vec<String> = peers
                        .iter()
                        .map(|r| {
                            format!(
                                "`{id}` is covered by {}:\n\n{}",
                                r.doc.id,
                                report::explain(r)
                            )
                        })
                        .collect();
                    match write_out(&None, &text.join("\n")) {
                        Ok(()) => ExitCode::SUCCESS,
                        Err(e) => usage_error(&e),
                    }
                }
            }
        }
    }
}
