//! The application error: what domain code returns and the web layer turns
//! into responses. Client mistakes name the field and the reason; everything
//! else is logged with its cause and shown as a generic failure.

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule: the field (or parameter) and why.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// A thing looked up by key does not exist.
    #[error("找不到{} `{key}`", what_zh(.what))]
    NotFound { what: &'static str, key: String },
    /// The request clashes with what is stored (duplicate, wrong state).
    #[error("{0}")]
    Conflict(String),
    /// No valid credentials were given where they are needed.
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many requests: try again after this many seconds.
    #[error("请求太多，请 {0} 秒后再试")]
    RateLimited(u64),
    /// A part of the system this request needs is missing (e.g. a font).
    #[error("{0}")]
    Unavailable(String),
    /// A body or upload over its size limit.
    #[error("{0}")]
    TooLarge(String),
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// An action a state machine (a case's workflow, a campaign's, …) does
    /// not allow from where it stands.
    #[error("当前状态为“{}”，不能“{}”", .0.from_name, .0.action_name)]
    IllegalTransition(Illegal),
    #[error(transparent)]
    Db(DbError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a state machine refused an action: where it stands, what was asked,
/// and what it allows instead (codes for clients, names for people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Illegal {
    pub from: &'static str,
    pub from_name: &'static str,
    pub action: &'static str,
    pub action_name: &'static str,
    pub allowed: Vec<&'static str>,
}

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Invalid { field: field.into(), reason: reason.into() }
    }

    pub fn not_found(what: &'static str, key: impl Into<String>) -> Error {
        Error::NotFound { what, key: key.into() }
    }

    /// The message as a page shows it: a field by the name people know it by.
    pub fn page_message(&self) -> String {
        match self {
            Error::Invalid { field, reason } => format!("{}：{reason}", field_zh(field)),
            other => other.public_message(),
        }
    }
}

impl From<DbError> for Error {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Duplicate { constraint } => {
                Error::Conflict(format!("已存在相同的记录（{constraint}），不能重复添加"))
            }
            other => Error::Db(other),
        }
    }
}

/// What people call a thing looked up by key (the code's name if unknown).
pub fn what_zh(what: &str) -> &str {
    match what {
        "case" => "工单",
        "building" => "楼栋",
        "unit" => "单元",
        "route" => "页面",
        "message" => "消息",
        "person" => "人员",
        "node" | "organisation node" => "组织节点",
        "organisation" => "单位",
        "action" => "操作",
        "robot" => "群机器人",
        "routing rule" => "派遣规则",
        "notification" => "通知",
        "attachment" => "照片",
        "thumbnail" => "缩略图",
        "work card" => "工作证",
        "notice board" => "公示牌",
        "role" => "职务",
        "api client" => "接入应用",
        "campaign" => "排查活动",
        "finding" => "隐患",
        "notice" => "整改告知单",
        "patrol zone" => "巡查片区",
        "checkpoint" => "巡查点",
        "visit" => "巡查记录",
        other => other,
    }
}

/// What people call a form field or parameter (the API's name if unknown).
pub fn field_zh(field: &str) -> &str {
    match field {
        "description" => "问题描述",
        "category" => "问题类别",
        "building" => "楼栋",
        "unit" => "单元",
        "room" => "室号",
        "address" => "地址",
        "lat" | "lng" => "位置",
        "phone" | "reporter.phone" => "联系电话",
        "name" | "reporter.name" | "sender.name" => "称呼",
        "email" | "reporter.email" => "电子邮箱",
        "text" => "消息",
        "note" => "说明",
        "rating" => "评价",
        "merge_into" => "合并到工单号",
        "photo" | "file" | "attachments" => "照片",
        "q" => "搜索词",
        "action" => "操作",
        "status" => "状态",
        "overdue" => "超期",
        "node" | "node_id" => "组织节点",
        "role" => "职务",
        "published" => "公开电话",
        "username" => "用户名",
        "password" => "密码",
        "form" => "表单",
        "body" => "请求内容",
        other => other,
    }
}
