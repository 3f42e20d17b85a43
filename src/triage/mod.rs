//! Triage: a Chinese chat message in, a routed case's facts out — the
//! category (with confidence and runners-up), the place (building, unit,
//! room, floor), whether it is urgent and why, and whether it is a report
//! at all. Pure: no I/O, so it is fast and testable on its own.

pub mod cli;
pub mod dataset;
pub mod eval;
pub mod features;
pub mod location;
pub mod model;
pub mod svm;
pub mod tfidf;
pub mod urgency;

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use model::{Model, TrainOptions};

/// The label of messages that are not reports.
pub const NOT_REPORT: &str = "not_report";

/// Phrases that settle a category better than statistics can: they are
/// specific to one category and residents use them in no other sense.
const STRONG_PHRASES: &[(&str, &str)] = &[
    ("飞线充电", "fire_safety"),
    ("飞线", "fire_safety"),
    ("私拉电线", "fire_safety"),
    ("私自封门", "fire_safety"),
    ("堵了消防通道", "fire_safety"),
    ("楼道堆物", "fire_safety"),
    ("电瓶车进楼", "fire_safety"),
    ("电动车进楼", "fire_safety"),
    ("困在电梯", "elevator"),
    ("电梯困人", "elevator"),
    ("煤气味", "power_gas"),
    ("燃气泄漏", "power_gas"),
    ("高空抛物", "building_safety"),
    ("摇摇欲坠", "building_safety"),
    ("楼道灯", "lighting"),
    ("感应灯", "lighting"),
    ("毁绿种菜", "greenery"),
    ("僵尸车", "parking_traffic"),
    ("充电桩不够", "ev_charging"),
    ("充电桩太少", "ev_charging"),
];

/// How much a strong phrase adds to its category's score (an SVM margin).
const STRONG_PHRASE_BONUS: f32 = 1.0;

/// What the message's surroundings already tell: the channel's building.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The building the channel belongs to (its number, as [`Location`] gives it).
    pub building: Option<String>,
}

/// A category and how sure the engine is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub category: String,
    pub confidence: f64,
}

/// The triage of one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Triage {
    /// The category, or `null` when the message is not a report.
    pub category: Option<String>,
    pub confidence: f64,
    /// The next most likely categories, best first.
    pub alternatives: Vec<Scored>,
    pub building: Option<String>,
    pub unit: Option<u32>,
    pub room: Option<String>,
    pub floor: Option<i32>,
    pub urgent: bool,
    /// The word that made it urgent.
    pub urgent_cue: Option<String>,
    /// Why it is urgent, in the words staff read in the notice.
    pub urgent_reason: Option<String>,
    pub is_report: bool,
    /// The words that decided the category, strongest first.
    pub because: Vec<String>,
}

impl Triage {
    /// The label as the labelled data names it: a category or `not_report`.
    pub fn label(&self) -> &str {
        self.category.as_deref().unwrap_or(NOT_REPORT)
    }
}

/// A trained model plus the rules around it.
#[derive(Debug, Clone)]
pub struct Engine {
    model: Model,
    /// Urgent against calm, when the training data said which was which.
    urgency: Option<Model>,
    bars: urgency::Bars,
    not_report: Option<usize>,
}

/// The class of the urgency model that means danger now.
const URGENT: &str = "urgent";

impl Engine {
    pub fn new(model: Model) -> Engine {
        Engine::with_urgency(model, None)
    }

    pub fn with_urgency(model: Model, urgency: Option<Model>) -> Engine {
        let not_report = model.class_index(NOT_REPORT);
        Engine { model, urgency, bars: urgency::Bars::DEFAULT, not_report }
    }

    /// Both models in one file: the category model, then the urgency model
    /// if there is one, each as [`Model::to_bytes`] writes it.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.model.to_bytes();
        if let Some(u) = &self.urgency {
            out.extend_from_slice(&u.to_bytes());
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Engine, model::ModelError> {
        let (model, used) = Model::read(bytes)?;
        let urgency = match &bytes[used..] {
            [] => None,
            rest => Some(Model::from_bytes(rest)?),
        };
        Ok(Engine::with_urgency(model, urgency))
    }

    /// What the learned urgency model makes of the message (`terms` as the
    /// category model saw them, recomputed if the urgency model differs).
    fn learned_urgency(&self, text: &str, terms: &[String]) -> Option<urgency::Learned> {
        let m = self.urgency.as_ref()?;
        let urgent = m.class_index(URGENT)?;
        let own;
        let terms = if m.shape == self.model.shape {
            terms
        } else {
            own = features::terms(&[text.to_string()], m.shape);
            &own
        };
        let probability = m.probabilities(&m.scores(terms))[urgent];
        let because = if probability >= self.bars.alarmed.min(self.bars.plain) {
            m.reasons(terms, urgent, 3)
        } else {
            Vec::new()
        };
        Some(urgency::Learned { probability, because })
    }

    /// The engine trained on linli's own labelled messages
    /// (`data/triage/messages.csv`), built once per process.
    pub fn builtin() -> &'static Engine {
        static ENGINE: OnceLock<Engine> = OnceLock::new();
        ENGINE.get_or_init(|| {
            let rows = dataset::builtin();
            train_engine(&rows, TrainOptions::default())
        })
    }

    /// The learned urgency model's probability that `text` is urgent.
    pub fn urgency_probability(&self, text: &str) -> Option<f32> {
        let terms = features::terms(&[text.to_string()], self.model.shape);
        self.learned_urgency(text, &terms).map(|l| l.probability)
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn has_urgency_model(&self) -> bool {
        self.urgency.is_some()
    }

    pub fn triage(&self, text: &str, context: &Context) -> Triage {
        let location = location::parse(text);
        let terms = features::terms(&[text.to_string()], self.model.shape);
        let urgency = urgency::evidence(text).decide(self.learned_urgency(text, &terms).as_ref(), self.bars);
        let mut scores = self.model.scores(&terms);
        let settled = STRONG_PHRASES.iter().filter(|(phrase, _)| text.contains(phrase)).map(|(_, class)| *class);
        // A danger whose kind settles the category weighs like a strong phrase.
        for class in settled.chain(urgency.as_ref().and_then(|u| u.category)) {
            if let Some(c) = self.model.class_index(class) {
                scores[c] += STRONG_PHRASE_BONUS;
            }
        }
        let probabilities = self.model.probabilities(&scores);
        let mut ranked: Vec<(usize, f32)> = probabilities.iter().copied().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let top_is_report = Some(ranked[0].0) != self.not_report;
        // Urgent danger is always a report; emoji and punctuation never are.
        let is_report = features::has_words(text) && (top_is_report || urgency.is_some());
        let categories: Vec<(usize, f32)> = ranked.into_iter().filter(|(c, _)| Some(*c) != self.not_report).collect();
        let (category, confidence, because) = match (is_report, categories.first()) {
            (true, Some((c, p))) => {
                // Confidence among the categories, given that it is a report.
                let mass: f32 = categories.iter().map(|(_, p)| p).sum();
                let because = self.model.reasons(&terms, *c, 3);
                (Some(self.model.classes[*c].clone()), f64::from(p / mass.max(f32::EPSILON)), because)
            }
            _ => (None, f64::from(self.not_report.map_or(0.0, |n| probabilities[n])), Vec::new()),
        };
        let skip = usize::from(category.is_some());
        let alternatives = categories
            .iter()
            .skip(skip)
            .take(3)
            .map(|(c, p)| Scored { category: self.model.classes[*c].clone(), confidence: round(f64::from(*p)) })
            .collect();
        Triage {
            category,
            confidence: round(confidence),
            alternatives,
            building: location.building.or_else(|| context.building.clone()),
            unit: location.unit,
            room: location.room,
            floor: location.floor,
            urgent: urgency.is_some(),
            urgent_cue: urgency.as_ref().map(|u| u.cue.clone()),
            urgent_reason: urgency.map(|u| u.reason),
            is_report,
            because,
        }
    }

    /// The label of a labelled row, its fields as they are (several fields
    /// only count as a whole text here: the engine triages single messages).
    pub fn predict(&self, row: &dataset::Row) -> String {
        if row.fields.len() <= 1 {
            return self.triage(&row.text, &Context::default()).label().to_string();
        }
        let scores = self.model.scores(&features::terms(&row.fields, self.model.shape));
        let best = scores.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(c, _)| c);
        self.model.classes[best].clone()
    }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Trains the category model and, when the rows say which are urgent (at
/// least ten of each), the urgency model beside it.
pub fn train_engine(rows: &[dataset::Row], opts: TrainOptions) -> Engine {
    let labelled: Vec<dataset::Row> = rows
        .iter()
        .filter_map(|r| {
            r.urgent.map(|u| dataset::Row { label: if u { URGENT } else { "calm" }.to_string(), ..r.clone() })
        })
        .collect();
    let urgent = labelled.iter().filter(|r| r.label == URGENT).count();
    let urgency = (urgent >= 10 && labelled.len() - urgent >= 10).then(|| train(&labelled, opts));
    Engine::with_urgency(train(rows, opts), urgency)
}

/// Trains a model on labelled texts (each row's fields as they are).
pub fn train(rows: &[dataset::Row], opts: TrainOptions) -> Model {
    let mut classes: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    classes.sort_unstable();
    classes.dedup();
    let examples: Vec<model::Example> = rows
        .iter()
        .map(|r| {
            let y = classes.iter().position(|c| *c == r.label).unwrap_or_default();
            (features::terms(&r.fields, opts.shape), y)
        })
        .collect();
    Model::train(&examples, classes, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triage(text: &str) -> Triage {
        Engine::builtin().triage(text, &Context::default())
    }

    #[test]
    fn the_seed_messages() {
        let light = triage("98栋三单元的楼道灯不亮");
        assert_eq!(light.category.as_deref(), Some("lighting"));
        assert_eq!((light.building.as_deref(), light.unit), (Some("98"), Some(3)));
        assert!(!light.urgent && light.is_report);

        let dish = triage("31号楼楼顶电视信号接收锅摇摇欲坠");
        assert_eq!(dish.category.as_deref(), Some("building_safety"));
        assert_eq!(dish.building.as_deref(), Some("31"));
        assert_eq!((dish.urgent, dish.urgent_cue.as_deref()), (true, Some("摇摇欲坠")));

        let hazards = triage("楼道内私自封门、乱堆杂物和飞线充电");
        assert_eq!(hazards.category.as_deref(), Some("fire_safety"));
    }

    /// The dangers the issue saw missed: each urgent, each in its category.
    #[test]
    fn the_missed_dangers_are_urgent_and_routed_right() {
        let cases = [
            ("电梯卡在六楼,里面好像有人", "elevator"),
            ("我们整栋楼都停电了", "power_gas"),
            ("楼道里好几辆电瓶车在飞线充电", "fire_safety"),
            ("楼上那家屯了好多液化气罐", "fire_safety"),
            ("空调外机的支架快断了，底下天天有人走", "building_safety"),
            ("楼上扔下来个花盆，差点砸到人", "building_safety"),
            ("电表箱那边电线裸露在外面", "power_gas"),
            ("快递柜旁边有个马蜂窝", "pests"),
            ("车库里有辆电动车在冒烟", "fire_safety"),
        ];
        for (text, category) in cases {
            let t = triage(text);
            assert!(t.urgent && t.is_report, "{text}: not urgent: {t:?}");
            assert_eq!(t.category.as_deref(), Some(category), "{text}: {t:?}");
            let reason = t.urgent_reason.unwrap_or_default();
            assert!(reason.contains('“'), "{text}: the reason quotes no words: {reason}");
        }
    }

    #[test]
    fn calm_words_that_sound_dangerous_stay_calm() {
        for text in ["电表箱没有冒烟 就是有点响", "楼上已经不漏了 谢谢", "【通知】明天整栋楼停电检修"]
        {
            assert!(!triage(text).urgent, "{text}");
        }
    }

    #[test]
    fn chat_is_not_a_report() {
        for text in ["谢谢物业师傅！", "收到", "👍👍👍", "大家晚上好", "好的"] {
            let t = triage(text);
            assert!(!t.is_report, "{text}: {t:?}");
            assert_eq!(t.category, None);
        }
    }

    #[test]
    fn the_channel_building_fills_in() {
        let t = Engine::builtin().triage("三单元楼道灯坏了", &Context { building: Some("98".into()) });
        assert_eq!((t.building.as_deref(), t.unit), (Some("98"), Some(3)));
    }

    #[test]
    fn alternatives_are_ranked_and_exclude_the_winner() {
        let t = triage("楼上漏水滴到我家了");
        assert!(t.alternatives.len() == 3);
        assert!(t.alternatives.windows(2).all(|w| w[0].confidence >= w[1].confidence));
        assert!(t.alternatives.iter().all(|a| Some(&a.category) != t.category.as_ref()));
    }
}
