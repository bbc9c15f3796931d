"""Pure logic (aggregation, chart geometry, rules, version vectors): no Qt, no database."""
