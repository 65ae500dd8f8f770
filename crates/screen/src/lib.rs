//! screen (skeleton; being written)
