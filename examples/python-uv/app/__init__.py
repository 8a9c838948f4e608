"""A small FastAPI service that talks to PostgreSQL through psycopg2."""
