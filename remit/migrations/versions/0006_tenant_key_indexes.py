"""drop single-column indexes that a wider index already leads with

Every table with a tenant key has a unique index on (business_id, id), and payments have
(customer_id, payment_date, id) since 0005. The indexes on business_id and on payments.customer_id alone
served no lookup those do not, cost every insert an index update, and on PostgreSQL misled the planner
of foreign-key checks on a freshly filled table: it picked the business_id index and walked every row of
the business for each check, so a first import of 10,000 payments took 110 s instead of a few.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 07:00:00
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TENANT_KEYED = ('locations', 'payment_methods', 'deposit_accounts', 'customers', 'webhook_endpoints', 'deliveries',
                'accounts', 'journal_entries', 'payments', 'refunds', 'documents')


def upgrade() -> None:
    op.drop_index('ix_payments_customer_id', table_name='payments')
    for table in TENANT_KEYED:
        op.drop_index(f'ix_{table}_business_id', table_name=table)


def downgrade() -> None:
    for table in TENANT_KEYED:
        op.create_index(f'ix_{table}_business_id', table, ['business_id'])
    op.create_index('ix_payments_customer_id', 'payments', ['customer_id'])
