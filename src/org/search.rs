//! Reading what people type when they look for a building: `越江新村 98`,
//! `98栋`, `九十八号楼`, `9#`, `越江新村98幢3单元`, or a building code.

use crate::text::numerals::{is_numeral_char, parse_number};

/// A free-text building query, understood.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildingQuery {
    /// Words that must appear in the building's names (estate, community, street).
    pub terms: Vec<String>,
    /// The building number, normalised (`98`, `A`).
    pub number: Option<String>,
    /// A unit, if one was named (`3单元`); it narrows nothing in the search
    /// but lets a caller open the directory at that unit.
    pub unit: Option<u32>,
    /// An exact building code.
    pub code: Option<String>,
}

impl BuildingQuery {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.number.is_none() && self.code.is_none()
    }
}

const UNIT_SUFFIXES: [&str; 2] = ["号单元", "单元"];
const BUILDING_SUFFIXES: [&str; 9] = ["号楼", "栋", "幢", "座", "#楼", "＃楼", "#", "＃", "号"];
/// A number followed by these is a floor or a room, not a building.
const OTHER_SUFFIXES: [&str; 3] = ["楼", "层", "室"];

pub fn parse(text: &str) -> BuildingQuery {
    let mut out = BuildingQuery::default();
    let separators = |c: char| c.is_whitespace() || ",，。、;；:：/|".contains(c);
    for token in text.split(separators).filter(|t| !t.is_empty()) {
        if looks_like_code(token) {
            out.code = Some(token.to_string());
            continue;
        }
        let rest = parse_token(token, &mut out);
        if !rest.is_empty() {
            out.terms.push(rest);
        }
    }
    out
}

/// Building codes are long strings of digits (and maybe letters or dashes).
fn looks_like_code(token: &str) -> bool {
    token.len() >= 8
        && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && token.chars().filter(char::is_ascii_digit).count() >= 6
}

/// Pulls numbers with their suffixes out of one token and returns the text left.
fn parse_token(token: &str, out: &mut BuildingQuery) -> String {
    let chars: Vec<char> = token.chars().collect();
    let mut text = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_numeral_char(c) {
            let start = i;
            while i < chars.len() && is_numeral_char(chars[i]) {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            let after: String = chars[i..].iter().collect();
            if let Some(suffix) = UNIT_SUFFIXES.iter().find(|s| after.starts_with(*s)) {
                out.unit = out.unit.or(parse_number(&run));
                i += suffix.chars().count();
            } else if let Some(suffix) = BUILDING_SUFFIXES.iter().find(|s| after.starts_with(*s)) {
                if out.number.is_none() {
                    out.number = normalise_building_number(&run);
                }
                i += suffix.chars().count();
            } else if let Some(suffix) = OTHER_SUFFIXES.iter().find(|s| after.starts_with(*s)) {
                i += suffix.chars().count();
            } else if run.chars().all(|c| !is_chinese_numeral(c)) {
                // A bare Arabic number: the building, unless one was named.
                if out.number.is_none() {
                    out.number = normalise_building_number(&run);
                }
            } else {
                // Chinese numerals without a suffix are part of a name (三元新村).
                text.push_str(&run);
            }
            continue;
        }
        if c.is_ascii_alphabetic() && chars.get(i + 1) == Some(&'座') {
            out.number = out.number.take().or(Some(c.to_ascii_uppercase().to_string()));
            i += 2;
            continue;
        }
        text.push(c);
        i += 1;
    }
    text
}

fn is_chinese_numeral(c: char) -> bool {
    !c.is_ascii_digit() && !('０'..='９').contains(&c)
}

/// `098` → `98`, `九十八` → `98`, `a` → `A`; `None` for anything else.
pub fn normalise_building_number(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if let Some(n) = parse_number(raw) {
        return (n > 0).then(|| n.to_string());
    }
    let simple = !raw.is_empty() && raw.len() <= 4 && raw.chars().all(|c| c.is_ascii_alphanumeric());
    simple.then(|| raw.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(terms: &[&str], number: Option<&str>, unit: Option<u32>) -> BuildingQuery {
        BuildingQuery {
            terms: terms.iter().map(|t| t.to_string()).collect(),
            number: number.map(str::to_string),
            unit,
            code: None,
        }
    }

    #[test]
    fn estate_and_bare_number() {
        assert_eq!(parse("越江新村 98"), q(&["越江新村"], Some("98"), None));
    }

    #[test]
    fn building_suffixes() {
        for text in ["98栋", "98#楼", "98号楼", "98幢", "98#", "98号", "九十八栋", "098栋", "９８栋"] {
            assert_eq!(parse(text), q(&[], Some("98"), None), "{text}");
        }
    }

    #[test]
    fn estate_building_and_unit_in_one_word() {
        assert_eq!(parse("越江新村98栋三单元"), q(&["越江新村"], Some("98"), Some(3)));
        assert_eq!(parse("二十三栋3号单元"), q(&[], Some("23"), Some(3)));
    }

    #[test]
    fn floors_and_rooms_are_not_buildings() {
        assert_eq!(parse("六楼"), q(&[], None, None));
        assert_eq!(parse("31号楼 302室"), q(&[], Some("31"), None));
    }

    #[test]
    fn chinese_numerals_inside_names_stay_text() {
        assert_eq!(parse("三元新村 5栋"), q(&["三元新村"], Some("5"), None));
        assert_eq!(parse("第一网格"), q(&["第一网格"], None, None));
    }

    #[test]
    fn lettered_blocks() {
        assert_eq!(parse("园林佳苑A座"), q(&["园林佳苑"], Some("A"), None));
    }

    #[test]
    fn codes() {
        let parsed = parse("32060201100301098");
        assert_eq!(parsed.code.as_deref(), Some("32060201100301098"));
        assert!(parsed.terms.is_empty() && parsed.number.is_none());
    }

    #[test]
    fn normalises_numbers() {
        assert_eq!(normalise_building_number("0"), None);
        assert_eq!(normalise_building_number("b"), Some("B".into()));
        assert_eq!(normalise_building_number("楼"), None);
    }
}
