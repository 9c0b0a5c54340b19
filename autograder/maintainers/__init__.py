"""What maintainers run: setup of the venv, Lab and test services, the lock, the benchmark."""
