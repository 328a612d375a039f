"""What Quarto reads from the build: manuscript variables, generated text, Tables 1–2 and the citation style."""
