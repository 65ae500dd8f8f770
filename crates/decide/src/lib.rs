//! decide (skeleton; being written)
