"""Idempotency records keep no answer bodies (youth, analysis): only the status, the referral
they were about and, for a refused request, its problem document. A repeat is answered with the
referral as it is now (consent as it is now). Existing bodies are reduced to that, then the
column is dropped."""

from django.db import migrations, models


def reduce_bodies(apps, schema_editor) -> None:
    record = apps.get_model("referrals", "IdempotencyRecord")
    for each in record.objects.all().iterator():
        body = each.body if isinstance(each.body, dict) else {}
        if each.status_code >= 400:
            each.problem = body
        else:
            each.referral_ref = str(body.get("ref", ""))[:64]
        each.save(update_fields=["problem", "referral_ref"])


class Migration(migrations.Migration):
    dependencies = [("referrals", "0009_referral_referrer")]

    operations = [
        migrations.AddField(
            model_name="idempotencyrecord",
            name="problem",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="referral_ref",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(reduce_bodies, migrations.RunPython.noop),
        migrations.RemoveField(model_name="idempotencyrecord", name="body"),
        migrations.AddIndex(
            model_name="idempotencyrecord",
            index=models.Index(fields=["created_at"], name="idempotency_created_idx"),
        ),
    ]
