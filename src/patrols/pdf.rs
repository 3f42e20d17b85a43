//! A checkpoint's plate: an A5-sized sheet (on A4 paper, to cut) on the
//! work cards' PDF machinery, whose QR opens the checkpoint's patrol page.

use crate::print::font::CjkFont;
use crate::print::pdf::{self, BLACK, GREY, Page, RED, WHITE, centred};

pub struct Plate {
    pub zone: String,
    pub name: String,
    pub kind: String,
    pub owners: String,
    pub url: String,
}

pub fn plate(font: &CjkFont, p: &Plate) -> Result<Vec<u8>, String> {
    let mut page = Page::default();
    let (x, y, w, h) = (31.0, 20.0, 148.0, 210.0);
    page.rect(x, y, w, h, Some(WHITE), Some((GREY, 0.5)));
    page.rect(x, y, w, 26.0, Some(RED), None);
    centred(&mut page, font, (x, w), y + 11.0, 16.0, WHITE, "环境巡查点");
    centred(&mut page, font, (x, w), y + 20.0, 10.0, WHITE, &p.zone);
    centred(&mut page, font, (x, w), y + 42.0, 18.0, BLACK, &p.name);
    centred(&mut page, font, (x, w), y + 51.0, 11.0, GREY, &p.kind);
    let qr = 80.0;
    page.qr(x + (w - qr) / 2.0, y + 60.0, qr, &p.url)?;
    centred(&mut page, font, (x, w), y + 152.0, 12.0, RED, "巡查时扫码签到，记录“正常”或问题");
    let mut line = y + 164.0;
    for l in pdf::wrap(font, 10.0, w - 20.0, &format!("责任人：{}", p.owners)) {
        centred(&mut page, font, (x, w), line, 10.0, BLACK, &l);
        line += 5.5;
    }
    centred(&mut page, font, (x, w), y + h - 8.0, 8.0, GREY, "请勿遮挡、撕毁。沿边框剪下张贴。");
    pdf::render(font, &format!("巡查点 {}", p.name), &[page])
}
