//! Inspecting a file once, when it arrives: what it is (a PNG or JPEG of some size, a readable
//! PDF, or neither), decoded with tight limits. Verifications read the inspection, never the bytes,
//! so no decoding happens while the database's write lock is held.

use std::io::Cursor;

use serde::{Deserialize, Serialize};

/// Widest and tallest image decoded, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 12_000;
/// Most memory one image decode may allocate.
pub const MAX_DECODE_ALLOC: u64 = 128 * 1024 * 1024;
/// Most bytes one PDF stream may decompress to while the PDF is read.
pub const MAX_PDF_STREAM: usize = 16 * 1024 * 1024;

/// What a file turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Inspection {
    /// A fully decodable PNG or JPEG.
    Image { width: u32, height: u32 },
    /// A PDF that reads.
    Pdf,
    /// Neither, and why.
    Unreadable { why: Unreadable },
}

/// Why a file is neither a decodable image nor a readable PDF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unreadable {
    /// Not a PNG, JPEG or PDF at all.
    UnsupportedFormat,
    /// An image whose size exceeds the decode limits (a decompression bomb, or simply huge).
    TooLarge,
    /// A PNG or JPEG that does not decode.
    BrokenImage,
    /// A PDF that does not read (or whose streams exceed the limit).
    BrokenPdf,
}

impl Unreadable {
    /// A fixed sentence for the reason.
    pub fn sentence(self) -> &'static str {
        match self {
            Self::UnsupportedFormat => "the file is not a PNG, JPEG or PDF",
            Self::TooLarge => {
                "the file is too large to decode (an image over 12,000 pixels on a side or 128 MiB decoded, or a PDF stream over 16 MiB)"
            }
            Self::BrokenImage => "the image cannot be decoded",
            Self::BrokenPdf => "the PDF cannot be read",
        }
    }
}

impl Inspection {
    /// True when the file is too large to be inspected at all: refused on upload (422).
    pub fn is_refused(self) -> bool {
        self == Self::Unreadable {
            why: Unreadable::TooLarge,
        }
    }
}

/// Inspects `bytes`. CPU-bound and bounded in memory: call it on the blocking pool
/// ([`crate::Engine::inspect`] does, behind a small semaphore).
pub fn inspect(bytes: &[u8]) -> Inspection {
    let unreadable = |why| Inspection::Unreadable { why };
    if bytes.starts_with(b"%PDF-") {
        let options = lopdf::LoadOptions {
            max_decompressed_size: Some(MAX_PDF_STREAM),
            ..Default::default()
        };
        return match lopdf::Document::load_mem_with_options(bytes, options) {
            Ok(_) => Inspection::Pdf,
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                ..
            })) => unreadable(Unreadable::TooLarge),
            Err(_) => unreadable(Unreadable::BrokenPdf),
        };
    }
    let Ok(mut reader) = image::ImageReader::new(Cursor::new(bytes)).with_guessed_format() else {
        return unreadable(Unreadable::UnsupportedFormat);
    };
    if !matches!(
        reader.format(),
        Some(image::ImageFormat::Png | image::ImageFormat::Jpeg)
    ) {
        return unreadable(Unreadable::UnsupportedFormat);
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    match reader.decode() {
        Ok(image) => Inspection::Image {
            width: image.width(),
            height: image.height(),
        },
        Err(image::ImageError::Limits(_)) => unreadable(Unreadable::TooLarge),
        Err(_) => unreadable(Unreadable::BrokenImage),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verification::tests::samples;

    /// A real 1×1 PNG whose header claims `width`×`height`: decoding it for real would allocate
    /// width × height × 3 bytes, though the file is under 100 bytes.
    pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = samples::png(1, 1);
        // Signature (8), then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4), …
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32fast::hash(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    #[test]
    fn an_image_is_inspected_with_its_size() {
        assert_eq!(
            inspect(&samples::png(80, 70)),
            Inspection::Image {
                width: 80,
                height: 70
            }
        );
        assert_eq!(
            inspect(&samples::jpeg(64, 64)),
            Inspection::Image {
                width: 64,
                height: 64
            }
        );
        assert_eq!(inspect(&samples::pdf()), Inspection::Pdf);
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_it_is_decoded() {
        for (width, height) in [(60_000, 60_000), (11_000, 11_000)] {
            let bomb = png_bomb(width, height);

            let inspection = inspect(&bomb);

            assert_eq!(
                inspection,
                Inspection::Unreadable {
                    why: Unreadable::TooLarge
                },
                "a {width}×{height} PNG of {} bytes",
                bomb.len()
            );
            assert!(inspection.is_refused());
        }
    }

    /// A PDF whose object stream inflates to 20 MiB from a few kilobytes (written by hand: lopdf
    /// itself rewrites object streams when it saves).
    pub fn pdf_bomb() -> Vec<u8> {
        use std::io::Write as _;
        let mut deflate = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        deflate
            .write_all(&vec![b' '; 20 * 1024 * 1024])
            .expect("compressing the bomb");
        let body = deflate.finish().expect("compressing the bomb");
        let mut pdf = b"%PDF-1.5\n".to_vec();
        let mut offsets = Vec::new();
        let mut object = |pdf: &mut Vec<u8>, text: &[u8]| {
            offsets.push(pdf.len());
            pdf.extend_from_slice(text);
        };
        object(
            &mut pdf,
            b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n",
        );
        object(
            &mut pdf,
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n",
        );
        let header = format!(
            "3 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >> stream\n",
            body.len()
        );
        let mut stream = header.into_bytes();
        stream.extend_from_slice(&body);
        stream.extend_from_slice(b"\nendstream endobj\n");
        object(&mut pdf, &stream);
        let xref = pdf.len();
        pdf.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
        for offset in offsets {
            pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        pdf.extend_from_slice(
            format!("trailer << /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        pdf
    }

    #[test]
    fn a_pdf_whose_stream_inflates_past_the_budget_is_refused() {
        let bomb = pdf_bomb();

        let inspection = inspect(&bomb);

        assert!(
            bomb.len() < 200_000,
            "the bomb is small: {} bytes",
            bomb.len()
        );
        assert!(
            inspection.is_refused(),
            "a {} byte PDF inflating to 20 MiB: {inspection:?}",
            bomb.len()
        );
    }

    #[test]
    fn something_else_is_unreadable_with_a_reason() {
        assert_eq!(
            inspect(b"plain text"),
            Inspection::Unreadable {
                why: Unreadable::UnsupportedFormat
            }
        );
        assert_eq!(
            inspect(b"%PDF-1.4 not really"),
            Inspection::Unreadable {
                why: Unreadable::BrokenPdf
            }
        );
    }
}
