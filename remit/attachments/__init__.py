"""Files kept with a payment (remittance advice, bank slips, receipts).

The bytes live on disk under the data directory, addressed by their SHA-256
so identical files are stored once; the database holds one ``Attachment`` row
per file attached to a payment. Only PDF, images and spreadsheets are taken,
judged by their content rather than by what the client calls them.
"""
