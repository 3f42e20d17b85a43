//! WeCom's flat XML: `<xml><Field><![CDATA[value]]></Field>…</xml>`.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::Event;

/// The root's child elements and their text. Nested elements, attributes
/// and entities beyond the five XML ones are not part of WeCom's format.
pub fn fields(xml: &str) -> Result<HashMap<String, String>, String> {
    let mut reader = Reader::from_str(xml);
    let mut depth = 0usize;
    let mut current: Option<String> = None;
    let mut out = HashMap::new();
    let mut saw_root = false;
    loop {
        match reader.read_event().map_err(|e| format!("malformed XML: {e}"))? {
            Event::Start(e) => {
                depth += 1;
                if depth == 1 {
                    saw_root = true;
                } else if depth == 2 {
                    let name = std::str::from_utf8(e.name().as_ref())
                        .map_err(|_| "a tag is not UTF-8".to_string())?
                        .to_string();
                    current = Some(name);
                    out.entry(current.clone().unwrap_or_default()).or_insert_with(String::new);
                }
            }
            Event::End(_) => {
                depth = depth.checked_sub(1).ok_or("unbalanced XML")?;
                if depth < 2 {
                    current = None;
                }
            }
            Event::Empty(e) if depth == 1 => {
                let name =
                    std::str::from_utf8(e.name().as_ref()).map_err(|_| "a tag is not UTF-8".to_string())?.to_string();
                out.insert(name, String::new());
            }
            Event::Text(t) if depth == 2 => {
                let text = t.decode().map_err(|e| format!("bad text: {e}"))?;
                if let Some(name) = &current {
                    out.entry(name.clone()).or_default().push_str(&text);
                }
            }
            Event::GeneralRef(r) if depth == 2 => {
                let name = std::str::from_utf8(&r).map_err(|_| "an entity is not UTF-8".to_string())?;
                let c = match name {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    _ => r
                        .resolve_char_ref()
                        .map_err(|e| format!("bad character reference: {e}"))?
                        .ok_or_else(|| format!("unknown entity &{name};"))?,
                };
                if let Some(field) = &current {
                    out.entry(field.clone()).or_default().push(c);
                }
            }
            Event::CData(c) if depth == 2 => {
                let text = std::str::from_utf8(&c).map_err(|_| "CDATA is not UTF-8".to_string())?;
                if let Some(name) = &current {
                    out.entry(name.clone()).or_default().push_str(text);
                }
            }
            Event::DocType(_) => return Err("DOCTYPE is not allowed".into()),
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root || depth != 0 {
        return Err("not a complete XML document".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::fields;

    #[test]
    fn reads_wecom_messages() {
        let xml = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[98栋<灯>不亮]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>";
        let f = fields(xml).expect("parse");
        assert_eq!(f["FromUserName"], "mycreate");
        assert_eq!(f["Content"], "98栋<灯>不亮");
        assert_eq!(f["MsgId"], "4561255354251345929");
        assert_eq!(f["CreateTime"], "1409659813");
    }

    #[test]
    fn refuses_broken_documents() {
        assert!(fields("<xml><Encrypt>abc</Encrypt>").is_err());
        assert!(fields("not xml at all").is_err());
        assert!(fields("<!DOCTYPE x [<!ENTITY a \"b\">]><xml><A>&a;</A></xml>").is_err());
        assert_eq!(fields("<xml><A>x &amp; y</A></xml>").expect("ok")["A"], "x & y");
    }
}
