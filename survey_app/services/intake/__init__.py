"""Taking answers in: links opened, submissions stored, bursts counted, batches released."""
