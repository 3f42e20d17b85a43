//! The web app's words in Chinese (the default) and English. A struct, not
//! a lookup table, so a missing word is a compile error in the templates.

use axum::http::HeaderMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

pub const LANG_COOKIE: &str = "linli_lang";

impl Lang {
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        match crate::web::cookies::cookie(headers, LANG_COOKIE) {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

pub struct Texts {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub app: &'static str,
    pub nav_inbox: &'static str,
    pub nav_centre: &'static str,
    pub nav_routing: &'static str,
    pub nav_people: &'static str,
    pub nav_tree: &'static str,
    pub nav_password: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub wrong_password: &'static str,
    pub old_password: &'static str,
    pub new_password: &'static str,
    pub repeat_password: &'static str,
    pub change_password: &'static str,
    pub password_changed: &'static str,
    pub inbox: &'static str,
    pub all: &'static str,
    pub overdue: &'static str,
    pub no_cases: &'static str,
    pub deadline: &'static str,
    pub assignee: &'static str,
    pub place: &'static str,
    pub history: &'static str,
    pub photos: &'static str,
    pub note: &'static str,
    pub photo: &'static str,
    pub rating: &'static str,
    pub category: &'static str,
    pub merge_into: &'static str,
    pub submit: &'static str,
    pub urgent: &'static str,
    pub done: &'static str,
    pub optional: &'static str,
    pub more_actions: &'static str,
    pub notices: &'static str,
    pub likely_duplicate: &'static str,
    pub nav_account: &'static str,
}

pub static ZH: Texts = Texts {
    lang: "zh-CN",
    other_lang: "en",
    other_lang_name: "English",
    app: "邻里",
    nav_inbox: "待办",
    nav_centre: "指挥中心",
    nav_routing: "派遣规则",
    nav_people: "人员与角色",
    nav_tree: "组织架构",
    nav_password: "修改密码",
    sign_in: "登录",
    sign_out: "退出",
    username: "用户名",
    password: "密码",
    wrong_password: "用户名或密码错误",
    old_password: "原密码",
    new_password: "新密码（至少 8 位）",
    repeat_password: "再次输入新密码",
    change_password: "修改密码",
    password_changed: "密码已修改，其他设备已退出登录。",
    inbox: "工单",
    all: "全部",
    overdue: "超期",
    no_cases: "暂无工单。",
    deadline: "处置时限",
    assignee: "责任单位",
    place: "地点",
    history: "办理过程",
    photos: "照片",
    note: "说明",
    photo: "现场照片",
    rating: "评价",
    category: "问题类别",
    merge_into: "合并到工单号",
    submit: "提交",
    urgent: "紧急",
    done: "已完成",
    optional: "（可不填）",
    more_actions: "更多操作",
    notices: "新通知",
    likely_duplicate: "可能与此工单重复：",
    nav_account: "我的账户",
};

pub static EN: Texts = Texts {
    lang: "en",
    other_lang: "zh",
    other_lang_name: "中文",
    app: "linli",
    nav_inbox: "Inbox",
    nav_centre: "Command centre",
    nav_routing: "Routing rules",
    nav_people: "People and roles",
    nav_tree: "Organisation",
    nav_password: "Password",
    sign_in: "Sign in",
    sign_out: "Sign out",
    username: "Username",
    password: "Password",
    wrong_password: "Wrong username or password",
    old_password: "Current password",
    new_password: "New password (8 characters or more)",
    repeat_password: "New password again",
    change_password: "Change password",
    password_changed: "Password changed; other devices were signed out.",
    inbox: "Cases",
    all: "All",
    overdue: "Overdue",
    no_cases: "No cases.",
    deadline: "Deadline",
    assignee: "Assigned to",
    place: "Place",
    history: "History",
    photos: "Photos",
    note: "Note",
    photo: "Photo",
    rating: "Rating",
    category: "Category",
    merge_into: "Merge into case no.",
    submit: "Submit",
    urgent: "Urgent",
    done: "Done",
    optional: " (optional)",
    more_actions: "More actions",
    notices: "New notices",
    likely_duplicate: "May repeat case",
    nav_account: "My account",
};

impl Texts {
    /// Whether these are the English words.
    pub fn is_en(&self) -> bool {
        self.lang == "en"
    }

    /// A page's own words, both languages side by side where they are
    /// used: `t.tr("我的反映", "My reports")`. Both are required, so a word
    /// cannot lack its English. Words several pages share are fields above.
    pub fn tr(&self, zh: &'static str, en: &'static str) -> &'static str {
        if self.is_en() { en } else { zh }
    }

    /// A time (ms) as this language reads it, relative to `now`.
    pub fn when_ms(&self, ms: i64, now: i64) -> String {
        if self.is_en() { crate::time::human_en(ms, now) } else { crate::time::human(ms, now) }
    }

    /// A stored RFC 3339 time as this language reads it ("" if unreadable).
    pub fn when(&self, rfc3339: &str, now: i64) -> String {
        crate::time::parse_datetime(rfc3339).map(|t| self.when_ms(t, now)).unwrap_or_default()
    }

    pub fn category(&self, code: &str) -> &'static str {
        crate::taxonomy::category(code).map_or("", |c| if self.is_en() { c.name_en } else { c.name_zh })
    }

    /// Every category as `(code, name)`, for a form's choices.
    pub fn categories(&self) -> Vec<(&'static str, &'static str)> {
        crate::taxonomy::CATEGORIES.iter().map(|c| (c.code, if self.is_en() { c.name_en } else { c.name_zh })).collect()
    }
}
