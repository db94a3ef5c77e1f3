class StockError(Exception):
    """A stock change that cannot be applied; nothing of the batch was written."""


class NegativeStockError(StockError):
    def __init__(self, sku: str, warehouse: str, on_hand: int, delta: int):
        self.sku, self.warehouse, self.on_hand, self.delta = sku, warehouse, on_hand, delta
        super().__init__(
            f"{sku} in warehouse {warehouse}: {on_hand} on hand, a change of {delta:+d} would make it negative"
        )
