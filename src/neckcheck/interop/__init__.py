"""Interoperability: FHIR R4 and plain JSON/CSV export and import, and backups."""
