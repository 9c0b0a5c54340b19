"""Instructor-side grading: parallel, isolated, lossless (docs/grading.md)."""
