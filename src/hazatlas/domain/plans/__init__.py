"""Joint contingency plans (issue 16 item 1): the plan and its sections (:mod:`.model`), its
life from draft to adoption and review (:mod:`.lifecycle`), who may read and write which part
(:mod:`.access`), the completeness check against the element list (:mod:`.completeness`) and the
difference between two versions (:mod:`.diff`). Pure: the standard library and the domain."""
