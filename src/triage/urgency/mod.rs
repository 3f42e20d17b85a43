//! Urgency: danger to people now, decided so that it cannot fail quietly.
//!
//! Three kinds of evidence are combined (docs/domain.md, "Urgency"):
//! - **hazard knowledge** ([`hazards`]): words for each kind of danger,
//!   alone or near each other, some tied to the category they settle;
//! - **negation and resolution**: "没有冒烟", "万一着火", "已经不漏了", a
//!   planned outage with notice, a forwarded notice — the danger words are
//!   there, the danger is not;
//! - **the learned urgency model**, trained on the labelled urgency of the
//!   messages, for dangers said in words no rule knows, with a lower bar
//!   when the resident raises the alarm ("!!", "快来人") and a higher one
//!   when the only danger words were negated.
//!
//! A hazard that matches and is not negated is urgent whatever the model
//! says: a false alarm costs a look, a miss may cost a life.

pub mod hazards;
mod index;

use hazards::{HAZARDS, Hazard};
use index::{Hit, Hits, WordSet};

/// How sure the learned model must be to call a message urgent on its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bars {
    pub plain: f32,
    /// When the resident raises the alarm.
    pub alarmed: f32,
    /// When the message's danger words were negated or resolved.
    pub negated: f32,
}

impl Bars {
    /// Chosen by cross-validation on the built-in training set only
    /// (`linli triage eval` prints the curve).
    pub const DEFAULT: Bars = Bars { plain: 0.4, alarmed: 0.25, negated: 0.9 };

    /// Bars the learned model never reaches: the rules alone decide.
    pub const RULES_ONLY: Bars = Bars { plain: f32::INFINITY, alarmed: f32::INFINITY, negated: f32::INFINITY };

    /// The bars with the plain one at `plain` and the others moved with it.
    pub fn at(plain: f32) -> Bars {
        let d = Bars::DEFAULT;
        Bars { plain, alarmed: (plain - (d.plain - d.alarmed)).max(0.05), negated: d.negated.max(plain) }
    }
}

/// Why a message is urgent.
#[derive(Debug, Clone, PartialEq)]
pub struct Urgency {
    /// What staff read in the notice: "有人被困（“卡在”“好像有人”）".
    pub reason: String,
    /// The word that set it off.
    pub cue: String,
    /// The category the danger settles, if its kind does.
    pub category: Option<&'static str>,
}

/// What the learned urgency model made of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Learned {
    pub probability: f32,
    /// The words that weighed most towards urgent.
    pub because: Vec<String>,
}

/// A hazard found in a text, and whether what was said takes it back.
#[derive(Debug, Clone)]
struct Found {
    hazard: &'static Hazard,
    /// The words that matched, one per group, in text order.
    words: Vec<&'static str>,
    /// The matched word of the hazard's last group: the danger itself
    /// ("摇摇欲坠" rather than "接收锅").
    cue: &'static str,
    calm: bool,
}

impl Found {
    fn urgency(&self) -> Urgency {
        let quoted: String = self.words.iter().map(|w| format!("“{w}”")).collect();
        Urgency {
            reason: format!("{}（{quoted}）", self.hazard.kind),
            cue: self.cue.to_string(),
            category: self.hazard.category,
        }
    }
}

/// What the rules make of a message, before the learned model is heard.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// A hazard that stands (mentioned and not taken back).
    pub standing: Option<Urgency>,
    /// Danger words were there but negated, feared, resolved or announced.
    pub taken_back: bool,
    pub alarm: Option<&'static str>,
}

/// The rules' reading of `text`.
pub fn evidence(text: &str) -> Evidence {
    let found = find(text);
    Evidence {
        standing: found.iter().find(|f| !f.calm).map(Found::urgency),
        taken_back: !found.is_empty(),
        alarm: alarm(text),
    }
}

impl Evidence {
    /// A hazard that stands, else the learned model against the bar the
    /// rest of the message sets.
    pub fn decide(&self, learned: Option<&Learned>, bars: Bars) -> Option<Urgency> {
        if self.standing.is_some() {
            return self.standing.clone();
        }
        let learned = learned?;
        let bar = if self.taken_back {
            bars.negated
        } else if self.alarm.is_some() {
            bars.alarmed
        } else {
            bars.plain
        };
        if learned.probability < bar {
            return None;
        }
        let words: String = learned.because.iter().map(|w| format!("“{w}”")).collect();
        let alarm_note = self.alarm.map(|a| format!("，反映人说“{a}”")).unwrap_or_default();
        Some(Urgency {
            reason: format!("像是危急情况（模型把握 {:.2}{}{alarm_note}）", learned.probability, with_words(&words)),
            cue: learned.because.first().cloned().or(self.alarm.map(str::to_string)).unwrap_or_default(),
            category: None,
        })
    }
}

fn with_words(words: &str) -> String {
    if words.is_empty() { String::new() } else { format!("，依据{words}") }
}

/// Every hazard the text mentions (at most one finding per hazard), with
/// whether it was negated, resolved, planned or only feared.
fn find(text: &str) -> Vec<Found> {
    let hits = Hits::of(text);
    if hits.is_empty() {
        return Vec::new();
    }
    let notice = is_notice(text);
    let planned = is_planned(text);
    HAZARDS
        .iter()
        .enumerate()
        .filter_map(|(n, h)| {
            let (words, cue, calm) = matches(n, h, text, &hits)?;
            let calm_word = h.calm_words.iter().any(|w| text.contains(w));
            let calm = calm || calm_word || notice || (h.calm_when_planned && planned);
            Some(Found { hazard: h, words, cue, calm })
        })
        .collect()
}

/// The hazard's words in `text`: the first match that is not negated, else
/// the first match (negated).
fn matches(n: usize, h: &Hazard, text: &str, hits: &Hits) -> Option<(Vec<&'static str>, &'static str, bool)> {
    let mut negated: Option<(Vec<&'static str>, &'static str)> = None;
    for (at, first) in hits.group(n, 0) {
        let Some(rest) = near_words(n, h, text, hits, (at, first)) else { continue };
        let cue = rest.last().map_or(first, |(_, w)| *w);
        let mut found: Vec<Hit> = vec![(at, first)];
        found.extend(rest);
        // Anything after the danger begins may say it is over.
        let start = found.iter().map(|(i, _)| *i).min().unwrap_or(at);
        if !resolved_after(&text[start..]) && found.iter().all(|(i, _)| !taken_back(text, *i)) {
            found.sort_by_key(|(i, _)| *i);
            return Some((found.into_iter().map(|(_, w)| w).collect(), cue, false));
        }
        negated.get_or_insert_with(|| (found.iter().map(|(_, w)| *w).collect(), cue));
    }
    negated.map(|(w, cue)| (w, cue, true))
}

/// One word of each later group within `h.within` characters of the
/// first group's word (start to start, either side).
fn near_words(n: usize, h: &Hazard, text: &str, hits: &Hits, (at, first): Hit) -> Option<Vec<Hit>> {
    let distance = |i: usize| {
        let (a, b) = if i < at { (i, at) } else { (at + first.len(), i) };
        text.get(a.min(b)..b).map_or(usize::MAX, |s| s.chars().count())
    };
    (1..h.groups.len()).map(|g| hits.group(n, g).find(|(i, _)| distance(*i) <= h.within)).collect()
}

/// Words that take back what follows them closely: "没有冒烟", "没冒烟".
static NEGATORS: WordSet = WordSet::new(&["没有", "没", "不是", "不会", "并非", "未", "不再", "无", "点不", "打不"]);
/// Words that make what follows them a fear or a rule, not an event.
static HYPOTHETICAL: WordSet = WordSet::new(&[
    "万一",
    "如果",
    "要是",
    "假如",
    "一旦",
    "怕",
    "担心",
    "容易",
    "可能会",
    "会不会",
    "隐患",
    "演练",
    "演习",
    "防止",
    "预防",
    "以防",
    "不能",
    "不要",
    "不准",
    "禁止",
    "严禁",
    "请勿",
    "别",
    "不得",
    "杜绝",
    "宣传",
    "培训",
    "讲座",
    "哪天",
    "听说",
    "上次",
    "之前",
    "上个月",
    "去年",
    "只能",
    "逼人",
    "希望",
    "建议",
    "已安排",
    "隔壁小区",
    "上回",
    "上礼拜",
    "上周",
    "前年",
    "后来",
    "已联系",
    "分享",
]);
/// Words after the danger that say it is over.
static RESOLVED: WordSet = WordSet::new(&[
    "已经不",
    "不漏了",
    "修好了",
    "已修复",
    "修复了",
    "灭了",
    "扑灭",
    "救出来",
    "已救出",
    "救出了",
    "没事了",
    "已处理",
    "处理好了",
    "处理完",
    "解决了",
    "恢复了",
    "来电了",
    "有水了",
    "已恢复",
    "已经好了",
    "消失了",
    "没味了",
    "散了",
    "不冒了",
    "清理掉了",
    "摘掉了",
    "摘除了",
    "已拆除",
    "拆掉了",
    "已摘",
    "没了",
    "弄好了",
    "搞定了",
    "是误会",
    "虚惊",
    "拆走",
    "没砸到",
    "清走",
    "换好",
    "救出",
    "推出去了",
    "关起来",
    "抓走",
    "打完针",
    "打了疫苗",
    "已经断电",
    "已安排",
    "围起来",
    "拉了警戒线",
    "搞清楚了",
    "看错了",
    "不是着火",
    "收走",
    "才到",
    "已到",
    "已经出来",
    "总算出来",
    "怎么跑",
    "跑不掉",
    "跑不了",
    "盖上了",
    "醒过来了",
    "找到了",
    "联系上了",
    "回乡下",
    "抓到了",
    "夹走",
    "放生",
    "没伤着人",
    "查清楚",
    "全清",
    "清出去",
    "拆了",
    "抢修完",
    "已经恢复",
    "恢复正常",
    "原来是",
    "是来做",
    "保持冷静",
    "步骤",
    "补上",
]);

/// Whether what follows the danger says it is over.
fn resolved_after(after: &str) -> bool {
    RESOLVED.starts(after).any(|i| {
        // "还没恢复" is not over.
        let before: String = after[..i].chars().rev().take(2).collect();
        !["没", "不", "未"].iter().any(|n| before.contains(n))
    })
}

/// Whether the word at `at` is negated or only feared.
fn taken_back(text: &str, at: usize) -> bool {
    let before = clause_before(text, at);
    let tail = |n: usize| -> &str {
        let start = before.char_indices().rev().nth(n.saturating_sub(1)).map_or(0, |(i, _)| i);
        &before[start..]
    };
    NEGATORS.in_text(tail(2)) || HYPOTHETICAL.in_text(tail(12))
}

/// The text before `at` back to the start of its clause.
fn clause_before(text: &str, at: usize) -> &str {
    let head = &text[..at];
    let start = head
        .rfind(|c: char| "，。！？；,.!?;\n \u{3000}".contains(c))
        .map_or(0, |i| i + head[i..].chars().next().map_or(1, char::len_utf8));
    &head[start..]
}

/// A forwarded or official notice, not a report of something happening.
fn is_notice(text: &str) -> bool {
    let t = text.trim_start();
    let heading = ["通知", "转发", "提示", "提醒", "公告", "温馨", "安全", "知识"];
    let bracketed = ["【", "["].iter().any(|open| {
        t.strip_prefix(open)
            .and_then(|rest| rest.split(['】', ']']).next())
            .is_some_and(|h| heading.iter().any(|w| h.contains(w)))
    });
    bracketed || ["转发：", "转发:", "通知：", "温馨提示", "分享个", "小知识"].iter().any(|m| t.starts_with(m))
}

/// An outage announced in advance.
fn is_planned(text: &str) -> bool {
    let notice = ["通知", "提前", "说要停"];
    let unannounced = notice.iter().any(|n| {
        text.match_indices(n).any(|(at, _)| {
            let before: String = text[..at].chars().rev().take(6).collect();
            let after: String = text[at + n.len()..].chars().take(4).collect();
            ["没", "不", "未"].iter().any(|x| before.contains(x))
                || ["没有", "么有", "没", "都没"].iter().any(|x| after.starts_with(x) || after.contains(x))
        })
    });
    !unannounced
        && ["通知", "计划", "将于", "预计", "明天", "明日", "后天", "检修", "提前"].iter().any(|m| text.contains(m))
}

/// The resident's own alarm, if they raised it (the first such word).
pub fn alarm(text: &str) -> Option<&'static str> {
    static ALARMS: WordSet = WordSet::new(&[
        "快来人",
        "救命",
        "十万火急",
        "急急",
        "赶紧来",
        "快点来",
        "快来",
        "吓死",
        "太危险",
        "很危险",
        "危险",
        "紧急",
        "!!",
        "！！",
        "!！",
        "！!",
    ]);
    ALARMS.first(text)
}

#[cfg(test)]
mod tests;
