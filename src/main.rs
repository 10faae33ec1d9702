//! The `lenslint` command line: `scan`, `rules` and `explain`.

use clap::{Parser, Subcommand, ValueEnum};
use lenslint::report::{self, OutputFormat, RenderContext, Summary};
use lenslint::rules::{RuleSet, Severity};
use lenslint::scan::{scan, Options};
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
enum Command {
    /// Scan CloudFormation templates and Terraform modules for lens violations.
    Scan {
        /// Files or directories (default: the current directory).
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: OutputFormat,
        /// Write the report to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Exit 1 when a finding at or above this severity is reported.
        #[arg(long, value_enum, default_value = "low")]
        fail_on: SeverityArg,
        /// Only report findings at or above this severity.
        #[arg(long, value_enum, default_value = "info")]
        severity: SeverityArg,
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
        } => {
            let started = std::time::Instant::now();
            let rules = match load_rules(&rules_dir) {
                Ok(r) => r,
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
            let opts = Options {
                paths: if paths.is_empty() {
                    vec![PathBuf::from(".")]
                } else {
                    paths
                },
                vars: parsed_vars,
                var_files,
            };
            let mut result = scan(&opts, &rules);
            let min: Severity = severity.into();
            result.findings.retain(|f| f.severity >= min);
            let summary = Summary::of(&result, 0);
            let term_dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
            let style = report::human::Style {
                color: color_enabled(color, output.is_some()),
                ascii: ascii || term_dumb,
            };
            let cx = RenderContext {
                result: &result,
                rules: &rules,
                summary: &summary,
                style,
                elapsed: started.elapsed(),
                show_unknown,
            };
            let text = report::render(format, &cx);
            if let Err(e) = write_out(&output, &text) {
                return usage_error(&e);
            }
            let fail: Severity = fail_on.into();
            if !result.errors.is_empty() {
                ExitCode::from(2)
            } else if result.findings.iter().any(|f| f.severity >= fail) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
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
            };
            match write_out(&None, &text) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => usage_error(&e),
            }
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
                None => usage_error(&format!("no rule `{id}`; `lenslint rules` lists them")),
            }
        }
    }
}
