"""outbox deliveries: webhook endpoints, one delivery row per webhook, email or SMS, and events' dispatch mark

Events written before this revision count as dispatched: nothing was promised for them, and a
notification asked for long ago must not go out now.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 20:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dispatched_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE events SET dispatched_at = created_at")
    op.create_index('ix_events_undispatched', 'events', ['id'], postgresql_where=sa.text('dispatched_at IS NULL'),
                    sqlite_where=sa.text('dispatched_at IS NULL'))

    op.create_table('webhook_endpoints',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('business_id', ID, nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_webhook_endpoints_business_id_businesses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints')),
    sa.UniqueConstraint('business_id', 'id', name=op.f('uq_webhook_endpoints_business_id_id'))
    )
    op.create_index(op.f('ix_webhook_endpoints_business_id'), 'webhook_endpoints', ['business_id'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('business_id', ID, nullable=False),
    sa.Column('event_id', ID, nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('endpoint_id', ID, nullable=True),
    sa.Column('recipient', sa.String(length=2000), nullable=False),
    sa.Column('recipient_name', sa.String(length=200), nullable=True),
    sa.Column('message', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('leased_until', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name=op.f('ck_deliveries_status_known')),
    sa.CheckConstraint("channel IN ('webhook', 'email', 'sms')", name=op.f('ck_deliveries_channel_known')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_deliveries_attempts_not_negative')),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_deliveries_business_id_businesses')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_deliveries_event_id_events')),
    sa.ForeignKeyConstraint(['business_id', 'endpoint_id'], ['webhook_endpoints.business_id', 'webhook_endpoints.id'],
                            name=op.f('fk_deliveries_business_id_endpoint_id_webhook_endpoints')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('business_id', 'id', name=op.f('uq_deliveries_business_id_id'))
    )
    op.create_index(op.f('ix_deliveries_business_id'), 'deliveries', ['business_id'], unique=False)
    op.create_index('ix_deliveries_event', 'deliveries', ['business_id', 'event_id'], unique=False)
    op.create_index('ix_deliveries_due', 'deliveries', ['next_attempt_at'], postgresql_where=sa.text("status = 'queued'"),
                    sqlite_where=sa.text("status = 'queued'"))


def downgrade() -> None:
    op.drop_table('deliveries')
    op.drop_table('webhook_endpoints')
    op.drop_index('ix_events_undispatched', table_name='events')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('dispatched_at')
