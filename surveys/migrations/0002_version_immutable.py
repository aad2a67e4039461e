from django.db import migrations

# The database itself refuses to change a published version, whatever code path tries:
# figures already computed point to it, so its questions must stay as they were answered.
FORWARD = """
CREATE OR REPLACE FUNCTION surveys_version_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.published_at IS NOT NULL AND (
        NEW.definition IS DISTINCT FROM OLD.definition
        OR NEW.number IS DISTINCT FROM OLD.number
        OR NEW.questionnaire_id IS DISTINCT FROM OLD.questionnaire_id
        OR NEW.published_at IS DISTINCT FROM OLD.published_at
    ) THEN
        RAISE EXCEPTION 'published questionnaire version % is immutable', OLD.id USING ERRCODE = 'P0001';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER surveys_version_immutable BEFORE UPDATE ON surveys_questionnaireversion
    FOR EACH ROW EXECUTE FUNCTION surveys_version_immutable();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS surveys_version_immutable ON surveys_questionnaireversion;
DROP FUNCTION IF EXISTS surveys_version_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
