"""Exports of the books: CSV of payments, allocations and documents (``remit export``, ``/v1/exports``)."""
