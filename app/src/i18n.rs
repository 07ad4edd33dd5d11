//! Every user-facing string of the pages, in English and Spanish.
//!
//! One `match` per message with an arm per language: a message without a translation does not
//! compile. Messages with values are functions taking those values.

use serde::{Deserialize, Serialize};

/// A language the pages speak.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    En,
    Es,
}

impl Lang {
    /// The BCP 47 tag (`<html lang>`, the `language` parameter).
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
        }
    }

    /// `en`, `es` (or a regional variant such as `es-MX`).
    pub fn parse(text: &str) -> Option<Self> {
        let primary = text.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Self::En),
            "es" => Some(Self::Es),
            _ => None,
        }
    }

    /// The best supported language of an `Accept-Language` header (by q-value, then order).
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut ranked: Vec<(f32, usize, Self)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut pieces = part.split(';');
                let lang = Self::parse(pieces.next()?)?;
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, i, lang))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map(|r| r.2)
    }
}

/// Messages without values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    PageTitle,
    PoweredBy,
    ConsentHeading,
    WhatIsShared,
    ConsentNotShared,
    MoreDetail,
    ConsentRecorded,
    Accept,
    Decline,
    Sharing,
    RedeemingHeading,
    RedeemingText,
    Continue,
    /// The widget's close button.
    Close,
    Saving,
    Back,
    Required,
    FileHintImage,
    FileHintAny,
    ProblemRequired,
    ProblemInvalid,
    ProblemEmail,
    ProblemPhone,
    ProblemFile,
    ErrorSummary,
    Yes,
    No,
    ChooseOne,
    Progress,
    OutcomeCompleted,
    OutcomeFailed,
    OutcomeReview,
    OutcomeSaved,
    StartWithoutSharing,
    NotFoundHeading,
    NotFoundText,
    StartPageLink,
    StartHeading,
    StartIntro,
    StartHowHeading,
    StartHowSource,
    StartHowDestination,
    StartHowPerson,
    StartDevelopersHeading,
    StartApiReference,
    StartOpenApi,
    StartQuickHeading,
    StartQuickRun,
    StartQuickOrg,
    StartQuickReadme,
}

/// The text of `msg` in `lang`.
pub fn t(lang: Lang, msg: Msg) -> &'static str {
    use Lang::{En, Es};
    use Msg::*;
    match (msg, lang) {
        (PageTitle, En) => "Verify your identity",
        (PageTitle, Es) => "Verifica tu identidad",
        (PoweredBy, En) => "Secured by Tessera",
        (PoweredBy, Es) => "Protegido por Tessera",
        (ConsentHeading, En) => "Share your verified information?",
        (ConsentHeading, Es) => "¿Compartir tu información verificada?",
        (WhatIsShared, En) => "What will be shared",
        (WhatIsShared, Es) => "Qué se compartirá",
        (ConsentNotShared, En) => {
            "Nothing is shared if you decline: you can enter your details yourself instead."
        }
        (ConsentNotShared, Es) => {
            "Si rechazas, no se comparte nada: puedes introducir tus datos tú mismo."
        }
        (MoreDetail, En) => "More about how this works",
        (MoreDetail, Es) => "Más información sobre cómo funciona",
        (ConsentRecorded, En) => {
            "Your decision is recorded with the time, your IP address and your browser, so either organization can show that you agreed. Only the items listed are copied, once."
        }
        (ConsentRecorded, Es) => {
            "Tu decisión se registra con la hora, tu dirección IP y tu navegador, para que cualquiera de las organizaciones pueda demostrar que aceptaste. Solo se copian los elementos indicados, una vez."
        }
        (Accept, En) => "Accept",
        (Accept, Es) => "Aceptar",
        (Decline, En) => "Decline",
        (Decline, Es) => "Rechazar",
        (Sharing, En) => "Sharing…",
        (Sharing, Es) => "Compartiendo…",
        (RedeemingHeading, En) => "Getting your information…",
        (RedeemingHeading, Es) => "Obteniendo tu información…",
        (RedeemingText, En) => "This usually takes a second. This page moves on by itself.",
        (RedeemingText, Es) => "Suele tardar un segundo. Esta página avanzará sola.",
        (Continue, En) => "Continue",
        (Continue, Es) => "Continuar",
        (Close, En) => "Close",
        (Close, Es) => "Cerrar",
        (Saving, En) => "Saving…",
        (Saving, Es) => "Guardando…",
        (Back, En) => "Back",
        (Back, Es) => "Atrás",
        (Required, En) => "required",
        (Required, Es) => "obligatorio",
        (FileHintImage, En) => "A PNG or JPEG photo, up to 10 MB.",
        (FileHintImage, Es) => "Una foto PNG o JPEG, de hasta 10 MB.",
        (FileHintAny, En) => "A PNG, JPEG or PDF file, up to 10 MB.",
        (FileHintAny, Es) => "Un archivo PNG, JPEG o PDF, de hasta 10 MB.",
        (ProblemRequired, En) => "This field is required.",
        (ProblemRequired, Es) => "Este campo es obligatorio.",
        (ProblemInvalid, En) => "This value is not valid here. Check its format.",
        (ProblemInvalid, Es) => "Este valor no es válido aquí. Revisa su formato.",
        (ProblemEmail, En) => "Enter an email address such as name@example.com.",
        (ProblemEmail, Es) => "Introduce un correo electrónico como nombre@ejemplo.com.",
        (ProblemPhone, En) => "Enter the number with its country code, such as +14155550123.",
        (ProblemPhone, Es) => "Introduce el número con su prefijo de país, como +34600123456.",
        (ProblemFile, En) => "Choose a PNG, JPEG or PDF file of at most 10 MB.",
        (ProblemFile, Es) => "Elige un archivo PNG, JPEG o PDF de 10 MB como máximo.",
        (ErrorSummary, En) => "Some answers need your attention. They are marked below.",
        (ErrorSummary, Es) => "Algunas respuestas necesitan tu atención. Están marcadas abajo.",
        (Yes, En) => "Yes",
        (Yes, Es) => "Sí",
        (No, En) => "No",
        (No, Es) => "No",
        (ChooseOne, En) => "Choose one",
        (ChooseOne, Es) => "Elige una opción",
        (Progress, En) => "Progress",
        (Progress, Es) => "Progreso",
        (OutcomeCompleted, En) => "Verification complete",
        (OutcomeCompleted, Es) => "Verificación completada",
        (OutcomeFailed, En) => "Verification failed",
        (OutcomeFailed, Es) => "La verificación no se superó",
        (OutcomeReview, En) => "We need to review your information",
        (OutcomeReview, Es) => "Necesitamos revisar tu información",
        (OutcomeSaved, En) => "Your information was saved",
        (OutcomeSaved, Es) => "Tu información se ha guardado",
        (StartWithoutSharing, En) => "Verify without sharing",
        (StartWithoutSharing, Es) => "Verificarte sin compartir",
        (NotFoundHeading, En) => "Page not found",
        (NotFoundHeading, Es) => "Página no encontrada",
        (NotFoundText, En) => "There is nothing at this address. Check the link you followed.",
        (NotFoundText, Es) => "No hay nada en esta dirección. Revisa el enlace que has seguido.",
        (StartPageLink, En) => "Go to the start page",
        (StartPageLink, Es) => "Ir a la página de inicio",
        (StartHeading, En) => "Tessera is running",
        (StartHeading, Es) => "Tessera está en marcha",
        (StartIntro, En) => {
            "Tessera is a self-hosted service for reusable identity data: a person verified once by one organization can share that verification with another, with consent, instead of starting again."
        }
        (StartIntro, Es) => {
            "Tessera es un servicio autoalojado de datos de identidad reutilizables: una persona verificada una vez por una organización puede compartir esa verificación con otra, con su consentimiento, en lugar de empezar de nuevo."
        }
        (StartHowHeading, En) => "How it works",
        (StartHowHeading, Es) => "Cómo funciona",
        (StartHowSource, En) => {
            "The organization that verified the person creates a share token for a partner it trusts."
        }
        (StartHowSource, Es) => {
            "La organización que verificó a la persona crea un token para compartir con un socio de confianza."
        }
        (StartHowDestination, En) => {
            "The partner redeems the token into an inquiry, a transaction or an account of its own, by API or in the hosted flow."
        }
        (StartHowDestination, Es) => {
            "El socio canjea el token en una verificación, una transacción o una cuenta propias, por API o en el flujo alojado."
        }
        (StartHowPerson, En) => {
            "The person sees what is shared, accepts, and is asked only for what is still missing."
        }
        (StartHowPerson, Es) => {
            "La persona ve qué se comparte, acepta y solo se le pide lo que aún falta."
        }
        (StartDevelopersHeading, En) => "For developers",
        (StartDevelopersHeading, Es) => "Para desarrolladores",
        (StartApiReference, En) => "API reference",
        (StartApiReference, Es) => "Referencia de la API",
        (StartOpenApi, En) => "OpenAPI document",
        (StartOpenApi, Es) => "Documento OpenAPI",
        (StartQuickHeading, En) => "Quick start",
        (StartQuickHeading, Es) => "Inicio rápido",
        (StartQuickRun, En) => {
            "builds Tessera, seeds a demo with two organizations and prints links to the hosted flow."
        }
        (StartQuickRun, Es) => {
            "compila Tessera, crea una demostración con dos organizaciones e imprime enlaces al flujo alojado."
        }
        (StartQuickOrg, En) => "creates an organization and prints its API key.",
        (StartQuickOrg, Es) => "crea una organización e imprime su clave de API.",
        (StartQuickReadme, En) => {
            "README.md in the source explains configuration, the command line and running the tests."
        }
        (StartQuickReadme, Es) => {
            "README.md, en el código fuente, explica la configuración, la línea de órdenes y cómo ejecutar las pruebas."
        }
    }
}

/// The language of the request being rendered: the `language` query parameter, else the
/// browser's `Accept-Language`, else English. Pages render on the server, where the request's
/// parts are in context; anywhere else there is no header to read.
pub fn request_lang(param: Option<&str>) -> Lang {
    param.and_then(Lang::parse).unwrap_or_else(|| {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| {
                let header = parts.headers.get(http::header::ACCEPT_LANGUAGE)?;
                Lang::from_accept_language(header.to_str().ok()?)
            })
            .unwrap_or_default()
    })
}

/// The heading and text of the page a visitor sees when sending requests too fast.
pub fn too_many_requests(lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::En => (
            "Too many requests",
            "This page was asked for too often from your connection. Wait a few seconds, then reload it.",
        ),
        Lang::Es => (
            "Demasiadas solicitudes",
            "Se pidió esta página demasiadas veces desde tu conexión. Espera unos segundos y vuelve a cargarla.",
        ),
    }
}

pub fn consent_intro(lang: Lang, source: &str, destination: &str) -> String {
    match lang {
        Lang::En => format!(
            "{source} has already verified you. {destination} asks to reuse that information instead of asking you for it again."
        ),
        Lang::Es => format!(
            "{source} ya te ha verificado. {destination} solicita reutilizar esa información en lugar de pedírtela de nuevo."
        ),
    }
}

pub fn purpose_heading(lang: Lang, destination: &str) -> String {
    match lang {
        Lang::En => format!("Why {destination} asks"),
        Lang::Es => format!("Por qué lo pide {destination}"),
    }
}

pub fn consent_expires(lang: Lang, date: &str) -> String {
    match lang {
        Lang::En => format!("This share link is valid until {date} (UTC)."),
        Lang::Es => format!("Este enlace para compartir es válido hasta el {date} (UTC)."),
    }
}

pub fn step_of(lang: Lang, step: usize, total: usize) -> String {
    match lang {
        Lang::En => format!("Step {step} of {total}"),
        Lang::Es => format!("Paso {step} de {total}"),
    }
}

pub fn step_intro(lang: Lang, organization: &str) -> String {
    match lang {
        Lang::En => format!("We only ask for what {organization} still needs."),
        Lang::Es => format!("Solo te pedimos lo que {organization} todavía necesita."),
    }
}

pub fn current_file(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("Already provided: {name}. Choose a file only to replace it."),
        Lang::Es => format!("Ya aportado: {name}. Elige un archivo solo para sustituirlo."),
    }
}

pub fn outcome_text(lang: Lang, status: crate::verify::Outcome, organization: &str) -> String {
    use crate::verify::Outcome;
    match (lang, status) {
        (Lang::En, Outcome::Completed) => {
            format!("Thank you. {organization} has everything it needs.")
        }
        (Lang::Es, Outcome::Completed) => {
            format!("Gracias. {organization} tiene todo lo que necesita.")
        }
        (Lang::En, Outcome::Failed) => format!(
            "Some of your information could not be verified. Contact {organization} to continue."
        ),
        (Lang::Es, Outcome::Failed) => format!(
            "Parte de tu información no se ha podido verificar. Ponte en contacto con {organization} para continuar."
        ),
        (Lang::En, Outcome::NeedsReview) => format!(
            "{organization} will review your information and contact you. You do not need to do anything now."
        ),
        (Lang::Es, Outcome::NeedsReview) => format!(
            "{organization} revisará tu información y se pondrá en contacto contigo. No tienes que hacer nada más ahora."
        ),
        (Lang::En, Outcome::Saved) => {
            format!("{organization} has your information. You can close this page.")
        }
        (Lang::Es, Outcome::Saved) => {
            format!("{organization} tiene tu información. Puedes cerrar esta página.")
        }
    }
}

pub fn continue_to(lang: Lang, origin: &str) -> String {
    match lang {
        Lang::En => format!("Continue to {origin}"),
        Lang::Es => format!("Continuar a {origin}"),
    }
}

pub fn redirecting(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "You will be taken back in a few seconds.",
        Lang::Es => "Volverás en unos segundos.",
    }
}

pub fn group_name(lang: Lang, group: crate::verify::StepGroup) -> &'static str {
    use crate::verify::StepGroup::*;
    match (group, lang) {
        (PersonalDetails, Lang::En) => "Personal details",
        (PersonalDetails, Lang::Es) => "Datos personales",
        (Address, Lang::En) => "Address",
        (Address, Lang::Es) => "Dirección",
        (Contact, Lang::En) => "Contact",
        (Contact, Lang::Es) => "Contacto",
        (GovernmentId, Lang::En) => "Government ID",
        (GovernmentId, Lang::Es) => "Documento de identidad",
        (Selfie, Lang::En) => "Selfie",
        (Selfie, Lang::Es) => "Selfi",
        (ProofOfAddress, Lang::En) => "Proof of address",
        (ProofOfAddress, Lang::Es) => "Justificante de domicilio",
        (Other, Lang::En) => "More details",
        (Other, Lang::Es) => "Más datos",
    }
}

/// The heading and the advice of an error page.
pub fn error_text(lang: Lang, error: crate::verify::FlowError) -> (&'static str, &'static str) {
    use crate::verify::FlowError::*;
    match (error, lang) {
        (BadParameters, Lang::En) => (
            "This link is incomplete",
            "Open the link exactly as you received it, or ask the organization that sent it for a new one.",
        ),
        (BadParameters, Lang::Es) => (
            "Este enlace está incompleto",
            "Abre el enlace tal como lo recibiste o pide uno nuevo a la organización que te lo envió.",
        ),
        (UnknownTemplate, Lang::En) => (
            "This verification does not exist",
            "The link may be mistyped or out of date. Ask the organization that sent it for a new one.",
        ),
        (UnknownTemplate, Lang::Es) => (
            "Esta verificación no existe",
            "Puede que el enlace esté mal escrito o caducado. Pide uno nuevo a la organización que te lo envió.",
        ),
        (InvalidSession, Lang::En) => (
            "This link is no longer valid",
            "A newer link may have replaced it. Ask the organization that sent it for a new one.",
        ),
        (InvalidSession, Lang::Es) => (
            "Este enlace ya no es válido",
            "Puede que un enlace más reciente lo haya sustituido. Pide uno nuevo a la organización que te lo envió.",
        ),
        (InquiryExpired, Lang::En) => (
            "This verification has expired",
            "Verifications stay open for 24 hours. Ask the organization for a new link to start again.",
        ),
        (InquiryExpired, Lang::Es) => (
            "Esta verificación ha caducado",
            "Las verificaciones permanecen abiertas 24 horas. Pide un enlace nuevo a la organización para empezar de nuevo.",
        ),
        (TokenUnknown, Lang::En) => (
            "This share link is not valid",
            "Check that you opened the whole link, or verify without sharing below.",
        ),
        (TokenUnknown, Lang::Es) => (
            "Este enlace para compartir no es válido",
            "Comprueba que has abierto el enlace completo, o verifícate sin compartir más abajo.",
        ),
        (TokenExpired, Lang::En) => (
            "This share link has expired",
            "Ask the organization that verified you for a new share link, or verify without sharing below.",
        ),
        (TokenExpired, Lang::Es) => (
            "Este enlace para compartir ha caducado",
            "Pide un enlace nuevo a la organización que te verificó, o verifícate sin compartir más abajo.",
        ),
        (TokenFailed, Lang::En) | (TokenUnusable, Lang::En) => (
            "This share link can no longer be used",
            "Your information could not be shared with it. Verify without sharing below, or ask for a new link.",
        ),
        (TokenFailed, Lang::Es) | (TokenUnusable, Lang::Es) => (
            "Este enlace para compartir ya no se puede usar",
            "No se ha podido compartir tu información con él. Verifícate sin compartir más abajo o pide un enlace nuevo.",
        ),
        (TokenRedeemed, Lang::En) => (
            "This share link has already been used",
            "A share link works once. If you did not use it, contact the organization that verified you.",
        ),
        (TokenRedeemed, Lang::Es) => (
            "Este enlace para compartir ya se ha usado",
            "Un enlace para compartir solo funciona una vez. Si no lo usaste tú, contacta con la organización que te verificó.",
        ),
        (RedirectNotAllowed, Lang::En) => (
            "This link sends you to an address that is not allowed",
            "For your safety the verification did not start. Ask the organization that sent the link for a correct one.",
        ),
        (RedirectNotAllowed, Lang::Es) => (
            "Este enlace te envía a una dirección no permitida",
            "Por tu seguridad, la verificación no ha empezado. Pide un enlace correcto a la organización que te lo envió.",
        ),
        (InvalidFieldMappings, Lang::En) | (InvalidPrefill, Lang::En) => (
            "This link is not set up correctly",
            "The organization that sent it needs to fix it. Let them know, or try again later.",
        ),
        (InvalidFieldMappings, Lang::Es) | (InvalidPrefill, Lang::Es) => (
            "Este enlace no está bien configurado",
            "La organización que lo envió tiene que corregirlo. Avísales o inténtalo más tarde.",
        ),
        (Unavailable, Lang::En) => (
            "Something went wrong on our side",
            "Nothing was lost. Try again in a moment.",
        ),
        (Unavailable, Lang::Es) => (
            "Algo ha fallado por nuestra parte",
            "No se ha perdido nada. Inténtalo de nuevo en un momento.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(
            Lang::from_accept_language("es-MX,es;q=0.9,en;q=0.8"),
            Some(Lang::Es)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.5, es;q=0.7"),
            Some(Lang::Es)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(Lang::from_accept_language("es;q=0, en"), Some(Lang::En));
    }
}
