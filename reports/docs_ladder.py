"""Placeholder: filled in by the issue-20 work (registers with enforcement_documents.register)."""
