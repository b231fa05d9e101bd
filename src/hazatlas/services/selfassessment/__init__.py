"""Self-assessment (:mod:`.assessments`), action plan (:mod:`.actions`) and implementation
report (:mod:`.reports`) of a country, with the figures pre-filled from the system
(:mod:`.prefill`; the exercise figures through :mod:`.providers`). ``docs/self-assessment.md``."""
