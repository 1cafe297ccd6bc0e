from django.db import migrations

BIRTHDAY_SQL = """
CREATE OR REPLACE FUNCTION flags_birthday(birth date, years int) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    -- The day a person turns `years` old: born on 29 February, that is 1 March in a
    -- non-leap year (RULES.md), where PostgreSQL's date + interval would give 28 February.
    SELECT CASE
        WHEN extract(month FROM birth) = 2 AND extract(day FROM birth) = 29
             AND NOT ((extract(year FROM birth)::int + years) % 4 = 0
                      AND ((extract(year FROM birth)::int + years) % 100 <> 0
                           OR (extract(year FROM birth)::int + years) % 400 = 0))
        THEN make_date(extract(year FROM birth)::int + years, 3, 1)
        ELSE (birth + make_interval(years => years))::date
    END
$$;
"""


def fill_calendar(apps, schema_editor):
    from casusregie.working_days import calendar_rows

    CalendarDay = apps.get_model("flags", "CalendarDay")
    CalendarDay.objects.bulk_create(
        [CalendarDay(day=d, is_working_day=w, ordinal=o) for d, w, o in calendar_rows()],
        batch_size=5000,
    )


def empty_calendar(apps, schema_editor):
    apps.get_model("flags", "CalendarDay").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("flags", "0001_initial")]

    operations = [
        migrations.RunSQL(BIRTHDAY_SQL, "DROP FUNCTION IF EXISTS flags_birthday(date, int)"),
        migrations.RunPython(fill_calendar, empty_calendar),
    ]
