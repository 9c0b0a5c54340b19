"""Instructor-side grading: parallel, isolated, lossless (see README, "Grading")."""
