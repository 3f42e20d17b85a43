//! What the classifier sees of a message: jieba words and character
//! n-grams (robust to the typos of group chats: 楼到灯 still shares 灯 and
//! 楼 with 楼道灯), after the location words (98栋三单元) are taken out,
//! since places say nothing about the problem; a message with several
//! fields (subject and body) also has each field's n-grams on their own.

use std::sync::OnceLock;

use jieba_rs::Jieba;

use super::location::Location;

/// Bumped whenever features change: models trained on other features are refused.
pub const FEATURE_VERSION: u32 = 2;

/// Words jieba's general dictionary splits wrongly in this domain.
const DOMAIN_WORDS: &[&str] = &[
    "楼道",
    "楼道灯",
    "感应灯",
    "声控灯",
    "路灯",
    "飞线",
    "飞线充电",
    "私拉电线",
    "电瓶车",
    "电动车",
    "电动自行车",
    "充电桩",
    "充电棚",
    "充电车棚",
    "私自封门",
    "封门",
    "堆放杂物",
    "乱堆杂物",
    "楼道堆物",
    "消防通道",
    "灭火器",
    "液化气罐",
    "高空抛物",
    "空调外机",
    "外墙脱落",
    "摇摇欲坠",
    "下水道",
    "化粪池",
    "窨井",
    "井盖",
    "电表箱",
    "煤气味",
    "燃气",
    "广场舞",
    "毁绿种菜",
    "僵尸车",
    "道闸",
    "门禁",
    "信报箱",
    "健身器材",
    "流浪猫",
    "流浪狗",
    "犬只",
    "独居老人",
    "低保",
    "零工",
    "物业",
    "网格员",
    "微网格员",
    "网格长",
    "居委会",
    "楼顶",
    "电视信号接收锅",
    "接收锅",
    "漏水",
    "停水",
    "停电",
    "跳闸",
    "积水",
    "油烟",
    "扬尘",
    "油漆味",
    "烧烤",
    "装修",
    "电梯",
    "困人",
    "蟑螂",
    "老鼠",
    "蚊虫",
    "垃圾桶",
    "垃圾房",
    "清运",
];

/// The shared segmenter, built once (building it takes about 100 ms).
pub fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(|| {
        let mut j = Jieba::new();
        for w in DOMAIN_WORDS {
            j.add_word(w, Some(20_000), None);
        }
        j
    })
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Full-width ASCII to half-width, lower case.
fn normalise(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    c.to_ascii_lowercase()
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x1F000..=0x1F2FF)
}

/// The message with its location words blanked out, normalised.
pub fn clean(text: &str, location: &Location) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| if location.spans.iter().any(|r| r.contains(&i)) { ' ' } else { normalise(c) })
        .collect()
}

/// How a message is cut into terms: character n-grams up to `text_chars`
/// and jieba words over the whole text, and, when a message has several
/// fields (a subject and a body), character n-grams up to `field_chars`
/// over each field on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub text_chars: usize,
    pub field_chars: usize,
}

impl Default for Shape {
    /// Chosen by 3-fold cross-validation on the built-in messages; the
    /// `--text-chars`/`--field-chars` defaults of `linli triage` match it.
    fn default() -> Self {
        Shape { text_chars: 1, field_chars: 3 }
    }
}

/// The characters n-grams are made of: CJK, letters and digits.
fn significant(c: char) -> bool {
    is_cjk(c) || c.is_ascii_alphanumeric()
}

/// Character n-grams `1..=max` of `text` into `out`, named `{block}:{n}:…`;
/// runs are broken where a space (or a removed place) stands.
fn char_grams(block: &str, text: &str, max: usize, out: &mut Vec<String>) {
    for run in text.split(char::is_whitespace) {
        let chars: Vec<char> = run.chars().filter(|c| significant(*c)).collect();
        for n in 1..=max {
            for gram in chars.windows(n) {
                out.push(format!("{block}:{n}:{}", gram.iter().collect::<String>()));
            }
        }
    }
}

/// The terms of a message, with repeats (term frequency counts): the whole
/// text in block `t`, each field in block `f0`, `f1`, … when there are
/// several. Places (98栋三单元) are left out first: they say nothing about
/// the problem.
pub fn terms(fields: &[String], shape: Shape) -> Vec<String> {
    let whole = fields.iter().filter(|f| !f.is_empty()).cloned().collect::<Vec<_>>().join(" ");
    let cleaned = clean(&whole, &super::location::parse(&whole));
    let mut out = Vec::new();
    for token in jieba().cut(&cleaned, true) {
        let w = token.word.trim();
        if w.chars().any(|c| is_cjk(c) || c.is_ascii_alphabetic()) {
            out.push(format!("t:w:{w}"));
        }
    }
    char_grams("t", &cleaned, shape.text_chars, &mut out);
    if cleaned.chars().any(is_emoji) {
        out.push("t:x:emoji".into());
    }
    if cleaned.chars().rev().find(|c| !c.is_whitespace()).is_some_and(|c| matches!(c, '?' | '？' | '吗' | '呢')) {
        out.push("t:x:question".into());
    }
    if fields.len() > 1 {
        for (i, field) in fields.iter().enumerate() {
            let cleaned = clean(field, &super::location::parse(field));
            char_grams(&format!("f{i}"), &cleaned, shape.field_chars, &mut out);
        }
    }
    out
}

/// Words that weigh in the model but tell a reader nothing about the
/// problem ("有辆", "那里"): never shown as a reason.
const SAYS_NOTHING: &[&str] = &[
    "有个",
    "有辆",
    "有只",
    "有条",
    "有人",
    "那里",
    "这里",
    "那边",
    "这边",
    "那个",
    "这个",
    "一个",
    "一直",
    "好像",
    "里面",
    "我们",
    "你们",
    "他们",
    "大家",
    "谁家",
    "怎么",
    "什么",
    "现在",
    "已经",
    "还是",
    "就是",
    "可以",
    "能不能",
    "麻烦",
    "一下",
    "有点",
    "非常",
    "特别",
    "今天",
    "昨天",
    "晚上",
    "早上",
    "不是",
    "没有",
    "看看",
    "快点",
    "赶紧",
    "真的",
    "的",
    "了",
    "在",
    "是",
    "有",
    "我",
    "你",
    "他",
    "她",
    "就",
    "都",
    "也",
    "还",
    "又",
    "很",
    "太",
    "啊",
    "呀",
    "吧",
    "吗",
    "呢",
    "哦",
    "么",
    "着",
    "把",
    "被",
    "给",
    "和",
    "跟",
    "从",
    "到",
    "个",
    "辆",
    "只",
    "条",
    "面",
    "那",
    "这",
    "一",
];

/// A term as people read it: `t:w:飞线充电` → `飞线充电` (none for emoji
/// and for words that say nothing about the problem).
pub fn readable(term: &str) -> Option<&str> {
    let mut parts = term.splitn(3, ':');
    let (_, kind, text) = (parts.next()?, parts.next()?, parts.next()?);
    (kind != "x" && !SAYS_NOTHING.contains(&text)).then_some(text)
}

/// Whether a message has anything to read at all (not just emoji,
/// punctuation or numbers).
pub fn has_words(text: &str) -> bool {
    text.chars().any(|c| is_cjk(c) || c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms_of(text: &str, shape: Shape) -> Vec<String> {
        terms(&[text.to_string()], shape)
    }

    #[test]
    fn location_words_are_left_out() {
        let t = terms_of("98栋三单元的楼道灯不亮", Shape { text_chars: 2, field_chars: 3 });
        assert!(t.contains(&"t:w:楼道灯".to_string()), "{t:?}");
        assert!(t.contains(&"t:2:不亮".to_string()), "{t:?}");
        assert!(!t.iter().any(|x| x.contains('栋') || x.contains("98")), "{t:?}");
    }

    #[test]
    fn typos_still_share_characters_and_counts_repeat() {
        let t = terms_of("楼到灯坏了，灯灯灯", Shape::default());
        assert!(t.contains(&"t:1:楼".to_string()));
        assert_eq!(t.iter().filter(|x| *x == "t:1:灯").count(), 4);
    }

    #[test]
    fn fields_get_blocks_of_their_own() {
        let t = terms(&["停水".to_string(), "小区又停水了".to_string()], Shape { text_chars: 1, field_chars: 2 });
        assert!(t.contains(&"f0:2:停水".to_string()) && t.contains(&"f1:2:停水".to_string()), "{t:?}");
        assert!(!terms_of("停水", Shape::default()).iter().any(|x| x.starts_with('f')));
        assert_eq!(readable("t:w:飞线充电"), Some("飞线充电"));
        assert_eq!(readable("t:x:emoji"), None);
        assert_eq!(readable("t:w:有辆"), None);
    }

    #[test]
    fn emoji_only_has_no_words() {
        assert!(!has_words("👍👍"));
        assert!(!has_words("？？？ 666"));
        assert!(has_words("好的👍"));
    }
}
