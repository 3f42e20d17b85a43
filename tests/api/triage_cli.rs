//! `linli triage`: one message, JSON lines, train, eval, model files.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn linli(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linli"))
        .args(args)
        .env("LINLI_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run linli");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.unwrap_or("").as_bytes()).expect("write stdin");
    drop(input);
    let out = child.wait_with_output().expect("wait");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/triage/messages.csv");
const HOLDOUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/triage/holdout.csv");
const DANGER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/triage/holdout_danger.csv");

#[test]
fn one_message_as_json() {
    let (ok, out, err) = linli(&["triage", "98栋三单元的楼道灯不亮"], None);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).expect("one JSON object");
    for key in [
        "category",
        "confidence",
        "alternatives",
        "building",
        "unit",
        "room",
        "floor",
        "urgent",
        "urgent_cue",
        "urgent_reason",
        "is_report",
        "because",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(
        (v["category"].as_str(), v["building"].as_str(), v["unit"].as_i64()),
        (Some("lighting"), Some("98"), Some(3))
    );
}

#[test]
fn json_lines_in_order_even_with_a_bad_line() {
    let input = "{\"text\": \"31号楼楼顶电视信号接收锅摇摇欲坠\"}\nnot json\n\n{\"text\": \"谢谢\"}\n{\"text\": \"六楼302室漏水\", \"building\": \"5\"}\n";
    let (ok, out, err) = linli(&["triage"], Some(input));
    assert!(ok, "{err}");
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(lines.len(), 4);
    assert_eq!((lines[0]["urgent"].as_bool(), lines[0]["urgent_cue"].as_str()), (Some(true), Some("摇摇欲坠")));
    assert!(lines[1]["error"].as_str().is_some_and(|e| e.contains("line 2")));
    assert_eq!(lines[2]["is_report"], false);
    assert_eq!(
        (lines[3]["floor"].as_i64(), lines[3]["room"].as_str(), lines[3]["building"].as_str()),
        (Some(6), Some("302"), Some("5"))
    );
}

#[test]
fn train_then_use_and_refuse_a_corrupt_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = dir.path().join("m.bin");
    let model_s = model.to_str().expect("utf-8");
    let (ok, _, err) = linli(
        &["triage", "train", "--csv", DATA, "--text-col", "text", "--label-col", "label", "--out", model_s],
        None,
    );
    assert!(ok, "{err}");
    let rows = std::fs::read_to_string(DATA).expect("data").lines().count() - 1;
    assert!(err.contains(&format!("trained on {rows} messages")) && !err.contains("urgency model"), "{err}");
    let (ok, out, err) = linli(&["triage", "--model", model_s, "楼道里有好大的煤气味"], None);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!((v["category"].as_str(), v["urgent"].as_bool()), (Some("power_gas"), Some(true)));
    assert_eq!(v["urgent_reason"].as_str(), Some("燃气泄漏（“煤气味”）"));

    let mut bytes = std::fs::read(&model).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&model, &bytes).expect("write");
    let (ok, _, err) = linli(&["triage", "--model", model_s, "灯坏了"], None);
    assert!(!ok && err.contains("corrupt"), "{err}");
    std::fs::write(&model, b"hello").expect("write");
    let (ok, _, err) = linli(&["triage", "--model", model_s, "灯坏了"], None);
    assert!(!ok && err.contains("not a linli triage model"), "{err}");
    let (ok, _, err) = linli(
        &["triage", "train", "--csv", DATA, "--text-col", "message", "--label-col", "label", "--out", model_s],
        None,
    );
    assert!(!ok && err.contains("no column `message`"), "{err}");
}

/// Cross-validation prints its scores; a floor catches regressions in the
/// engine or the data (not timing: these are accuracy figures).
#[test]
fn eval_prints_scores_above_the_floor() {
    let (ok, out, err) = linli(
        &[
            "triage",
            "eval",
            "--csv",
            DATA,
            "--text-col",
            "text",
            "--label-col",
            "label",
            "--folds",
            "5",
            "--seed",
            "7",
            "--test-csv",
            HOLDOUT,
        ],
        None,
    );
    assert!(ok, "{err}");
    let scores: Vec<f64> =
        out.lines().filter_map(|l| l.strip_prefix("macro_f1: ")).map(|v| v.parse().expect("number")).collect();
    assert_eq!(scores.len(), 2, "{out}");
    assert!(scores[0] >= 0.75, "cross-validated macro-F1 {}", scores[0]);
    assert!(scores[1] >= 0.85, "hold-out macro-F1 {}", scores[1]);
    assert!(out.contains("confusion matrix") && out.contains("precision"), "{out}");
    let (ok, _, err) =
        linli(&["triage", "eval", "--csv", DATA, "--text-col", "text", "--label-col", "label", "--folds", "1"], None);
    assert!(!ok && err.contains("--folds"), "{err}");
}

/// Recall on danger from the hold-out written blind for it: the words
/// that set urgency off and the learned model behind them, in the shipped
/// binary, trained by `linli triage train` and scored by `linli triage eval`.
#[test]
fn urgency_is_trained_reported_and_explained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = dir.path().join("m.bin");
    let model_s = model.to_str().expect("utf-8");
    let data = ["--csv", DATA, "--text-col", "text", "--label-col", "label", "--urgent-col", "urgent"];
    let (ok, _, err) = linli(&[&["triage", "train"], &data[..], &["--out", model_s]].concat(), None);
    assert!(ok && err.contains("and the urgency model"), "{err}");
    // The first danger the issue saw missed.
    let (ok, out, err) = linli(&["triage", "--model", model_s, "电梯卡在六楼了,里面好像有人在拍门"], None);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!((v["category"].as_str(), v["urgent"].as_bool()), (Some("elevator"), Some(true)), "{v}");
    assert!(v["urgent_reason"].as_str().is_some_and(|r| r.starts_with("有人被困")), "{v}");

    let (ok, out, err) =
        linli(&[&["triage", "eval"], &data[..], &["--folds", "3", "--test-csv", DANGER]].concat(), None);
    assert!(ok, "{err}");
    assert!(out.contains("urgency, out of fold") && out.contains("rules only"), "{out}");
    let line = out.lines().find(|l| l.starts_with("urgency: urgent recall")).expect("hold-out urgency line");
    let figures: Vec<f64> = line
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|w| w.contains('.'))
        .map(|w| w.parse().expect("number"))
        .collect();
    assert!(figures[0] >= 0.95 && figures[1] >= 0.7, "{line}");
}
