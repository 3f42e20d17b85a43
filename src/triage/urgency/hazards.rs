//! Hazard knowledge: the kinds of danger to people now that make a report
//! urgent whatever the classifier thinks (docs/domain.md, "Urgency"), each
//! as the words residents use for it and, where the kind settles it, the
//! category it belongs to.
//!
//! A hazard matches when one word of every group occurs, the later groups
//! close to the first one (within [`Hazard::within`] characters), so that
//! "电梯卡在六楼，里面好像有人" matches and a lift in one sentence and a
//! person in a paragraph about something else do not.

/// One kind of danger.
#[derive(Debug)]
pub struct Hazard {
    /// What a staff member reads in the notice: "有人被困".
    pub kind: &'static str,
    /// The category this danger belongs to, when the kind alone says it.
    pub category: Option<&'static str>,
    /// Every group must match; a group matches when one of its words occurs.
    pub groups: &'static [&'static [&'static str]],
    /// How far (in characters) a later group's word may be from the first's.
    pub within: usize,
    /// Words anywhere in the message that show this is not the danger
    /// ("抽烟" beside "烟味").
    pub calm_words: &'static [&'static str],
    /// Whether an event of this kind announced in advance is calm (an
    /// outage with notice is not a danger).
    pub calm_when_planned: bool,
}

impl Hazard {
    const fn calm_with(self, calm_words: &'static [&'static str]) -> Hazard {
        Hazard { calm_words, ..self }
    }

    const fn planned_is_calm(self) -> Hazard {
        Hazard { calm_when_planned: true, ..self }
    }
}

/// A danger said in one word of `words[0]`.
const fn one(kind: &'static str, category: Option<&'static str>, words: &'static [&'static [&'static str]]) -> Hazard {
    near(kind, category, 0, words)
}

/// A danger said in one word of each group, close together.
const fn near(
    kind: &'static str,
    category: Option<&'static str>,
    within: usize,
    groups: &'static [&'static [&'static str]],
) -> Hazard {
    Hazard { kind, category, groups, within, calm_words: &[], calm_when_planned: false }
}

#[rustfmt::skip]
const LIFT: &[&str] = &[
    "电梯", "dian梯", "轿厢", "梯子里", "卡在", "卡住了", "卡到", "不动了", "门打不开", "门不开", "门就是不开",
    "里面有个", "电悌", "轿厢停在",
];
#[rustfmt::skip]
const SOMEONE_INSIDE: &[&str] = &[
    "困住", "困在", "被困", "困人", "被所", "关在", "里面有人", "里头有人", "里面有个", "里头有个", "好像有人",
    "有人在里面", "人在里面", "人还在里面", "在里面", "在里头", "电梯里有人", "电梯里面有人", "人出不来", "出不来",
    "出不去", "挤不出来", "撬不开", "夹住", "拍门", "敲门", "按铃", "警铃", "喊救命", "呼救", "在喊", "在叫", "在哭",
    "一直哭", "喘不上气", "关着个", "里面挤", "里面是", "一个人在里面", "往外扒", "喊了", "透不过气", "里面那个",
    "和我家",
];
#[rustfmt::skip]
const LIFT_RUNAWAY: &[&str] = &[
    "开着门运行", "开着门走", "开着就", "门开着就", "敞着门", "往下掉", "掉了一截", "掉了好几层", "溜梯", "下坠",
    "急坠", "冲顶", "蹲底", "踩空", "冲到顶", "往下滑", "没合拢就", "没有轿厢", "井道",
];

#[rustfmt::skip]
const EBIKE: &[&str] = &[
    "电动车", "电瓶车", "电屏车", "电动自行车", "电车", "电瓶", "电池", "充电宝", "锂电池", "充电器",
];
#[rustfmt::skip]
const BURNING: &[&str] = &[
    "冒烟", "冒白烟", "冒黑烟", "黑烟", "白烟", "着火", "起火", "烧起来", "烧着", "冒火", "自燃", "爆燃", "爆炸",
    "炸了", "嘭的一声", "鼓包冒", "蹿火苗", "火苗", "就着了", "车着了", "冒白气", "噼啪", "烧糊", "火往",
];

#[rustfmt::skip]
const CHARGING: &[&str] = &[
    "充电", "充着电", "插着电", "插着线", "插电", "在充", "里充", "下充", "充一晚", "充了一晚", "插上了", "插着个",
    "拉线", "接线板", "插线板", "插排", "电暖器", "取暖器", "电热毯", "小太阳", "在给", "连着一根", "拖出来的线",
    "放下来的线",
];
#[rustfmt::skip]
const INDOORS_ROUTE: &[&str] = &[
    "楼道", "楼到", "走廊", "楼梯", "电梯", "过道", "门厅", "大堂", "大厅", "窗户", "窗口", "窗外", "消防通道",
    "电梯厅", "推上楼", "拎上楼", "扛上楼", "地下车库", "储藏间", "地下室", "家门口走廊",
];
#[rustfmt::skip]
const FLYING_WIRE: &[&str] = &[
    "飞线充电", "飞线", "私拉电线", "拉了根电线", "拉了一根电线", "拉根线", "拉电线", "偷偷拉线", "吊线充电",
    "线吊下来", "私接插座", "私接电线", "窗口吊下来", "放下来的线", "从屋里拖出来的线", "从屋里拉", "从家里拉",
    "从二楼放下来",
];
#[rustfmt::skip]
const FUEL: &[&str] = &[
    "煤炉", "汽油", "柴油", "酒精桶", "燃油",
];
#[rustfmt::skip]
const INSIDE_BUILDING: &[&str] = &[
    "楼道", "楼梯", "单元门", "储物间", "走廊", "家里", "地下室", "屋里", "楼里",
];

#[rustfmt::skip]
const WIRING: &[&str] = &[
    "电表箱", "电箱", "配电箱", "配电房", "配电室", "变电站", "变压器", "电表", "电线", "线头", "电缆", "铜线",
    "插座", "开关", "电闸", "线路", "电路", "灯座", "电线盒", "电线杆", "充电口", "充电线", "插孔", "插头", "换电柜",
    "按钮面板", "线槽", "变电箱", "吊顶里", "路灯杆", "电线杆上的线",
];
#[rustfmt::skip]
const WIRING_DANGER: &[&str] = &[
    "裸露", "露在外面", "露着", "露出来", "露铜", "铜丝", "外露", "破皮", "皮都破", "外皮", "掉在地上", "掉下来",
    "耷拉", "垂下来", "吊着", "搭在", "没包", "泡在水", "进水", "有水", "打火", "火花", "冒烟", "冒白烟", "冒黑烟",
    "烧焦", "烧黑", "烧塑料", "焦味", "糊味", "熔了", "化了", "滋滋", "噼啪", "噼里啪啦", "啪啪", "蓝光", "亮光",
    "闪光", "发烫", "烫手", "烫得", "倒了", "高压危险", "小孩跑进去", "小火苗", "线皮", "熔化", "咔咔响", "热气",
    "泡在雨水", "甩在地上", "被撞开", "麻了一下", "麻一下", "在烧", "青烟", "跳",
];

#[rustfmt::skip]
const GAS_THING: &[&str] = &[
    "燃气", "煤气", "天然气", "液化气", "煤汽", "燃汽", "气管", "气表", "调压箱",
];
#[rustfmt::skip]
const GAS_DANGER: &[&str] = &[
    "味", "嘶嘶", "裂了", "裂开", "漏", "打穿", "挖断", "锈穿", "撞弯", "冒气", "报警器在响", "报警器一直", "在响",
    "在叫", "一直响", "结霜", "结了一层霜", "头晕", "头疼", "喷", "锯了", "挖破", "呼呼", "吹气",
];

#[rustfmt::skip]
const CYLINDERS: &[&str] = &[
    "液化气罐", "液化气瓶", "煤气罐", "煤气瓶", "气罐", "钢瓶", "液化罐", "罐子", "罐液化气",
];
#[rustfmt::skip]
const HOARDED: &[&str] = &[
    "好几个", "几个", "很多", "一堆", "堆满", "堆了", "囤", "屯", "存放", "七八", "十几", "十来", "几十", "多个",
    "好多", "一排", "一屋", "满了", "搬到楼道", "数了", "九个", "八个", "六个", "五个",
];

#[rustfmt::skip]
const HIGH_UP: &[&str] = &[
    "空调", "外机", "支架", "架子", "花盆", "瓷砖", "墙砖", "外墙", "外立面", "装饰条", "保温层", "粉刷层", "玻璃",
    "窗户", "窗框", "雨棚", "雨篷", "遮阳棚", "广告牌", "招牌", "店招", "接收锅", "天线", "防盗窗", "防盗网",
    "晾衣架", "晒衣架", "树枝", "枯枝", "粗枝", "大树", "枯树", "楼顶", "顶楼", "屋檐", "檐口", "女儿墙", "阳台底板",
    "天台", "栏杆", "护栏", "铁皮", "彩钢", "瓦片", "灯箱", "吊顶", "天花板", "水箱", "避雷针", "构架", "空调板",
    "水泥块", "香樟", "雪松", "卫星锅", "落水管", "阳光房", "机子", "招牌字", "窗台", "盆子", "装饰线条", "水泥板",
    "白漆", "铁板", "挡雨板", "脚手架", "铁皮房", "竹竿", "铁锅", "碎玻璃", "树干", "树", "大杈", "行道树",
];
#[rustfmt::skip]
const ABOUT_TO_FALL: &[&str] = &[
    "摇摇欲坠", "要掉", "快掉", "会掉", "掉下来", "掉下去", "往下掉", "掉渣", "掉水泥", "要断", "快断", "锈断",
    "锈穿", "锈烂", "锈蚀", "撑不住", "松动", "松了", "悬着", "悬空", "挂在半空", "吊在", "挂在那晃", "晃来晃去",
    "晃得", "晃起来", "歪了", "歪向", "倾斜", "往楼这边斜", "要倒", "会倒", "要塌", "快塌", "脱落", "脱开", "坠落",
    "吹起来", "掀起来", "飞下来", "刮下来", "吹下来", "裂开", "铁丝挂着", "没有任何固定", "鼓起来", "掉了一块",
    "掉了两块", "掉了三块", "掉了一个", "掉了一半", "掉了！", "往下滑", "摇摇晃晃", "在晃", "一直晃", "歪在", "砸在",
    "断了一半", "挂在电线上", "悬在", "悬挂", "断裂", "松出来", "一推就晃", "往下凹", "裂成两半", "往下剥", "翘起来",
    "翘起", "塌了一边", "斜着", "斜挂", "吹出来", "塌下来", "吹歪", "打转", "砸穿", "砸到楼下", "裂了一条大缝",
    "劈开", "撞歪", "压向", "歪着",
];
#[rustfmt::skip]
const STRUCTURE: &[&str] = &[
    "墙", "楼板", "台阶", "阳台", "房子", "这栋楼", "楼体", "承重", "门框", "围墙",
];
#[rustfmt::skip]
const COLLAPSING: &[&str] = &[
    "往下沉", "往一边歪", "倾斜", "变形", "裂缝", "裂了一道", "裂开", "开裂", "露出钢筋", "能看到钢筋",
];

#[rustfmt::skip]
const THROWN: &[&str] = &[
    "扔下来", "丢下来", "抛下来", "往下扔", "往下丢", "楼上扔", "楼上丢", "高空抛", "飞下来", "掉下来", "砸下来",
    "砸在", "砸了个", "往下扔碎", "掉下来砸到", "扔了口",
];
#[rustfmt::skip]
const NEAR_SOMEONE: &[&str] = &[
    "差点", "险些", "擦着", "离我", "面前", "身边", "旁边就是", "下面正好有人", "人在", "小孩", "孩子", "老人",
    "老太", "行人", "路人", "头上", "肩膀", "身上", "腿上", "吓死", "菜刀", "砖头", "酒瓶", "玻璃瓶", "烟灰缸",
    "差一点", "砸在我", "脚边", "阿姨", "有人在乘凉", "幼儿园", "放学的路", "正下方为人", "下面还有人", "扔了口",
    "碎玻璃",
];

#[rustfmt::skip]
const WHOLE: &[&str] = &[
    "整栋", "整幢", "整座", "整个楼", "整楼", "全楼", "全栋", "一整栋", "整个小区", "全小区", "整片", "一栋楼",
    "两栋楼", "整个大楼", "家家户户", "所有人家", "这栋楼", "我们楼", "我们这栋", "一户都", "一楼到顶楼", "两个单元",
    "一单元二单元", "从底楼到顶楼", "这幢楼", "这一栋", "栋到", "一起",
];
#[rustfmt::skip]
const NO_POWER: &[&str] = &[
    "停电", "没电", "断电", "黑了", "漆黑", "没有电", "全黑", "全灭", "全停", "都停", "全断电", "全部没电",
];
#[rustfmt::skip]
const NO_WATER: &[&str] = &[
    "停水", "没水", "断水", "没有水", "水停了", "一滴水", "么得水", "水全停", "一起断水",
];

#[rustfmt::skip]
const BUILDING: &[&str] = &[
    "栋", "号楼", "幢",
];
/// An outage that comes back every day is a complaint, not an emergency;
/// asking whether there is water is not saying there is none.
#[rustfmt::skip]
const RECURRING: &[&str] = &[
    "天天", "每天", "经常", "老是", "总是", "一停就", "有没有水", "有没有电",
];
/// A fault that has been there for years is not about to fall today.
#[rustfmt::skip]
const LONG_STANDING: &[&str] = &[
    "好几年", "好多年", "多年", "一直没变", "一直这样", "一直就那样",
];

#[rustfmt::skip]
const HOME: &[&str] = &[
    "家里", "我家", "屋里", "屋子", "客厅", "卧室", "厨房", "卫生间", "厕所", "房间", "一楼", "楼道", "天花板",
    "地板", "地漏", "门缝", "吊灯", "吊顶", "车库", "阳台", "马桶", "地下室", "门槛", "沙发", "电视", "卧室门口",
];
#[rustfmt::skip]
const FLOODING: &[&str] = &[
    "淹", "倒灌", "漫进", "灌进", "往里灌", "往下灌", "涌进", "水漫", "爆管", "水管爆", "管子爆", "爆了", "爆裂",
    "崩了", "返水", "溢出", "溢水", "往外冒", "冒脏水", "往上冒", "往上翻", "往下流", "进水了", "都是水", "全是水",
    "都是粪水", "漫到", "满地都是", "反水", "哗哗流", "塌了", "往家里灌", "往屋里灌", "往屋里流", "泡在水里",
    "往下浇", "涌黑水", "往上涌", "一路往下流", "瀑布", "往外喷", "往家里涌", "漫过", "都泡了",
];

#[rustfmt::skip]
const STINGERS: &[&str] = &[
    "马蜂", "马峰", "胡蜂", "黄蜂", "野蜂", "蜂窝", "峰窝", "蜂巢", "蜂包", "蜂子", "一窝蜂", "蜂在做窝", "被叮",
    "被蛰", "蛰了",
];
#[rustfmt::skip]
const ANIMAL_ATTACK: &[&str] = &[
    "有蛇", "条蛇", "蛇出没", "发现蛇", "毒蛇", "蛇！", "蛇!", "狗咬", "被狗", "咬人", "咬伤", "咬了我", "咬在",
    "扑人", "扑倒", "追着人", "追着咬", "狂犬", "白沫", "疯狗", "围着一个", "冲上来", "大蛇", "蛇", "长虫", "咬破",
    "牙印", "咬住", "见人就冲", "追着小孩", "啄破", "挣断", "像是疯了", "狗疯了",
];

#[rustfmt::skip]
const CALLED: &[&str] = &[
    "叫", "喊", "敲", "电话", "按门铃",
];
#[rustfmt::skip]
const NO_ANSWER: &[&str] = &[
    "没反应", "不应", "不醒", "没人接", "不接", "没接", "敲不开", "没声音", "没人开", "没人应", "占线", "叫不醒",
];
#[rustfmt::skip]
const PERSON_IN_DANGER: &[&str] = &[
    "无人应答", "无应答", "敲门没人", "没人应", "没人开门", "几天没出门", "天没出门", "几天没见", "几天没看到",
    "没见出门", "没下楼", "没拿", "堆了三天", "晕倒", "昏倒", "晕在", "躺在", "倒地", "爬不起来", "摔下来",
    "不省人事", "没意识", "叫不醒", "喊不醒", "跳楼", "跳下去", "不想活", "轻生", "喊救命", "胸口疼", "喘不上气",
    "走丢", "迷路", "老年痴呆", "阿尔茨海默", "满脸是血", "流了好多血", "血流", "推下楼梯", "拿刀", "拿着刀", "动刀",
    "要弄死", "同归于尽", "撬我家门", "在撬", "挂彩", "锁着个小孩", "车里锁着", "婴儿在哭", "叫了120", "打120",
    "倒在地上", "倒在楼梯", "人倒在", "倒在那", "好像是中风", "在流血", "头上流血", "挡住了救护车", "挡住救护车",
    "救护车进不去", "担架", "起不来", "磕到头", "脸上都是血", "都是血", "血一直流", "砍到", "砍刀", "拎着菜刀",
    "铁棍", "追人", "不活了", "想不开", "坐在楼顶", "爬到窗户外", "抽筋", "发紫", "胸口闷", "冷汗", "突然倒",
    "没回音", "没回应", "哼哼", "呻吟", "未应门", "未取", "关机", "找不到妈妈", "锁在车里", "车里有个小", "往里爬",
    "一个礼拜没见", "没见她下楼", "没见他下楼", "透不过气", "喘不过气", "头撞破", "撞倒了", "压住了", "卡在底下",
    "打119", "被推倒", "门被撬开",
];

#[rustfmt::skip]
const MANHOLE: &[&str] = &[
    "井盖", "井口", "井的盖", "盖板", "没盖子的井", "井盖子", "窨井", "化粪池的盖", "排水井口", "盖子被",
];
#[rustfmt::skip]
const MANHOLE_OPEN: &[&str] = &[
    "莫得", "没了", "不见", "拖走", "空着", "翻", "掉下去", "没有", "丢", "碎", "塌", "踩空", "没盖", "被偷", "偷了",
    "偷走", "黑窟窿", "掀开", "撬走", "大窟窿", "敞着", "拉走",
];

/// Words that make smoke or a burning smell something else.
#[rustfmt::skip]
const NOT_A_FIRE: &[&str] = &[
    "烧落叶", "烧树叶", "隔壁小区", "检查", "抽烟", "吸烟", "烧垃圾", "烧东西", "烧塑料瓶", "作坊", "厂子", "空气里",
    "油烟", "炒菜", "糊锅", "烧烤", "艾草", "烧纸", "焚烧", "厂区", "工地",
];

/// The dangers, most specific first: the first that matches names the kind.
#[rustfmt::skip]
pub const HAZARDS: &[Hazard] = &[
    one("有人被困", Some("elevator"), &[&["困在电梯", "电梯困人", "电梯里困", "关在电梯", "电梯关人", "困梯",
        "卡在电梯", "被困电梯", "还在电梯里", "在电梯里头", "在电梯里面", "我在电梯里"]]),
    near("有人被困", Some("elevator"), 16, &[LIFT, SOMEONE_INSIDE]).calm_with(&["小便", "尿", "抽烟", "站在里面"]),
    near("电梯危险运行", Some("elevator"), 12, &[LIFT, LIFT_RUNAWAY]),
    one("有人被困", None, &[&["被困", "困住了", "困在里面", "出不来了"]]),
    near("电动车或电池起火冒烟", Some("fire_safety"), 10, &[EBIKE, BURNING]).calm_with(NOT_A_FIRE),
    one("楼道内飞线充电", Some("fire_safety"), &[FLYING_WIRE]),
    near("楼道内充电", Some("fire_safety"), 16, &[INDOORS_ROUTE, CHARGING]).calm_with(&["充满了", "没插电",
        "没在充"]),
    near("楼内明火或易燃油料", Some("fire_safety"), 10, &[INSIDE_BUILDING, FUEL]),
    near("囤放液化气罐", Some("fire_safety"), 10, &[CYLINDERS, HOARDED]).calm_with(&["空罐", "空的", "没气"]),
    near("电线裸露或电箱异常", Some("power_gas"), 10, &[WIRING, WIRING_DANGER]).calm_with(&["锁着", "碰不到"]),
    one("漏电", Some("power_gas"), &[&["漏电", "触电", "电到人", "电到了", "被电了", "麻手", "手麻", "门带电",
        "杆带电", "栏杆带电", "扶手带电", "外壳带电"]]),
    one("燃气泄漏", Some("power_gas"), &[&["煤气味", "燃气味", "天然气味", "液化气味", "煤汽味", "燃气泄漏",
        "燃气泄露", "煤气泄漏", "煤气泄露", "漏煤气", "漏燃气", "漏气", "臭鸡蛋味"]]).calm_with(&["，不是煤气",
        " 不是煤气", "不像煤气", "不像燃气", "厂区", "工厂", "厂子", "垃圾"]),
    near("燃气泄漏", Some("power_gas"), 10, &[GAS_THING, GAS_DANGER]).calm_with(&["燃气费", "冒充", "不像煤气",
        "不像燃气", "厂子"]),
    one("明火或冒烟", None, &[&["冒烟", "冒白烟", "冒黑烟", "浓烟", "黑烟", "有烟", "烟味", "着火", "起火", "失火",
        "烧起来", "冒火", "火光", "烧着了", "火星", "电火花", "爆燃", "爆炸", "烧焦", "焦糊味", "焦味", "糊味",
        "烧塑料"]]).calm_with(NOT_A_FIRE),
    one("高空抛物伤人", Some("building_safety"), &[&["砸到人", "砸伤", "砸中", "差点砸", "险些砸", "差点被砸",
        "差点砸到"]]),
    near("高空抛物伤人", Some("building_safety"), 14, &[THROWN, NEAR_SOMEONE]).calm_with(&["烟头"]),
    near("高处物体将坠落", Some("building_safety"), 12, &[HIGH_UP, ABOUT_TO_FALL]).calm_with(LONG_STANDING),
    near("房屋结构危险", Some("building_safety"), 6, &[STRUCTURE, COLLAPSING]).calm_with(LONG_STANDING),
    near("整栋停电", Some("power_gas"), 16, &[WHOLE, NO_POWER]).planned_is_calm().calm_with(RECURRING),
    near("整栋停电", Some("power_gas"), 2, &[NO_POWER, BUILDING]).planned_is_calm().calm_with(RECURRING),
    near("整栋停水", Some("water_drainage"), 16, &[WHOLE, NO_WATER]).planned_is_calm().calm_with(RECURRING),
    near("整栋停水", Some("water_drainage"), 2, &[NO_WATER, BUILDING]).planned_is_calm().calm_with(RECURRING),
    one("水管爆裂", Some("water_drainage"), &[&["水管爆", "热水管爆", "管爆了", "水管接头都崩", "进水管爆",
        "管子爆了", "进水管脱了"]]),
    near("水淹入户", Some("water_drainage"), 12, &[HOME, FLOODING]).calm_with(&["赔", "调解", "风", "烟", "一下雨就",
        "淹过"]),
    near("蜂窝伤人风险", Some("pests"), 0, &[STINGERS]).calm_with(&["空的", "没蜂", "蚊子"]),
    near("动物伤人", None, 0, &[ANIMAL_ATTACK]).calm_with(&["蛇皮", "蚊子", "蚊虫", "跳蚤", "虫子", "蚂蚁", "毛毛虫",
        "老鼠", "红火蚁", "调解", "赔钱", "公道", "泡沫", "河面"]),
    near("人员安危", None, 12, &[CALLED, NO_ANSWER]).calm_with(&["报修", "物业电话", "维修电话", "投诉", "挪车",
        "车位", "车停", "保安", "按钮", "师傅", "物业", "经理", "前台"]),
    one("人员安危", None, &[PERSON_IN_DANGER]),
    near("井盖缺失", Some("public_facilities"), 8, &[MANHOLE, MANHOLE_OPEN]),
    one("地面塌陷", Some("public_facilities"), &[&["塌陷", "坍塌", "塌方", "塌了个坑", "一米多深", "陷了一块",
        "陷下去", "看不到底"]]),
    one("疑似燃气泄漏", Some("power_gas"), &[&["臭鸡蛋", "烂洋葱", "头疼恶心", "头晕恶心"]]).calm_with(&["垃圾",
        "不是燃气", "不是煤气"]),
];
