"""Default disclaimer wording, shared by the data migration and the demo seed.

Plain string constants only: migrations import this module, so it must never
import models.
"""

from __future__ import annotations

PROFESSIONAL_AUDIENCE_SLUG = "professional"

PROFESSIONAL_DISCLAIMER_NAME = "Professional Medical Disclaimer"
PROFESSIONAL_DISCLAIMER_TEXT = (
    "This summary is written for healthcare professionals as a quick reference. It does not replace "
    "clinical judgement, the full prescribing information, or local protocols. Check doses against the "
    "current product label and adjust them for kidney function, weight and drug interactions in each "
    "patient."
)

GENERAL_DISCLAIMER_NAME = "Before you use this information"
GENERAL_DISCLAIMER_TEXT = (
    "This page explains a treatment in general terms. It cannot tell you what is right for you. Talk "
    "with your doctor, nurse or pharmacist before you start, stop or change any medicine. If you feel "
    "very unwell, get urgent medical help."
)

# (audience slug or None for every other audience, name, Markdown text)
DEFAULT_DISCLAIMERS: tuple[tuple[str | None, str, str], ...] = (
    (PROFESSIONAL_AUDIENCE_SLUG, PROFESSIONAL_DISCLAIMER_NAME, PROFESSIONAL_DISCLAIMER_TEXT),
    (None, GENERAL_DISCLAIMER_NAME, GENERAL_DISCLAIMER_TEXT),
)
