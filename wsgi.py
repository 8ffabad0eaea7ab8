"""The WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

from server import create_app
from server.process import tune_for_serving

app = create_app()
tune_for_serving()
