//! The command line: parse arguments, run a pipeline stage, render diagnostics, pick the exit code.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use tokenward::backend::{Profiles, Target};
use tokenward::build;
use tokenward::diag::Diagnostic;

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
    match cli.command {
        Command::Build(args) => match run_build(&args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
        },
    }
}

fn report(diags: &[Diagnostic], format: Format) {
    let mut err = std::io::stderr().lock();
    match format {
        Format::Human => {
            for d in diags {
                let _ = writeln!(err, "{}", d.render_human());
            }
            let _ = writeln!(err, "{} error(s); nothing was written", diags.len());
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
    let outcome = (|| -> Result<_, Vec<Diagnostic>> {
        let profiles = Profiles::load(args.profiles.as_deref())?;
        let files = build::find_rules(&args.paths)?;
        let detections = build::check_all(&files)?;
        Ok((profiles, detections))
    })();
    let (profiles, detections) = match outcome {
        Ok(x) => x,
        Err(diags) => {
            report(&diags, args.format);
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
            report(&diags, args.format);
            return Ok(ExitCode::from(1));
        }
    };
    if let Err(d) = build::write(&args.out, &artifacts) {
        report(&[d], args.format);
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
