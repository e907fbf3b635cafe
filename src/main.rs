//! The command line: parse arguments, run a pipeline stage, render diagnostics, pick the exit code.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use tokenward::backend::{Profiles, Target};
use tokenward::diag::{Diagnostic, Severity};
use tokenward::ir::Detection;
use tokenward::{build, fieldcheck, gate, lint, testing};

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
    /// Print the documentation of a lint rule (`tokenward rule KQL003`), or list them all.
    Rule(RuleArgs),
    /// What changed per rule and target between two rule sets (folders or git revisions).
    Diff(DiffArgs),
    /// Write the coverage matrix (rules × ATT&CK × NIST 800-53 × targets) as Markdown and HTML.
    Report(ReportArgs),
}

#[derive(clap::Args)]
struct LintArgs {
    /// .kql, .spl and rule .yaml files, or folders holding them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    format: LintFormat,
    /// Treat warnings as errors for the exit code.
    #[arg(long)]
    deny_warnings: bool,
    /// Project config with lint levels and extra schemas (default: ./tokenward.yaml when present).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LintFormat {
    Human,
    Json,
    Sarif,
}

#[derive(clap::Args)]
struct RuleArgs {
    /// A lint code such as KQL003; omit it with --list.
    code: Option<String>,
    /// List every lint rule.
    #[arg(long)]
    list: bool,
}

#[derive(clap::Args)]
struct TestArgs {
    /// Rule files or folders of rules.
    #[arg(default_value = "rules")]
    paths: Vec<PathBuf>,
    /// Folder holding sentinel.yaml / splunk.yaml profiles that override the bundled ones.
    #[arg(long)]
    profiles: Option<PathBuf>,
    /// `human` prints a pass/fail table; `junit` writes JUnit XML to standard output.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    format: TestFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum TestFormat {
    Human,
    Junit,
    Json,
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
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(clap::Args)]
struct BuildArgs {
    /// Rule files or folders of rules.
    #[arg(default_value = "rules")]
    paths: Vec<PathBuf>,
    /// Which SIEM to compile for.
    #[arg(long, value_enum, default_value_t = TargetArg::All)]
    target: TargetArg,
    /// Output folder; replaced whole, atomically, on success.
    #[arg(long, default_value = "dist")]
    out: PathBuf,
    /// Folder holding sentinel.yaml / splunk.yaml profiles that override the bundled ones.
    #[arg(long)]
    profiles: Option<PathBuf>,
    /// `queries` writes the output folder; `ir` prints what the compiler understood, as JSON.
    #[arg(long, value_enum, default_value_t = Emit::Queries)]
    emit: Emit,
    /// How diagnostics are printed.
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
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Rule files or folders of rules.
    #[arg(default_value = "rules")]
    paths: Vec<PathBuf>,
    /// Where coverage.md and coverage.html are written.
    #[arg(long, default_value = "report")]
    out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum TargetArg {
    Sentinel,
    Splunk,
    All,
}

#[derive(Clone, Copy, ValueEnum)]
enum Emit {
    Queries,
    Ir,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(args) => run_build(&args),
        Command::Test(args) => run_test(&args),
        Command::CheckFields(args) => run_check_fields(&args),
        Command::Lint(args) => run_lint(&args),
        Command::Rule(args) => run_rule(&args),
        Command::Diff(args) => run_diff(&args),
        Command::Report(args) => run_report(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Profiles and checked detections, or every diagnostic found on the way.
fn load(
    paths: &[PathBuf],
    profiles: Option<&Path>,
) -> Result<(Profiles, Vec<Detection>), Vec<Diagnostic>> {
    let profiles = Profiles::load(profiles)?;
    let files = build::find_rules(paths)?;
    let detections = build::check_all(&files)?;
    Ok((profiles, detections))
}

fn run_lint(args: &LintArgs) -> anyhow::Result<ExitCode> {
    let config = match lint::Config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(d) => {
            report(&[d], Format::Human);
            return Ok(ExitCode::from(2));
        }
    };
    let files = match lint::collect(&args.paths) {
        Ok(f) => f,
        Err(d) => {
            report(&[d], Format::Human);
            return Ok(ExitCode::from(2));
        }
    };
    let diags = lint::lint_files(&files, &config);
    match args.format {
        LintFormat::Human => print!("{}", lint::output::human(&diags, files.len())),
        LintFormat::Json => println!("{}", lint::output::json(&diags, files.len())),
        LintFormat::Sarif => println!("{}", lint::output::sarif(&diags)),
    }
    let errors = diags.iter().any(|d| d.severity == Severity::Error);
    let warnings = diags.iter().any(|d| d.severity == Severity::Warning);
    Ok(if errors || (args.deny_warnings && warnings) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_rule(args: &RuleArgs) -> anyhow::Result<ExitCode> {
    if args.list || args.code.is_none() {
        for l in lint::registry::LINTS {
            println!("{}  {:<32} {}", l.code, l.name, l.summary);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let code = args.code.as_deref().unwrap_or_default();
    match lint::find(code) {
        Some(l) => {
            print!("{}", lint::registry::markdown(l));
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("error: no lint rule `{code}`; `tokenward rule --list` lists them");
            Ok(ExitCode::from(2))
        }
    }
}

fn run_diff(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let scratch = tempfile_dir()?;
    let mut sides = Vec::new();
    for (i, arg) in [&args.old, &args.new].into_iter().enumerate() {
        let side = gate::Side::parse(arg);
        let dir = match side.materialize(&args.rules, &scratch.join(i.to_string())) {
            Ok(d) => d,
            Err(d) => {
                report(&[d], Format::Human);
                let _ = std::fs::remove_dir_all(&scratch);
                return Ok(ExitCode::from(2));
            }
        };
        // A revision is built from inside its scratch folder, so paths in the output read `rules/…`
        // on both sides and only real changes show.
        let here = std::env::current_dir()?;
        let profiles = args.profiles.as_ref().map(|p| here.join(p));
        let (root, rel) = match &side {
            gate::Side::Revision(_) => (scratch.join(i.to_string()), args.rules.clone()),
            gate::Side::Folder(_) => {
                // Build a folder from its parent so both sides name their rules alike.
                let abs = here.join(&dir);
                match (abs.parent(), abs.file_name()) {
                    (Some(parent), Some(name)) => (parent.to_path_buf(), PathBuf::from(name)),
                    _ => (here.clone(), dir.clone()),
                }
            }
        };
        std::env::set_current_dir(&root)?;
        let built = load(std::slice::from_ref(&rel), profiles.as_deref())
            .and_then(|(p, d)| build::compile_all(&d, &Target::ALL, &p).map(|a| (d, a)));
        std::env::set_current_dir(&here)?;
        match built {
            Ok((d, a)) => sides.push((d.iter().map(|x| x.id.clone()).collect::<Vec<_>>(), a)),
            Err(diags) => {
                report(&diags, Format::Human);
                let _ = std::fs::remove_dir_all(&scratch);
                return Ok(ExitCode::from(1));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    print!(
        "{}",
        gate::diff(&sides[0].1, &sides[1].1, &sides[0].0, &sides[1].0)
    );
    Ok(ExitCode::SUCCESS)
}

/// A private scratch folder under the system temp dir.
fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let base = std::env::temp_dir().join(format!("tokenward-diff-{}", std::process::id()));
    std::fs::create_dir_all(&base)?;
    Ok(base)
}

fn run_report(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let files = match build::find_rules(&args.paths).and_then(|f| build::check_all(&f)) {
        Ok(d) => d,
        Err(diags) => {
            report(&diags, Format::Human);
            return Ok(ExitCode::from(1));
        }
    };
    std::fs::create_dir_all(&args.out)?;
    let md = tokenward::report::markdown(&files, &Target::ALL);
    let html = tokenward::report::html(&files, &Target::ALL);
    std::fs::write(args.out.join("coverage.md"), md)?;
    std::fs::write(args.out.join("coverage.html"), html)?;
    eprintln!("wrote {}/coverage.md and coverage.html", args.out.display());
    Ok(ExitCode::SUCCESS)
}

fn run_test(args: &TestArgs) -> anyhow::Result<ExitCode> {
    let (profiles, detections) = match load(&args.paths, args.profiles.as_deref()) {
        Ok(x) => x,
        Err(diags) => {
            report(&diags, Format::Human);
            return Ok(ExitCode::from(1));
        }
    };
    let outcomes = match testing::run(&detections, &profiles) {
        Ok(o) => o,
        Err(diags) => {
            report(&diags, Format::Human);
            return Ok(ExitCode::from(1));
        }
    };
    match args.format {
        TestFormat::Human => print!("{}", testing::render_table(&outcomes)),
        TestFormat::Junit => print!("{}", testing::render_junit(&outcomes)),
        TestFormat::Json => println!("{}", serde_json::to_string_pretty(&outcomes)?),
    }
    let failed = outcomes.iter().any(|o| !o.passed);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_check_fields(args: &CheckFieldsArgs) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.max_missing) {
        anyhow::bail!("--max-missing must be between 0 and 1");
    }
    let (profiles, mut detections) =
        match load(std::slice::from_ref(&args.rules), args.profiles.as_deref()) {
            Ok(x) => x,
            Err(diags) => {
                report(&diags, args.format);
                return Ok(ExitCode::from(1));
            }
        };
    if let Some(id) = &args.rule {
        detections.retain(|d| &d.id == id);
        if detections.is_empty() {
            anyhow::bail!("no rule `{id}` under {}", args.rules.display());
        }
    }
    let r = match fieldcheck::check(
        &detections,
        args.target,
        &profiles,
        &args.samples,
        args.max_missing,
    ) {
        Ok(r) => r,
        Err(diags) => {
            report(&diags, args.format);
            return Ok(ExitCode::from(1));
        }
    };
    match args.format {
        Format::Human => print!("{}", fieldcheck::render_human(&r)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&r)?),
    }
    Ok(if r.failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn report(diags: &[Diagnostic], format: Format) {
    report_with(diags, format, "");
}

/// Prints diagnostics; `note` follows the count in human output.
fn report_with(diags: &[Diagnostic], format: Format, note: &str) {
    let mut err = std::io::stderr().lock();
    match format {
        Format::Human => {
            for d in diags {
                let _ = writeln!(err, "{}", d.render_human());
            }
            let _ = writeln!(err, "{} error(s){note}", diags.len());
        }
        Format::Json => {
            let json: Vec<_> = diags.iter().map(Diagnostic::to_json).collect();
            let _ = writeln!(
                err,
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
        }
    }
}

fn run_build(args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let targets: Vec<Target> = match args.target {
        TargetArg::Sentinel => vec![Target::Sentinel],
        TargetArg::Splunk => vec![Target::Splunk],
        TargetArg::All => Target::ALL.to_vec(),
    };
    let (profiles, detections) = match load(&args.paths, args.profiles.as_deref()) {
        Ok(x) => x,
        Err(diags) => {
            report_with(&diags, args.format, "; nothing was written");
            return Ok(ExitCode::from(1));
        }
    };
    if let Emit::Ir = args.emit {
        println!("{}", serde_json::to_string_pretty(&detections)?);
        return Ok(ExitCode::SUCCESS);
    }
    let artifacts = match build::compile_all(&detections, &targets, &profiles) {
        Ok(a) => a,
        Err(diags) => {
            report_with(&diags, args.format, "; nothing was written");
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
    if let Err(d) = build::write(&args.out, &artifacts) {
        report_with(&[d], args.format, "; nothing was written");
        return Ok(ExitCode::from(1));
    }
    eprintln!(
        "built {} rule(s) for {} into {} ({} files)",
        detections.len(),
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
