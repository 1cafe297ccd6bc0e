"""Every region gets its expert table; escalations and sessions move to it (issue 19)."""

import secrets

from django.db import migrations

FILL = """
UPDATE escalations_escalation e SET table_id = t.id
FROM casusregie_case c
JOIN casusregie_family fa ON fa.id = c.family_id
JOIN casusregie_municipality m ON m.id = fa.municipality_id
JOIN escalations_table t ON t.region_id = m.region_id AND t.kind = 'expert_table'
WHERE c.id = e.case_id AND e.table_id IS NULL;
UPDATE escalations_tablesession s SET table_id = t.id
FROM escalations_table t
WHERE t.region_id = s.region_id AND t.kind = 'expert_table' AND s.table_id IS NULL;
"""


def expert_tables(apps, schema_editor):
    Region = apps.get_model("casusregie", "Region")
    Table = apps.get_model("escalations", "Table")
    have = set(Table.objects.filter(kind="expert_table").values_list("region_id", flat=True))
    Table.objects.bulk_create(
        Table(
            ref=f"t-{secrets.token_hex(6)}",
            region_id=pk,
            kind="expert_table",
            name="Regionale Experttafel",
            callers=["regisseur"],
        )
        for pk in Region.objects.exclude(pk__in=have).values_list("pk", flat=True)
    )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FILL)


class Migration(migrations.Migration):
    dependencies = [("escalations", "0006_tables")]

    operations = [migrations.RunPython(expert_tables, migrations.RunPython.noop)]
