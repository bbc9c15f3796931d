"""Services: one unit of work per user action; they take a unit-of-work factory, return DTOs."""
