"""improvement: official ITA results per office and fiscal year, offices' improvement measures, suggestion themes

Revision ID: i13
Revises: i09
Create Date: 2026-11-30 01:24:42.750237
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'i13'
down_revision: str | None = 'i09'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('improvement_measure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=2), nullable=False),
    sa.Column('item', sa.String(length=10), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'done', 'dropped')", name=op.f('ck_improvement_measure_status_valid')),
    sa.CheckConstraint('length(action) BETWEEN 1 AND 1000', name=op.f('ck_improvement_measure_action_length')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_improvement_measure_cycle_id_cycle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_improvement_measure_office_code_office')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_measure'))
    )
    with op.batch_alter_table('improvement_measure', schema=None) as batch_op:
        batch_op.create_index('ix_improvement_measure_cycle_office', ['cycle_id', 'office_code'], unique=False)

    op.create_table('official_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=2), nullable=False),
    sa.Column('eit', sa.Float(), nullable=False),
    sa.Column('iit', sa.Float(), nullable=True),
    sa.Column('oit', sa.Float(), nullable=True),
    sa.Column('total', sa.Float(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('eit >= 0 AND eit <= 100', name=op.f('ck_official_result_eit_range')),
    sa.CheckConstraint('fiscal_year BETWEEN 2500 AND 2700', name=op.f('ck_official_result_fiscal_year_buddhist')),
    sa.CheckConstraint('iit IS NULL OR (iit >= 0 AND iit <= 100)', name=op.f('ck_official_result_iit_range')),
    sa.CheckConstraint('oit IS NULL OR (oit >= 0 AND oit <= 100)', name=op.f('ck_official_result_oit_range')),
    sa.CheckConstraint('total IS NULL OR (total >= 0 AND total <= 100)', name=op.f('ck_official_result_total_range')),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_official_result_office_code_office')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_official_result')),
    sa.UniqueConstraint('fiscal_year', 'office_code', name=op.f('uq_official_result_fiscal_year_office_code'))
    )
    op.create_table('suggestion_theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('keywords', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('length(keywords) BETWEEN 1 AND 1000', name=op.f('ck_suggestion_theme_keywords_length')),
    sa.CheckConstraint('length(name) BETWEEN 1 AND 100', name=op.f('ck_suggestion_theme_name_length')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_theme')),
    sa.UniqueConstraint('name', name=op.f('uq_suggestion_theme_name'))
    )


def downgrade() -> None:
    op.drop_table('suggestion_theme')
    op.drop_table('official_result')
    with op.batch_alter_table('improvement_measure', schema=None) as batch_op:
        batch_op.drop_index('ix_improvement_measure_cycle_office')

    op.drop_table('improvement_measure')
