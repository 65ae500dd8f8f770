//! countries (skeleton; being written)
