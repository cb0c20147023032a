//! What decides: the Strategy trait and the context it acts through.
