"""The memory-only backend: what unsaved play needs, forgotten on restart."""
