//! The `tessera` command line (CONTRACT.md §1). Exit codes: 0 success, 2 bad usage, 1 anything
//! else, with a one-line error on stderr.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use engine::{Database, Engine};
use serde_json::json;

use crate::{ServeConfig, Tessera, shutdown, telemetry};

#[derive(Parser, Debug)]
#[command(
    name = "tessera",
    version,
    about = "Reusable identity data: share tokens, redemption and hosted verification"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server: migrations at start, graceful shutdown on SIGTERM or Ctrl-C.
    Serve(ServeConfig),
    /// Manage organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage the members who sign in to the dashboard.
    #[command(subcommand)]
    User(UserCommand),
    /// Seed the demo data (idempotent) and print its URLs and fresh API keys.
    Demo(DemoArgs),
    /// Serve a partner's demo page on a second origin that embeds the flow (run `demo` first).
    DemoSite(DemoSiteArgs),
    /// Fill a database with benchmark data: two new organizations and, for the destination,
    /// share tokens, events and transactions copied from real ones; prints one JSON object
    /// with the destination's id and API key (see `make bench`).
    Generate(GenerateArgs),
    /// Write Brotli and gzip copies next to every script, stylesheet and wasm file under a
    /// folder (the build runs it on the site folder; the server then sends them as they are).
    Precompress {
        /// The folder, for example target/site.
        dir: std::path::PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum OrgCommand {
    /// Create an organization and its first API key; prints one JSON object.
    Create(OrgCreateArgs),
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create a member of an organization; prints one JSON object with a one-time password, or
    /// reads the password from standard input with --password-stdin.
    Create(UserCreateArgs),
}

#[derive(Args, Debug)]
struct UserCreateArgs {
    /// The organization (org_…).
    #[arg(long = "org")]
    organization: String,
    /// The address the member signs in with.
    #[arg(long)]
    email: String,
    /// Read the password from standard input (its first line) instead of generating one.
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// The database flag shared by every command that opens it.
#[derive(Args, Debug, Clone)]
struct DatabaseArgs {
    /// Database URL: sqlite://PATH (created if missing) or postgres://USER:PASSWORD@HOST/DATABASE.
    #[arg(
        long,
        env = "TESSERA_DATABASE_URL",
        default_value = "sqlite://data/tessera.db"
    )]
    database_url: String,
}

#[derive(Args, Debug)]
struct OrgCreateArgs {
    /// The organization's name.
    #[arg(long)]
    name: String,
    /// An origin allowed to embed the flow and receive redirects (repeatable).
    #[arg(long = "allowed-origin")]
    allowed_origins: Vec<String>,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Args, Debug)]
struct GenerateArgs {
    /// Share tokens to add (inbound mostly; one in twenty outbound).
    #[arg(long, default_value_t = 1_000_000)]
    tokens: u64,
    /// Events to add.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Transactions to add.
    #[arg(long, default_value_t = 1_000_000)]
    objects: u64,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Args, Debug)]
struct DemoArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// The URL Tessera is reached at, for the printed links.
    #[arg(
        long,
        env = "TESSERA_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    public_url: String,
    /// An origin the destination organization allows for embedding and redirects (added to the
    /// demo destination's allowed origins; repeatable).
    #[arg(long = "allowed-origin", value_name = "URL")]
    allowed_origins: Vec<String>,
    /// The partner demo site (`tessera demo-site`): allowed to embed the flow, and printed.
    #[arg(long, default_value = "http://127.0.0.1:3002")]
    demo_site_url: String,
    /// Print one JSON object (ids, keys, links) instead of the text for people.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct DemoSiteArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// Where the demo site listens.
    #[arg(long, default_value = "127.0.0.1:3002")]
    addr: std::net::SocketAddr,
    /// Tessera's URL as the browser reaches it.
    #[arg(
        long,
        env = "TESSERA_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    tessera_url: String,
}

/// A failure and whether it was the caller's usage.
enum Failure {
    Usage(String),
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Self {
        Self::Other(err)
    }
}

/// Parses the command line, runs the command and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            return report(Failure::Other(
                anyhow::Error::from(err).context("could not start the async runtime"),
            ));
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Serve(config) => serve(config).await.map_err(Failure::from),
            Command::Org(OrgCommand::Create(args)) => create_org(args).await,
            Command::User(UserCommand::Create(args)) => create_user(args).await,
            Command::Demo(args) => demo(args).await.map_err(Failure::from),
            Command::DemoSite(args) => {
                let engine = open(&args.database).await?;
                crate::demo_site::run(engine, args.addr, args.tessera_url)
                    .await
                    .map_err(Failure::from)
            }
            Command::Generate(args) => generate(args).await.map_err(Failure::from),
            Command::Precompress { dir } => {
                let count = crate::assets::precompress(&dir)?;
                println!("precompressed {count} files under {}", dir.display());
                Ok(())
            }
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => report(failure),
    }
}

async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let stop = shutdown::install().context("could not listen for SIGTERM and Ctrl-C")?;
    let tessera = Tessera::build(config).await?;
    println!("Tessera is listening on {}", tessera.public_url());
    tessera.run_until(stop).await
}

async fn open(database: &DatabaseArgs) -> anyhow::Result<Engine> {
    let db = Database::connect(&database.database_url)
        .await
        .context("could not open the database given by --database-url / TESSERA_DATABASE_URL")?;
    Ok(Engine::new(db))
}

async fn generate(args: GenerateArgs) -> anyhow::Result<()> {
    let engine = open(&args.database).await?;
    let volume = engine::generate::Volume {
        tokens: args.tokens,
        events: args.events,
        objects: args.objects,
    };
    let generated = engine::generate::generate(&engine, volume)
        .await
        .context("could not generate the benchmark data")?;
    let mut out = serde_json::to_value(&generated)?;
    out["destination-api-key"] = json!(generated.destination_key.expose_secret());
    out["seconds"] = json!(generated.elapsed.as_secs_f64());
    println!("{out}");
    engine.db().close().await;
    Ok(())
}

async fn create_org(args: OrgCreateArgs) -> Result<(), Failure> {
    let engine = open(&args.database).await?;
    let (org, key) = match engine::orgs::create(&engine, &args.name, &args.allowed_origins).await {
        Ok(created) => created,
        Err(engine::Error::Problems(problems)) => {
            let detail = problems
                .iter()
                .map(|p| p.detail.clone())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(Failure::Usage(detail));
        }
        Err(other) => return Err(Failure::Other(other.into())),
    };
    println!(
        "{}",
        json!({ "id": org.id, "name": org.name, "api-key": key.expose_secret() })
    );
    engine.db().close().await;
    Ok(())
}

async fn create_user(args: UserCreateArgs) -> Result<(), Failure> {
    use engine::members::{self, MemberError, Password};
    let organization = engine::ids::OrgId::parse(&args.organization)
        .map_err(|err| Failure::Usage(format!("--org: {err}")))?;
    let (password, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("could not read the password from standard input")?;
        (Password::new(line.trim_end_matches(['\r', '\n'])), false)
    } else {
        (Password::generate(), true)
    };
    let engine = open(&args.database).await?;
    let member = match members::create(&engine, &organization, &args.email, password.clone()).await
    {
        Ok(member) => member,
        Err(MemberError::Internal(err)) => return Err(Failure::Other(err.into())),
        Err(refused) => return Err(Failure::Usage(refused.to_string())),
    };
    let mut out = json!({ "id": member.id, "organization-id": member.organization_id, "email": member.email });
    if generated {
        out["password"] = json!(password.expose_secret());
    }
    println!("{out}");
    engine.db().close().await;
    Ok(())
}

fn member_json(member: &engine::demo::DemoMember) -> serde_json::Value {
    json!({ "email": member.email, "password": member.password.expose_secret() })
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let engine = open(&args.database).await?;
    let public = args.public_url.trim_end_matches('/');
    let mut origins = Vec::new();
    for origin in args.allowed_origins.iter().chain([&args.demo_site_url]) {
        origins.push(engine::orgs::parse_origin(origin).ok_or_else(|| {
            anyhow::anyhow!(
                "--allowed-origin {origin} is not an origin such as https://shop.example"
            )
        })?);
    }
    let demo = engine::demo::seed(&engine, &origins)
        .await
        .context("could not seed the demo")?;
    engine.db().close().await;
    let verify_link = |template: &str, token: &str| {
        format!("{public}/verify?inquiry-template-id={template}&share-token={token}")
    };
    let one_click = verify_link(&demo.full_template_id, &demo.full_token_id);
    let extra_steps = verify_link(&demo.extra_template_id, &demo.extra_token_id);
    if args.json {
        let out = serde_json::json!({
            "source-organization-id": demo.source,
            "source-api-key": demo.source_key.expose_secret(),
            "destination-organization-id": demo.destination,
            "destination-api-key": demo.destination_key.expose_secret(),
            "connection-id": demo.connection_id,
            "full-template-id": demo.full_template_id,
            "full-share-token-id": demo.full_token_id,
            "extra-template-id": demo.extra_template_id,
            "extra-share-token-id": demo.extra_token_id,
            "one-click-url": one_click,
            "extra-steps-url": extra_steps,
            "automated-organization-id": demo.automated.organization,
            "automated-api-key": demo.automated.key.expose_secret(),
            "automated-connection-id": demo.automated.connection_id,
            "automated-workflow-id": demo.automated.workflow_id,
            "source-inquiry-id": demo.automated.source_inquiry_id,
            "source-member": member_json(&demo.members[0]),
            "destination-member": member_json(&demo.members[1]),
            "automated-member": member_json(&demo.members[2]),
            "members": demo.members.iter().map(|m| json!({
                "organization-id": m.organization,
                "email": m.email,
                "password": m.password.expose_secret(),
            })).collect::<Vec<_>>(),
        });
        println!("{out}");
        return Ok(());
    }
    println!(
        "Demo data is ready in {}.",
        engine::db::redacted_url(&args.database.database_url)
    );
    println!();
    println!(
        "  Source organization       {} ({})",
        engine::demo::SOURCE_NAME,
        demo.source
    );
    println!(
        "    API key                 {}",
        demo.source_key.expose_secret()
    );
    println!(
        "  Destination organization  {} ({})",
        engine::demo::DESTINATION_NAME,
        demo.destination
    );
    println!(
        "    API key                 {}",
        demo.destination_key.expose_secret()
    );
    println!(
        "  Connection                {} (active)",
        demo.connection_id
    );
    println!("  Share tokens for the destination:");
    println!(
        "    {}  covers everything template {} needs",
        demo.full_token_id, demo.full_template_id
    );
    println!(
        "    {}  template {} needs more (phone, address, proof of address)",
        demo.extra_token_id, demo.extra_template_id
    );
    println!();
    println!("  Try the API as the destination:");
    println!(
        "    curl -H 'Authorization: Bearer {}' {public}/api/v1/connect/share-tokens",
        demo.destination_key.expose_secret()
    );
    println!();
    println!(
        "  Open the hosted flow as the end user (each link works once; `tessera demo` makes new ones):"
    );
    println!("    completes with one click, the shared data covers everything:");
    println!("      {one_click}");
    println!("    asks only for what is missing (address, phone, proof of address):");
    println!("      {extra_steps}");
    println!();
    println!(
        "  A partner's page embedding the flow (modal and inline), after `tessera demo-site`:"
    );
    println!("      {}", args.demo_site_url);
    println!();
    let automated = &demo.automated;
    println!(
        "  Redemption without code: {} ({}) has a workflow ({}) that redeems every token shared with it into a new transaction.",
        engine::demo::AUTOMATED_NAME,
        automated.organization,
        automated.workflow_id
    );
    println!("    1. share the source's inquiry with it (as the source):");
    println!(
        "      curl -s -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' -d '{{\"data\":{{\"attributes\":{{\"connection-id\":\"{}\",\"source-id\":\"{}\"}}}}}}' {public}/api/v1/connect/share-tokens",
        demo.source_key.expose_secret(),
        automated.connection_id,
        automated.source_inquiry_id
    );
    println!(
        "    2. watch its workflow run succeed and the token end redeemed (as the destination):"
    );
    println!(
        "      curl -s -H 'Authorization: Bearer {}' {public}/api/v1/workflow-runs",
        automated.key.expose_secret()
    );
    println!(
        "      curl -s -H 'Authorization: Bearer {}' '{public}/api/v1/connect/share-tokens?filter[status]=redeemed'",
        automated.key.expose_secret()
    );
    println!(
        "    (add a webhook with POST {public}/api/v1/webhooks to hear of it instead: see README \"Webhooks and workflows\")"
    );
    println!();
    println!(
        "  Dashboard members ({public}/dashboard; e-mail and this run's password, new on each run):"
    );
    for member in &demo.members {
        println!(
            "    {:<26} {:<26} {}",
            member.organization_name,
            member.email,
            member.password.expose_secret()
        );
    }
    Ok(())
}

fn report(failure: Failure) -> ExitCode {
    match failure {
        Failure::Usage(message) => {
            eprintln!("tessera: {message}");
            ExitCode::from(2)
        }
        Failure::Other(err) => {
            eprintln!("tessera: {err:#}");
            ExitCode::FAILURE
        }
    }
}
