"""Ingestion of Jinmin exports: read, detect header, map, clean, pseudonymise, validate, load."""
