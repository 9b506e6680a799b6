//! The picture an initial script can carry. Attaching one makes every initial text an MMS, so
//! it must be a format every carrier shows (JPEG, PNG or GIF) and small enough that carriers
//! deliver it rather than drop it.

use serde::{Deserialize, Serialize};

/// Where a stored picture is served (to the carrier, the admin and volunteers), relative to
/// our public address.
pub fn media_path(image_id: uuid::Uuid) -> String {
    format!("/media/{image_id}")
}

/// Carriers deliver MMS reliably up to about this size; Twilio's own limit is higher.
pub const MAX_BYTES: usize = 600 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageType {
    Jpeg,
    Png,
    Gif,
}

impl ImageType {
    pub fn content_type(self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Png => "image/png",
            ImageType::Gif => "image/gif",
        }
    }

    pub fn from_content_type(raw: &str) -> Option<ImageType> {
        match raw {
            "image/jpeg" => Some(ImageType::Jpeg),
            "image/png" => Some(ImageType::Png),
            "image/gif" => Some(ImageType::Gif),
            _ => None,
        }
    }

    /// What the file's first bytes say it is; the name and the browser's type can lie.
    fn sniff(bytes: &[u8]) -> Option<ImageType> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageType::Png)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageType::Gif)
        } else {
            None
        }
    }
}

/// Where an action uses a picture: texted with the initial script (MMS), or only shown to
/// volunteers on the action's card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageSlot {
    Script,
    Card,
}

impl ImageSlot {
    pub fn parse(raw: &str) -> Result<ImageSlot, String> {
        match raw {
            "" | "script" => Ok(ImageSlot::Script),
            "card" => Ok(ImageSlot::Card),
            other => Err(format!("\"{other}\" is not a place for a picture (script or card).")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ImageSlot::Script => "script",
            ImageSlot::Card => "card",
        }
    }
}

/// An image that may be sent: its bytes and their type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptImage {
    kind: ImageType,
    bytes: Vec<u8>,
}

impl ScriptImage {
    pub fn parse(bytes: Vec<u8>) -> Result<ScriptImage, String> {
        if bytes.is_empty() {
            return Err("The image file is empty.".into());
        }
        let kind = ImageType::sniff(&bytes)
            .ok_or("Only JPEG, PNG or GIF images can be sent by text, and this file is none of them.")?;
        if bytes.len() > MAX_BYTES {
            return Err(format!(
                "The image is {}; an image sent by text can be at most {}. Make it smaller and try again.",
                describe_size(bytes.len()),
                describe_size(MAX_BYTES)
            ));
        }
        Ok(ScriptImage { kind, bytes })
    }

    pub fn kind(&self) -> ImageType {
        self.kind
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// "512 KB", "1.4 MB".
pub fn describe_size(bytes: usize) -> String {
    if bytes < 1024 * 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(len: usize) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.resize(len, 0);
        bytes
    }

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert_eq!(ScriptImage::parse(png(100)).unwrap().kind(), ImageType::Png);
        assert_eq!(ScriptImage::parse(vec![0xFF, 0xD8, 0xFF, 0xE0, 1]).unwrap().kind(), ImageType::Jpeg);
        assert_eq!(ScriptImage::parse(b"GIF89a....".to_vec()).unwrap().kind(), ImageType::Gif);
        let err = ScriptImage::parse(b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec()).unwrap_err();
        assert!(err.contains("JPEG, PNG or GIF"), "{err}");
        assert!(ScriptImage::parse(Vec::new()).unwrap_err().contains("empty"));
        for kind in [ImageType::Jpeg, ImageType::Png, ImageType::Gif] {
            assert_eq!(ImageType::from_content_type(kind.content_type()), Some(kind));
        }
    }

    #[test]
    fn images_up_to_600_kb_are_accepted_and_larger_ones_named_with_their_size() {
        assert!(ScriptImage::parse(png(MAX_BYTES)).is_ok());
        let err = ScriptImage::parse(png(MAX_BYTES + 1)).unwrap_err();
        assert!(err.contains("601 KB") && err.contains("600 KB"), "{err}");
        assert_eq!(describe_size(3 * 1024 * 1024 / 2), "1.5 MB");
    }
}
