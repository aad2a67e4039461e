from django.db import migrations

# A published snapshot and a frozen PAR result are evidence: the database itself refuses to change
# them, whatever code path tries.
FORWARD = """
CREATE OR REPLACE FUNCTION analytics_publication_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'published' THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'publication % is published and cannot be deleted', OLD.id USING ERRCODE = 'P0001';
        END IF;
        IF NEW.snapshot IS DISTINCT FROM OLD.snapshot OR NEW.pdf IS DISTINCT FROM OLD.pdf
           OR NEW.period_start IS DISTINCT FROM OLD.period_start OR NEW.period_end IS DISTINCT FROM OLD.period_end
           OR NEW.cutoff_at IS DISTINCT FROM OLD.cutoff_at OR NEW.status IS DISTINCT FROM OLD.status
           OR NEW.unit_id IS DISTINCT FROM OLD.unit_id THEN
            RAISE EXCEPTION 'publication % is published and immutable', OLD.id USING ERRCODE = 'P0001';
        END IF;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER analytics_publication_immutable BEFORE UPDATE OR DELETE ON analytics_publication
    FOR EACH ROW EXECUTE FUNCTION analytics_publication_immutable();

CREATE OR REPLACE FUNCTION analytics_par_frozen_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.frozen THEN
        RAISE EXCEPTION 'frozen PAR contribution % is immutable', OLD.id USING ERRCODE = 'P0001';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER analytics_par_frozen_immutable BEFORE UPDATE OR DELETE ON analytics_parcontribution
    FOR EACH ROW EXECUTE FUNCTION analytics_par_frozen_immutable();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS analytics_publication_immutable ON analytics_publication;
DROP FUNCTION IF EXISTS analytics_publication_immutable();
DROP TRIGGER IF EXISTS analytics_par_frozen_immutable ON analytics_parcontribution;
DROP FUNCTION IF EXISTS analytics_par_frozen_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_par_and_publications")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
