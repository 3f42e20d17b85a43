use super::*;

/// The decision as the engine takes it, with the default bars.
fn assess(text: &str, learned: Option<&Learned>) -> Option<Urgency> {
    evidence(text).decide(learned, Bars::DEFAULT)
}

/// The word that set off the hazard that stands, if any.
fn cue(text: &str) -> Option<String> {
    evidence(text).standing.map(|u| u.cue)
}

fn reason(text: &str) -> Option<String> {
    assess(text, None).map(|u| u.reason)
}

#[test]
fn hazards_stand_whatever_the_words() {
    let cases = [
        ("电梯卡在六楼了,里面好像有人", "有人被困"),
        ("整栋楼都黑了 啥也看不见", "整栋停电"),
        ("楼道里好几辆电瓶车插着电在充", "楼道内充电"),
        ("他家屯了七八个煤气罐", "囤放液化气罐"),
        ("空调外机的架子锈断一半了", "高处物体将坠落"),
        ("楼上扔下来个酒瓶 差点砸到老太太", "高空抛物伤人"),
        ("电表箱门开着 线头都露在外面", "电线裸露或电箱异常"),
        ("快递柜旁边好大一个马蜂窝", "蜂窝伤人风险"),
        ("车库里有辆电动车在冒烟", "电动车或电池起火冒烟"),
        ("楼道里好大的煤气味", "燃气泄漏"),
    ];
    for (text, kind) in cases {
        let r = reason(text).unwrap_or_else(|| panic!("{text}: not urgent"));
        assert!(r.starts_with(kind), "{text}: {r}");
    }
}

#[test]
fn the_reason_quotes_the_words_in_text_order() {
    let u = assess("电梯卡在六楼了,里面好像有人", None).expect("urgent");
    assert_eq!(u.reason, "有人被困（“电梯”“好像有人”）");
    assert_eq!((u.cue.as_str(), u.category), ("好像有人", Some("elevator")));
}

#[test]
fn negated_feared_resolved_and_announced_dangers_are_calm() {
    for text in [
        "电表箱没有冒烟，就是有点响",
        "楼上已经不漏了，谢谢师傅",
        "楼道堆这么多东西，万一着火怎么办",
        "【通知】明天上午9点到12点整栋楼停电检修",
        "刚才困在电梯里的大爷已经救出来了",
        "请大家不要在楼道里充电",
        "3单元楼道灯不亮",
    ] {
        assert_eq!(reason(text), None, "{text}");
    }
    // Without notice, an outage of the whole building is a danger.
    assert!(reason("整栋楼停电了 也没通知").is_some());
}

#[test]
fn the_learned_model_speaks_for_words_no_rule_knows() {
    let learned = |p: f32| Learned { probability: p, because: vec!["悬空".into()] };
    let text = "阳台外面那块东西悬空了";
    assert_eq!(assess(text, Some(&learned(Bars::DEFAULT.plain - 0.01))), None);
    let u = assess(text, Some(&learned(Bars::DEFAULT.plain))).expect("urgent");
    assert!(u.reason.contains("模型把握") && u.reason.contains("“悬空”"), "{}", u.reason);
    // The resident's alarm lowers the bar …
    let alarmed = "阳台外面那块东西悬空了！！快来人";
    assert!(assess(alarmed, Some(&learned(Bars::DEFAULT.alarmed))).is_some());
    // … and negated danger words raise it.
    let negated = "没有冒烟，就是有点响";
    assert_eq!(assess(negated, Some(&learned(Bars::DEFAULT.negated - 0.01))), None);
}

#[test]
fn cue_names_the_word() {
    assert_eq!(cue("31号楼楼顶电视信号接收锅摇摇欲坠"), Some("摇摇欲坠".to_string()));
    assert_eq!(cue("有人困在电梯里了"), Some("困在电梯".to_string()));
    assert_eq!(cue("98栋三单元的楼道灯不亮"), None);
}
