"""attachments: files kept with a payment (bytes on disk by SHA-256, one row per attachment)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 07:01:09.280477
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attachments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('business_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_attachments_size_positive')),
    sa.ForeignKeyConstraint(['business_id', 'payment_id'], ['payments.business_id', 'payments.id'], name=op.f('fk_attachments_business_id_payment_id_payments')),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_attachments_business_id_businesses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index('ix_attachments_sha256', ['sha256'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_attachments_sha256')
        batch_op.drop_index(batch_op.f('ix_attachments_payment_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_business_id'))

    op.drop_table('attachments')
