//! The dashboard's strings, in English and Spanish (one `match` per message, an arm per language:
//! a message without a translation does not compile).

use crate::i18n::Lang;

/// Dashboard messages without values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum D {
    Title,
    SignInHeading,
    SignInIntro,
    Email,
    Password,
    SignIn,
    ProblemInvalid,
    ProblemThrottled,
    ProblemCrossSite,
    ProblemSignedOut,
    ProblemExpired,
    SignOut,
    Navigation,
    Connect,
    ShareTokens,
    Filters,
    Direction,
    Inbound,
    Outbound,
    Status,
    AnyStatus,
    Created,
    Pending,
    Redeemed,
    Expired,
    Failed,
    SearchById,
    SearchHint,
    Apply,
    Token,
    Partner,
    SourceType,
    DirectionColumn,
    CreatedAt,
    ExpiresAt,
    RedeemedAt,
    NoTokens,
    NotFoundById,
    NextPage,
    Pages,
    Inquiry,
    Transaction,
    Account,
    Unknown,
    TableRegion,
    ShareToken,
    BackToList,
    Details,
    Destination,
    Timeline,
    EventCreated,
    EventRedeeming,
    EventRedeemed,
    EventFailed,
    EventExpired,
    FailureCode,
    HydrationReport,
    ByName,
    ByMapping,
    Unset,
    NotConverted,
    NoneListed,
    NotFoundHeading,
    NotFoundText,
}

/// The text of `msg` in `lang`.
pub fn d(lang: Lang, msg: D) -> &'static str {
    use D::*;
    use Lang::{En, Es};
    match (msg, lang) {
        (Title, En) => "Tessera dashboard",
        (Title, Es) => "Panel de Tessera",
        (SignInHeading, En) => "Sign in to your organization",
        (SignInHeading, Es) => "Inicia sesión en tu organización",
        (SignInIntro, En) => "Use the e-mail address and password your administrator gave you.",
        (SignInIntro, Es) => {
            "Usa la dirección de correo y la contraseña que te dio tu administrador."
        }
        (Email, En) => "Email",
        (Email, Es) => "Correo electrónico",
        (Password, En) => "Password",
        (Password, Es) => "Contraseña",
        (SignIn, En) => "Sign in",
        (SignIn, Es) => "Iniciar sesión",
        (ProblemInvalid, En) => {
            "That e-mail address and password do not match. Check both and try again."
        }
        (ProblemInvalid, Es) => {
            "Ese correo y esa contraseña no coinciden. Revisa ambos e inténtalo de nuevo."
        }
        (ProblemThrottled, En) => "Too many failed attempts. Wait 15 minutes, then try again.",
        (ProblemThrottled, Es) => {
            "Demasiados intentos fallidos. Espera 15 minutos y vuelve a intentarlo."
        }
        (ProblemCrossSite, En) => {
            "That request came from another site and was refused. Sign in from this page."
        }
        (ProblemCrossSite, Es) => {
            "Esa solicitud venía de otro sitio y se rechazó. Inicia sesión desde esta página."
        }
        (ProblemSignedOut, En) => "You are signed out.",
        (ProblemSignedOut, Es) => "Has cerrado la sesión.",
        (ProblemExpired, En) => "Your session has ended. Sign in again to continue.",
        (ProblemExpired, Es) => "Tu sesión ha terminado. Vuelve a iniciar sesión para continuar.",
        (SignOut, En) => "Sign out",
        (SignOut, Es) => "Cerrar sesión",
        (Navigation, En) => "Dashboard",
        (Navigation, Es) => "Panel",
        (Connect, En) => "Connect",
        (Connect, Es) => "Connect",
        (ShareTokens, En) => "Share Tokens",
        (ShareTokens, Es) => "Tokens compartidos",
        (Filters, En) => "Filter share tokens",
        (Filters, Es) => "Filtrar tokens compartidos",
        (Direction, En) => "Direction",
        (Direction, Es) => "Dirección",
        (Inbound, En) => "Inbound",
        (Inbound, Es) => "Entrante",
        (Outbound, En) => "Outbound",
        (Outbound, Es) => "Saliente",
        (Status, En) => "Status",
        (Status, Es) => "Estado",
        (AnyStatus, En) => "Any status",
        (AnyStatus, Es) => "Cualquier estado",
        (Created, En) => "Created",
        (Created, Es) => "Creado",
        (Pending, En) => "Pending",
        (Pending, Es) => "Pendiente",
        (Redeemed, En) => "Redeemed",
        (Redeemed, Es) => "Canjeado",
        (Expired, En) => "Expired",
        (Expired, Es) => "Caducado",
        (Failed, En) => "Failed",
        (Failed, Es) => "Fallido",
        (SearchById, En) => "Token id",
        (SearchById, Es) => "Id del token",
        (SearchHint, En) => "Paste a cnst_… id to find one token.",
        (SearchHint, Es) => "Pega un id cnst_… para encontrar un token.",
        (Apply, En) => "Show",
        (Apply, Es) => "Mostrar",
        (Token, En) => "Token",
        (Token, Es) => "Token",
        (Partner, En) => "Partner",
        (Partner, Es) => "Socio",
        (DirectionColumn, En) => "Direction",
        (DirectionColumn, Es) => "Dirección",
        (SourceType, En) => "Source",
        (SourceType, Es) => "Origen",
        (CreatedAt, En) => "Created at",
        (CreatedAt, Es) => "Creado el",
        (ExpiresAt, En) => "Expires at",
        (ExpiresAt, Es) => "Caduca el",
        (RedeemedAt, En) => "Redeemed at",
        (RedeemedAt, Es) => "Canjeado el",
        (NoTokens, En) => "No share tokens match these filters.",
        (NoTokens, Es) => "Ningún token compartido coincide con estos filtros.",
        (NotFoundById, En) => "No share token of yours has that id.",
        (NotFoundById, Es) => "Ninguno de tus tokens compartidos tiene ese id.",
        (NextPage, En) => "Next page",
        (NextPage, Es) => "Página siguiente",
        (Pages, En) => "Pages",
        (Pages, Es) => "Páginas",
        (Inquiry, En) => "Inquiry",
        (Inquiry, Es) => "Verificación",
        (Transaction, En) => "Transaction",
        (Transaction, Es) => "Transacción",
        (Account, En) => "Account",
        (Account, Es) => "Cuenta",
        (Unknown, En) => "Unknown",
        (Unknown, Es) => "Desconocido",
        (TableRegion, En) => "Share Tokens table",
        (TableRegion, Es) => "Tabla de tokens compartidos",
        (ShareToken, En) => "Share Token",
        (ShareToken, Es) => "Token compartido",
        (BackToList, En) => "All share tokens",
        (BackToList, Es) => "Todos los tokens compartidos",
        (Details, En) => "Details",
        (Details, Es) => "Detalles",
        (Destination, En) => "Destination",
        (Destination, Es) => "Destino",
        (Timeline, En) => "Timeline",
        (Timeline, Es) => "Cronología",
        (EventCreated, En) => "Created",
        (EventCreated, Es) => "Creado",
        (EventRedeeming, En) => "Redemption started",
        (EventRedeeming, Es) => "Canje iniciado",
        (EventRedeemed, En) => "Redeemed",
        (EventRedeemed, Es) => "Canjeado",
        (EventFailed, En) => "Redemption failed",
        (EventFailed, Es) => "El canje falló",
        (EventExpired, En) => "Expired",
        (EventExpired, Es) => "Caducado",
        (FailureCode, En) => "Failure code",
        (FailureCode, Es) => "Código del fallo",
        (HydrationReport, En) => "Hydration report",
        (HydrationReport, Es) => "Informe de hidratación",
        (ByName, En) => "Matched by name",
        (ByName, Es) => "Coinciden por nombre",
        (ByMapping, En) => "Filled by a field mapping",
        (ByMapping, Es) => "Rellenados por una asignación de campos",
        (Unset, En) => "Left unset",
        (Unset, Es) => "Sin valor",
        (NotConverted, En) => "Not converted without loss (left unset)",
        (NotConverted, Es) => "No convertibles sin pérdida (sin valor)",
        (NoneListed, En) => "None",
        (NoneListed, Es) => "Ninguno",
        (NotFoundHeading, En) => "Share token not found",
        (NotFoundHeading, Es) => "Token compartido no encontrado",
        (NotFoundText, En) => "No share token of your organization has this id.",
        (NotFoundText, Es) => "Ningún token compartido de tu organización tiene este id.",
    }
}

/// "Signed in as <email>".
pub fn signed_in_as(lang: Lang, email: &str) -> String {
    match lang {
        Lang::En => format!("Signed in as {email}"),
        Lang::Es => format!("Sesión iniciada como {email}"),
    }
}

/// The status of a share token by its API code.
pub fn status(lang: Lang, code: &str) -> &'static str {
    match code {
        "created" => d(lang, D::Created),
        "pending" => d(lang, D::Pending),
        "redeemed" => d(lang, D::Redeemed),
        "expired" => d(lang, D::Expired),
        "failed" => d(lang, D::Failed),
        _ => d(lang, D::Unknown),
    }
}

/// A source type by its API code.
pub fn source_type(lang: Lang, code: &str) -> &'static str {
    match code {
        "inquiry" => d(lang, D::Inquiry),
        "transaction" => d(lang, D::Transaction),
        "account" => d(lang, D::Account),
        _ => d(lang, D::Unknown),
    }
}
