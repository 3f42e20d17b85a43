//! Chinese numerals as residents write them in addresses: 九十八, 二十三, 十五,
//! 一百零二, 两, 〇/零, full-width digits (９８) and plain Arabic digits.

/// The value of a Chinese or Arabic numeral string, or `None` if it is not one.
/// Accepts up to 九千九百九十九 and positional forms such as 一〇二 (= 102).
pub fn parse_number(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit() || is_fullwidth_digit(c)) {
        return s.chars().map(ascii_digit).collect::<String>().parse().ok();
    }
    if s.chars().all(|c| digit_value(c).is_some()) {
        // Positional: 一〇二 = 102.
        return s.chars().try_fold(0u32, |acc, c| acc.checked_mul(10)?.checked_add(digit_value(c)?));
    }
    parse_with_units(s)
}

/// Whether `c` can be part of a numeral that [`parse_number`] reads.
pub fn is_numeral_char(c: char) -> bool {
    c.is_ascii_digit() || is_fullwidth_digit(c) || digit_value(c).is_some() || unit_value(c).is_some()
}

fn is_fullwidth_digit(c: char) -> bool {
    ('０'..='９').contains(&c)
}

fn ascii_digit(c: char) -> char {
    if is_fullwidth_digit(c) { char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c) } else { c }
}

fn digit_value(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' | '○' => 0,
        '一' | '壹' | '幺' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

fn unit_value(c: char) -> Option<u32> {
    Some(match c {
        '十' | '拾' => 10,
        '百' | '佰' => 100,
        '千' | '仟' => 1000,
        _ => return None,
    })
}

fn parse_with_units(s: &str) -> Option<u32> {
    let mut total = 0u32;
    let mut pending: Option<u32> = None;
    let mut last_unit = u32::MAX;
    for c in s.chars() {
        if let Some(d) = digit_value(c) {
            if pending.is_some() && d != 0 {
                return None; // two digits in a row, e.g. 二三十
            }
            pending = if d == 0 { None } else { Some(d) };
        } else if let Some(unit) = unit_value(c) {
            if unit >= last_unit {
                return None; // units must descend: 一百二十, not 十百
            }
            // A bare 十 means 1×10 (十五 = 15).
            total += pending.take().unwrap_or(1) * unit;
            last_unit = unit;
        } else {
            return None;
        }
    }
    if let Some(d) = pending {
        // A trailing digit after 百/千 with no 零 is shorthand: 一百五 = 150.
        total += match last_unit {
            100 | 1000 if !s.contains(['零', '〇']) => d * last_unit / 10,
            _ => d,
        };
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::parse_number;

    #[test]
    fn arabic_and_fullwidth() {
        assert_eq!(parse_number("98"), Some(98));
        assert_eq!(parse_number("９８"), Some(98));
        assert_eq!(parse_number("007"), Some(7));
    }

    #[test]
    fn chinese_with_units() {
        for (text, n) in [
            ("九十八", 98),
            ("二十三", 23),
            ("十五", 15),
            ("十", 10),
            ("三", 3),
            ("两", 2),
            ("一百", 100),
            ("一百零二", 102),
            ("一百二十", 120),
            ("一百五", 150),
            ("一千零一", 1001),
            ("三十一", 31),
        ] {
            assert_eq!(parse_number(text), Some(n), "{text}");
        }
    }

    #[test]
    fn positional_chinese() {
        assert_eq!(parse_number("一〇二"), Some(102));
        assert_eq!(parse_number("三零二"), Some(302));
    }

    #[test]
    fn rejects_non_numerals() {
        for text in ["", "楼", "9a", "十百", "二三十"] {
            assert_eq!(parse_number(text), None, "{text}");
        }
    }
}
