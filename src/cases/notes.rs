//! The notes linli itself writes on a case's events, kept together with
//! their English so that a page in English shows them translated. Anyone
//! else's note is shown as its author wrote it.

/// Resolving a dispatched case takes it on too.
pub const ACCEPTED_ON_RESOLVE: &str = "处置时一并签收";
/// Photos sent with a report from the building page.
pub const REPORTER_PHOTO: &str = "反映人上传的现场照片";
/// Photos added through the API after the report.
pub const MORE_PHOTOS: &str = "补充照片";
/// A message in the building chat confirmed as a case.
pub const CHAT_CONFIRMED: &str = "群内诉求确认立案";
/// A message in the building chat that was not a request after all.
pub const CHAT_NOT_A_REQUEST: &str = "群聊消息，非诉求";
/// The reminder before a deadline.
pub const DUE_SOON: &str = "即将超期";

const OVERDUE: &str = "超期未办结，自动上报";
const MERGED: &str = "合并重复案件 #";
const MERGED_FINISHED: &str = "（本案已办结，反映人已告知）";

/// Who an overdue case escalates to at `level` (1, 2, then the street).
pub fn level_zh(level: i64) -> &'static str {
    match level {
        1 => "网格长",
        2 => "社区",
        _ => "街道指挥中心",
    }
}

fn level_en(zh: &str) -> Option<&'static str> {
    match zh {
        "网格长" => Some("the grid head"),
        "社区" => Some("the community"),
        "街道指挥中心" => Some("the street's command centre"),
        _ => None,
    }
}

/// The escalation of an overdue case to `level`.
pub fn overdue(level: i64) -> String {
    format!("{OVERDUE}{}", level_zh(level))
}

/// The note on the case a duplicate `from` was merged into; `finished`
/// when that case was already done (its reporters are told so).
pub fn merged(from: i64, finished: bool) -> String {
    format!("{MERGED}{from}{}", if finished { MERGED_FINISHED } else { "" })
}

/// A note in English: linli's own translated, anyone else's as written.
pub fn en(note: &str) -> String {
    let fixed = match note {
        ACCEPTED_ON_RESOLVE => Some("Taken on when reported fixed"),
        REPORTER_PHOTO => Some("Photo from the reporter"),
        MORE_PHOTOS => Some("More photos"),
        CHAT_CONFIRMED => Some("Confirmed as a case from the building chat"),
        CHAT_NOT_A_REQUEST => Some("A chat message, not a request"),
        DUE_SOON => Some("The deadline is near"),
        _ => None,
    };
    if let Some(fixed) = fixed {
        return fixed.to_string();
    }
    if let Some(to) = note.strip_prefix(OVERDUE).and_then(level_en) {
        return format!("Overdue: escalated to {to}");
    }
    if let Some(rest) = note.strip_prefix(MERGED) {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let (from, tail) = rest.split_at(digits);
        match tail {
            "" if digits > 0 => return format!("Duplicate case #{from} merged into this one"),
            MERGED_FINISHED if digits > 0 => {
                return format!(
                    "Duplicate case #{from} merged into this one (already finished; its reporter was told)"
                );
            }
            _ => {}
        }
    }
    note.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linli_s_own_notes_read_in_english() {
        assert_eq!(en(ACCEPTED_ON_RESOLVE), "Taken on when reported fixed");
        assert_eq!(en(&overdue(1)), "Overdue: escalated to the grid head");
        assert_eq!(en(&overdue(3)), "Overdue: escalated to the street's command centre");
        assert_eq!(en(&merged(12, false)), "Duplicate case #12 merged into this one");
        assert!(en(&merged(12, true)).ends_with("its reporter was told)"));
        // Anyone else's note is theirs.
        assert_eq!(en("换了灯泡"), "换了灯泡");
        assert_eq!(en("合并重复案件 #"), "合并重复案件 #");
        assert_eq!(en("超期未办结，自动上报物业"), "超期未办结，自动上报物业");
    }
}
