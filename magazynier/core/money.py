"""Money is Decimal with two places, never float: every amount column is a MoneyField."""

from django.db import models


class MoneyField(models.DecimalField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        path = "magazynier.core.money.MoneyField"
        return name, path, args, kwargs
