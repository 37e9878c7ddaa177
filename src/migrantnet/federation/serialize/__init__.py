"""Pure functions from our models to ActivityStreams JSON: `x_to_ap(model, context) -> dict`."""
