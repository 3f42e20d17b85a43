//! Photos attached to cases: checked by their bytes (not by what the client
//! claims), stored once per content (SHA-256) in the database so every app
//! server sees them, with a small JPEG thumbnail for lists.

pub mod api;
pub mod store;

use image::ImageReader;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{Db, Tx};
use crate::error::{Error, Result};

/// Image kinds linli accepts, told apart by their first bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(&bytes[8..12], b"heic" | b"heix" | b"mif1" | b"msf1")
    {
        // iPhones send HEIC; it is stored, but no thumbnail is made.
        Some("image/heic")
    } else {
        None
    }
}

/// A stored photo, as the API describes it.
#[derive(Debug, Clone, Serialize)]
pub struct Blob {
    pub sha256: String,
    pub content_type: String,
    pub size: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub url: String,
    pub thumbnail_url: Option<String>,
}

/// What decoding found, computed off the async runtime.
pub struct Prepared {
    pub sha256: String,
    pub content_type: &'static str,
    pub dimensions: Option<(u32, u32)>,
    pub thumbnail: Option<Vec<u8>>,
}

const THUMBNAIL_EDGE: u32 = 320;

/// Checks and hashes an upload and makes its thumbnail. CPU-heavy: run it
/// in `spawn_blocking`.
pub fn prepare(bytes: &[u8]) -> Result<Prepared> {
    let content_type = sniff(bytes).ok_or_else(|| Error::invalid("file", "不是 JPEG、PNG、WebP 或 HEIC 格式的图片"))?;
    let sha256 = crate::auth::secret::hex(&Sha256::digest(bytes));
    if content_type == "image/heic" {
        return Ok(Prepared { sha256, content_type, dimensions: None, thumbnail: None });
    }
    let image = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::invalid("file", format!("无法读取图片：{e}")))?
        .decode()
        .map_err(|e| Error::invalid("file", format!("图片已损坏或不完整：{e}")))?;
    let dimensions = Some((image.width(), image.height()));
    let thumb = image.thumbnail(THUMBNAIL_EDGE, THUMBNAIL_EDGE).into_rgb8();
    let mut out = std::io::Cursor::new(Vec::new());
    thumb
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .map_err(|e| Error::Internal(anyhow::anyhow!("encoding a thumbnail: {e}")))?;
    Ok(Prepared { sha256, content_type, dimensions, thumbnail: Some(out.into_inner()) })
}

/// Stores a prepared upload; storing the same bytes again is a no-op.
pub async fn save(db: &Db, bytes: Vec<u8>, p: &Prepared, now: i64) -> Result<Blob> {
    let size = bytes.len() as i64;
    store::insert(db, bytes, p, now).await?;
    Ok(describe(&p.sha256, p.content_type, size, p.dimensions, p.thumbnail.is_some()))
}

pub fn describe(sha256: &str, content_type: &str, size: i64, dims: Option<(u32, u32)>, has_thumbnail: bool) -> Blob {
    Blob {
        sha256: sha256.to_string(),
        content_type: content_type.to_string(),
        size,
        width: dims.map(|d| i64::from(d.0)),
        height: dims.map(|d| i64::from(d.1)),
        url: format!("/attachments/{sha256}"),
        thumbnail_url: has_thumbnail.then(|| format!("/attachments/{sha256}/thumbnail")),
    }
}

/// Attaches uploaded photos to a case event; every hash must be stored.
pub async fn link(tx: &mut Tx, case_id: i64, event_id: i64, hashes: &[String], now: i64) -> Result<()> {
    for sha in hashes {
        if !store::is_stored(tx, sha).await? {
            return Err(Error::invalid("attachments", format!("没有已上传的照片 `{sha}`，请先上传")));
        }
        store::attach(tx, case_id, event_id, sha, now).await?;
    }
    Ok(())
}

/// The photos of a case, oldest first.
pub async fn of_case(db: &Db, case_id: i64) -> Result<Vec<Blob>> {
    Ok(store::of_case(db, case_id)
        .await?
        .into_iter()
        .map(|(sha, ct, size, w, h, thumb)| {
            let dims = w.zip(h).map(|(w, h)| (w as u32, h as u32));
            describe(&sha, &ct, size, dims, thumb)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).expect("png");
        out.into_inner()
    }

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(&png(2, 2)), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0"), Some("image/heic"));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"%PDF-1.7"), None);
    }

    #[test]
    fn thumbnails_fit_in_320_pixels() {
        let p = prepare(&png(1280, 640)).expect("prepare");
        assert_eq!(p.dimensions, Some((1280, 640)));
        let thumb = image::load_from_memory(p.thumbnail.as_deref().expect("thumbnail")).expect("jpeg");
        assert_eq!((thumb.width(), thumb.height()), (320, 160));
    }

    #[test]
    fn damaged_images_are_refused() {
        let mut bytes = png(64, 64);
        bytes.truncate(40);
        assert!(matches!(prepare(&bytes), Err(Error::Invalid { .. })));
    }
}
