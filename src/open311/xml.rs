//! Open311's XML: schemaless, no namespaces, lists wrapped in a container
//! whose children share a singular name (`services/service`,
//! `attributes/attribute`…). Written from the same JSON values the JSON
//! format returns, so the two formats cannot disagree.

use serde_json::Value;

/// The element name of the items of a list called `container`.
fn item_name(container: &str) -> &str {
    match container {
        "services" => "service",
        "service_requests" => "request",
        "attributes" => "attribute",
        "values" => "value",
        "errors" => "error",
        "endpoints" => "endpoint",
        "formats" => "format",
        "service_request_updates" => "request_update",
        other => other.strip_suffix('s').unwrap_or(other),
    }
}

/// A whole document: `root` wraps `value` (an array becomes repeated items).
pub fn document(root: &str, value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    element(&mut out, root, value);
    out.push('\n');
    out
}

fn element(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        Value::Array(items) => {
            open(out, name);
            let item = item_name(name);
            for v in items {
                element(out, item, v);
            }
            close(out, name);
        }
        Value::Object(map) => {
            open(out, name);
            for (k, v) in map {
                element(out, k, v);
            }
            close(out, name);
        }
        Value::String(s) => {
            open(out, name);
            escape_into(out, s);
            close(out, name);
        }
        Value::Bool(b) => {
            open(out, name);
            out.push_str(if *b { "true" } else { "false" });
            close(out, name);
        }
        Value::Number(n) => {
            open(out, name);
            out.push_str(&n.to_string());
            close(out, name);
        }
    }
}

fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::document;

    /// Child order is not significant in Open311; serde_json keeps keys sorted.
    #[test]
    fn lists_nest_in_their_containers() {
        let v = json!([{"service_code": "lighting", "metadata": true, "group": null}]);
        assert_eq!(
            document("services", &v),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service><group/><metadata>true</metadata><service_code>lighting</service_code></service></services>\n"
        );
    }

    #[test]
    fn nested_lists_and_escaping() {
        let v =
            json!({"service_code": "x", "attributes": [{"code": "a<b", "values": [{"key": "1", "name": "甲&乙"}]}]});
        let xml = document("service_definition", &v);
        assert!(xml.contains("<attributes><attribute><code>a&lt;b</code><values><value><key>1</key><name>甲&amp;乙</name></value></values></attribute></attributes>"), "{xml}");
    }
}
