//! Personal data under PIPL: masked by default, everywhere.
//!
//! A [`Phone`] prints, debugs and serialises masked (`138****1234`); the full
//! number is only reachable through [`Phone::reveal`], which callers use on the
//! few audited paths that need it. Logging a person can therefore never leak it.

use std::fmt;

use serde::{Serialize, Serializer};

/// A personal phone number, validated on the way in.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("不是有效的电话号码：应为 11 位手机号（1xxxxxxxxxx）或带区号的固定电话，如 0513-85551234")]
pub struct InvalidPhone;

impl Phone {
    /// Accepts mainland mobiles (11 digits starting 1) and landlines with area
    /// code (0513-85551234, 051385551234). Spaces and dashes are normalised.
    pub fn parse(raw: &str) -> Result<Phone, InvalidPhone> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '\u{3000}')).collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(InvalidPhone);
        }
        let is_mobile = digits.len() == 11 && digits.starts_with('1');
        let is_landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
        if is_mobile {
            Ok(Phone(digits))
        } else if is_landline {
            let area = if digits.starts_with("01") || digits.starts_with("02") { 3 } else { 4 };
            Ok(Phone(format!("{}-{}", &digits[..area], &digits[area..])))
        } else {
            Err(InvalidPhone)
        }
    }

    /// Wraps a value read back from storage, where it was validated on entry.
    pub fn from_stored(stored: String) -> Phone {
        Phone(stored)
    }

    /// The full number. Only for paths that need it and record the access.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.masked())
    }
}

/// A phone as a public view shows it: in full when its owner agreed to
/// publish it (a grid worker's work phone, see `people::publicity`), masked
/// otherwise. It has no `Display`: templates say which form they print
/// ([`ShownPhone::shown`], [`ShownPhone::tel`]), and `Debug` always masks,
/// so a log line never carries the number even when it is published.
#[derive(Clone, PartialEq, Eq)]
pub struct ShownPhone {
    phone: Phone,
    published: bool,
}

impl ShownPhone {
    pub fn new(phone: Phone, published: bool) -> ShownPhone {
        ShownPhone { phone, published }
    }

    pub fn is_published(&self) -> bool {
        self.published
    }

    /// What a public view prints: the full number if published, else masked.
    pub fn shown(&self) -> String {
        if self.published { self.phone.reveal().to_string() } else { self.phone.masked() }
    }

    /// The number for a `tel:` link: only when published.
    pub fn tel(&self) -> Option<&str> {
        self.published.then(|| self.phone.reveal())
    }
}

impl fmt::Debug for ShownPhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShownPhone({}, published: {})", self.phone.masked(), self.published)
    }
}

impl Serialize for ShownPhone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.shown())
    }
}

/// Masks the middle of a phone number: `13812341234` → `138****1234`,
/// `0513-85551234` → `0513-****1234`. Short values are masked whole.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if let Some(dash) = chars.iter().position(|c| *c == '-') {
        let (area, rest) = chars.split_at(dash + 1);
        return format!("{}{}", area.iter().collect::<String>(), mask_keep(rest, 0, 4));
    }
    mask_keep(&chars, 3, 4)
}

/// Masks an ID card number keeping the first and last four characters:
/// `320602199001011234` → `3206**********1234`.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    mask_keep(&chars, 4, 4)
}

/// Masks personal numbers that people type into free text (descriptions,
/// chat messages): 11-digit mobiles and 18-character ID numbers.
pub fn mask_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || (j - i == 17 && matches!(chars[j], 'X' | 'x'))) {
                j += 1;
            }
            let run = &chars[i..j];
            let ends_clean = chars.get(j).is_none_or(|c| !c.is_ascii_alphanumeric());
            if ends_clean && run.len() == 11 && run[0] == '1' {
                out.push_str(&mask_keep(run, 3, 4));
                i = j;
                continue;
            }
            if ends_clean && run.len() == 18 {
                out.push_str(&mask_keep(run, 4, 4));
                i = j;
                continue;
            }
            out.extend(run);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A person's name for screens anyone may read: the family name kept, the
/// rest masked (`王小明` → `王**`). A name of one character is masked whole.
/// The role a name speaks in stays readable (`王小明（微网格员）` → `王**（微网格员）`).
pub fn mask_name(name: &str) -> String {
    if let Some((person, role)) = name.trim().split_once('（') {
        return format!("{}（{role}", mask_name(person));
    }
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.split_first() {
        Some((first, rest)) if !rest.is_empty() => format!("{first}{}", "*".repeat(rest.len())),
        _ => "*".repeat(chars.len()),
    }
}

fn mask_keep(chars: &[char], head: usize, tail: usize) -> String {
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_names_keeping_the_family_name() {
        assert_eq!(mask_name("王小明"), "王**");
        assert_eq!(mask_name("李华"), "李*");
        assert_eq!(mask_name("张"), "*");
        assert_eq!(mask_name("何淑贞（微网格员）"), "何**（微网格员）");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn masks_mobiles_the_usual_way() {
        assert_eq!(mask_phone("13812341234"), "138****1234");
    }

    #[test]
    fn masks_landlines_after_the_area_code() {
        assert_eq!(mask_phone("0513-85551234"), "0513-****1234");
    }

    #[test]
    fn masks_short_values_entirely() {
        assert_eq!(mask_phone("1234"), "****");
        assert_eq!(mask_id_number("1234567"), "*******");
    }

    #[test]
    fn masks_id_numbers() {
        assert_eq!(mask_id_number("320602199001011234"), "3206**********1234");
    }

    #[test]
    fn masks_numbers_inside_text() {
        assert_eq!(mask_text("电话13812341234找我"), "电话138****1234找我");
        assert_eq!(mask_text("身份证32060219900101123X"), "身份证3206**********123X");
        // Building codes, rooms and short numbers stay.
        assert_eq!(mask_text("98栋302室 32060201100301098"), "98栋302室 32060201100301098");
        assert_eq!(mask_text("No. 1381234123"), "No. 1381234123");
    }

    #[test]
    fn phone_never_prints_in_full() {
        let phone = Phone::parse("138 1234 1234").expect("valid mobile");
        assert_eq!(phone.reveal(), "13812341234");
        assert_eq!(phone.to_string(), "138****1234");
        assert_eq!(format!("{phone:?}"), "Phone(138****1234)");
        assert_eq!(serde_json::to_string(&phone).expect("json"), "\"138****1234\"");
    }

    #[test]
    fn shown_phones_are_full_only_when_published() {
        let phone = Phone::parse("13812341234").expect("valid mobile");
        let hidden = ShownPhone::new(phone.clone(), false);
        assert_eq!(hidden.shown(), "138****1234");
        assert_eq!(hidden.tel(), None);
        assert_eq!(serde_json::to_string(&hidden).expect("json"), "\"138****1234\"");
        let published = ShownPhone::new(phone, true);
        assert_eq!(published.shown(), "13812341234");
        assert_eq!(published.tel(), Some("13812341234"));
        assert_eq!(serde_json::to_string(&published).expect("json"), "\"13812341234\"");
        // Logs never carry it.
        assert_eq!(format!("{published:?}"), "ShownPhone(138****1234, published: true)");
    }

    #[test]
    fn parses_landlines() {
        assert_eq!(Phone::parse("051385551234").expect("landline").reveal(), "0513-85551234");
        assert_eq!(Phone::parse("010-12345678").expect("landline").reveal(), "010-12345678");
    }

    #[test]
    fn rejects_garbage() {
        for raw in ["", "12345", "2381234123", "1381234123x", "138123412345"] {
            assert_eq!(Phone::parse(raw), Err(InvalidPhone), "{raw}");
        }
    }
}
