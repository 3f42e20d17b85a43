//! Property-based fuzzing (proptest; cargo-fuzz needs a nightly toolchain
//! this project does not use) of every parser that reads outside input:
//! nothing panics, whatever arrives. `PROPTEST_CASES=100000 cargo test
//! --test api fuzz` runs longer.

use proptest::prelude::*;

use linli::triage::{Context, Engine};
use linli::wecom::crypto::WxCrypt;

/// Text the way chat brings it: CJK, digits, the location and number
/// characters the parsers care about, emoji, control characters.
fn chat_text() -> impl Strategy<Value = String> {
    let alphabet = prop::sample::select(vec![
        '栋', '号', '楼', '幢', '座', '#', '＃', '单', '元', '室', '层', '负', '地', '下', '一', '二', '三', '十',
        '百', '千', '零', '两', '0', '1', '9', '９', 'A', '灯', '水', '漏', '着', '火', '冒', '烟', '梯', '困', ' ',
        '\n', '\t', '\u{0}', '👍', '？', '。', '月', 'x', '%', '_', '\\', '"', '\'', '<', '&',
    ]);
    prop::collection::vec(alphabet, 0..60).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn triage_never_panics(text in chat_text(), any in ".{0,80}") {
        let engine = Engine::builtin();
        for t in [&text, &any] {
            let r = engine.triage(t, &Context { building: Some("98".into()) });
            prop_assert!((0.0..=1.0).contains(&r.confidence));
            prop_assert!(r.category.is_some() || !r.is_report);
            let _ = linli::triage::location::parse(t);
            let _ = linli::org::search::parse(t);
            let _ = linli::text::numerals::parse_number(t);
            let _ = linli::privacy::mask_text(t);
        }
    }

    #[test]
    fn wecom_decoding_never_panics(cipher in "[A-Za-z0-9+/=]{0,200}", raw in prop::collection::vec(any::<u8>(), 0..300)) {
        let c = WxCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7").expect("keys");
        let _ = c.decrypt(&cipher);
        let _ = c.verify(&cipher, "1", "2", &cipher);
        let text = String::from_utf8_lossy(&raw);
        let _ = c.decrypt(&text);
        let _ = linli::wecom::xml::fields(&text);
    }

    #[test]
    fn well_formed_wecom_ciphertext_round_trips(message in ".{0,300}", random in prop::array::uniform16(any::<u8>())) {
        let c = WxCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7").expect("keys");
        prop_assert_eq!(c.decrypt(&c.encrypt(&message, random)).expect("round trip"), message);
    }

    #[test]
    fn xml_fields_never_panic(body in "(<xml>)?(<[A-Za-z]{1,6}>|</[A-Za-z]{1,6}>|<!\\[CDATA\\[|\\]\\]>|&[a-z#0-9]{0,6};?|[^<&]{0,10}){0,20}(</xml>)?") {
        let _ = linli::wecom::xml::fields(&body);
    }

    #[test]
    fn form_parsing_never_panics(raw in "([a-z_\\[\\]%0-9A-F]{0,12}(=[^&]{0,20})?&?){0,12}") {
        let p = linli::web::params::Params::parse(&raw);
        for name in ["api_key", "service_code", "attribute[unit]", "lat", "q", "unit", "limit"] {
            let _ = p.optional(name);
            let _ = p.integer(name, 1, 99);
            let _ = p.text(name, 100);
        }
    }

    #[test]
    fn csv_import_never_panics(raw in prop::collection::vec(any::<u8>(), 0..400), text in "(text,label\\n)?([^\\n]{0,30}\\n){0,10}") {
        let cols = vec!["text".to_string()];
        let _ = linli::triage::dataset::read_csv(raw.as_slice(), &cols, "label", Some("urgent"));
        let _ = linli::triage::dataset::read_csv(text.as_bytes(), &cols, "label", None);
    }

    #[test]
    fn model_files_never_panic(raw in prop::collection::vec(any::<u8>(), 0..200), flip in 0usize..10_000) {
        let _ = linli::triage::model::Model::from_bytes(&raw);
        // A real model with one byte changed is refused, not misread.
        let mut bytes = Engine::builtin().model().to_bytes();
        let at = flip % bytes.len();
        bytes[at] ^= 0x5A;
        prop_assert!(linli::triage::model::Model::from_bytes(&bytes).is_err());
    }
}
