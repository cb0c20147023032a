//! Python strategy overhead (filled in with the Python host).

fn main() {}
