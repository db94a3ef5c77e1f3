from django.db import migrations


def sync(apps, schema_editor):
    from magazynier.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Alert recipients and deliveries (notifications 0002) came after the last roles migration: the owner,
    who has every notifications permission, now really gets the ones of those models too (the panel's
    notifications page needs notifications.view_recipient and notifications.change_recipient)."""

    dependencies = [
        ("accounts", "0004_order_roles"),
        ("notifications", "0002_delivery"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
