"""National self-assessment, action plan and implementation report (issue 17, items 1-3):
the framework of working areas, indicators and criteria levels as versioned reference data
(:mod:`.framework`), the self-assessment document (:mod:`.assessment`), actions
(:mod:`.actions`), the implementation report (:mod:`.report`) and who may do what
(:mod:`.access`). See ``docs/self-assessment.md``."""
