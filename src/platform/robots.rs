//! Group robots: WeCom (企业微信群机器人), DingTalk (钉钉) and Feishu (飞书)
//! webhooks, each with its payload, signing and size limit.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::db::query;
use crate::error::{Error, Result};

crate::text_enum! {
    pub enum RobotKind {
        Wecom = "wecom",
        Dingtalk = "dingtalk",
        Feishu = "feishu",
    }
}

impl RobotKind {
    /// The largest text, in UTF-8 bytes, each platform accepts.
    pub fn max_text_bytes(self) -> usize {
        match self {
            RobotKind::Wecom => 2048,
            RobotKind::Dingtalk | RobotKind::Feishu => 4000,
        }
    }
}

crate::db_row! {
    /// A robot in a group chat, attached to a node: it hears of cases in
    /// that node's subtree.
    #[derive(Debug, Clone, Serialize)]
    pub struct Robot {
        pub id: i64,
        pub kind: RobotKind,
        pub name: String,
        #[serde(skip)]
        pub url: String,
        #[serde(skip)]
        pub secret: Option<String>,
        pub node_id: i64,
        pub active: bool,
    }
}

/// An active robot with the path of the node it hears of.
#[derive(Debug, Clone)]
pub struct RobotAt {
    pub robot: Robot,
    pub node_path: String,
}

crate::db_row! {
    struct RobotRow {
        id: i64,
        kind: RobotKind,
        name: String,
        url: String,
        secret: Option<String>,
        node_id: i64,
        active: bool,
        node_path: String,
    }
}

/// Every active robot (a deployment has a handful), for matching many
/// cases' paths at once.
pub async fn active<'a>(on: impl Into<crate::db::On<'a>>) -> Result<Vec<RobotAt>> {
    with_paths(on, true).await
}

/// Every robot with the path of its node, oldest first; removed ones too
/// unless `active_only`.
pub async fn with_paths<'a>(on: impl Into<crate::db::On<'a>>, active_only: bool) -> Result<Vec<RobotAt>> {
    let rows: Vec<RobotRow> = query(
        "SELECT r.id, r.kind, r.name, r.url, r.secret, r.node_id, r.active, n.path AS node_path
         FROM robots r JOIN org_nodes n ON n.id = r.node_id WHERE r.active OR NOT $1 ORDER BY r.id",
    )
    .bind(active_only)
    .fetch_all(on)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RobotAt {
            robot: Robot {
                id: r.id,
                kind: r.kind,
                name: r.name,
                url: r.url,
                secret: r.secret,
                node_id: r.node_id,
                active: r.active,
            },
            node_path: r.node_path,
        })
        .collect())
}

pub async fn robot_by_id<'a>(on: impl Into<crate::db::On<'a>>, id: i64) -> Result<Robot> {
    query("SELECT id, kind, name, url, secret, node_id, active FROM robots WHERE id = $1")
        .bind(id)
        .fetch_optional(on)
        .await?
        .ok_or_else(|| Error::not_found("robot", id.to_string()))
}

/// `text` cut to at most `max` bytes on a character boundary, marked with …
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// DingTalk: HMAC-SHA256 of `timestamp\nsecret` keyed by the secret.
pub fn dingtalk_sign(timestamp_ms: i64, secret: &str) -> String {
    hmac_base64(secret.as_bytes(), format!("{timestamp_ms}\n{secret}").as_bytes())
}

/// Feishu: HMAC-SHA256 of an empty message keyed by `timestamp\nsecret`.
pub fn feishu_sign(timestamp_s: i64, secret: &str) -> String {
    hmac_base64(format!("{timestamp_s}\n{secret}").as_bytes(), b"")
}

/// The request to send: URL and JSON body.
pub fn request(robot: &Robot, text: &str, now_ms: i64) -> (String, Value) {
    let text = truncate(text, robot.kind.max_text_bytes());
    match robot.kind {
        RobotKind::Wecom => (robot.url.clone(), json!({"msgtype": "text", "text": {"content": text}})),
        RobotKind::Dingtalk => {
            let url = match &robot.secret {
                Some(secret) => {
                    let sign = dingtalk_sign(now_ms, secret);
                    let sign: String = form_urlencoded::byte_serialize(sign.as_bytes()).collect();
                    let sep = if robot.url.contains('?') { '&' } else { '?' };
                    format!("{}{sep}timestamp={now_ms}&sign={sign}", robot.url)
                }
                None => robot.url.clone(),
            };
            (url, json!({"msgtype": "text", "text": {"content": text}}))
        }
        RobotKind::Feishu => {
            let mut body = json!({"msg_type": "text", "content": {"text": text}});
            if let Some(secret) = &robot.secret {
                let ts = now_ms / 1000;
                body["timestamp"] = json!(ts.to_string());
                body["sign"] = json!(feishu_sign(ts, secret));
            }
            (robot.url.clone(), body)
        }
    }
}

/// Whether the platform's reply means the message was accepted.
pub fn accepted(kind: RobotKind, reply: &Value) -> Result<(), String> {
    let code = match kind {
        RobotKind::Wecom | RobotKind::Dingtalk => reply["errcode"].as_i64(),
        RobotKind::Feishu => reply["code"].as_i64().or_else(|| reply["StatusCode"].as_i64()),
    };
    match code {
        Some(0) => Ok(()),
        Some(c) => Err(format!(
            "the robot refused the message: code {c} {}",
            reply["errmsg"].as_str().or(reply["msg"].as_str()).unwrap_or("")
        )),
        None => Err(format!("unexpected robot reply: {reply}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_independent_computations() {
        // Computed with Python's hmac, hashlib and base64.
        assert_eq!(
            dingtalk_sign(1_577_262_236_757, "SEC000000000000000000000"),
            "xOJIB8eNoYWeLy26EMZOlc2RjOJbtPv9HYjm+E3uALU="
        );
        assert_eq!(
            feishu_sign(1_599_360_473, "SEC000000000000000000000"),
            "tZVM4ouDwq+2bRx/q1XWi581sbrH/l2hxBttPdp/a9A="
        );
    }

    #[test]
    fn truncates_on_character_boundaries() {
        let long = "灯".repeat(1000);
        let cut = truncate(&long, 2048);
        assert!(cut.len() <= 2048 && cut.ends_with('…'));
        assert_eq!(truncate("短", 2048), "短");
    }

    #[test]
    fn payloads() {
        let robot = |kind, secret: Option<&str>| Robot {
            id: 1,
            kind,
            name: "r".into(),
            url: "http://h/hook?access_token=x".into(),
            secret: secret.map(str::to_string),
            node_id: 1,
            active: true,
        };
        let (url, body) =
            request(&robot(RobotKind::Dingtalk, Some("SEC000000000000000000000")), "hi", 1_577_262_236_757);
        assert_eq!(
            url,
            "http://h/hook?access_token=x&timestamp=1577262236757&sign=xOJIB8eNoYWeLy26EMZOlc2RjOJbtPv9HYjm%2BE3uALU%3D"
        );
        assert_eq!(body["text"]["content"], "hi");
        let (_, body) = request(&robot(RobotKind::Feishu, Some("SEC000000000000000000000")), "hi", 1_599_360_473_000);
        assert_eq!(
            (body["timestamp"].as_str(), body["sign"].as_str()),
            (Some("1599360473"), Some("tZVM4ouDwq+2bRx/q1XWi581sbrH/l2hxBttPdp/a9A="))
        );
        assert_eq!(body["content"]["text"], "hi");
        let (_, body) = request(&robot(RobotKind::Wecom, None), &"长".repeat(2000), 0);
        assert!(body["text"]["content"].as_str().expect("text").len() <= 2048);
        assert!(accepted(RobotKind::Wecom, &json!({"errcode": 0, "errmsg": "ok"})).is_ok());
        assert!(accepted(RobotKind::Wecom, &json!({"errcode": 45009, "errmsg": "api freq out of limit"})).is_err());
        assert!(accepted(RobotKind::Feishu, &json!({"code": 0, "msg": "success"})).is_ok());
    }
}
