//! The command line: parse arguments, call the library, print what it returns, pick the exit code.

// As in the library: diagnostics travel by value on the cold path.
#![allow(clippy::result_large_err)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use tokenward::backend::Target;
use tokenward::diag::Diagnostic;
use tokenward::output::{self, Format};
use tokenward::{codes, fieldcheck, gate, lint, outdir, pipeline, testing};
use tokenward::{navigator, scaffold, schema};

#[derive(Parser)]
#[command(
    name = "tokenward",
    version,
    about = "Compile session-replay identity detections into Sentinel KQL and Splunk SPL"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check rule files and compile them into queries (default: rules/ into dist/).
    Build(BuildArgs),
    /// Run the rules' test cases on their sample events (both event shapes).
    Test(TestArgs),
    /// Report which fields each query needs and what share of exported events carries them.
    CheckFields(CheckFieldsArgs),
    /// Lint KQL and SPL files (and validate rule files): schema-aware, with stable lint codes.
    Lint(LintArgs),
    /// Print the documentation of a code (`tokenward rule KQL003`, `tokenward rule E022`), or list them.
    Rule(RuleArgs),
    /// What changed per rule and target between two rule sets (folders or git revisions).
    Diff(DiffArgs),
    /// Write the coverage matrix (rules × ATT&CK × NIST 800-53 × targets) as Markdown and HTML, and an
    /// ATT&CK Navigator layer; `--require` fails when a technique has no stable rule.
    Report(ReportArgs),
    /// Why each session of an events file alerted or stayed quiet: the evaluator's trace, verified
    /// counterfactuals, and (--format html) a timeline per session.
    Explain(ExplainArgs),
    /// Print the JSON Schema of a file tokenward reads: rule, list, ua-table, config or profile.
    Schema(SchemaArgs),
    /// Write a starter repository (rules, lists, profiles, schemas, tokenward.yaml, CI and pre-commit).
    Init(InitArgs),
    /// Write a skeleton: `tokenward new rule ID` (a rule with an alert and a no_alert test).
    New(NewArgs),
    /// A language server over stdio, for rule YAML, .kql and .spl (docs/editors.md).
    Lsp,
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// The rule's id.
    rule: String,
    /// Events files; the shape comes from the name (`x.sentinel.json`, `x.splunk.json`).
    #[arg(required = true)]
    events: Vec<PathBuf>,
    /// Only this session.
    #[arg(long)]
    session: Option<String>,
    /// human, json, or html (one self-contained page).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Where the rules are.
    #[arg(long, default_value = "rules")]
    rules: PathBuf,
    /// Folder holding sentinel.yaml / splunk.yaml profiles that override the bundled ones.
    #[arg(long)]
    profiles: Option<PathBuf>,
}

#[derive(clap::Args)]
struct SchemaArgs {
    /// rule, list, ua-table, config or profile.
    kind: String,
    /// For `profile`: the target whose profile format to print.
    #[arg(long, value_enum)]
    target: Option<Target>,
}

#[derive(clap::Args)]
struct InitArgs {
    /// The folder to write the starter repository into (created when missing).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Write into a folder that is not empty (an existing file is still never overwritten).
    #[arg(long)]
    force: bool,
    /// How errors are printed: human or github.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(clap::Args)]
struct NewArgs {
    #[command(subcommand)]
    what: NewWhat,
}

#[derive(Subcommand)]
enum NewWhat {
    /// A rule skeleton with the schema modeline, an alert and a no_alert case and their events.
    Rule {
        /// The rule id (kebab-case).
        id: String,
        /// The rules folder to write into.
        #[arg(long, default_value = "rules")]
        dir: PathBuf,
        /// How errors are printed: human or github.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

#[derive(clap::Args)]
struct LintArgs {
    /// .kql, .spl and rule .yaml files, or folders holding them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// human, json, sarif or github.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat warnings as errors for the exit code.
    #[arg(long)]
    deny_warnings: bool,
    /// Project config with lint levels and extra schemas (default: ./tokenward.yaml when present).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Findings recorded in this baseline file are accepted: only new ones are shown and fail.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Write every current finding into the --baseline file instead of failing on them.
    #[arg(long, requires = "baseline")]
    update_baseline: bool,
    /// Apply the mechanical fixes (KQL003 `kind=inner`, KQL010 quoted number) to the files first.
    #[arg(long)]
    fix: bool,
}

#[derive(clap::Args)]
struct RuleArgs {
    /// A code such as KQL003 or E022; omit it with --list.
    code: Option<String>,
    /// List every code.
    #[arg(long)]
    list: bool,
    /// human (Markdown) or json.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(clap::Args)]
struct TestArgs {
    /// Rule files or folders of rules.
    #[arg(default_value = "rules")]
    paths: Vec<PathBuf>,
    /// Folder holding sentinel.yaml / splunk.yaml profiles that override the bundled ones.
    #[arg(long)]
    profiles: Option<PathBuf>,
    /// human (a pass/fail table), json, junit (JUnit XML) or github (annotations for failures).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Project config with the test gates (default: ./tokenward.yaml when present).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(clap::Args)]
struct CheckFieldsArgs {
    /// Exported events: Log Analytics rows (sentinel) or Splunk events (splunk), JSON or JSON lines.
    #[arg(required = true)]
    samples: Vec<PathBuf>,
    /// The shape the samples are in.
    #[arg(long, value_enum)]
    target: Target,
    /// Only this rule.
    #[arg(long)]
    rule: Option<String>,
    /// Where the rules are.
    #[arg(long, default_value = "rules")]
    rules: PathBuf,
    /// Folder holding sentinel.yaml / splunk.yaml profiles that override the bundled ones.
    #[arg(long)]
    profiles: Option<PathBuf>,
    /// Fail when a needed field is missing from more than this share of events.
    #[arg(long, default_value_t = 0.05)]
    max_missing: f64,
    /// human, json or github (an annotation per missing field and firing health check).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(clap::Args)]
struct BuildArgs {
    /// Rule files or folders of rules.
    #[arg(default_value = "rules")]
    paths: Vec<PathBuf>,
    /// Which SIEM to compile for: a target's name, or `all`.
    #[arg(long = "target", value_parser = parse_targets, default_value = "all")]
    targets: Targets,
    /// Output folder; replaced whole, atomically, on success.
    #[arg(long, default_value = "dist")]
    out: PathBuf,
    /// Folder holding sentinel.yaml / splunk.yaml profiles that override the bundled ones.
    #[arg(long)]
    profiles: Option<PathBuf>,
    /// `queries` writes the output folder; `ir` and `plan` print what the compiler understood, as JSON.
    #[arg(long, value_enum, default_value_t = Emit::Queries)]
    emit: Emit,
    /// How diagnostics are printed: human, json, sarif or github.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write nothing; exit 1 and print a unified diff when the output folder differs from what the
    /// rules generate (the pull-request gate for a committed dist/).
    #[arg(long)]
    check: bool,
}

#[derive(clap::Args)]
struct DiffArgs {
    /// The old side: a folder of rules or a git revision.
    old: String,
    /// The new side: a folder of rules or a git revision.
    new: String,
    /// The rules folder inside a git revision.
    #[arg(long, default_value = "rules")]
    rules: PathBuf,
    #[arg(long)]
    profiles: Option<PathBuf>,
    /// Also run both sides' rules over the events files in this folder (`*.sentinel.json`,
    /// `*.splunk.json`) and show the sessions whose verdict changes, with the trace lines that differ.
    #[arg(long)]
    events: Option<PathBuf>,
    /// Exit 1 when something changed, 0 when nothing did (like `git diff --exit-code`).
    #[arg(long)]
    exit_code: bool,
    /// How rule errors are printed: human or github.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Rule files or folders of rules.
    #[arg(default_value = "rules")]
    paths: Vec<PathBuf>,
    /// Where coverage.md, coverage.html, coverage-layer.json (ATT&CK Navigator) and rules/<id>.html
    /// (each test case as a timeline) are written.
    #[arg(long, default_value = "report")]
    out: PathBuf,
    /// ATT&CK techniques that must each have a stable rule (comma-separated); exit 1 otherwise.
    #[arg(long, value_delimiter = ',')]
    require: Vec<String>,
    /// How errors are printed: human, json or github.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Folder holding sentinel.yaml / splunk.yaml profiles that override the bundled ones (used to read
    /// the test events).
    #[arg(long)]
    profiles: Option<PathBuf>,
}

#[derive(Clone)]
struct Targets(Vec<Target>);

fn parse_targets(s: &str) -> Result<Targets, String> {
    if s == "all" {
        return Ok(Targets(Target::ALL.to_vec()));
    }
    Target::by_name(s).map(|t| Targets(vec![t])).ok_or_else(|| {
        let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
        format!("one of: {}, all", names.join(", "))
    })
}

#[derive(Clone, Copy, ValueEnum)]
enum Emit {
    Queries,
    Ir,
    Plan,
}

fn main() -> ExitCode {
    // Like other Unix tools: a reader that goes away (`| head`) ends the process quietly, instead of
    // every print failing with a panic.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(args) => run_build(&args),
        Command::Test(args) => run_test(&args),
        Command::CheckFields(args) => run_check_fields(&args),
        Command::Lint(args) => run_lint(&args),
        Command::Rule(args) => run_rule(&args),
        Command::Diff(args) => run_diff(&args),
        Command::Report(args) => run_report(&args),
        Command::Explain(args) => run_explain(&args),
        Command::Schema(args) => run_schema(&args),
        Command::Init(args) => run_init(&args),
        Command::New(args) => run_new(&args),
        Command::Lsp => tokenward::lsp::run()
            .map(|()| ExitCode::SUCCESS)
            .map_err(|e| anyhow::anyhow!("language server: {e}")),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// A subcommand takes only the formats that make sense for what it prints.
fn accept(format: Format, allowed: &[Format], command: &str) -> anyhow::Result<()> {
    if allowed.contains(&format) {
        return Ok(());
    }
    let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
    anyhow::bail!(
        "`{command}` does not print `--format {}`; it takes {}",
        format.name(),
        names.join(", ")
    )
}

/// Where diagnostics go: standard error when they accompany a command's product (build, test…),
/// standard output when they are the product (lint) or a machine reads them (sarif, github).
#[derive(Clone, Copy, PartialEq)]
enum Channel {
    Stderr,
    Stdout,
}

/// Prints diagnostics in `format`; `note` follows the count in human output.
fn report(
    diags: &[Diagnostic],
    format: Format,
    channel: Channel,
    files: Option<usize>,
    note: &str,
) {
    let (errors, warnings) = output::count(diags);
    let text = match format {
        Format::Json => format!("{}\n", output::json(diags, files)),
        Format::Sarif => format!("{}\n", output::sarif(diags)),
        Format::Github => output::github(diags),
        Format::Human | Format::Junit | Format::Html => {
            let summary = match files {
                Some(n) => format!("{n} file(s) checked: {errors} error(s), {warnings} warning(s)"),
                None if warnings > 0 => format!("{errors} error(s), {warnings} warning(s){note}"),
                None => format!("{errors} error(s){note}"),
            };
            format!("{}{summary}\n", output::human(diags, true))
        }
    };
    let machine = matches!(format, Format::Sarif | Format::Github);
    if channel == Channel::Stdout || machine {
        anstream::print!("{text}");
    } else {
        anstream::eprint!("{text}");
    }
}

fn run_lint(args: &LintArgs) -> anyhow::Result<ExitCode> {
    use Format::*;
    accept(args.format, &[Human, Json, Sarif, Github], "lint")?;
    let config = match lint::Config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(d) => {
            report(&d, args.format, Channel::Stderr, None, "");
            return Ok(ExitCode::from(2));
        }
    };
    let files = match lint::collect(&args.paths) {
        Ok(f) => f,
        Err(d) => {
            report(&d, args.format, Channel::Stderr, None, "");
            return Ok(ExitCode::from(2));
        }
    };
    if args.fix {
        match lint::fix_files(&files, &config) {
            Ok(fixed) => {
                for (path, n) in fixed {
                    eprintln!("fixed {n} finding(s) in {}", path.display());
                }
            }
            Err(d) => {
                report(&d, args.format, Channel::Stderr, None, "");
                return Ok(ExitCode::from(2));
            }
        }
    }
    let mut diags = lint::lint_files(&files, &config);
    if let Some(path) = &args.baseline {
        if args.update_baseline {
            let baseline = lint::baseline::Baseline::of(&diags);
            baseline.write(path)?;
            eprintln!(
                "wrote {} finding(s) to {}",
                baseline.findings.len(),
                path.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        let baseline = match lint::baseline::Baseline::read(path) {
            Ok(b) => b,
            Err(d) => {
                report(&[d], args.format, Channel::Stderr, None, "");
                return Ok(ExitCode::from(2));
            }
        };
        let (new, held) = baseline.new_findings(diags);
        if held > 0 {
            eprintln!("{held} finding(s) accepted by {}", path.display());
        }
        diags = new;
    }
    report(&diags, args.format, Channel::Stdout, Some(files.len()), "");
    let (errors, warnings) = output::count(&diags);
    Ok(if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_rule(args: &RuleArgs) -> anyhow::Result<ExitCode> {
    accept(args.format, &[Format::Human, Format::Json], "rule")?;
    if args.list || args.code.is_none() {
        let all = codes::all();
        match args.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&all)?),
            _ => {
                for e in all {
                    println!("{:<7} {:<32} {}", e.code, e.name, e.summary);
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let code = args.code.as_deref().unwrap_or_default();
    match codes::find(code) {
        Some(e) => {
            match args.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&e)?),
                _ => print!("{}", e.markdown()),
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("error: no code `{code}`; `tokenward rule --list` lists them");
            Ok(ExitCode::from(2))
        }
    }
}

fn run_diff(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    accept(args.format, &[Format::Human, Format::Github], "diff")?;
    match gate::diff_sides(
        &args.old,
        &args.new,
        &args.rules,
        args.profiles.as_deref(),
        args.events.as_deref(),
    ) {
        Ok(text) => {
            print!("{text}");
            Ok(if args.exit_code && gate::has_changes(&text) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(gate::DiffError::Usage(d)) => {
            report(&[d], args.format, Channel::Stderr, None, "");
            Ok(ExitCode::from(2))
        }
        Err(gate::DiffError::Rules(diags)) => {
            report(&diags, args.format, Channel::Stderr, None, "");
            // Git's --exit-code: 1 means a difference, so a failure is told apart.
            Ok(ExitCode::from(if args.exit_code { 2 } else { 1 }))
        }
    }
}

fn run_explain(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    use Format::*;
    accept(args.format, &[Human, Json, Html], "explain")?;
    let request = tokenward::explain::Args {
        rules: &args.rules,
        profiles: args.profiles.as_deref(),
        rule: &args.rule,
        events: &args.events,
        session: args.session.as_deref(),
        format: args.format,
    };
    match tokenward::explain::run(&request) {
        Ok(text) => {
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Err(tokenward::explain::Failure::Usage(d)) => {
            report(&d, Human, Channel::Stderr, None, "");
            Ok(ExitCode::from(2))
        }
        Err(tokenward::explain::Failure::Input(d)) => {
            report(&d, Human, Channel::Stderr, None, "");
            Ok(ExitCode::from(1))
        }
    }
}

fn run_report(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    use Format::*;
    accept(args.format, &[Human, Json, Github], "report")?;
    let loaded = pipeline::load(&args.paths, args.profiles.as_deref()).and_then(|(b, d)| {
        let plans = pipeline::plan_all(&d);
        let pages = tokenward::report::timelines(&plans, &b)?;
        Ok((d, pages))
    });
    let (detections, pages) = match loaded {
        Ok(x) => x,
        Err(diags) => {
            report(&diags, args.format, Channel::Stderr, None, "");
            return Ok(ExitCode::from(1));
        }
    };
    let metas: Vec<_> = detections.into_iter().map(|d| d.meta).collect();
    let linked: Vec<String> = pages.iter().map(|(id, _)| id.clone()).collect();
    let md = tokenward::report::markdown(&metas, &Target::ALL);
    let html = tokenward::report::html(&metas, &Target::ALL, &linked);
    let layer = serde_json::to_string_pretty(&navigator::layer(&metas))? + "\n";
    std::fs::create_dir_all(args.out.join("rules"))?;
    std::fs::write(args.out.join("coverage.md"), md)?;
    std::fs::write(args.out.join("coverage.html"), html)?;
    std::fs::write(args.out.join("coverage-layer.json"), layer)?;
    for (id, page) in &pages {
        std::fs::write(args.out.join("rules").join(format!("{id}.html")), page)?;
    }
    eprintln!(
        "wrote {out}/coverage.md, coverage.html, coverage-layer.json and {} timeline page(s) under {out}/rules/",
        pages.len(),
        out = args.out.display()
    );
    let uncovered = navigator::require(&metas, &args.require);
    if !uncovered.is_empty() {
        report(&uncovered, args.format, Channel::Stderr, None, "");
        return Ok(ExitCode::from(1));
    }
    if !args.require.is_empty() {
        let named: Vec<&str> = args.require.iter().map(|t| t.trim()).collect();
        eprintln!(
            "every required technique has a stable rule: {}",
            named.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_schema(args: &SchemaArgs) -> anyhow::Result<ExitCode> {
    let name = match (args.kind.as_str(), args.target) {
        ("profile", Some(t)) => format!("profile-{}", t.name()),
        ("profile", None) => anyhow::bail!("`schema profile` needs --target sentinel or splunk"),
        (k, _) => k.to_string(),
    };
    let Some(kind) = schema::Kind::by_name(&name) else {
        let names: Vec<String> = schema::Kind::all().iter().map(|k| k.name()).collect();
        anyhow::bail!(
            "no schema `{}`; one of: rule, list, ua-table, config, profile --target T ({})",
            args.kind,
            names.join(", ")
        );
    };
    match schema::render(kind) {
        Ok(text) => {
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Err(diags) => {
            report(&diags, Format::Human, Channel::Stderr, None, "");
            Ok(ExitCode::from(1))
        }
    }
}

fn run_init(args: &InitArgs) -> anyhow::Result<ExitCode> {
    accept(args.format, &[Format::Human, Format::Github], "init")?;
    match scaffold::init(&args.dir, args.force) {
        Ok(files) => {
            eprintln!(
                "wrote a starter repository of {} files into {}: run `tokenward build` there and commit dist/ (the workflow checks it with build --check); `tokenward test` passes as written",
                files.len(),
                args.dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(d) => {
            report(
                &[d],
                args.format,
                Channel::Stderr,
                None,
                "; nothing was written",
            );
            Ok(ExitCode::from(1))
        }
    }
}

fn run_new(args: &NewArgs) -> anyhow::Result<ExitCode> {
    let NewWhat::Rule { id, dir, format } = &args.what;
    accept(*format, &[Format::Human, Format::Github], "new rule")?;
    match scaffold::new_rule(id, dir) {
        Ok(files) => {
            for f in &files {
                println!("{}", f.display());
            }
            eprintln!(
                "wrote rule `{id}` and its test events; `tokenward build {}` and `tokenward test {}` pass as written",
                dir.display(),
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(d) => {
            report(
                &[d],
                *format,
                Channel::Stderr,
                None,
                "; nothing was written",
            );
            Ok(ExitCode::from(1))
        }
    }
}

fn run_test(args: &TestArgs) -> anyhow::Result<ExitCode> {
    use Format::*;
    accept(args.format, &[Human, Json, Junit, Github], "test")?;
    let diag_format = if args.format == Junit {
        Human
    } else {
        args.format
    };
    let (backends, detections) = match pipeline::load(&args.paths, args.profiles.as_deref()) {
        Ok(x) => x,
        Err(diags) => {
            report(&diags, diag_format, Channel::Stderr, None, "");
            return Ok(ExitCode::from(1));
        }
    };
    let plans = pipeline::plan_all(&detections);
    let config = match lint::Config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(d) => {
            report(&d, diag_format, Channel::Stderr, None, "");
            return Ok(ExitCode::from(2));
        }
    };
    let gate_errors = if config.gates.require_alert_and_no_alert {
        testing::missing_cases(&plans)
    } else {
        Vec::new()
    };
    let outcomes = match testing::run(&plans, &backends) {
        Ok(o) => o,
        Err(diags) => {
            report(&diags, diag_format, Channel::Stderr, None, "");
            return Ok(ExitCode::from(1));
        }
    };
    match args.format {
        Junit => print!("{}", testing::render_junit(&outcomes)),
        Json => println!("{}", serde_json::to_string_pretty(&outcomes)?),
        Github => print!("{}", testing::render_github(&outcomes)),
        _ => print!("{}", testing::render_table(&outcomes)),
    }
    if !gate_errors.is_empty() {
        report(&gate_errors, diag_format, Channel::Stderr, None, "");
    }
    let failed = outcomes.iter().any(|o| !o.passed) || !gate_errors.is_empty();
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_check_fields(args: &CheckFieldsArgs) -> anyhow::Result<ExitCode> {
    accept(
        args.format,
        &[Format::Human, Format::Json, Format::Github],
        "check-fields",
    )?;
    if !(0.0..=1.0).contains(&args.max_missing) {
        anyhow::bail!("--max-missing must be between 0 and 1");
    }
    let (backends, detections) =
        match pipeline::load(std::slice::from_ref(&args.rules), args.profiles.as_deref()) {
            Ok(x) => x,
            Err(diags) => {
                report(&diags, args.format, Channel::Stderr, None, "");
                return Ok(ExitCode::from(1));
            }
        };
    let mut plans = pipeline::plan_all(&detections);
    if let Some(id) = &args.rule {
        plans.retain(|d| &d.meta.id == id);
        if plans.is_empty() {
            anyhow::bail!("no rule `{id}` under {}", args.rules.display());
        }
    }
    let others: Vec<&dyn tokenward::backend::Backend> = backends
        .iter()
        .filter(|b| b.target() != args.target)
        .collect();
    let r = match fieldcheck::check(
        &plans,
        backends.get(args.target),
        &others,
        &args.samples,
        args.max_missing,
    ) {
        Ok(r) => r,
        Err(diags) => {
            report(&diags, args.format, Channel::Stderr, None, "");
            return Ok(ExitCode::from(1));
        }
    };
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&r)?),
        Format::Github => print!("{}", fieldcheck::render_github(&r)),
        _ => print!("{}", fieldcheck::render_human(&r)),
    }
    Ok(if r.failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_build(args: &BuildArgs) -> anyhow::Result<ExitCode> {
    use Format::*;
    accept(args.format, &[Human, Json, Sarif, Github], "build")?;
    let targets = &args.targets.0;
    let nothing = "; nothing was written";
    let (backends, detections) = match pipeline::load(&args.paths, args.profiles.as_deref()) {
        Ok(x) => x,
        Err(diags) => {
            report(&diags, args.format, Channel::Stderr, None, nothing);
            return Ok(ExitCode::from(1));
        }
    };
    let warnings: Vec<_> = detections.iter().flat_map(|d| d.warnings.clone()).collect();
    if !warnings.is_empty() {
        report(&warnings, args.format, Channel::Stderr, None, "");
    }
    let plans = pipeline::plan_all(&detections);
    match args.emit {
        Emit::Ir => {
            println!("{}", serde_json::to_string_pretty(&detections)?);
            return Ok(ExitCode::SUCCESS);
        }
        Emit::Plan => {
            println!("{}", serde_json::to_string_pretty(&plans)?);
            return Ok(ExitCode::SUCCESS);
        }
        Emit::Queries => {}
    }
    let artifacts = match pipeline::compile(&plans, targets, &backends) {
        Ok(a) => a,
        Err(diags) => {
            report(&diags, args.format, Channel::Stderr, None, nothing);
            return Ok(ExitCode::from(1));
        }
    };
    if args.check {
        let diff = gate::check(&args.out, &artifacts);
        if diff.is_empty() {
            eprintln!("{} is up to date with the rules", args.out.display());
            return Ok(ExitCode::SUCCESS);
        }
        print!("{diff}");
        eprintln!(
            "{} differs from what the rules generate: run `tokenward build` and commit the result",
            args.out.display()
        );
        return Ok(ExitCode::from(1));
    }
    if let Err(d) = outdir::refuse_inside_inputs(&args.out, &args.paths)
        .and_then(|()| outdir::write(&args.out, &artifacts))
    {
        report(&[d], args.format, Channel::Stderr, None, nothing);
        return Ok(ExitCode::from(1));
    }
    eprintln!(
        "built {} rule(s) for {} into {} ({} files)",
        plans.len(),
        targets
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(" and "),
        args.out.display(),
        artifacts.len()
    );
    Ok(ExitCode::SUCCESS)
}
