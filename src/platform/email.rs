//! E-mail over SMTP (`LINLI_SMTP_URL`: `smtp://host:25` plain,
//! `smtp://user:pass@host:587?tls=required` STARTTLS, `smtps://host:465`).

use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;
use crate::error::{Error, Result};

/// Sends one plain-text message.
pub async fn send(config: &Config, to: &str, subject: &str, body: &str) -> Result<()> {
    let url = config
        .notify
        .smtp_url
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("e-mail is not configured (LINLI_SMTP_URL)"))?;
    let message = Message::builder()
        .from(config.notify.smtp_from.parse().map_err(|e| anyhow::anyhow!("LINLI_SMTP_FROM is not a mailbox: {e}"))?)
        .to(to.parse().map_err(|e| Error::invalid("email", format!("`{to}` 不是有效的电子邮箱：{e}")))?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_string())
        .map_err(|e| anyhow::anyhow!("building the e-mail: {e}"))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| anyhow::anyhow!("LINLI_SMTP_URL is unusable: {e}"))?
        .timeout(Some(std::time::Duration::from_secs(15)))
        .build();
    transport.send(message).await.map_err(|e| anyhow::anyhow!("SMTP delivery failed: {e}"))?;
    Ok(())
}
