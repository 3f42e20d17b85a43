//! `linli triage "TEXT"`, `linli triage < lines.jsonl`,
//! `linli triage train …` and `linli triage eval …`.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde::Deserialize;

use super::dataset::{self, Row};
use super::features::Shape;
use super::model::TrainOptions;
use super::urgency::Bars;
use super::{Context, Engine, eval, train_engine};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TriageArgs {
    #[command(subcommand)]
    pub command: Option<TriageCommand>,

    /// The message to triage. Without it, JSON lines `{"text": …}` are read
    /// from stdin and one JSON object per line is written, in order.
    pub text: Option<String>,

    /// A model trained by `linli triage train` (default: the built-in one).
    #[arg(long)]
    pub model: Option<PathBuf>,

    /// The building the message was posted in (its number), if known.
    #[arg(long)]
    pub building: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TriageCommand {
    /// Train a model on labelled messages (a UTF-8 CSV with a header).
    Train(TrainArgs),
    /// Stratified K-fold cross-validation on labelled messages.
    Eval(EvalArgs),
}

#[derive(Debug, Args)]
pub struct DataArgs {
    /// The CSV file.
    #[arg(long)]
    pub csv: PathBuf,
    /// Column(s) holding the text; several are joined by a space.
    #[arg(long = "text-col", required = true)]
    pub text_cols: Vec<String>,
    /// Column holding the label (a taxonomy code or `not_report`).
    #[arg(long = "label-col")]
    pub label_col: String,
    /// Column saying whether the message reports danger now (1/0).
    #[arg(long = "urgent-col")]
    pub urgent_col: Option<String>,
}

/// Learning settings; the defaults are what the built-in model uses.
#[derive(Debug, Args)]
pub struct LearningArgs {
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The SVM's cost (larger fits the training messages more closely).
    #[arg(long, default_value_t = TrainOptions::default().c)]
    pub c: f32,
    /// Character n-grams of the whole text up to this length (1–3).
    #[arg(long = "text-chars", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub text_chars: u8,
    /// Character n-grams of each field up to this length (with several --text-col).
    #[arg(long = "field-chars", default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub field_chars: u8,
    /// Drop terms that occur in fewer messages than this.
    #[arg(long = "min-df", default_value_t = TrainOptions::default().min_df)]
    pub min_df: u32,
    /// Choose --c and --text-chars by cross-validation on the training data
    /// (in `eval`, nested: inside each fold).
    #[arg(long)]
    pub tune: bool,
}

impl LearningArgs {
    fn options(&self) -> TrainOptions {
        TrainOptions {
            c: self.c,
            shape: Shape { text_chars: usize::from(self.text_chars), field_chars: usize::from(self.field_chars) },
            min_df: self.min_df,
            seed: self.seed,
            ..TrainOptions::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Where to write the model.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub learning: LearningArgs,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Also train on all of --csv and score this separate labelled file
    /// (same columns).
    #[arg(long = "test-csv")]
    pub test_csv: Option<PathBuf>,
    /// Write each row's fold (`row,fold`, rows numbered from 0 in file
    /// order) so another tool can score the very same folds.
    #[arg(long = "folds-out")]
    pub folds_out: Option<PathBuf>,
    #[command(flatten)]
    pub learning: LearningArgs,
}

pub fn run(args: TriageArgs) -> anyhow::Result<()> {
    match args.command {
        Some(TriageCommand::Train(t)) => train_command(t),
        Some(TriageCommand::Eval(e)) => eval_command(e),
        None => {
            let loaded;
            let engine = match &args.model {
                Some(path) => {
                    loaded = load_engine(path)?;
                    &loaded
                }
                None => Engine::builtin(),
            };
            let context = Context { building: args.building.clone() };
            match args.text {
                Some(text) => {
                    println!("{}", serde_json::to_string(&engine.triage(&text, &context))?);
                    Ok(())
                }
                None => stream(engine, &context),
            }
        }
    }
}

/// Reads and checks a model file, naming the file in errors.
pub fn load_engine(path: &PathBuf) -> anyhow::Result<Engine> {
    let bytes = std::fs::read(path).with_context(|| format!("reading the model {}", path.display()))?;
    Engine::from_bytes(&bytes).with_context(|| format!("loading the model {}", path.display()))
}

#[derive(Deserialize)]
struct Line {
    text: String,
    building: Option<String>,
}

fn stream(engine: &Engine, context: &Context) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.context("reading stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Line>(&line) {
            Ok(l) => {
                let ctx = Context { building: l.building.or_else(|| context.building.clone()) };
                serde_json::to_string(&engine.triage(&l.text, &ctx))?
            }
            // One answer per line, in order, even for a bad line.
            Err(e) => serde_json::json!({ "error": format!("line {}: {e}", n + 1) }).to_string(),
        };
        writeln!(out, "{reply}")?;
    }
    out.flush()?;
    Ok(())
}

fn read_rows(data: &DataArgs) -> anyhow::Result<Vec<Row>> {
    let file = std::fs::File::open(&data.csv).with_context(|| format!("opening {}", data.csv.display()))?;
    dataset::read_csv(file, &data.text_cols, &data.label_col, data.urgent_col.as_deref())
        .with_context(|| format!("reading {}", data.csv.display()))
}

fn train_command(args: TrainArgs) -> anyhow::Result<()> {
    let rows = read_rows(&args.data)?;
    let started = std::time::Instant::now();
    let mut opts = args.learning.options();
    if args.learning.tune {
        opts = eval::tune(&rows, opts);
        eprintln!("chosen by 3-fold cross-validation: --c {} --text-chars {}", opts.c, opts.shape.text_chars);
    }
    let engine = train_engine(&rows, opts);
    let bytes = engine.to_bytes();
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    let model = engine.model();
    eprintln!(
        "trained on {} messages, {} classes, {} features{} in {:.2} s; wrote {} ({} bytes)",
        rows.len(),
        model.classes.len(),
        model.feature_count(),
        if engine.has_urgency_model() { ", and the urgency model" } else { "" },
        started.elapsed().as_secs_f64(),
        args.out.display(),
        bytes.len()
    );
    Ok(())
}

/// Out-of-fold urgency at the default bars, and as the plain bar moves.
fn print_urgency_curve(judged: &[eval::Judged]) {
    let Some(at_default) = eval::urgency_at(judged, Bars::DEFAULT) else { return };
    println!("\nurgency, out of fold (hazard rules + learned model, default bars): {at_default}");
    println!("{:>10} {:>8} {:>10}   {:>14} {:>10}", "plain bar", "recall", "precision", "model: recall", "precision");
    for plain in [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] {
        if let (Some(u), Some(m)) = (eval::urgency_at(judged, Bars::at(plain)), eval::learned_urgency_at(judged, plain))
        {
            println!(
                "{plain:>10.2} {:>8.3} {:>10.3}   {:>14.3} {:>10.3}",
                u.recall, u.precision, m.recall, m.precision
            );
        }
    }
    if let Some(u) = eval::urgency_at(judged, Bars::RULES_ONLY) {
        println!("{:>10} {:>8.3} {:>10.3}", "rules only", u.recall, u.precision);
    }
}

fn eval_command(args: EvalArgs) -> anyhow::Result<()> {
    if args.folds < 2 {
        anyhow::bail!("--folds must be at least 2");
    }
    let rows = read_rows(&args.data)?;
    let opts = args.learning.options();
    let started = std::time::Instant::now();
    let cv = eval::cross_validate(&rows, args.folds, opts.seed, opts, args.learning.tune);
    let nested = if args.learning.tune { "nested " } else { "" };
    println!(
        "{}-fold stratified {nested}cross-validation, seed {}, {:.1} s",
        args.folds,
        opts.seed,
        started.elapsed().as_secs_f64()
    );
    let (mean, sd) = cv.macro_f1_spread();
    println!(
        "macro_f1 over folds: {mean:.3} ± {sd:.3}  ({})",
        cv.folds.iter().map(|f| format!("{:.3}", f.macro_f1)).collect::<Vec<_>>().join(", ")
    );
    for (i, f) in cv.folds.iter().enumerate() {
        println!("  fold {i}: --c {} --text-chars {}", f.options.c, f.options.shape.text_chars);
    }
    print!("{}", cv.report);
    if let Some(path) = &args.folds_out {
        let lines: String = cv.fold_of.iter().enumerate().map(|(i, f)| format!("{i},{f}\n")).collect();
        std::fs::write(path, format!("row,fold\n{lines}")).with_context(|| format!("writing {}", path.display()))?;
    }
    print_urgency_curve(&cv.urgency);
    if let Some(path) = &args.test_csv {
        let test = read_rows(&DataArgs { csv: path.clone(), ..args.data })?;
        let opts = if args.learning.tune { eval::tune(&rows, opts) } else { opts };
        let engine = train_engine(&rows, opts);
        println!();
        println!("trained on all of {} messages, scored on {}", rows.len(), path.display());
        print!("{}", eval::evaluate(&engine, &test));
        if let Some(u) = eval::urgency(&engine, &test) {
            println!("urgency: {u}");
        }
    }
    Ok(())
}
