//! The checks behind each verification and report.

use chrono::{Datelike, NaiveDate};

use super::{
    CheckResult, CheckStatus, Inspection, Report, ReportMatch, ReportResult, ReportStatus,
    RunInput, Verification, VerificationResult, postal,
};
use crate::fields::{FieldPath, FieldValue};

/// Smallest accepted width and height of an identity image, in pixels.
pub const MIN_IMAGE_SIDE: u32 = 64;

pub fn run_verification(verification: &Verification, input: &RunInput<'_>) -> VerificationResult {
    let checks = match verification {
        Verification::GovernmentId { minimum_age } => vec![
            image_check("government-id-front", input),
            age_check(*minimum_age, input),
            expiration_check(input),
            identification_number_check(input),
        ],
        Verification::Selfie => vec![image_check("selfie", input)],
        Verification::Database => vec![country_check(input), postal_code_check(input)],
        Verification::PhoneNumber => vec![phone_check(input)],
        Verification::EmailAddress => vec![email_check(input)],
        Verification::Document => vec![document_check(input)],
    };
    let status = if checks.iter().all(|c| c.status == CheckStatus::Passed) {
        CheckStatus::Passed
    } else {
        CheckStatus::Failed
    };
    VerificationResult {
        kind: verification.type_name().to_owned(),
        status,
        checks,
    }
}

pub fn run_report(report: &Report, input: &RunInput<'_>) -> ReportResult {
    match report {
        Report::Watchlist => {
            let full_name = [text(input, "name-first"), text(input, "name-last")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let matches: Vec<ReportMatch> = input
                .watchlist
                .screen(&full_name, date(input, "birthdate"))
                .into_iter()
                .map(|m| ReportMatch {
                    name: m.name,
                    score: (m.score * 1000.0).round() / 1000.0,
                })
                .collect();
            let status = if matches.is_empty() {
                ReportStatus::Clear
            } else {
                ReportStatus::Hit
            };
            ReportResult {
                kind: report.type_name().to_owned(),
                status,
                matches,
            }
        }
    }
}

fn value<'a>(input: &'a RunInput<'_>, key: &str) -> Option<&'a FieldValue> {
    input
        .values
        .get(&FieldPath::parse(key).expect("check field keys are valid paths"))
}

fn text(input: &RunInput<'_>, key: &str) -> Option<String> {
    value(input, key).and_then(FieldValue::as_text)
}

fn date(input: &RunInput<'_>, key: &str) -> Option<NaiveDate> {
    match value(input, key) {
        Some(FieldValue::Date(d)) => Some(*d),
        _ => None,
    }
}

fn file_inspection(input: &RunInput<'_>, key: &str) -> Option<Inspection> {
    match value(input, key) {
        Some(FieldValue::File(file)) => input.files.get(&file.id).copied(),
        _ => None,
    }
}

fn passed(name: &str) -> CheckResult {
    CheckResult {
        name: name.to_owned(),
        status: CheckStatus::Passed,
        reasons: Vec::new(),
    }
}

fn failed(name: &str, reason: impl Into<String>) -> CheckResult {
    CheckResult {
        name: name.to_owned(),
        status: CheckStatus::Failed,
        reasons: vec![reason.into()],
    }
}

fn check(name: &str, outcome: Result<(), String>) -> CheckResult {
    match outcome {
        Ok(()) => passed(name),
        Err(reason) => failed(name, reason),
    }
}

/// `<key>-image`: a decodable PNG or JPEG of at least 64×64 pixels.
fn image_check(key: &str, input: &RunInput<'_>) -> CheckResult {
    let name = format!("{key}-image");
    let Some(inspection) = file_inspection(input, key) else {
        return failed(&name, format!("`{key}` has no file"));
    };
    check(&name, image_outcome(inspection))
}

/// Whether an inspected file is an image of the accepted size.
pub fn image_outcome(inspection: Inspection) -> Result<(), String> {
    match inspection {
        Inspection::Image { width, height }
            if width >= MIN_IMAGE_SIDE && height >= MIN_IMAGE_SIDE =>
        {
            Ok(())
        }
        Inspection::Image { width, height } => Err(format!(
            "the image is {width}×{height} pixels; at least {MIN_IMAGE_SIDE}×{MIN_IMAGE_SIDE} is needed"
        )),
        Inspection::Pdf => Err("the file is not a PNG or JPEG image".into()),
        Inspection::Unreadable { why } => Err(why.sentence().into()),
    }
}

fn age_check(minimum_age: u32, input: &RunInput<'_>) -> CheckResult {
    let outcome = match date(input, "birthdate") {
        None => Err("the birthdate is missing".to_owned()),
        Some(birthdate) => match age_on(birthdate, input.today) {
            Some(age) if age >= minimum_age => Ok(()),
            Some(_) => Err(format!(
                "the person is younger than {minimum_age}, the minimum age"
            )),
            None => Err("the birthdate is in the future".to_owned()),
        },
    };
    check("age", outcome)
}

/// Whole years between `birthdate` and `today`; `None` when born after `today`.
pub fn age_on(birthdate: NaiveDate, today: NaiveDate) -> Option<u32> {
    if birthdate > today {
        return None;
    }
    let mut years = today.year() - birthdate.year();
    if (today.month(), today.day()) < (birthdate.month(), birthdate.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

fn expiration_check(input: &RunInput<'_>) -> CheckResult {
    let outcome = match date(input, "expiration-date") {
        Some(expires) if expires < input.today => Err("the document has expired".to_owned()),
        _ => Ok(()),
    };
    check("expiration", outcome)
}

fn identification_number_check(input: &RunInput<'_>) -> CheckResult {
    let number = text(input, "identification-number").unwrap_or_default();
    let ok = (5..=20).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_alphanumeric());
    check(
        "identification-number",
        if ok {
            Ok(())
        } else {
            Err("the identification number is not 5 to 20 letters or digits".into())
        },
    )
}

fn country_check(input: &RunInput<'_>) -> CheckResult {
    let code = text(input, "address-country-code").unwrap_or_default();
    let known = code.len() == 2 && isocountry::CountryCode::for_alpha2_caseless(&code).is_ok();
    check(
        "address-country-code",
        if known {
            Ok(())
        } else {
            Err("the country is not an ISO 3166-1 alpha-2 code".to_owned())
        },
    )
}

fn postal_code_check(input: &RunInput<'_>) -> CheckResult {
    let country = text(input, "address-country-code").unwrap_or_default();
    let code = text(input, "address-postal-code").unwrap_or_default();
    let outcome = match postal::is_well_formed(&country, &code) {
        Some(false) => Err("the postal code is not well formed for the country".to_owned()),
        Some(true) | None => Ok(()),
    };
    check("address-postal-code", outcome)
}

fn phone_check(input: &RunInput<'_>) -> CheckResult {
    let number = text(input, "phone-number").unwrap_or_default();
    check("phone-number", validate_phone(&number))
}

/// The `phone-number` check on its own (the hosted flow asks again before a run would fail).
pub fn validate_phone(number: &str) -> Result<(), String> {
    let e164_shape = number.len() <= 16
        && number
            .strip_prefix('+')
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    if !e164_shape {
        return Err("the phone number is not in E.164 form (+ and up to 15 digits)".to_owned());
    }
    match phonenumber::parse(None, number) {
        Ok(parsed) if phonenumber::is_valid(&parsed) => Ok(()),
        _ => Err("the phone number is not a valid number".to_owned()),
    }
}

fn email_check(input: &RunInput<'_>) -> CheckResult {
    let address = text(input, "email-address").unwrap_or_default();
    check("email-address", validate_email(&address))
}

/// The `email-address` check on its own.
pub fn validate_email(address: &str) -> Result<(), String> {
    if email_address::EmailAddress::is_valid(address) {
        Ok(())
    } else {
        Err("the e-mail address is not syntactically valid".into())
    }
}

fn document_check(input: &RunInput<'_>) -> CheckResult {
    let Some(inspection) = file_inspection(input, "proof-of-address") else {
        return failed(
            "proof-of-address-document",
            "`proof-of-address` has no file",
        );
    };
    let outcome = match inspection {
        Inspection::Image { .. } | Inspection::Pdf => Ok(()),
        Inspection::Unreadable { .. } => {
            Err("the file is not a decodable PNG, JPEG or PDF".to_owned())
        }
    };
    check("proof-of-address-document", outcome)
}
