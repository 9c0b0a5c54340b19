"""What runs on the learner's side: the checks in the learner's kernel, the kernel class, and Lab's Validate."""
