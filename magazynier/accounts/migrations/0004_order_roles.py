from django.db import migrations


def sync(apps, schema_editor):
    from magazynier.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Orders: the owner and the warehouse see and handle them (status, tracking numbers, matching lines, the
    buyer's contact data); the accountant sees them read only (of the buyer's data, the invoice details)."""

    dependencies = [
        ("accounts", "0003_sync_roles"),
        ("orders", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
