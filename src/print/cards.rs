//! The two printed documents: the real-name work card (工作证) and the
//! entrance notice board (公示栏).

use super::font::CjkFont;
use super::pdf::{self, BLACK, GREY, Page, RED, Rgb, WHITE, centred};
use crate::directory::Directory;

/// What a work card shows.
pub struct WorkCard {
    pub name: String,
    pub role: String,
    pub area: String,
    pub phone: Option<String>,
    pub duties: String,
    pub issuer: String,
    pub verify_url: String,
}

const LIGHT: Rgb = Rgb(0.96, 0.93, 0.92);

/// One A4 page with the card (95 × 140 mm, to cut out and laminate).
pub fn work_card(font: &CjkFont, card: &WorkCard) -> Result<Vec<u8>, String> {
    let mut page = Page::default();
    let (x, y, w, h) = (57.5, 30.0, 95.0, 140.0);
    page.rect(x, y, w, h, Some(WHITE), Some((GREY, 0.5)));
    page.rect(x, y, w, 22.0, Some(RED), None);
    centred(&mut page, font, (x, w), y + 10.0, 11.0, WHITE, &card.issuer);
    centred(&mut page, font, (x, w), y + 18.5, 16.0, WHITE, "工 作 证");
    // Photo placeholder.
    page.rect(x + 8.0, y + 30.0, 25.0, 32.0, Some(LIGHT), Some((GREY, 0.3)));
    page.text(x + 16.0, y + 47.0, 9.0, GREY, "照片");
    page.text(x + 38.0, y + 38.0, 18.0, BLACK, &card.name);
    page.text(x + 38.0, y + 47.0, 11.0, RED, &card.role);
    let mut line = y + 55.0;
    for l in pdf::wrap(font, 9.0, 50.0, &card.area) {
        page.text(x + 38.0, line, 9.0, BLACK, &l);
        line += 4.5;
    }
    let mut cursor = y + 72.0;
    if let Some(phone) = &card.phone {
        page.text(x + 8.0, cursor, 10.0, BLACK, &format!("联系电话：{phone}"));
        cursor += 7.0;
    }
    page.text(x + 8.0, cursor, 10.0, BLACK, "工作职责：");
    cursor += 5.5;
    for l in pdf::wrap(font, 9.0, w - 16.0, &card.duties).into_iter().take(4) {
        page.text(x + 8.0, cursor, 9.0, BLACK, &l);
        cursor += 4.8;
    }
    let qr = 30.0;
    page.qr(x + w - qr - 6.0, y + h - qr - 6.0, qr, &card.verify_url)?;
    page.text(x + 8.0, y + h - 22.0, 9.0, GREY, "扫码核验身份：");
    page.text(x + 8.0, y + h - 17.0, 9.0, GREY, "显示“在岗”方为有效");
    page.text(x + 8.0, y + h - 9.0, 7.0, GREY, "谨防冒充社区工作人员");
    page.text(20.0, 190.0, 8.0, GREY, "沿边框剪下，塑封后佩戴。");
    pdf::render(font, &format!("{} 工作证", card.name), &[page])
}

/// The entrance board of one building.
pub fn notice_board(font: &CjkFont, d: &Directory, report_url: &str) -> Result<Vec<u8>, String> {
    let mut page = Page::default();
    let (w, _) = pdf::A4;
    page.rect(0.0, 0.0, w, 34.0, Some(RED), None);
    centred(&mut page, font, (0.0, w), 16.0, 22.0, WHITE, &format!("{} 网格公示栏", d.building.name));
    let place = [d.street.as_ref(), d.community.as_ref(), d.grid.as_ref()]
        .iter()
        .flatten()
        .map(|n| n.name.clone())
        .collect::<Vec<_>>()
        .join(" · ");
    centred(&mut page, font, (0.0, w), 27.0, 11.0, WHITE, &place);

    let mut y = 48.0;
    let section = |page: &mut Page, y: &mut f32, title: &str, lines: Vec<String>| {
        page.rect(15.0, *y - 6.0, 3.0, 8.0, Some(RED), None);
        page.text(21.0, *y, 14.0, BLACK, title);
        *y += 9.0;
        if lines.is_empty() {
            page.text(21.0, *y, 11.0, GREY, "暂无");
            *y += 7.0;
        }
        for l in lines {
            for wrapped in pdf::wrap(font, 11.0, 120.0, &l) {
                page.text(21.0, *y, 11.0, BLACK, &wrapped);
                *y += 6.5;
            }
        }
        *y += 4.0;
    };
    let person = |p: &crate::people::PublicRole| {
        let phone = p.phone.as_ref().map(|ph| format!("  {}", ph.shown())).unwrap_or_default();
        format!("{}{phone}", p.name)
    };
    section(&mut page, &mut y, "网格长", d.grid_head.iter().map(person).collect());
    section(
        &mut page,
        &mut y,
        "微网格员",
        d.micro_grid_members.iter().map(|m| format!("{}  职责：{}", person(m), m.duties)).collect(),
    );
    section(&mut page, &mut y, "党员", d.party_members.iter().map(person).collect());
    section(
        &mut page,
        &mut y,
        "物业服务",
        d.property
            .iter()
            .map(|p| format!("{}  报修电话：{}", p.name, p.service_phone.clone().unwrap_or_default()))
            .collect(),
    );
    section(
        &mut page,
        &mut y,
        "社区居委会",
        d.community_office
            .iter()
            .map(|o| {
                format!(
                    "{}  {}  {}",
                    o.name,
                    o.phone.clone().unwrap_or_default(),
                    o.address.clone().unwrap_or_default()
                )
            })
            .collect(),
    );
    let qr = 48.0;
    page.qr(w - qr - 15.0, 44.0, qr, report_url)?;
    centred(&mut page, font, (w - qr - 15.0, qr), 98.0, 12.0, RED, "扫码反映问题");
    centred(&mut page, font, (w - qr - 15.0, qr), 104.0, 9.0, GREY, "楼道灯、漏水、堆物……");
    page.text(15.0, 280.0, 9.0, GREY, "有事找网格，紧急情况请拨 110 / 119 / 120。");
    page.text(
        15.0,
        285.0,
        9.0,
        GREY,
        "网格员电话经本人同意公开，其余个人电话已部分隐藏；也可扫码反映问题，或拨打物业、居委会电话。",
    );
    pdf::render(font, &format!("{} 网格公示栏", d.building.name), &[page])
}
