//! L2 book
pub struct L2Book;
