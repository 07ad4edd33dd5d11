//! Every verification and report with passing and failing inputs, using generated images.

use super::*;
use crate::fields::{FieldPath, FieldValue, FileRef};

pub(crate) mod samples {
    //! Generated files for tests.
    use std::io::Cursor;

    pub fn png(width: u32, height: u32) -> Vec<u8> {
        encode(width, height, image::ImageFormat::Png)
    }

    pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
        encode(width, height, image::ImageFormat::Jpeg)
    }

    fn encode(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), format)
            .expect("encoding a generated image");
        bytes
    }

    /// A one-page PDF built with lopdf.
    pub fn pdf() -> Vec<u8> {
        use lopdf::{Document, Object, dictionary};
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
            ),
        );
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("writing a generated PDF");
        bytes
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

struct Case {
    values: FieldValues,
    files: BTreeMap<DocumentId, Inspection>,
}

impl Case {
    fn new() -> Self {
        Self {
            values: FieldValues::new(),
            files: BTreeMap::new(),
        }
    }

    fn text(mut self, key: &str, value: &str) -> Self {
        self.values.insert(
            FieldPath::parse(key).unwrap(),
            FieldValue::String(value.into()),
        );
        self
    }

    fn date(mut self, key: &str, value: &str) -> Self {
        self.values.insert(
            FieldPath::parse(key).unwrap(),
            FieldValue::Date(crate::fields::parse_date(value).unwrap()),
        );
        self
    }

    fn file(mut self, key: &str, bytes: Vec<u8>) -> Self {
        let id = DocumentId::new();
        let file = FileRef {
            id: id.clone(),
            filename: "f".into(),
            content_type: "image/png".into(),
            byte_size: bytes.len() as i64,
            sha256: String::new(),
        };
        self.values
            .insert(FieldPath::parse(key).unwrap(), FieldValue::File(file));
        self.files.insert(id, inspect(&bytes));
        self
    }

    fn verify(&self, verification: Verification) -> VerificationResult {
        let watchlist = Watchlist::default();
        let input = RunInput {
            values: &self.values,
            files: &self.files,
            today: today(),
            watchlist: &watchlist,
        };
        checks::run_verification(&verification, &input)
    }

    fn report(&self, report: Report) -> ReportResult {
        let watchlist = Watchlist::default();
        let input = RunInput {
            values: &self.values,
            files: &self.files,
            today: today(),
            watchlist: &watchlist,
        };
        checks::run_report(&report, &input)
    }
}

fn failed_checks(result: &VerificationResult) -> Vec<&str> {
    result
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Failed)
        .map(|c| c.name.as_str())
        .collect()
}

fn government_id_case() -> Case {
    Case::new()
        .text("name-first", "Ada")
        .text("name-last", "Lovelace")
        .date("birthdate", "1990-02-01")
        .text("identification-number", "X1234567")
        .file("government-id-front", samples::png(64, 64))
}

const GOV_ID: Verification = Verification::GovernmentId { minimum_age: 18 };

#[test]
fn government_id_passes_with_a_good_image_an_adult_and_a_well_formed_number() {
    let result = government_id_case().verify(GOV_ID);

    assert_eq!(result.status, CheckStatus::Passed, "{result:#?}");
}

#[test]
fn government_id_fails_on_a_small_image_with_the_reason() {
    let result = government_id_case()
        .file("government-id-front", samples::png(63, 64))
        .verify(GOV_ID);

    assert_eq!(failed_checks(&result), ["government-id-front-image"]);
    assert!(
        result.checks[0].reasons[0].contains("63×64"),
        "{:?}",
        result.checks[0].reasons
    );
}

#[test]
fn government_id_fails_on_bytes_that_are_not_an_image() {
    let result = government_id_case()
        .file("government-id-front", b"not an image".to_vec())
        .verify(GOV_ID);

    assert_eq!(failed_checks(&result), ["government-id-front-image"]);
}

#[test]
fn government_id_accepts_a_jpeg() {
    let result = government_id_case()
        .file("government-id-front", samples::jpeg(100, 80))
        .verify(GOV_ID);

    assert_eq!(result.status, CheckStatus::Passed, "{result:#?}");
}

#[test]
fn government_id_fails_below_the_minimum_age() {
    let result = government_id_case()
        .date("birthdate", "2010-01-01")
        .verify(Verification::GovernmentId { minimum_age: 21 });

    assert_eq!(failed_checks(&result), ["age"]);
}

#[test]
fn age_counts_whole_years_up_to_the_birthday() {
    let born = NaiveDate::from_ymd_opt(2008, 11, 26).unwrap();

    assert_eq!(
        checks::age_on(born, today()),
        Some(17),
        "the day before the 18th birthday"
    );
    assert_eq!(
        checks::age_on(born, NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()),
        Some(18)
    );
}

#[test]
fn government_id_fails_when_the_document_has_expired() {
    let result = government_id_case()
        .date("expiration-date", "2026-11-24")
        .verify(GOV_ID);

    assert_eq!(failed_checks(&result), ["expiration"]);
}

#[test]
fn government_id_fails_on_a_malformed_identification_number() {
    for number in ["1234", "X12-345", "ABCDEFGHIJKLMNOPQRSTU"] {
        let result = government_id_case()
            .text("identification-number", number)
            .verify(GOV_ID);
        assert_eq!(
            failed_checks(&result),
            ["identification-number"],
            "`{number}` should fail"
        );
    }
}

#[test]
fn selfie_passes_on_an_image_and_fails_on_a_pdf() {
    assert_eq!(
        Case::new()
            .file("selfie", samples::png(200, 200))
            .verify(Verification::Selfie)
            .status,
        CheckStatus::Passed
    );
    assert_eq!(
        Case::new()
            .file("selfie", samples::pdf())
            .verify(Verification::Selfie)
            .status,
        CheckStatus::Failed
    );
}

fn address_case() -> Case {
    Case::new()
        .text("name-first", "Ada")
        .text("name-last", "Lovelace")
        .date("birthdate", "1990-02-01")
        .text("address-street-1", "1 Main St")
        .text("address-city", "San Francisco")
        .text("address-postal-code", "94105")
        .text("address-country-code", "US")
}

#[test]
fn database_passes_on_a_known_country_and_well_formed_postal_code() {
    assert_eq!(
        address_case().verify(Verification::Database).status,
        CheckStatus::Passed
    );
}

#[test]
fn database_fails_on_an_unknown_country_or_a_malformed_postal_code() {
    let bad_country = address_case()
        .text("address-country-code", "XX")
        .verify(Verification::Database);
    let bad_postal = address_case()
        .text("address-postal-code", "9410")
        .verify(Verification::Database);

    assert_eq!(failed_checks(&bad_country), ["address-country-code"]);
    assert_eq!(failed_checks(&bad_postal), ["address-postal-code"]);
}

#[test]
fn phone_number_must_be_valid_e164() {
    let pass = Case::new()
        .text("phone-number", "+14155552671")
        .verify(Verification::PhoneNumber);
    let national = Case::new()
        .text("phone-number", "(415) 555-2671")
        .verify(Verification::PhoneNumber);
    let invalid = Case::new()
        .text("phone-number", "+1000")
        .verify(Verification::PhoneNumber);

    assert_eq!(pass.status, CheckStatus::Passed, "{pass:#?}");
    assert_eq!(national.status, CheckStatus::Failed);
    assert_eq!(invalid.status, CheckStatus::Failed);
}

#[test]
fn email_address_must_be_syntactically_valid() {
    assert_eq!(
        Case::new()
            .text("email-address", "ada@example.com")
            .verify(Verification::EmailAddress)
            .status,
        CheckStatus::Passed
    );
    assert_eq!(
        Case::new()
            .text("email-address", "ada@@example")
            .verify(Verification::EmailAddress)
            .status,
        CheckStatus::Failed
    );
}

#[test]
fn document_accepts_a_pdf_or_an_image_and_refuses_other_bytes() {
    let with = |bytes| {
        address_case()
            .file("proof-of-address", bytes)
            .verify(Verification::Document)
            .status
    };

    assert_eq!(with(samples::pdf()), CheckStatus::Passed);
    assert_eq!(with(samples::jpeg(10, 10)), CheckStatus::Passed);
    assert_eq!(with(b"%PDF-1.4 truncated".to_vec()), CheckStatus::Failed);
    assert_eq!(with(b"hello".to_vec()), CheckStatus::Failed);
}

#[test]
fn watchlist_hits_a_listed_name_and_clears_others() {
    let hit = Case::new()
        .text("name-first", "Viktor")
        .text("name-last", "Malvado")
        .report(Report::Watchlist);
    let clear = Case::new()
        .text("name-first", "Ada")
        .text("name-last", "Lovelace")
        .report(Report::Watchlist);

    assert_eq!(hit.status, ReportStatus::Hit);
    assert_eq!(hit.matches[0].name, "Viktor Malvado");
    assert_eq!(clear.status, ReportStatus::Clear);
}
