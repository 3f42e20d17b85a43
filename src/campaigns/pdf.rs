//! The rectification notice (整改告知单): one A4 page for the door, on the
//! same PDF machinery and CJK font as the work cards, with a QR code that
//! opens the notice's live public page.

use crate::directory::Directory;
use crate::print::font::CjkFont;
use crate::print::pdf::{self, BLACK, GREY, Page, RED, WHITE, centred};

/// What a notice says.
pub struct NoticeSheet {
    pub number: String,
    pub issuer: String,
    pub place: String,
    pub hazard: String,
    pub note: Option<String>,
    pub legal_basis: String,
    pub found_on: String,
    pub due: String,
    pub issued_on: String,
    pub live_url: String,
}

/// Who to call, from the building's directory: the micro-grid member, the
/// grid head, the community office (phones as publicised).
pub fn contacts(d: &Directory) -> Vec<String> {
    let phone =
        |p: &crate::people::PublicRole| p.phone.as_ref().map(|ph| format!("  {}", ph.shown())).unwrap_or_default();
    let mut out: Vec<String> =
        d.micro_grid_members.iter().map(|m| format!("微网格员 {}{}", m.name, phone(m))).collect();
    out.extend(d.grid_head.iter().map(|h| format!("网格长 {}{}", h.name, phone(h))));
    out.extend(d.community_office.iter().map(|o| format!("{}  {}", o.name, o.phone.clone().unwrap_or_default())));
    out
}

pub fn notice(font: &CjkFont, n: &NoticeSheet, contacts: &[String]) -> Result<Vec<u8>, String> {
    let mut page = Page::default();
    let (w, _) = pdf::A4;
    page.rect(0.0, 0.0, w, 30.0, Some(RED), None);
    centred(&mut page, font, (0.0, w), 15.0, 22.0, WHITE, "整 改 告 知 单");
    centred(&mut page, font, (0.0, w), 25.0, 10.0, WHITE, &format!("编号：{}", n.number));
    let mut y = 46.0;
    page.text(20.0, y, 13.0, BLACK, &format!("致：{} 住户（使用人）", n.place));
    y += 12.0;
    let paragraph = |page: &mut Page, y: &mut f32, label: &str, text: &str, size: f32| {
        page.text(20.0, *y, 12.0, RED, label);
        *y += 7.0;
        for line in pdf::wrap(font, size, 170.0, text) {
            page.text(24.0, *y, size, BLACK, &line);
            *y += size * 0.55;
        }
        *y += 5.0;
    };
    let found = match &n.note {
        Some(note) => format!("{} 排查发现：{}。{note}", n.found_on, n.hazard),
        None => format!("{} 排查发现：{}。", n.found_on, n.hazard),
    };
    paragraph(&mut page, &mut y, "存在隐患", &found, 12.0);
    paragraph(&mut page, &mut y, "违反规定", &n.legal_basis, 11.0);
    paragraph(
        &mut page,
        &mut y,
        "整改要求",
        &format!(
            "请于 {} 前自行整改完毕。逾期未整改的，将提请街道综合执法队伍依法联合整治（清理、拆除或责令整改）。",
            n.due
        ),
        12.0,
    );
    page.text(20.0, y, 12.0, RED, "联系我们");
    y += 7.0;
    for line in contacts {
        page.text(24.0, y, 11.0, BLACK, line);
        y += 6.5;
    }
    let qr = 44.0;
    let qr_y = y.max(200.0) + 4.0;
    page.qr(20.0, qr_y, qr, &n.live_url)?;
    page.text(70.0, qr_y + 10.0, 12.0, BLACK, "扫码查看整改进度");
    page.text(70.0, qr_y + 18.0, 10.0, GREY, "整改完成后可扫码点“已整改”并上传照片，");
    page.text(70.0, qr_y + 24.0, 10.0, GREY, "网格员将上门复查。");
    page.text(130.0, qr_y + 36.0, 12.0, BLACK, &n.issuer);
    page.text(130.0, qr_y + 43.0, 11.0, BLACK, &n.issued_on);
    page.text(20.0, 287.0, 8.0, GREY, "本告知单张贴于门口，请勿撕毁。消防安全，人人有责。");
    pdf::render(font, &format!("整改告知单 {}", n.number), &[page])
}
