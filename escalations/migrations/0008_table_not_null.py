import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("escalations", "0007_every_region_its_expert_table")]

    operations = [
        migrations.AlterField(
            model_name="escalation",
            name="table",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="escalations",
                to="escalations.table",
                verbose_name="tafel",
            ),
        ),
        migrations.AlterField(
            model_name="tablesession",
            name="table",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sessions",
                to="escalations.table",
                verbose_name="tafel",
            ),
        ),
    ]
