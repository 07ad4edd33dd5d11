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
    Fields,
    EventCompleted,
    EventNeedsReview,
    EventExpires,
    FieldsTable,
    TableSuffix,
    NotSet,
    StillMissing,
    Verifications,
    Reports,
    ConsentRecord,
    NoneRecorded,
    ReferenceId,
    SchemaName,
    Passed,
    CheckFailed,
    Clear,
    Hit,
    Completed,
    NeedsReview,
    Accepted,
    Declined,
    TextVersion,
    Matches,
    Field,
    Value,
    Settings,
    Id,
    Inquiries,
    Transactions,
    Accounts,
    Objects,
    AnySchema,
    NoObjects,
    ApiKeys,
    ApiKeysIntro,
    KeyId,
    KeyStatus,
    Active,
    Revoked,
    Revoke,
    CreateKey,
    NewKeyWarning,
    AllowedOrigins,
    AllowedOriginsIntro,
    Origin,
    OriginHint,
    AddOrigin,
    Remove,
    NoOrigins,
    Connections,
    ConnectionsIntro,
    OurSide,
    SideSource,
    SideDestination,
    ConnectionStatusActive,
    ConnectionStatusInactive,
    Accept,
    Deactivate,
    Reactivate,
    NoConnections,
    PartnerOrganizationId,
    PartnerOrganizationHint,
    RequestConnection,
    YourOrganizationId,
    Webhooks,
    WebhooksIntro,
    Url,
    Events,
    RecentDeliveries,
    Attempts,
    NoWebhooks,
    Workflows,
    Trigger,
    NoWorkflows,
    RecentRuns,
    Run,
    Workflow,
    Error,
    NoRuns,
    Enabled,
    Disabled,
    RedeemShareToken,
    RedeemSections,
    Actions,
    RedeemRow,
    ShareTokenField,
    ShareTokenHint,
    DestinationType,
    InquiryTemplate,
    TransactionType,
    AccountType,
    NoSchemas,
    TabDestination,
    TabMappings,
    MappingsIntro,
    NoMappings,
    AddMapping,
    SourceField,
    DestinationField,
    MappingRowLabel,
    Preview,
    PreviewHeading,
    WouldStayMissing,
    MappingsNotUsed,
    Close,
    RedeemingNow,
    RedeemedDone,
    RedeemFailedText,
    RedeemProblemHeading,
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
        (NotFoundHeading, En) => "Not found",
        (NotFoundHeading, Es) => "No encontrado",
        (TableSuffix, En) => "table",
        (TableSuffix, Es) => "tabla",
        (FieldsTable, En) => "Table of fields, scrollable",
        (FieldsTable, Es) => "Tabla de campos, desplazable",
        (EventCompleted, En) => "Completed",
        (EventCompleted, Es) => "Completada",
        (EventNeedsReview, En) => "Marked for review",
        (EventNeedsReview, Es) => "Marcada para revisión",
        (EventExpires, En) => "Expires unless finished",
        (EventExpires, Es) => "Caduca si no se termina",
        (Fields, En) => "Fields",
        (Fields, Es) => "Campos",
        (NotSet, En) => "Not set",
        (NotSet, Es) => "Sin valor",
        (StillMissing, En) => "Still missing",
        (StillMissing, Es) => "Aún faltan",
        (Verifications, En) => "Verifications",
        (Verifications, Es) => "Verificaciones",
        (Reports, En) => "Reports",
        (Reports, Es) => "Informes",
        (ConsentRecord, En) => "Consent",
        (ConsentRecord, Es) => "Consentimiento",
        (NoneRecorded, En) => "None recorded.",
        (NoneRecorded, Es) => "Nada registrado.",
        (ReferenceId, En) => "Reference id",
        (ReferenceId, Es) => "Id de referencia",
        (SchemaName, En) => "Template or type",
        (SchemaName, Es) => "Plantilla o tipo",
        (Passed, En) => "Passed",
        (Passed, Es) => "Superada",
        (CheckFailed, En) => "Failed",
        (CheckFailed, Es) => "No superada",
        (Clear, En) => "Clear",
        (Clear, Es) => "Sin coincidencias",
        (Hit, En) => "Hit",
        (Hit, Es) => "Coincidencia",
        (Completed, En) => "Completed",
        (Completed, Es) => "Completada",
        (NeedsReview, En) => "Needs review",
        (NeedsReview, Es) => "Requiere revisión",
        (Accepted, En) => "Accepted",
        (Accepted, Es) => "Aceptado",
        (Declined, En) => "Declined",
        (Declined, Es) => "Rechazado",
        (TextVersion, En) => "Consent text version",
        (TextVersion, Es) => "Versión del texto de consentimiento",
        (Matches, En) => "Matches",
        (Matches, Es) => "Coincidencias",
        (Field, En) => "Field",
        (Field, Es) => "Campo",
        (Value, En) => "Value",
        (Value, Es) => "Valor",
        (Inquiries, En) => "Inquiries",
        (Inquiries, Es) => "Verificaciones",
        (Transactions, En) => "Transactions",
        (Transactions, Es) => "Transacciones",
        (Accounts, En) => "Accounts",
        (Accounts, Es) => "Cuentas",
        (Objects, En) => "Data",
        (Objects, Es) => "Datos",
        (AnySchema, En) => "Any",
        (AnySchema, Es) => "Cualquiera",
        (NoObjects, En) => "Nothing matches these filters.",
        (NoObjects, Es) => "Nada coincide con estos filtros.",
        (Id, En) => "Id",
        (Id, Es) => "Id",
        (Settings, En) => "Settings",
        (Settings, Es) => "Configuración",
        (ApiKeys, En) => "API keys",
        (ApiKeys, Es) => "Claves de API",
        (ApiKeysIntro, En) => {
            "Your systems call the API with these keys. A key is shown once, when it is created; Tessera keeps only its hash."
        }
        (ApiKeysIntro, Es) => {
            "Tus sistemas llaman a la API con estas claves. Una clave se muestra una sola vez, al crearla; Tessera solo guarda su hash."
        }
        (KeyId, En) => "Key",
        (KeyId, Es) => "Clave",
        (KeyStatus, En) => "State",
        (KeyStatus, Es) => "Estado",
        (Active, En) => "Active",
        (Active, Es) => "Activa",
        (Revoked, En) => "Revoked",
        (Revoked, Es) => "Revocada",
        (Revoke, En) => "Revoke",
        (Revoke, Es) => "Revocar",
        (CreateKey, En) => "Create API key",
        (CreateKey, Es) => "Crear clave de API",
        (NewKeyWarning, En) => "Copy this key now: it is not shown again.",
        (NewKeyWarning, Es) => "Copia esta clave ahora: no se volverá a mostrar.",
        (AllowedOrigins, En) => "Allowed origins",
        (AllowedOrigins, Es) => "Orígenes permitidos",
        (AllowedOriginsIntro, En) => {
            "Sites that may embed your flows (the widget) and receive its messages."
        }
        (AllowedOriginsIntro, Es) => {
            "Sitios que pueden incrustar tus flujos (el widget) y recibir sus mensajes."
        }
        (Origin, En) => "Origin",
        (Origin, Es) => "Origen",
        (OriginHint, En) => "Scheme, host and port only, such as https://shop.example.",
        (OriginHint, Es) => "Solo esquema, host y puerto, como https://shop.example.",
        (AddOrigin, En) => "Add origin",
        (AddOrigin, Es) => "Añadir origen",
        (Remove, En) => "Remove",
        (Remove, Es) => "Quitar",
        (NoOrigins, En) => "No site may embed your flows yet.",
        (NoOrigins, Es) => "Aún ningún sitio puede incrustar tus flujos.",
        (Connections, En) => "Connections",
        (Connections, Es) => "Conexiones",
        (ConnectionsIntro, En) => {
            "A partner shares with you over an active connection. The source proposes it, the destination accepts it, and either side can deactivate it."
        }
        (ConnectionsIntro, Es) => {
            "Un socio comparte contigo mediante una conexión activa. El origen la propone, el destino la acepta y cualquiera de los dos puede desactivarla."
        }
        (OurSide, En) => "Your side",
        (OurSide, Es) => "Tu lado",
        (SideSource, En) => "Source (you share)",
        (SideSource, Es) => "Origen (tú compartes)",
        (SideDestination, En) => "Destination (they share)",
        (SideDestination, Es) => "Destino (te comparten)",
        (ConnectionStatusActive, En) => "Active",
        (ConnectionStatusActive, Es) => "Activa",
        (ConnectionStatusInactive, En) => "Inactive",
        (ConnectionStatusInactive, Es) => "Inactiva",
        (Accept, En) => "Accept",
        (Accept, Es) => "Aceptar",
        (Deactivate, En) => "Deactivate",
        (Deactivate, Es) => "Desactivar",
        (Reactivate, En) => "Reactivate",
        (Reactivate, Es) => "Reactivar",
        (NoConnections, En) => "No connections yet.",
        (NoConnections, Es) => "Aún no hay conexiones.",
        (PartnerOrganizationId, En) => "Partner organization id",
        (PartnerOrganizationId, Es) => "Id de la organización socia",
        (PartnerOrganizationHint, En) => {
            "The org_ id of the organization you want to share with; it accepts the connection."
        }
        (PartnerOrganizationHint, Es) => {
            "El id org_ de la organización con la que quieres compartir; ella acepta la conexión."
        }
        (RequestConnection, En) => "Request connection",
        (RequestConnection, Es) => "Solicitar conexión",
        (YourOrganizationId, En) => "Your organization id",
        (YourOrganizationId, Es) => "Id de tu organización",
        (Webhooks, En) => "Webhooks",
        (Webhooks, Es) => "Webhooks",
        (WebhooksIntro, En) => {
            "Manage webhooks with the API (/api/v1/webhooks); their latest deliveries are shown here."
        }
        (WebhooksIntro, Es) => {
            "Los webhooks se gestionan con la API (/api/v1/webhooks); aquí se muestran sus últimas entregas."
        }
        (Url, En) => "URL",
        (Url, Es) => "URL",
        (Events, En) => "Events",
        (Events, Es) => "Eventos",
        (RecentDeliveries, En) => "Latest deliveries",
        (RecentDeliveries, Es) => "Últimas entregas",
        (Attempts, En) => "Attempts",
        (Attempts, Es) => "Intentos",
        (NoWebhooks, En) => "No webhooks.",
        (NoWebhooks, Es) => "No hay webhooks.",
        (Workflows, En) => "Workflows",
        (Workflows, Es) => "Flujos automáticos",
        (Trigger, En) => "Trigger",
        (Trigger, Es) => "Disparador",
        (NoWorkflows, En) => "No workflows.",
        (NoWorkflows, Es) => "No hay flujos automáticos.",
        (RecentRuns, En) => "Latest runs",
        (RecentRuns, Es) => "Últimas ejecuciones",
        (Run, En) => "Run",
        (Run, Es) => "Ejecución",
        (Workflow, En) => "Workflow",
        (Workflow, Es) => "Flujo",
        (Error, En) => "Error",
        (Error, Es) => "Error",
        (NoRuns, En) => "No runs yet.",
        (NoRuns, Es) => "Aún no hay ejecuciones.",
        (Enabled, En) => "Enabled",
        (Enabled, Es) => "Activado",
        (Disabled, En) => "Disabled",
        (Disabled, Es) => "Desactivado",
        (RedeemShareToken, En) => "Redeem Share Token",
        (RedeemShareToken, Es) => "Canjear token compartido",
        (RedeemSections, En) => "What to redeem into",
        (RedeemSections, Es) => "En qué canjear",
        (Actions, En) => "Actions",
        (Actions, Es) => "Acciones",
        (RedeemRow, En) => "Redeem",
        (RedeemRow, Es) => "Canjear",
        (ShareTokenField, En) => "Share Token",
        (ShareTokenField, Es) => "Token compartido",
        (ShareTokenHint, En) => "The id a partner shared with your organization, starting cnst_.",
        (ShareTokenHint, Es) => {
            "El id que un socio compartió con tu organización; empieza por cnst_."
        }
        (DestinationType, En) => "Destination type",
        (DestinationType, Es) => "Tipo de destino",
        (InquiryTemplate, En) => "Inquiry Template",
        (InquiryTemplate, Es) => "Plantilla de verificación",
        (TransactionType, En) => "Transaction Type",
        (TransactionType, Es) => "Tipo de transacción",
        (AccountType, En) => "Account Type",
        (AccountType, Es) => "Tipo de cuenta",
        (NoSchemas, En) => "Your organization has none yet: create one with the API first.",
        (NoSchemas, Es) => "Tu organización aún no tiene ninguno: crea uno primero con la API.",
        (TabDestination, En) => "Destination",
        (TabDestination, Es) => "Destino",
        (TabMappings, En) => "Field mappings (optional)",
        (TabMappings, Es) => "Correspondencia de campos (opcional)",
        (MappingsIntro, En) => {
            "Fields with the same name are copied without a mapping. Pair a partner's field with a differently named field of yours; dot paths such as name.first are allowed."
        }
        (MappingsIntro, Es) => {
            "Los campos con el mismo nombre se copian sin correspondencia. Empareja un campo del socio con uno tuyo de otro nombre; se admiten rutas con puntos como name.first."
        }
        (NoMappings, En) => "No mappings yet.",
        (NoMappings, Es) => "Aún no hay correspondencias.",
        (AddMapping, En) => "Add mapping",
        (AddMapping, Es) => "Añadir correspondencia",
        (SourceField, En) => "Source field",
        (SourceField, Es) => "Campo de origen",
        (DestinationField, En) => "Destination field",
        (DestinationField, Es) => "Campo de destino",
        (MappingRowLabel, En) => "Mapping",
        (MappingRowLabel, Es) => "Correspondencia",
        (Preview, En) => "Preview",
        (Preview, Es) => "Vista previa",
        (PreviewHeading, En) => "What redeeming would fill",
        (PreviewHeading, Es) => "Lo que rellenaría el canje",
        (WouldStayMissing, En) => "Required but missing: the inquiry would wait for these",
        (WouldStayMissing, Es) => "Obligatorios sin valor: la verificación esperaría estos campos",
        (MappingsNotUsed, En) => "Mappings that would not be used",
        (MappingsNotUsed, Es) => "Correspondencias que no se usarían",
        (Close, En) => "Close",
        (Close, Es) => "Cerrar",
        (RedeemingNow, En) => "Redeeming the share token…",
        (RedeemingNow, Es) => "Canjeando el token compartido…",
        (RedeemedDone, En) => "The share token is redeemed.",
        (RedeemedDone, Es) => "El token compartido está canjeado.",
        (RedeemFailedText, En) => "The redemption failed and cannot be retried.",
        (RedeemFailedText, Es) => "El canje falló y no se puede reintentar.",
        (RedeemProblemHeading, En) => "The share token was not redeemed",
        (RedeemProblemHeading, Es) => "El token compartido no se canjeó",
        (NotFoundText, En) => "Nothing of your organization has this id.",
        (NotFoundText, Es) => "Nada de tu organización tiene este id.",
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

/// Why the Redeem Share Token dialog refused, and what to do.
pub fn redeem_problem(lang: Lang, problem: crate::dashboard::RedeemProblem) -> &'static str {
    use crate::dashboard::RedeemProblem::*;
    use Lang::{En, Es};
    match (problem, lang) {
        (TokenMissing, En) => "Enter the share token's id (it starts with cnst_).",
        (TokenMissing, Es) => "Escribe el id del token compartido (empieza por cnst_).",
        (TokenNotFound, En) => {
            "No share token for your organization has this id. Check it with the partner who shared it."
        }
        (TokenNotFound, Es) => {
            "Ningún token compartido para tu organización tiene este id. Compruébalo con el socio que lo compartió."
        }
        (AlreadyRedeemed, En) => {
            "This share token has already been redeemed (or is being redeemed)."
        }
        (AlreadyRedeemed, Es) => "Este token compartido ya se canjeó (o se está canjeando).",
        (Expired, En) => "This share token has expired. Ask the partner for a new one.",
        (Expired, Es) => "Este token compartido ha caducado. Pide uno nuevo al socio.",
        (Failed, En) => {
            "This share token's redemption failed and cannot be retried. Ask the partner for a new one."
        }
        (Failed, Es) => {
            "El canje de este token falló y no se puede reintentar. Pide uno nuevo al socio."
        }
        (ConnectionInactive, En) => {
            "The connection with this partner is not active, so its share tokens cannot be redeemed."
        }
        (ConnectionInactive, Es) => {
            "La conexión con este socio no está activa, así que sus tokens no se pueden canjear."
        }
        (SchemaMissing, En) => {
            "Choose what to redeem into: a template or type of your organization."
        }
        (SchemaMissing, Es) => "Elige en qué canjear: una plantilla o un tipo de tu organización.",
        (MappingIncomplete, En) => "Fill in both fields of the mapping, or clear both.",
        (MappingIncomplete, Es) => "Rellena los dos campos de la correspondencia o vacía ambos.",
        (MappingPath, En) => {
            "A field name is letters, digits, - and _, with dots between levels (name.first)."
        }
        (MappingPath, Es) => {
            "Un nombre de campo lleva letras, dígitos, - y _, con puntos entre niveles (name.first)."
        }
        (NotADestinationField, En) => {
            "The destination has no field with this name. Pick one from the suggestions."
        }
        (NotADestinationField, Es) => {
            "El destino no tiene ningún campo con este nombre. Elige uno de las sugerencias."
        }
        (DuplicateDestination, En) => "Another mapping already fills this destination field.",
        (DuplicateDestination, Es) => "Otra correspondencia ya rellena este campo de destino.",
        (TooManyMappings, En) => "At most 200 mappings can be used at once.",
        (TooManyMappings, Es) => "Se pueden usar como máximo 200 correspondencias a la vez.",
        (StaleForm, En) => "This form is out of date. Check the fields and redeem again.",
        (StaleForm, Es) => {
            "Este formulario está desactualizado. Revisa los campos y vuelve a canjear."
        }
    }
}

/// The link to a redeemed share token's destination object.
pub fn open_destination(lang: Lang, kind: &str, id: &str) -> String {
    match (lang, kind) {
        (Lang::En, "transaction") => format!("Open the transaction {id}"),
        (Lang::En, "account") => format!("Open the account {id}"),
        (Lang::En, _) => format!("Open the inquiry {id}"),
        (Lang::Es, "transaction") => format!("Abrir la transacción {id}"),
        (Lang::Es, "account") => format!("Abrir la cuenta {id}"),
        (Lang::Es, _) => format!("Abrir la verificación {id}"),
    }
}

/// The accessible name of a list row's Redeem link.
pub fn redeem_token(lang: Lang, id: &str) -> String {
    match lang {
        Lang::En => format!("Redeem {id}"),
        Lang::Es => format!("Canjear {id}"),
    }
}

/// An inquiry's status by its API code.
pub fn inquiry_status(lang: Lang, code: &str) -> &'static str {
    match code {
        "completed" => d(lang, D::Completed),
        "needs_review" => d(lang, D::NeedsReview),
        other => status(lang, other),
    }
}

/// What the settings page says after a change.
pub fn settings_notice(lang: Lang, notice: crate::dashboard::SettingsNotice) -> &'static str {
    use crate::dashboard::SettingsNotice::*;
    use Lang::{En, Es};
    match (notice, lang) {
        (KeyCreated, En) => "A new API key was created.",
        (KeyCreated, Es) => "Se creó una clave de API nueva.",
        (KeyRevoked, En) => "The API key is revoked: it no longer opens the API.",
        (KeyRevoked, Es) => "La clave de API está revocada: ya no abre la API.",
        (OriginAdded, En) => "The origin was added.",
        (OriginAdded, Es) => "Se añadió el origen.",
        (OriginRemoved, En) => "The origin was removed.",
        (OriginRemoved, Es) => "Se quitó el origen.",
        (OriginInvalid, En) => {
            "That is not an origin. Enter scheme, host and port only, such as https://shop.example."
        }
        (OriginInvalid, Es) => {
            "Eso no es un origen. Escribe solo esquema, host y puerto, como https://shop.example."
        }
        (ConnectionRequested, En) => {
            "The connection was requested. It becomes active when the partner accepts it."
        }
        (ConnectionRequested, Es) => {
            "Se solicitó la conexión. Se activará cuando el socio la acepte."
        }
        (ConnectionUpdated, En) => "The connection was updated.",
        (ConnectionUpdated, Es) => "Se actualizó la conexión.",
        (ConnectionRefused, En) => {
            "That change is not possible for this connection now. The list shows what it allows."
        }
        (ConnectionRefused, Es) => {
            "Ese cambio no es posible ahora para esta conexión. La lista muestra lo que permite."
        }
        (UnknownOrganization, En) => {
            "No other organization has that id. Ask your partner for their org_ id."
        }
        (UnknownOrganization, Es) => {
            "Ninguna otra organización tiene ese id. Pide a tu socio su id org_."
        }
        (StaleForm, En) => {
            "That form was out of date and nothing was changed. Try again from this page."
        }
        (StaleForm, Es) => {
            "Ese formulario estaba desactualizado y no se cambió nada. Inténtalo de nuevo desde esta página."
        }
    }
}

/// Why a redemption failed, by its failure code.
pub fn failure(lang: Lang, code: &str) -> &'static str {
    match (code, lang) {
        ("destination-missing", Lang::En) => "The new object was deleted before the data arrived.",
        ("destination-missing", Lang::Es) => {
            "El objeto nuevo se borró antes de que llegaran los datos."
        }
        ("destination-not-redeemable", Lang::En) => {
            "The inquiry finished or expired before the data arrived."
        }
        ("destination-not-redeemable", Lang::Es) => {
            "La verificación terminó o caducó antes de que llegaran los datos."
        }
        ("connection-inactive", Lang::En) => {
            "The connection with the partner was deactivated meanwhile."
        }
        ("connection-inactive", Lang::Es) => {
            "La conexión con el socio se desactivó mientras tanto."
        }
        ("retries-exhausted", Lang::En) => {
            "Tessera kept failing to finish it and gave up. Try again with a new token."
        }
        ("retries-exhausted", Lang::Es) => {
            "Tessera no logró terminarlo y desistió. Inténtalo de nuevo con un token nuevo."
        }
        (_, Lang::En) => {
            "Something went wrong inside Tessera; its operators find the detail in the logs."
        }
        (_, Lang::Es) => {
            "Algo falló dentro de Tessera; sus operadores encuentran el detalle en los registros."
        }
    }
}
