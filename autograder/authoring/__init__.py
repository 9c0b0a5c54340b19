"""What builds the course: solution notebooks from scripts, the learner release, translated editions, mutants."""
