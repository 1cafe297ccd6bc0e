# SweepRequest now belongs to the core (casusregie/0010 renamed its table): only the state goes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("flags", "0003_sweep_request"),
        ("casusregie", "0010_sweep_request"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="SweepRequest")],
        ),
    ]
