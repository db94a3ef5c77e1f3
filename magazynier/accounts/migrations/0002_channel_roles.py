from django.db import migrations


def sync(apps, schema_editor):
    from magazynier.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """The owner manages sales channels (Allegro accounts, offers) and their alerts."""

    dependencies = [
        ("accounts", "0001_roles"),
        ("channels", "0002_offerrun"),
        ("notifications", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
