//! What the classifier sees of a message: jieba words, single CJK
//! characters and character bigrams (robust to the typos of group chats:
//! 楼到灯 still shares 灯 and 楼 with 楼道灯), after the location words
//! (98栋三单元) are taken out, since places say nothing about the problem.

use std::sync::OnceLock;

use jieba_rs::Jieba;

use super::location::Location;

/// Bumped whenever features change: models trained on other features are refused.
pub const FEATURE_VERSION: u32 = 1;

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

/// The features of a cleaned message, appended to `out` (cleared first).
pub fn extract(cleaned: &str, out: &mut Vec<String>) {
    out.clear();
    for token in jieba().cut(cleaned, true) {
        let w = token.word.trim();
        if w.chars().any(|c| is_cjk(c) || c.is_ascii_alphabetic()) {
            out.push(format!("w:{w}"));
        }
    }
    let chars: Vec<char> = cleaned.chars().collect();
    let mut prev: Option<char> = None;
    let mut cjk_count = 0;
    let mut emoji = false;
    for &c in &chars {
        if is_cjk(c) {
            cjk_count += 1;
            out.push(format!("c:{c}"));
            if let Some(p) = prev {
                out.push(format!("b:{p}{c}"));
            }
            prev = Some(c);
        } else {
            emoji |= is_emoji(c);
            prev = None;
        }
    }
    if emoji {
        out.push("x:emoji".into());
    }
    if chars.iter().rev().find(|c| !c.is_whitespace()).is_some_and(|c| matches!(c, '?' | '？' | '吗' | '呢')) {
        out.push("x:question".into());
    }
    out.push(
        match cjk_count {
            0 => "x:len0",
            1..=4 => "x:len1",
            5..=12 => "x:len2",
            _ => "x:len3",
        }
        .into(),
    );
    out.sort_unstable();
    out.dedup();
}

/// Whether a message has anything to read at all (not just emoji,
/// punctuation or numbers).
pub fn has_words(text: &str) -> bool {
    text.chars().any(|c| is_cjk(c) || c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::location;

    #[test]
    fn location_words_are_left_out() {
        let text = "98栋三单元的楼道灯不亮";
        let cleaned = clean(text, &location::parse(text));
        assert!(!cleaned.contains("98") && !cleaned.contains("单元"), "{cleaned}");
        let mut f = Vec::new();
        extract(&cleaned, &mut f);
        assert!(f.contains(&"w:楼道灯".to_string()), "{f:?}");
        assert!(f.contains(&"b:不亮".to_string()), "{f:?}");
        assert!(!f.iter().any(|x| x.contains('栋')), "{f:?}");
    }

    #[test]
    fn typos_still_share_characters() {
        let mut f = Vec::new();
        extract("楼到灯坏了", &mut f);
        assert!(f.contains(&"c:灯".to_string()) && f.contains(&"c:楼".to_string()));
    }

    #[test]
    fn emoji_only_has_no_words() {
        assert!(!has_words("👍👍"));
        assert!(!has_words("？？？ 666"));
        assert!(has_words("好的👍"));
    }
}
