//! `services` (the taxonomy) and `services/{code}` (its attributes).

use serde_json::{Value, json};

use super::{Failure, Format, Reply, render};
use crate::taxonomy::{CATEGORIES, Category, Handler};

fn group(c: &Category) -> &'static str {
    match c.handlers[0] {
        Handler::Property => "物业",
        Handler::GridHead => "网格",
        Handler::Community => "社区",
        Handler::Department(_) => "职能部门",
    }
}

pub fn list(format: Format) -> Reply {
    let services: Vec<Value> = CATEGORIES
        .iter()
        .map(|c| {
            json!({
                "service_code": c.code,
                "service_name": c.name_zh,
                "description": format!("{}（{}）：{}", c.name_zh, c.name_en, c.keywords.join("、")),
                "metadata": true,
                "type": "realtime",
                "keywords": c.keywords.join(", "),
                "group": group(c),
            })
        })
        .collect();
    Ok(render(format, "services", &Value::Array(services)))
}

pub fn definition(code: &str, format: Format) -> Reply {
    let category = crate::taxonomy::category(code)
        .ok_or_else(|| Failure::new(404, format!("no service_code `{code}`"), format))?;
    let attribute = |order: u32, code: &str, datatype: &str, description: &str, values: Value| {
        json!({
            "variable": true,
            "code": code,
            "datatype": datatype,
            "required": false,
            "datatype_description": null,
            "order": order,
            "description": description,
            "values": values,
        })
    };
    let body = json!({
        "service_code": category.code,
        "attributes": [
            attribute(1, "unit", "number", "单元号（如 3 表示三单元）", json!([])),
            attribute(2, "room", "string", "室号（如 302）", json!([])),
            attribute(3, "floor", "number", "楼层（如 6 表示六楼）", json!([])),
            attribute(4, "urgent", "singlevaluelist", "是否紧急（有人员或财产危险）", json!([
                {"key": "false", "name": "一般"},
                {"key": "true", "name": "紧急"},
            ])),
        ],
    });
    Ok(render(format, "service_definition", &body))
}
