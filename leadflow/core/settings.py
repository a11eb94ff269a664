"""One settings object for the whole application (environment: ``LEADFLOW_*``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEADFLOW_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=PROJECT_ROOT / ".leadflow")
    database_url: str | None = None
    # SQLite's page cache per connection, in MB (0: SQLite's own default of 2 MB). Past a few
    # thousand leads the lead table's indexes outgrow 2 MB, and every batch then rereads their
    # pages from the operating system (docs/scaling.md, sixteenth session).
    sqlite_cache_mb: int = Field(default=64, ge=0)

    # Policy lives in versioned files beside the code unless pointed elsewhere.
    ingest_dir: Path = PROJECT_ROOT / "ingest_rules"
    routing_dir: Path = PROJECT_ROOT / "routing_rules"
    scoring_dir: Path = PROJECT_ROOT / "scoring"
    templates_dir: Path = PROJECT_ROOT / "templates" / "email"
    firmographics_path: Path = PROJECT_ROOT / "examples" / "firmographics.csv"
    enrichment_path: Path = PROJECT_ROOT / "enrichment" / "providers.yaml"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_s: float = 10.0
    mail_from: str = "Leadflow Marketing <marketing@leadflow.example>"
    postal_address: str = "Leadflow Inc., 100 Example Street, Springfield, IL 62701, USA"

    # DKIM (RFC 6376): every outgoing message is signed when a key is given (PEM text or a file).
    dkim_selector: str | None = None
    dkim_domain: str | None = None  # None: the domain of mail_from
    dkim_private_key: SecretStr | None = None
    dkim_private_key_file: Path | None = None

    public_base_url: str = "http://127.0.0.1:8470"
    # Where `leadflow up` starts (or finds) the persistent Prefect server; PREFECT_API_URL wins.
    prefect_api_url: str = "http://127.0.0.1:4200/api"
    secret_key: SecretStr = SecretStr("change-me-in-production")

    # Lead-capture webhooks: shared secrets from each provider's console, never from YAML.
    capture_token: SecretStr | None = None  # bearer token for the generic JSON endpoint
    typeform_secret: SecretStr | None = None
    hubspot_client_secret: SecretStr | None = None
    zoom_secret_token: SecretStr | None = None
    capture_max_age_s: int = 300  # signed requests older than this are refused (replay)

    # Enrichment providers: keys from the environment only.
    clearbit_api_key: SecretStr | None = None
    pdl_api_key: SecretStr | None = None

    # ESP event webhooks.
    sendgrid_webhook_public_key: str | None = None  # base64 DER SPKI from SendGrid's console
    mailgun_signing_key: SecretStr | None = None  # the webhook signing key, not the API key
    esp_max_age_s: int = 300

    # The rep loop: signed accept/reject links and the assignment webhook.
    rep_link_ttl_hours: int = Field(default=72, ge=1)
    assignment_webhook_secret: SecretStr | None = None

    # Sends write each message's fate to a local journal as the server answers (see
    # leadflow.nurture.send_journal); fsync also survives a machine crash, at a disk flush a line.
    outbox_journal_dir: Path | None = None  # None: <data_dir>/outbox-journal
    outbox_journal_fsync: bool = False
    # Open pixels answered before their row is committed, at most this many at a time: what a
    # kill -9 of the web app can lose. 0 is write-through: each pixel waits for its commit.
    tracking_buffer_max: int = Field(default=1000, ge=0)

    # Rows per ingest batch (the ingest flow's default): each batch is a task run per step.
    # 5,000 rather than 2,000: 2.5x fewer task runs, the same peak RSS, and the Prefect flow
    # 1.08-1.13x faster in three measured rounds (docs/scaling.md). Forms keep 500.
    batch_size: int = Field(default=5000, ge=100, le=5000)
    rep_sla_hours: int = 48

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'leadflow.db'}"

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
