"""The server run config: entries that replace deprecated calls, and merging them into a config file."""
