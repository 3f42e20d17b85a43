//! The triage taxonomy of docs/domain.md: what kinds of problems residents report,
//! who handles each by default, and how long they have.
//!
//! These are defaults; routing overrides per deployment layer on top of them.

use serde::Serialize;

/// Who is expected to act on a category, before it is resolved to a concrete
/// organisation or person for one building.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Handler {
    /// The property company managing the building.
    Property,
    /// The grid head of the building's grid.
    GridHead,
    /// The community office (居委会).
    Community,
    /// A department found by kind in the building's ancestry.
    Department(DepartmentKind),
}

/// Kinds of government departments and utilities that handle cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DepartmentKind {
    /// 综合执法 — the street's comprehensive law enforcement.
    Enforcement,
    /// 生态环境 — environment bureau or patrol.
    Environment,
    /// 派出所 / 社区民警.
    Police,
    /// 供电 — the power utility.
    PowerUtility,
    /// 燃气 — the gas utility.
    GasUtility,
    /// 就业服务 — the employment desk.
    Employment,
}

impl DepartmentKind {
    pub const ALL: [DepartmentKind; 6] = [
        DepartmentKind::Enforcement,
        DepartmentKind::Environment,
        DepartmentKind::Police,
        DepartmentKind::PowerUtility,
        DepartmentKind::GasUtility,
        DepartmentKind::Employment,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DepartmentKind::Enforcement => "enforcement",
            DepartmentKind::Environment => "environment",
            DepartmentKind::Police => "police",
            DepartmentKind::PowerUtility => "power_utility",
            DepartmentKind::GasUtility => "gas_utility",
            DepartmentKind::Employment => "employment",
        }
    }

    pub fn from_code(code: &str) -> Option<DepartmentKind> {
        DepartmentKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            DepartmentKind::Enforcement => "综合执法",
            DepartmentKind::Environment => "生态环境",
            DepartmentKind::Police => "派出所",
            DepartmentKind::PowerUtility => "供电公司",
            DepartmentKind::GasUtility => "燃气公司",
            DepartmentKind::Employment => "就业服务",
        }
    }
}

/// A deadline in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// Time to resolve (处置时限).
    pub resolve_minutes: u32,
    /// Time to resolve when the report is urgent, if stricter.
    pub urgent_minutes: Option<u32>,
    /// Time to first response on site, where the category has one.
    pub response_minutes: Option<u32>,
}

/// One category of the taxonomy.
#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// Words residents typically use; shown to people and used as triage hints.
    pub keywords: &'static [&'static str],
    /// Who acts, lead first.
    pub handlers: &'static [Handler],
    /// Who acts when the report is urgent, if different.
    pub urgent_handlers: &'static [Handler],
    pub deadlines: Deadlines,
}

impl Category {
    /// The handlers for a report of this category.
    pub fn handlers_for(&self, urgent: bool) -> &'static [Handler] {
        if urgent && !self.urgent_handlers.is_empty() { self.urgent_handlers } else { self.handlers }
    }
}

const H: u32 = 60;
const D: u32 = 24 * H;

const fn within(resolve_minutes: u32) -> Deadlines {
    Deadlines { resolve_minutes, urgent_minutes: None, response_minutes: None }
}

use DepartmentKind as Dept;
use Handler::{Community, Department, GridHead, Property};

/// The default taxonomy, in the order of docs/domain.md.
pub static CATEGORIES: &[Category] = &[
    Category {
        code: "lighting",
        name_zh: "照明设施",
        name_en: "Lighting",
        keywords: &["楼道灯", "感应灯", "路灯"],
        handlers: &[Property],
        urgent_handlers: &[],
        deadlines: within(24 * H),
    },
    Category {
        code: "fire_safety",
        name_zh: "消防安全",
        name_en: "Fire safety",
        keywords: &["飞线充电", "电瓶车进楼", "私自封门", "楼道堆物", "消防通道", "灭火器", "液化气罐"],
        handlers: &[GridHead, Department(Dept::Enforcement)],
        urgent_handlers: &[],
        deadlines: Deadlines { resolve_minutes: 72 * H, urgent_minutes: Some(2 * H), response_minutes: Some(2 * H) },
    },
    Category {
        code: "building_safety",
        name_zh: "房屋安全与高空坠物",
        name_en: "Building safety and falling objects",
        keywords: &["摇摇欲坠", "外墙脱落", "空调外机", "高空抛物"],
        handlers: &[Property],
        urgent_handlers: &[GridHead, Property],
        deadlines: within(4 * H),
    },
    Category {
        code: "water_drainage",
        name_zh: "给排水",
        name_en: "Water supply and drainage",
        keywords: &["漏水", "停水", "下水道堵", "积水"],
        handlers: &[Property],
        urgent_handlers: &[],
        deadlines: within(24 * H),
    },
    Category {
        code: "power_gas",
        name_zh: "供电燃气",
        name_en: "Power and gas",
        keywords: &["停电", "电表箱冒烟", "煤气味"],
        handlers: &[Property, Department(Dept::PowerUtility), Department(Dept::GasUtility)],
        urgent_handlers: &[],
        deadlines: within(2 * H),
    },
    Category {
        code: "elevator",
        name_zh: "电梯",
        name_en: "Elevators",
        keywords: &["电梯坏", "困人", "按钮失灵"],
        handlers: &[Property],
        urgent_handlers: &[],
        deadlines: Deadlines { resolve_minutes: 4 * H, urgent_minutes: Some(30), response_minutes: None },
    },
    Category {
        code: "sanitation",
        name_zh: "环境卫生",
        name_en: "Sanitation",
        keywords: &["垃圾未清运", "臭", "保洁"],
        handlers: &[Property],
        urgent_handlers: &[],
        deadlines: within(24 * H),
    },
    Category {
        code: "pollution",
        name_zh: "生态环境",
        name_en: "Pollution",
        keywords: &["油漆味", "扬尘", "油烟", "焚烧", "污水入河"],
        handlers: &[Department(Dept::Environment)],
        urgent_handlers: &[],
        deadlines: within(48 * H),
    },
    Category {
        code: "noise",
        name_zh: "噪声扰民",
        name_en: "Noise",
        keywords: &["施工", "广场舞", "装修", "烧烤"],
        handlers: &[Community, Department(Dept::Enforcement)],
        urgent_handlers: &[],
        deadlines: within(48 * H),
    },
    Category {
        code: "greenery",
        name_zh: "绿化养护",
        name_en: "Greenery",
        keywords: &["草坪", "树枝", "毁绿种菜"],
        handlers: &[Property],
        urgent_handlers: &[],
        deadlines: within(72 * H),
    },
    Category {
        code: "parking_traffic",
        name_zh: "停车与道路秩序",
        name_en: "Parking and road order",
        keywords: &["乱停车", "占道", "僵尸车", "消防通道停车"],
        handlers: &[Property, Department(Dept::Enforcement)],
        urgent_handlers: &[],
        deadlines: within(48 * H),
    },
    Category {
        code: "ev_charging",
        name_zh: "电动车充电设施",
        name_en: "E-bike charging",
        keywords: &["充电桩不足", "充电棚", "插座烧坏"],
        handlers: &[Community],
        urgent_handlers: &[],
        deadlines: within(7 * D),
    },
    Category {
        code: "public_facilities",
        name_zh: "公共设施",
        name_en: "Public facilities",
        keywords: &["门禁", "道闸", "健身器材", "井盖", "地砖", "信报箱"],
        handlers: &[Property],
        urgent_handlers: &[],
        deadlines: within(72 * H),
    },
    Category {
        code: "pests",
        name_zh: "病媒生物",
        name_en: "Pests",
        keywords: &["老鼠", "蟑螂", "蚊虫"],
        handlers: &[Property],
        urgent_handlers: &[],
        deadlines: within(72 * H),
    },
    Category {
        code: "pets",
        name_zh: "动物管理",
        name_en: "Animals",
        keywords: &["犬只", "流浪猫"],
        handlers: &[Community],
        urgent_handlers: &[],
        deadlines: within(72 * H),
    },
    Category {
        code: "neighbor_dispute",
        name_zh: "邻里纠纷",
        name_en: "Neighbour disputes",
        keywords: &["吵架", "调解"],
        handlers: &[GridHead],
        urgent_handlers: &[],
        deadlines: within(7 * D),
    },
    Category {
        code: "security",
        name_zh: "治安防范",
        name_en: "Security",
        keywords: &["可疑人员", "盗窃", "冒充工作人员"],
        handlers: &[Department(Dept::Police)],
        urgent_handlers: &[],
        deadlines: within(24 * H),
    },
    Category {
        code: "property_service",
        name_zh: "物业服务",
        name_en: "Property management service",
        keywords: &["物业不作为", "保洁差", "报修没人理"],
        handlers: &[Community],
        urgent_handlers: &[],
        deadlines: within(7 * D),
    },
    Category {
        code: "employment",
        name_zh: "就业服务",
        name_en: "Employment",
        keywords: &["找工作", "培训", "零工"],
        handlers: &[Department(Dept::Employment)],
        urgent_handlers: &[],
        deadlines: within(7 * D),
    },
    Category {
        code: "welfare",
        name_zh: "民生保障",
        name_en: "Welfare",
        keywords: &["独居老人", "养老", "低保"],
        handlers: &[Community],
        urgent_handlers: &[],
        deadlines: Deadlines { resolve_minutes: 24 * H, urgent_minutes: Some(H), response_minutes: None },
    },
    Category {
        code: "suggestion",
        name_zh: "意见建议",
        name_en: "Suggestions",
        keywords: &["建议", "希望", "能不能"],
        handlers: &[Community],
        urgent_handlers: &[],
        deadlines: within(15 * D),
    },
];

/// The category with this code.
pub fn category(code: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_every_category_has_a_handler() {
        let mut codes: Vec<_> = CATEGORIES.iter().map(|c| c.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), CATEGORIES.len());
        assert_eq!(CATEGORIES.len(), 21);
        assert!(CATEGORIES.iter().all(|c| !c.handlers.is_empty()));
    }

    #[test]
    fn domain_deadlines() {
        let fire = category("fire_safety").expect("fire_safety");
        assert_eq!(fire.deadlines.response_minutes, Some(120));
        assert_eq!(fire.deadlines.resolve_minutes, 72 * 60);
        assert_eq!(category("elevator").and_then(|c| c.deadlines.urgent_minutes), Some(30));
        assert_eq!(category("suggestion").map(|c| c.deadlines.resolve_minutes), Some(15 * 24 * 60));
    }

    #[test]
    fn urgent_building_safety_goes_to_the_grid_head_first() {
        let c = category("building_safety").expect("building_safety");
        assert_eq!(c.handlers_for(false), &[Handler::Property]);
        assert_eq!(c.handlers_for(true)[0], Handler::GridHead);
    }
}
