from fieldcred.cli import app

app()
