"""A business's journal as a beancount file, for its accountant (Fava opens it as it is).

Every posting is in the business's base currency, exactly the ``base_amount_minor`` Remit posted, so each
transaction balances to the last minor unit without beancount's tolerance, and every account in Fava shows
the same figure as Remit's trial balance. A foreign line's own amount travels beside it as posting metadata
(``foreign_amount: 1200.00 USD``). Beancount's prices cannot carry it instead: ``1200.00 USD @@ 99900.00 INR``
would hold the receivable in dollars (so Fava would value it at today's rate, not the booked one), and an
exchange revaluation line has a base value but no foreign amount at all, which no price can express.

Receivable and customer credits get one sub-account per customer (``Assets:Receivable:C42-Asha-Stores``),
so each customer's balance reads straight off the accounts. The file ends with a ``balance`` assertion per
account dated the day after the last entry, so beancount itself proves the file adds up to Remit's books.

Give it a session that reads one snapshot (REPEATABLE READ on PostgreSQL, one transaction on SQLite): the
accounts and closing balances are read before the entries are streamed.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TextIO

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from remit.businesses.models import Business, DepositAccount
from remit.businesses.service import get_business
from remit.customers.models import Customer
from remit.documents.models import Document
from remit.ledger.models import Account, JournalEntry, JournalLine
from remit.money import format_minor
from remit.payments.models import Payment

CHUNK_ROWS = 1000
# Remit's chart, in beancount's five roots; accounts added later fall back to their type and name.
CHART_NAMES = {
    "receivable": "Assets:Receivable",
    "tax_withheld": "Assets:TaxWithheld",
    "party_advances": "Assets:PartyAdvances",
    "customer_credits": "Liabilities:CustomerCredits",
    "tax_payable": "Liabilities:TaxPayable",
    "revenue": "Income:Sales",
    "purchase_returns": "Income:PurchaseReturns",
    "bank_charges": "Expenses:BankCharges",
    "discount_allowed": "Expenses:DiscountAllowed",
    "rounding": "Expenses:Rounding",
    "write_off": "Expenses:WriteOff",
    "fx_gain_loss": "Expenses:ExchangeGainLoss",
}
ROOTS = {"asset": "Assets", "liability": "Liabilities", "equity": "Equity", "income": "Income", "expense": "Expenses"}
# Accounts that hold one balance per customer.
PER_CUSTOMER = ("receivable", "customer_credits")
# Beancount's link syntax; a number outside it (a custom prefix with spaces) stays in the metadata only.
_LINK = re.compile(r"[A-Za-z0-9\-_/.]+")


@dataclass(frozen=True, slots=True)
class BeancountCounts:
    accounts: int
    transactions: int
    postings: int


def component(text: str) -> str:
    """Text as a beancount account-name component: ASCII words, capitalised, joined by dashes ("" if none)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(word[0].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", ascii_text))


def customer_component(customer_id: int, name: str | None) -> str:
    words = component(name or "")
    return f"C{customer_id}-{words}" if words else f"C{customer_id}"


def _flat(text: str) -> str:
    """Control characters (a memo's line breaks) become spaces, so no text can start a directive of its own."""
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)


def quoted(text: str) -> str:
    """A beancount string literal."""
    return '"' + _flat(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ledger_names(session: Session, business_id: int) -> dict[int, tuple[str, str]]:
    """Account id -> (code, beancount name) for the business's chart; deposit accounts sit under Bank or Cash."""
    rows = session.execute(
        select(Account.id, Account.code, Account.name, Account.type, DepositAccount.kind)
        .outerjoin(DepositAccount, (DepositAccount.business_id == Account.business_id)
                   & (DepositAccount.account_id == Account.id))
        .where(Account.business_id == business_id)
        .order_by(Account.id)
    ).all()
    names: dict[int, tuple[str, str]] = {}
    taken: set[str] = set()
    for account_id, code, name, type_, kind in rows:
        if code in CHART_NAMES:
            full = CHART_NAMES[code]
        else:
            parent = f"Assets:{kind.capitalize()}" if kind else ROOTS[type_]
            full = f"{parent}:{component(name) or component(code) or 'Account'}"
            # Two deposit accounts both named "Savings" (or a name that sanitises to nothing) stay apart.
            full = full if full not in taken else f"{full}-{account_id}"
        taken.add(full)
        names[account_id] = (code, full)
    return names


@dataclass(slots=True)
class _Use:
    code: str
    customer_id: int | None
    opened: date
    balance_minor: int

    def open_directive(self, account: str, currency: str) -> str:
        """Dated on first use; the metadata names the Remit account (and customer) the postings come from."""
        customer = f"  remit_customer: \"{self.customer_id}\"\n" if self.customer_id is not None else ""
        return f"{self.opened.isoformat()} open {account} {currency}\n  remit_account: {quoted(self.code)}\n{customer}"


def _account_of(names: dict[int, tuple[str, str]], account_id: int, customer_id: int | None,
                customer_name: str | None) -> str:
    code, name = names[account_id]
    if code not in PER_CUSTOMER:
        return name
    # Remit tags every receivable and credit line with its customer; an untagged one still gets a leaf of its
    # own, so a parent's balance assertion never has to mix its own postings with its customers'.
    return f"{name}:{customer_component(customer_id, customer_name)}" if customer_id else f"{name}:No-Customer"


def _uses(session: Session, business_id: int, names: dict[int, tuple[str, str]]) -> dict[str, _Use]:
    """Each beancount account in use: its first day and its closing base balance."""
    split = [account_id for account_id, (code, _) in names.items() if code in PER_CUSTOMER]
    customer_id = case((JournalLine.account_id.in_(split), JournalLine.customer_id), else_=None)
    rows = session.execute(
        select(JournalLine.account_id, customer_id, Customer.name, func.min(JournalEntry.entry_date),
               func.sum(JournalLine.base_amount_minor))
        .join(JournalEntry, (JournalEntry.business_id == JournalLine.business_id)
              & (JournalEntry.id == JournalLine.entry_id))
        .outerjoin(Customer, (Customer.business_id == JournalLine.business_id) & (Customer.id == customer_id))
        .where(JournalLine.business_id == business_id)
        .group_by(JournalLine.account_id, customer_id, Customer.name)
    ).all()
    uses: dict[str, _Use] = {}
    for account_id, customer, customer_name, first_day, total in rows:
        account = _account_of(names, account_id, customer, customer_name)
        use = uses.setdefault(account, _Use(names[account_id][0], customer, first_day, 0))
        use.opened = min(use.opened, first_day)
        use.balance_minor += int(total)
    return uses


def _header(business: Business) -> str:
    return (f"; {_flat(business.name)} ({business.url_key}): the journal exported from Remit.\n"
            f"; Amounts are in the base currency {business.base_currency}, as Remit posted them; a foreign line's\n"
            "; own amount is in its foreign_amount metadata.\n"
            f"option \"title\" {quoted(business.name)}\n"
            f"option \"operating_currency\" \"{business.base_currency}\"\n\n")


def _transaction(rows: Sequence[Any], names: dict[int, tuple[str, str]], base_currency: str) -> tuple[str, int]:
    """One journal entry's rows (entry columns, then its line, payment, document and customer) as text."""
    entry_id, entry_date, source, memo, reverses = rows[0][:5]
    lines = [row for row in rows if row.account_id is not None]
    customers = {row.customer_name for row in lines if row.customer_id is not None}
    payments = list(dict.fromkeys(row.payment_number for row in lines if row.payment_number))
    documents = list(dict.fromkeys(row.document_number for row in lines if row.document_number))
    payee = f"{quoted(next(iter(customers)))} " if len(customers) == 1 else ""
    # Fava lists every entry that shares a link: a payment's receipt, allocations, refunds and reversals.
    tagged = [f"payment-{number}" for number in payments] + [f"document-{number}" for number in documents]
    links = "".join(f" ^{link}" for link in tagged if _LINK.fullmatch(link))
    text = [f"{entry_date.isoformat()} * {payee}{quoted(memo)}{links}\n",
            f"  remit_entry: \"{entry_id}\"\n  source: {quoted(source)}\n"]
    if payments:
        text.append(f"  payment: {quoted(', '.join(payments))}\n")
    if documents:
        text.append(f"  document: {quoted(', '.join(documents))}\n")
    if reverses is not None:
        text.append(f"  reverses: \"{reverses}\"\n")
    for row in lines:
        account = _account_of(names, row.account_id, row.customer_id, row.customer_name)
        text.append(f"  {account}  {format_minor(row.base_amount_minor, base_currency)} {base_currency}\n")
        if row.currency != base_currency:
            text.append(f"    foreign_amount: {format_minor(row.amount_minor, row.currency)} {row.currency}\n")
    text.append("\n")
    return "".join(text), len(lines)


def _journal_rows(session: Session, business_id: int) -> Iterable[Any]:
    """Every entry with its lines, oldest first, streamed (an entry without lines comes as one empty row)."""
    line = ((JournalLine.business_id == JournalEntry.business_id) & (JournalLine.entry_id == JournalEntry.id))
    query = (
        select(JournalEntry.id, JournalEntry.entry_date, JournalEntry.source, JournalEntry.memo,
               JournalEntry.reverses_entry_id, JournalLine.account_id, JournalLine.customer_id,
               JournalLine.currency, JournalLine.amount_minor, JournalLine.base_amount_minor,
               Payment.number.label("payment_number"), Document.number.label("document_number"),
               Customer.name.label("customer_name"))
        .outerjoin(JournalLine, line)
        .outerjoin(Payment, (Payment.business_id == JournalLine.business_id) & (Payment.id == JournalLine.payment_id))
        .outerjoin(Document, (Document.business_id == JournalLine.business_id)
                   & (Document.id == JournalLine.document_id))
        .outerjoin(Customer, (Customer.business_id == JournalLine.business_id)
                   & (Customer.id == JournalLine.customer_id))
        .where(JournalEntry.business_id == business_id)
        .order_by(JournalEntry.entry_date, JournalEntry.id, JournalLine.id)
    )
    return session.execute(query.execution_options(stream_results=True, yield_per=CHUNK_ROWS))


def write_beancount(session: Session, *, business_id: int, out: TextIO) -> BeancountCounts:
    """Write the business's whole journal to ``out`` as beancount text; entries are streamed, never all held."""
    business = get_business(session, business_id)
    base = business.base_currency
    names = _ledger_names(session, business_id)
    uses = _uses(session, business_id, names)
    out.write(_header(business))
    out.writelines(use.open_directive(account, base)
                   for account, use in sorted(uses.items(), key=lambda item: (item[1].opened, item[0])))
    out.write("\n")
    transactions = postings = 0
    last_day: date | None = None
    for _, group in itertools.groupby(_journal_rows(session, business_id), key=lambda row: row[0]):
        rows = list(group)
        text, count = _transaction(rows, names, base)
        out.write(text)
        transactions += 1
        postings += count
        last_day = rows[0].entry_date
    if last_day is not None:
        # Balance assertions apply at the start of their day: the day after the last entry takes in everything.
        closing = (last_day + timedelta(days=1)).isoformat()
        out.writelines(f"{closing} balance {account}  {format_minor(use.balance_minor, base)} {base}\n"
                       for account, use in sorted(uses.items()))
    out.flush()
    return BeancountCounts(accounts=len(uses), transactions=transactions, postings=postings)
