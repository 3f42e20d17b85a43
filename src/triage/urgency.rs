//! Words that make a report urgent: danger to people now (docs/domain.md,
//! "What residents report"), with the variants residents type.

/// Cues, longest first within a family so the most specific one is named.
const CUES: &[&str] = &[
    "摇摇欲坠",
    "要掉下来",
    "快掉下来",
    "随时会掉",
    "冒烟",
    "着火",
    "起火",
    "失火",
    "烧起来",
    "火苗",
    "火星",
    "煤气味",
    "燃气味",
    "天然气味",
    "漏气",
    "燃气泄漏",
    "困在电梯",
    "电梯困人",
    "电梯里困",
    "关在电梯",
    "被困",
    "砸到人",
    "砸伤",
    "砸到了",
    "井盖不见",
    "井盖丢",
    "没有井盖",
    "井盖没了",
    "独居老人无人应答",
    "无人应答",
    "敲门没人应",
    "好几天没出门",
    "晕倒",
    "漏电",
    "触电",
    "电到人",
    "爆炸",
    "塌了",
    "坍塌",
];

/// The first urgency cue in `text`, if any.
pub fn cue(text: &str) -> Option<&'static str> {
    let mut best: Option<(usize, &'static str)> = None;
    for cue in CUES {
        if let Some(at) = text.find(cue)
            && best.is_none_or(|(b, _)| at < b)
        {
            best = Some((at, cue));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::cue;

    #[test]
    fn finds_the_cue_that_set_it() {
        assert_eq!(cue("31号楼楼顶电视信号接收锅摇摇欲坠"), Some("摇摇欲坠"));
        assert_eq!(cue("电表箱在冒烟！！"), Some("冒烟"));
        assert_eq!(cue("有人困在电梯里了"), Some("困在电梯"));
        assert_eq!(cue("楼道里好大的煤气味"), Some("煤气味"));
        assert_eq!(cue("98栋三单元的楼道灯不亮"), None);
    }
}
