# The re-judgement request moves from the rulebook (flags) to the core, so that the apps below
# the rulebook can ask for a re-judgement without importing it (casusregie.rejudge). The table
# is renamed, its rows (pending requests) kept.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casusregie", "0009_access_log_chains"),
        ("flags", "0003_sweep_request"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "ALTER TABLE flags_sweeprequest RENAME TO casusregie_sweeprequest",
                        "ALTER TABLE casusregie_sweeprequest"
                        " RENAME CONSTRAINT flags_sweeprequest_pkey TO casusregie_sweeprequest_pkey",
                    ],
                    reverse_sql=[
                        "ALTER TABLE casusregie_sweeprequest"
                        " RENAME CONSTRAINT casusregie_sweeprequest_pkey TO flags_sweeprequest_pkey",
                        "ALTER TABLE casusregie_sweeprequest RENAME TO flags_sweeprequest",
                    ],
                ),
            ],
            state_operations=[
                migrations.CreateModel(
                    name="SweepRequest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("case_id", models.BigIntegerField(verbose_name="casus")),
                        (
                            "requested_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="gevraagd op"),
                        ),
                    ],
                    options={
                        "verbose_name": "verzoek om herbeoordeling",
                        "verbose_name_plural": "verzoeken om herbeoordeling",
                    },
                ),
            ],
        ),
    ]
