"""Alembic environment: shared by every system (see toolkit/alembic_env.py)."""
from alembic import context

from toolkit.alembic_env import run

run(context)
