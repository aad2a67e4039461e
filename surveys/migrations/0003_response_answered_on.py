from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_version_immutable")]

    operations = [
        migrations.AddField(model_name="response", name="answered_on", field=models.DateField(null=True)),
        migrations.RunSQL(
            "UPDATE surveys_response SET answered_on = (submitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(model_name="response", name="answered_on", field=models.DateField(db_index=True)),
    ]
