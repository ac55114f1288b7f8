"""The plugins shipped with Amphi. Each is registered like a third-party plugin (entry points)."""
