"""Every model, imported once so the metadata (and Alembic) sees all tables."""

from remit.attachments.models import Attachment
from remit.businesses.models import ApiKey, Business, DepositAccount, IdempotencyRecord, Location, NumberSequence, PaymentMethod
from remit.customers.models import ContactPerson, Customer
from remit.documents.models import Document, DocumentLine
from remit.events.models import Event
from remit.ledger.models import Account, JournalEntry, JournalLine
from remit.payments.models import Allocation, CreditApplication, Payment, Refund
from remit.users.models import User, WebSession

__all__ = [
    "Account", "Allocation", "ApiKey", "Attachment", "Business", "ContactPerson", "CreditApplication", "Customer",
    "DepositAccount", "Document", "DocumentLine", "Event", "IdempotencyRecord", "JournalEntry",
    "JournalLine", "Location", "NumberSequence", "Payment", "PaymentMethod", "Refund", "User", "WebSession",
]
