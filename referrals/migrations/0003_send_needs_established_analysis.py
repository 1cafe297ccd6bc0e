from django.db import migrations

TRIGGER = """
CREATE OR REPLACE FUNCTION referrals_send_needs_established_analysis() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Sending (draft -> sent) a referral for a specialist product needs the case's current
    -- analysis to be established by the sent date. Imported legacy data that was sent without
    -- one is inserted as it was, and flagged by REFERRAL_WITHOUT_ANALYSIS.
    IF OLD.status = 'draft' AND NEW.status = 'sent'
       AND EXISTS (SELECT 1 FROM referrals_product p WHERE p.id = NEW.product_id AND p.specialist)
       AND NOT EXISTS (
           SELECT 1 FROM analyses_analysis a
           WHERE a.case_id = NEW.case_id AND a.is_current AND a.status = 'established'
             AND a.established_on <= NEW.sent_on)
    THEN
        RAISE EXCEPTION 'a specialist referral is sent only with an established analysis'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'referral_send_needs_established_analysis';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER referral_send_needs_established_analysis
BEFORE UPDATE OF status ON referrals_referral
FOR EACH ROW EXECUTE FUNCTION referrals_send_needs_established_analysis();
"""

REVERSE = """
DROP TRIGGER IF EXISTS referral_send_needs_established_analysis ON referrals_referral;
DROP FUNCTION IF EXISTS referrals_send_needs_established_analysis();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0002_referral_alternative_product_and_more"),
        ("analyses", "0001_initial"),
    ]

    operations = [migrations.RunSQL(TRIGGER, REVERSE)]
