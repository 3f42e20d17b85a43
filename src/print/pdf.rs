//! A small A4 document writer: text in one embedded CJK font (subset, with
//! a ToUnicode map so text can be extracted and searched), rectangles,
//! lines and QR codes. Coordinates are millimetres from the top left.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};

use super::font::CjkFont;

pub const A4: (f32, f32) = (210.0, 297.0);
const PT_PER_MM: f32 = 72.0 / 25.4;

#[derive(Debug, Clone, Copy)]
pub struct Rgb(pub f32, pub f32, pub f32);

pub const BLACK: Rgb = Rgb(0.1, 0.1, 0.1);
pub const GREY: Rgb = Rgb(0.4, 0.4, 0.4);
pub const RED: Rgb = Rgb(0.71, 0.14, 0.09);
pub const WHITE: Rgb = Rgb(1.0, 1.0, 1.0);

enum Op {
    Text { x: f32, y: f32, size: f32, color: Rgb, text: String },
    Rect { x: f32, y: f32, w: f32, h: f32, fill: Option<Rgb>, stroke: Option<(Rgb, f32)> },
}

/// One A4 page being drawn.
#[derive(Default)]
pub struct Page {
    ops: Vec<Op>,
}

impl Page {
    /// Text with its baseline at `y` mm from the top.
    pub fn text(&mut self, x: f32, y: f32, size_pt: f32, color: Rgb, text: &str) {
        self.ops.push(Op::Text { x, y, size: size_pt, color, text: text.to_string() });
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Option<Rgb>, stroke: Option<(Rgb, f32)>) {
        self.ops.push(Op::Rect { x, y, w, h, fill, stroke });
    }

    /// A QR code `size` mm square with its top left at (x, y).
    pub fn qr(&mut self, x: f32, y: f32, size: f32, data: &str) -> Result<(), String> {
        let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| format!("cannot encode a QR code: {e}"))?;
        let width = code.width();
        let quiet = 4;
        let module = size / (width + 2 * quiet) as f32;
        self.rect(x, y, size, size, Some(WHITE), None);
        let colors = code.to_colors();
        for row in 0..width {
            for col in 0..width {
                if colors[row * width + col] == qrcode::Color::Dark {
                    let (mx, my) = (x + (col + quiet) as f32 * module, y + (row + quiet) as f32 * module);
                    // A hair of overlap keeps renderers from drawing seams.
                    self.rect(mx, my, module + 0.01, module + 0.01, Some(Rgb(0.0, 0.0, 0.0)), None);
                }
            }
        }
        Ok(())
    }
}

/// Width of `text` at `size_pt`, in mm.
pub fn text_width(font: &CjkFont, size_pt: f32, text: &str) -> f32 {
    let upem = f32::from(font.face.units_per_em());
    let units: f32 = text
        .chars()
        .map(|c| font.face.glyph_index(c).and_then(|g| font.face.glyph_hor_advance(g)).map_or(upem / 2.0, f32::from))
        .sum();
    units / upem * size_pt / PT_PER_MM
}

/// Splits `text` into lines no wider than `width` mm (CJK breaks anywhere).
pub fn wrap(font: &CjkFont, size_pt: f32, width: f32, text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for c in text.chars() {
        if c == '\n' {
            lines.push(std::mem::take(&mut line));
            continue;
        }
        line.push(c);
        if text_width(font, size_pt, &line) > width {
            line.pop();
            lines.push(std::mem::take(&mut line));
            line.push(c);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes the pages as a PDF with the font subset embedded.
pub fn render(font: &CjkFont, title: &str, pages: &[Page]) -> Result<Vec<u8>, String> {
    // Every glyph used, remapped to a compact subset.
    let mut used: BTreeMap<char, u16> = BTreeMap::new();
    for page in pages {
        for op in &page.ops {
            if let Op::Text { text, .. } = op {
                for c in text.chars() {
                    used.entry(c).or_insert_with(|| font.face.glyph_index(c).map_or(0, |g| g.0));
                }
            }
        }
    }
    let mut remapper = subsetter::GlyphRemapper::new();
    for gid in used.values() {
        remapper.remap(*gid);
    }
    let subset =
        subsetter::subset(font.data, font.index, &remapper).map_err(|e| format!("subsetting the font: {e:?}"))?;
    let cid = |c: char| remapper.get(used[&c]).unwrap_or(0);

    let mut ids = (1..).map(Ref::new);
    let mut next = || ids.next().expect("ids never run out");
    let (catalog, tree, info) = (next(), next(), next());
    let (type0, cid_font, descriptor, cmap_id, file) = (next(), next(), next(), next(), next());
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info).title(pdf_writer::TextStr(title)).producer(pdf_writer::TextStr("linli"));

    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (next(), next())).collect();
    pdf.pages(tree).kids(page_ids.iter().map(|(p, _)| *p)).count(pages.len() as i32);
    let (w, h) = (A4.0 * PT_PER_MM, A4.1 * PT_PER_MM);
    for (page, (page_id, content_id)) in pages.iter().zip(&page_ids) {
        let mut p = pdf.page(*page_id);
        p.media_box(Rect::new(0.0, 0.0, w, h)).parent(tree).contents(*content_id);
        p.resources().fonts().pair(Name(b"F1"), type0);
        p.finish();
        let mut content = Content::new();
        for op in &page.ops {
            match op {
                Op::Rect { x, y, w: rw, h: rh, fill, stroke } => {
                    let (px, py) = (x * PT_PER_MM, h - (y + rh) * PT_PER_MM);
                    if let Some(Rgb(r, g, b)) = fill {
                        content.set_fill_rgb(*r, *g, *b);
                    }
                    if let Some((Rgb(r, g, b), width)) = stroke {
                        content.set_stroke_rgb(*r, *g, *b);
                        content.set_line_width(*width);
                    }
                    content.rect(px, py, rw * PT_PER_MM, rh * PT_PER_MM);
                    match (fill, stroke) {
                        (Some(_), Some(_)) => content.fill_nonzero_and_stroke(),
                        (Some(_), None) => content.fill_nonzero(),
                        _ => content.stroke(),
                    };
                }
                Op::Text { x, y, size, color, text } => {
                    let glyphs: Vec<u8> = text.chars().flat_map(|c| cid(c).to_be_bytes()).collect();
                    content.set_fill_rgb(color.0, color.1, color.2);
                    content.begin_text();
                    content.set_font(Name(b"F1"), *size);
                    content.set_text_matrix([1.0, 0.0, 0.0, 1.0, x * PT_PER_MM, h - y * PT_PER_MM]);
                    content.show(Str(&glyphs));
                    content.end_text();
                }
            }
        }
        let data = content.finish();
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&data, 6);
        pdf.stream(*content_id, &compressed).filter(Filter::FlateDecode);
    }

    let face = &font.face;
    let upem = f32::from(face.units_per_em());
    let scale = |v: f32| v / upem * 1000.0;
    let base = Name(b"LINLIA+CJK");
    let system = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_font)
        .to_unicode(cmap_id);
    let mut widths: Vec<(u16, f32)> = used
        .values()
        .map(|gid| {
            let adv = face.glyph_hor_advance(ttf_parser::GlyphId(*gid)).map_or(upem / 2.0, f32::from);
            (remapper.get(*gid).unwrap_or(0), scale(adv))
        })
        .collect();
    widths.sort_by_key(|(c, _)| *c);
    widths.dedup_by_key(|(c, _)| *c);
    {
        let mut cid_dict = pdf.cid_font(cid_font);
        cid_dict
            .subtype(CidFontType::Type2)
            .base_font(base)
            .system_info(system)
            .font_descriptor(descriptor)
            .default_width(scale(upem))
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let mut w = cid_dict.widths();
        for (c, width) in &widths {
            w.consecutive(*c, [*width]);
        }
    }
    let bbox = face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(base)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            scale(bbox.x_min.into()),
            scale(bbox.y_min.into()),
            scale(bbox.x_max.into()),
            scale(bbox.y_max.into()),
        ))
        .italic_angle(0.0)
        .ascent(scale(face.ascender().into()))
        .descent(scale(face.descender().into()))
        .cap_height(scale(face.capital_height().unwrap_or(face.ascender()).into()))
        .stem_v(80.0)
        .font_file2(file);
    let compressed_font = miniz_oxide::deflate::compress_to_vec_zlib(&subset, 6);
    pdf.stream(file, &compressed_font).filter(Filter::FlateDecode);
    let mut cmap = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), system);
    for c in used.keys() {
        cmap.pair(cid(*c), *c);
    }
    pdf.cmap(cmap_id, &cmap.finish());
    Ok(pdf.finish())
}

/// Text centred across the horizontal `span` (left, width) in mm.
pub fn centred(page: &mut Page, font: &CjkFont, span: (f32, f32), y: f32, size: f32, color: Rgb, text: &str) {
    let (x, w) = span;
    let tw = text_width(font, size, text);
    page.text(x + (w - tw) / 2.0, y, size, color, text);
}
