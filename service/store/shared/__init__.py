"""What both stores do alike, written once: each file named after the store files that use it."""
