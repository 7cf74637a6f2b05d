"""Rules by concern. Importing a module registers its rules (``policies.base.RULES``); ``policies.registry``
imports all of them in a fixed order so policy order is stable in the pack, the reports and the docs."""
