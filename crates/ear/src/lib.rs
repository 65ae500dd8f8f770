//! ear (skeleton; being written)
