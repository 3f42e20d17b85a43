//! The CJK font printed documents embed. linli does not ship one: it uses
//! `LINLI_FONT` or a known system font, and says which package to install
//! when there is none.

use std::sync::OnceLock;

/// Fonts tried in order (Debian paths).
const CANDIDATES: &[(&str, u32)] = &[
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
];

/// A loaded font, kept for the life of the process.
pub struct CjkFont {
    pub data: &'static [u8],
    pub index: u32,
    pub face: ttf_parser::Face<'static>,
    pub path: String,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum FontError {
    #[error(
        "no CJK font to embed in PDFs: install one (Debian: `apt install fonts-wqy-microhei`) or set LINLI_FONT to a .ttf/.ttc/.otf file"
    )]
    Missing,
    #[error("cannot use the font {path}: {reason}")]
    Unusable { path: String, reason: String },
}

/// The font, loaded once.
pub fn font() -> Result<&'static CjkFont, FontError> {
    static FONT: OnceLock<Result<CjkFont, FontError>> = OnceLock::new();
    FONT.get_or_init(load).as_ref().map_err(Clone::clone)
}

fn load() -> Result<CjkFont, FontError> {
    if let Ok(setting) = std::env::var("LINLI_FONT") {
        let (path, index) = match setting.rsplit_once('#') {
            Some((p, i)) => (p.to_string(), i.parse().unwrap_or(0)),
            None => (setting.clone(), 0),
        };
        return open(&path, index);
    }
    CANDIDATES
        .iter()
        .find(|(p, _)| std::path::Path::new(p).exists())
        .map(|(p, i)| open(p, *i))
        .unwrap_or(Err(FontError::Missing))
}

fn open(path: &str, index: u32) -> Result<CjkFont, FontError> {
    let bytes = std::fs::read(path).map_err(|e| FontError::Unusable { path: path.into(), reason: e.to_string() })?;
    let data: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    let face = ttf_parser::Face::parse(data, index)
        .map_err(|e| FontError::Unusable { path: path.into(), reason: e.to_string() })?;
    if face.glyph_index('网').is_none() {
        return Err(FontError::Unusable { path: path.into(), reason: "it has no Chinese glyphs".into() });
    }
    Ok(CjkFont { data, index, face, path: path.to_string() })
}
