//! WeCom (企业微信): the self-built app's callback at
//! `/connect/wecom/callback` (URL verification and encrypted messages).

pub mod api;
pub mod crypto;
pub mod store;
pub mod xml;
