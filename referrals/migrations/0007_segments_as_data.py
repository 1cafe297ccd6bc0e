"""Segments become a region's own records, and products carry the marks the rulebook reads.

Existing products keep their segment: one Segment per code in use, in the first region (a
region is made when there is none), named after its code; the marks follow DOSSIER.md's
mapping of version 1 (out of home for verblijf, pleegzorg and crisis; crisis for crisis).
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

OUT_OF_HOME = {"verblijf", "pleegzorg", "crisis"}


def segments_from_codes(apps, schema_editor):
    Product = apps.get_model("referrals", "Product")
    Segment = apps.get_model("referrals", "Segment")
    Region = apps.get_model("casusregie", "Region")
    codes = sorted(set(Product.objects.values_list("segment_code", flat=True)))
    if not codes:
        return
    region = Region.objects.order_by("pk").first() or Region.objects.create(
        code="regio", name="Regio"
    )
    for code in codes:
        segment, _ = Segment.objects.get_or_create(
            region=region, code=code, defaults={"name": code.replace("_", " ").capitalize()}
        )
        Product.objects.filter(segment_code=code).update(
            segment=segment, out_of_home=code in OUT_OF_HOME, crisis=code == "crisis"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("casusregie", "0010_sweep_request"),
        ("referrals", "0006_provider_cursor_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="Segment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        max_length=64,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[a-z][a-z0-9_]*$",
                                "Kleine letters, cijfers en _, beginnend met een letter.",
                            )
                        ],
                        verbose_name="code",
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="naam")),
                (
                    "region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="segments",
                        to="casusregie.region",
                        verbose_name="jeugdregio",
                    ),
                ),
            ],
            options={
                "verbose_name": "segment",
                "verbose_name_plural": "segmenten",
                "ordering": ["region", "name"],
                "constraints": [
                    models.UniqueConstraint(fields=("region", "code"), name="segment_code_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("code__regex", "^[a-z][a-z0-9_]*$")),
                        name="segment_code_format",
                    ),
                ],
            },
        ),
        migrations.RemoveConstraint(model_name="product", name="product_segment_known"),
        migrations.RenameField(model_name="product", old_name="segment", new_name="segment_code"),
        migrations.AddField(
            model_name="product",
            name="segment",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="products",
                to="referrals.segment",
                verbose_name="segment",
            ),
        ),
        migrations.AddField(
            model_name="product",
            name="out_of_home",
            field=models.BooleanField(
                default=False,
                help_text="Plaatst de jeugdige buiten het gezin: verblijf, pleegzorg, "
                "gezinshuis, crisisopvang.",
                verbose_name="buiten huis",
            ),
        ),
        migrations.AddField(
            model_name="product",
            name="crisis",
            field=models.BooleanField(
                default=False,
                help_text="Mag worden verzonden en gestart vóór de verklarende analyse is "
                "vastgesteld.",
                verbose_name="crisiszorg",
            ),
        ),
        migrations.RunPython(segments_from_codes, migrations.RunPython.noop),
        migrations.RemoveField(model_name="product", name="segment_code"),
        migrations.AlterField(
            model_name="product",
            name="segment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="products",
                to="referrals.segment",
                verbose_name="segment",
            ),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["segment"], name="product_segment_idx"),
        ),
    ]
