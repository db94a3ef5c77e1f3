"""`magazynier demo`: the whole product on the embedded default, with the built-in emulators as Allegro and the
seller's shop. Nothing here is used by the product itself; it only drives the product's own code paths (the
import, the device flow, category mapping, publishing, the shop connection, the sync settings) the way a seller
would, and plays the buyers and the bad moments (outages, throttling, a faulty import)."""
