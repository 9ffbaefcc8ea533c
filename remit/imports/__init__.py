"""CSV import of customers, documents and payments, through the same services every API calls.

``csv_import.run_import`` is the one use case; ``remit import ...`` (cli.py) and ``POST /v1/imports``
(remit/api/routes/imports.py) only hand it the file and show its result.
"""
