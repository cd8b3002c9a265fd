"""`fix`: rewrite deprecated calls for a target and move the resources into the run config."""
