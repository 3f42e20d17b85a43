//! Where a message says the problem is, in the grammar residents type:
//! 98栋 / 98号楼 / 98幢 / 9#楼 / 二十三栋 / 十五幢 / A座 (building);
//! 三单元 / 3单元 / 3号单元 (unit); 302室 / 401 / 1502 (room);
//! 六楼 / 6楼 / 6层 / 负一楼 / 地下室 (floor — 六楼 is a floor, not a room).

use std::ops::Range;

use serde::Serialize;

use crate::text::numerals::{is_numeral_char, parse_number};

/// What the message says about the place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The building number as painted on the wall, normalised (`98`, `A`).
    pub building: Option<String>,
    pub unit: Option<u32>,
    pub room: Option<String>,
    pub floor: Option<i32>,
    /// Character ranges (in chars) that held location words, so the
    /// classifier can ignore them.
    #[serde(skip)]
    pub spans: Vec<Range<usize>>,
}

impl Location {
    pub fn is_empty(&self) -> bool {
        self.building.is_none() && self.unit.is_none() && self.room.is_none() && self.floor.is_none()
    }
}

const UNIT_SUFFIXES: &[&str] = &["号单元", "单元"];
const BUILDING_SUFFIXES: &[&str] = &["号楼", "栋楼", "栋", "幢", "座", "#楼", "＃楼", "#", "＃", "号"];
const FLOOR_SUFFIXES: &[&str] = &["楼", "层"];
/// After a bare number these mean it is not a room: a time, a date, an amount.
const NOT_A_ROOM: &[&str] = &[
    "年", "月", "日", "号", "点", "时", "分", "秒", "天", "元", "块", "个", "次", "岁", "米", "度", "%", "斤", "多",
    "户", "辆", "只", "条", "人", "平", "小时", "公斤", "楼",
];

/// Finds the location words in `text`.
pub fn parse(text: &str) -> Location {
    let chars: Vec<char> = text.chars().collect();
    let mut loc = Location::default();
    let mut i = 0;
    while i < chars.len() {
        if let Some(len) = basement(&chars[i..]) {
            loc.floor = loc.floor.or(Some(-1));
            loc.spans.push(i..i + len);
            i += len;
            continue;
        }
        if chars[i].is_ascii_alphabetic()
            && chars.get(i + 1) == Some(&'座')
            && (i == 0 || !chars[i - 1].is_ascii_alphanumeric())
        {
            loc.building = loc.building.take().or(Some(chars[i].to_ascii_uppercase().to_string()));
            loc.spans.push(i..i + 2);
            i += 2;
            continue;
        }
        if !is_numeral_char(chars[i]) {
            i += 1;
            continue;
        }
        let negative = i > 0 && chars[i - 1] == '负';
        let start = if negative { i - 1 } else { i };
        let mut end = i;
        while end < chars.len() && is_numeral_char(chars[end]) {
            end += 1;
        }
        let run: String = chars[i..end].iter().collect();
        let after: String = chars[end..chars.len().min(end + 3)].iter().collect();
        let before = if start > 0 { Some(chars[start - 1]) } else { None };
        let arabic = run.chars().all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
        let Some(value) = parse_number(&run) else {
            i = end;
            continue;
        };
        let consumed = if let Some(s) = UNIT_SUFFIXES.iter().find(|s| after.starts_with(*s)) {
            loc.unit = loc.unit.or(Some(value));
            s.chars().count()
        } else if let Some(s) = BUILDING_SUFFIXES.iter().find(|s| after.starts_with(*s)) {
            // 6月3号 is a date, 3号线 a metro line, not building 3.
            let is_date = *s == "号" && (before == Some('月') || after.starts_with("号线"));
            if is_date || value == 0 {
                i = end;
                continue;
            }
            loc.building = loc.building.take().or(Some(value.to_string()));
            s.chars().count()
        } else if let Some(s) = FLOOR_SUFFIXES.iter().find(|s| after.starts_with(*s)) {
            // 6楼 is a floor; but 98楼 after a building was named is not.
            if value > 60 {
                i = end;
                continue;
            }
            let floor = value as i32;
            loc.floor = loc.floor.or(Some(if negative { -floor } else { floor }));
            s.chars().count()
        } else if after.starts_with('室') {
            loc.room = loc.room.take().or(Some(value.to_string()));
            1
        } else if arabic
            && is_room_number(&run)
            && !NOT_A_ROOM.iter().any(|s| after.starts_with(*s))
            && before != Some(':')
        {
            loc.room = loc.room.take().or(Some(value.to_string()));
            0
        } else {
            i = end;
            continue;
        };
        loc.spans.push(start..end + consumed);
        i = end + consumed;
    }
    loc
}

/// 302, 1502, 401: three or four digits whose last two (the flat on the
/// floor) are small.
fn is_room_number(run: &str) -> bool {
    let digits: String = run.chars().filter(char::is_ascii_digit).collect();
    if !(3..=4).contains(&digits.len()) || digits.len() != run.chars().count() {
        return false;
    }
    let flat: u32 = digits[digits.len() - 2..].parse().unwrap_or(99);
    let floor: u32 = digits[..digits.len() - 2].parse().unwrap_or(0);
    (1..=12).contains(&flat) && (1..=40).contains(&floor)
}

/// 地下室 and 地下车库 are floor −1.
fn basement(chars: &[char]) -> Option<usize> {
    let text: String = chars.iter().take(4).collect();
    ["地下室", "地下车库"].iter().find(|w| text.starts_with(*w)).map(|w| w.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(text: &str) -> (Option<String>, Option<u32>, Option<String>, Option<i32>) {
        let l = parse(text);
        (l.building, l.unit, l.room, l.floor)
    }

    fn b(n: &str) -> Option<String> {
        Some(n.to_string())
    }

    #[test]
    fn the_seed_messages() {
        assert_eq!(loc("98栋三单元的楼道灯不亮"), (b("98"), Some(3), None, None));
        assert_eq!(loc("31号楼楼顶电视信号接收锅摇摇欲坠"), (b("31"), None, None, None));
    }

    #[test]
    fn building_grammar() {
        for (text, n) in [
            ("98号楼", "98"),
            ("98幢", "98"),
            ("9#楼", "9"),
            ("9#", "9"),
            ("二十三栋", "23"),
            ("十五幢", "15"),
            ("A座", "A"),
            ("越江新村12号", "12"),
        ] {
            assert_eq!(parse(text).building, b(n), "{text}");
        }
    }

    #[test]
    fn units_rooms_and_floors() {
        assert_eq!(loc("3单元302室"), (None, Some(3), b("302"), None));
        assert_eq!(loc("5号楼2单元401的水管漏了"), (b("5"), Some(2), b("401"), None));
        assert_eq!(loc("六楼楼道灯坏了"), (None, None, None, Some(6)));
        assert_eq!(loc("18号楼1502"), (b("18"), None, b("1502"), None));
        assert_eq!(loc("3楼302"), (None, None, b("302"), Some(3)));
        assert_eq!(loc("负一楼车库积水"), (None, None, None, Some(-1)));
        assert_eq!(loc("地下室漏水"), (None, None, None, Some(-1)));
        assert_eq!(loc("12栋6层"), (b("12"), None, None, Some(6)));
    }

    #[test]
    fn numbers_that_are_not_places() {
        assert_eq!(loc("6月3号停水"), (None, None, None, None));
        assert_eq!(loc("等了200多天"), (None, None, None, None));
        assert_eq!(loc("2024年修过"), (None, None, None, None));
        assert_eq!(loc("晚上8点以后"), (None, None, None, None));
        assert_eq!(loc("电话13912345678"), (None, None, None, None));
        assert_eq!(loc("花了300元"), (None, None, None, None));
    }

    #[test]
    fn spans_cover_the_location_words() {
        let l = parse("98栋三单元的楼道灯不亮");
        let text: Vec<char> = "98栋三单元的楼道灯不亮".chars().collect();
        let covered: Vec<String> = l.spans.iter().map(|r| text[r.clone()].iter().collect()).collect();
        assert_eq!(covered, ["98栋", "三单元"]);
    }
}
