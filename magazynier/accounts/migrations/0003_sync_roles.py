from django.db import migrations


def sync(apps, schema_editor):
    from magazynier.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """The owner sees and steers the sync engine (held plans, settings); the warehouse sees its state."""

    dependencies = [
        ("accounts", "0002_channel_roles"),
        ("sync", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
