"""Quarto's rules checked without Quarto, and the rendered article found and read."""
