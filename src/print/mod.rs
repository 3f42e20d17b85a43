//! Printed documents (A4 PDFs with an embedded CJK font): the work card and
//! the entrance notice board, and the public page their QR codes open.

pub mod cards;
pub mod font;
pub mod pages;
pub mod pdf;
pub mod store;
pub mod verify;
