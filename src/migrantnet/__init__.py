"""migrantnet: a federated ActivityPub server for migrant organisations."""

__version__ = "0.1.0"
