"""Demo content: two CMV treatment articles, written in the project's own words.

`seed` creates them through `articles.services.article_create`, so each one is
a normal draft with one revision, authored by the demo user "author". It only
creates what is missing: running it again changes nothing, so the review and
board and publishing parts of the demo that follow can move the articles on without being undone.

The text is kept here as module constants so it reads as plain Markdown. Facts
(drugs, doses, durations, monitoring, adverse effects, success rates) follow
the cited sources; the wording is our own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TextIO

from django.contrib.auth.models import AbstractBaseUser

from articles.models import Article, Audience, GlossaryTerm
from articles.services import VariantInput, article_create, article_update, glossary_term_save

# --------------------------------------------------------------------------
# Shared references (each article lists only the ones it cites)
# --------------------------------------------------------------------------

VALCYTE_LABEL = {
    "key": "valcyte-label",
    "kind": "fda_label",
    "title": "VALCYTE (valganciclovir) tablets and oral solution: full prescribing information",
    "authors": "",
    "source": "Genentech, Inc.; U.S. Food and Drug Administration",
    "year": None,
    # The demo's label is the project's sample SPL (demo/labels.py imports it): its Set ID, not the real one.
    "spl_set_id": "5a0b6c3d-4e8f-4a5b-9c7d-6b9c0d1e2f34",
    "spl_version": 1,
}
KOTTON2018 = {
    "key": "kotton2018",
    "kind": "guideline",
    "title": (
        "The Third International Consensus Guidelines on the Management of Cytomegalovirus "
        "in Solid-organ Transplantation"
    ),
    "authors": "Kotton CN, Kumar D, Caliendo AM, et al.",
    "source": "Transplantation",
    "year": 2018,
    "pmid": "29596116",
    "doi": "10.1097/TP.0000000000002191",
}
RAZONABLE2019 = {
    "key": "razonable2019",
    "kind": "guideline",
    "title": (
        "Cytomegalovirus in solid organ transplant recipients: guidelines of the American Society "
        "of Transplantation Infectious Diseases Community of Practice"
    ),
    "authors": "Razonable RR, Humar A",
    "source": "Clinical Transplantation",
    "year": 2019,
    "doi": "10.1111/ctr.13512",
}
HIV_OI = {
    "key": "hiv-oi",
    "kind": "guideline",
    "title": (
        "Guidelines for the Prevention and Treatment of Opportunistic Infections in Adults and Adolescents with HIV"
    ),
    "authors": "Panel on Opportunistic Infections in Adults and Adolescents with HIV",
    "source": (
        "National Institutes of Health; Centers for Disease Control and Prevention; "
        "HIV Medicine Association of the Infectious Diseases Society of America"
    ),
    "year": None,
}
LJUNGMAN2019 = {
    "key": "ljungman2019",
    "kind": "guideline",
    "title": (
        "Guidelines for the management of cytomegalovirus infection in patients with haematological "
        "malignancies and after stem cell transplantation from the 2017 European Conference on "
        "Infections in Leukaemia (ECIL 7)"
    ),
    "authors": "Ljungman P, de la Camara R, Robin C, et al.",
    "source": "The Lancet Infectious Diseases",
    "year": 2019,
}
LJUNGMAN2017 = {
    "key": "ljungman2017",
    "kind": "other",
    "title": "Definitions of cytomegalovirus infection and disease in transplant patients for use in clinical trials",
    "authors": "Ljungman P, Boeckh M, Hirsch HH, et al.",
    "source": "Clinical Infectious Diseases",
    "year": 2017,
}
MARTIN2002 = {
    "key": "martin2002",
    "kind": "research",
    "title": "A controlled trial of valganciclovir as induction therapy for cytomegalovirus retinitis",
    "authors": "Martin DF, Sierra-Madero J, Walmsley S, et al.",
    "source": "The New England Journal of Medicine",
    "year": 2002,
    "pmid": "11948268",
}
ASBERG2007 = {
    "key": "asberg2007",
    "kind": "research",
    "title": (
        "Oral valganciclovir is noninferior to intravenous ganciclovir for the treatment of "
        "cytomegalovirus disease in solid organ transplant recipients"
    ),
    "authors": "Åsberg A, Humar A, Rollag H, et al.",
    "source": "American Journal of Transplantation",
    "year": 2007,
}
LEN2008 = {
    "key": "len2008",
    "kind": "research",
    "title": "Valganciclovir as treatment for cytomegalovirus disease in solid organ transplant recipients",
    "authors": "Len O, Gavaldà J, Aguado JM, et al.",
    "source": "Clinical Infectious Diseases",
    "year": 2008,
}
SOCA1996 = {
    "key": "soca1996",
    "kind": "research",
    "title": (
        "Combination foscarnet and ganciclovir therapy vs monotherapy for the treatment of relapsed "
        "cytomegalovirus retinitis in patients with AIDS: the Cytomegalovirus Retreatment Trial"
    ),
    "authors": "Studies of Ocular Complications of AIDS Research Group; AIDS Clinical Trials Group",
    "source": "Archives of Ophthalmology",
    "year": 1996,
}
LALEZARI1997 = {
    "key": "lalezari1997",
    "kind": "research",
    "title": (
        "Intravenous cidofovir for peripheral cytomegalovirus retinitis in patients with AIDS: "
        "a randomized, controlled trial"
    ),
    "authors": "Lalezari JP, Stagg RJ, Kuppermann BD, et al.",
    "source": "Annals of Internal Medicine",
    "year": 1997,
}
MARTY2017 = {
    "key": "marty2017",
    "kind": "research",
    "title": "Letermovir prophylaxis for cytomegalovirus in hematopoietic-cell transplantation",
    "authors": "Marty FM, Ljungman P, Chemaly RF, et al.",
    "source": "The New England Journal of Medicine",
    "year": 2017,
    "doi": "10.1056/NEJMoa1706640",
}
AVERY2022 = {
    "key": "avery2022",
    "kind": "research",
    "title": (
        "Maribavir for refractory cytomegalovirus infections with or without resistance post-transplant: "
        "results from a phase 3 randomized clinical trial"
    ),
    "authors": "Avery RK, Alain S, Alexander BD, et al.",
    "source": "Clinical Infectious Diseases",
    "year": 2022,
}

# --------------------------------------------------------------------------
# Article 1: What is the treatment for cytomegalovirus (CMV) infection?
# --------------------------------------------------------------------------

CMV_SLUG = "cmv-treatment"
CMV_TITLE = "What is the treatment for cytomegalovirus (CMV) infection?"
CMV_CONDITION = "Cytomegalovirus (CMV) infection"
CMV_DRUGS = "ganciclovir, valganciclovir, foscarnet, cidofovir, maribavir, letermovir"

CMV_SUMMARY = """\
CMV disease in people with a weakened immune system is treated with an antiviral: ganciclovir \
through a vein or valganciclovir by mouth, usually for at least two weeks and until the virus \
has cleared from the blood [@kotton2018; @valcyte-label]. Foscarnet, cidofovir and, after a \
transplant, maribavir are kept for infections that resist or do not respond to these drugs \
[@kotton2018; @avery2022].
"""

CMV_BODY = """\
## From the FDA drug label

- Valganciclovir tablets are approved for adults with AIDS who have CMV retinitis, an infection \
of the light-sensing layer at the back of the eye [@valcyte-label].
- They are also approved to prevent CMV disease after a kidney, heart or kidney–pancreas \
transplant when the donor carries CMV and the recipient does not (D+/R−), the group at highest \
risk [@valcyte-label].
- For retinitis, the adult dose on the label is 900 mg twice a day with food for 21 days, then \
900 mg once a day to keep the infection quiet [@valcyte-label].
- The label has a boxed warning: the drug can lower blood counts, and in animal studies it \
harmed fertility and unborn young and caused cancer [@valcyte-label].

## What the research shows

- In a randomised trial of people with AIDS and newly found CMV retinitis, tablets of \
valganciclovir controlled the eye infection as well as ganciclovir given by drip during the \
first weeks of treatment [@martin2002].
- Among organ transplant recipients with mild or moderate CMV disease, oral valganciclovir was \
no worse than intravenous ganciclovir [@asberg2007].
- When retinitis came back after earlier treatment, using ganciclovir and foscarnet together \
held the infection off for longer than either drug on its own, at the cost of a harder \
regimen to live with [@soca1996].
- Intravenous cidofovir slowed the spread of retinitis compared with waiting, but it can damage \
the kidneys [@lalezari1997].
- For transplant recipients whose infection did not clear on standard drugs, maribavir cleared \
the virus from the blood more often than the usual alternatives [@avery2022].

## First-line treatment

- The usual first choice is ganciclovir into a vein or valganciclovir by mouth \
[@kotton2018; @hiv-oi].
- Intravenous ganciclovir is preferred when the illness is severe or life-threatening, the \
viral load is very high, or the gut may not absorb tablets [@kotton2018].
- Oral valganciclovir suits milder disease in people who can take and absorb tablets \
[@kotton2018; @asberg2007].
- Where it is safe, transplant teams lower immunosuppressive medicines so that the body can \
help clear the virus [@kotton2018].
- People with HIV should start, or have adjusted, antiretroviral therapy alongside the CMV \
treatment [@hiv-oi].

## Doses and duration

- Ganciclovir starts at 5 mg/kg into a vein every 12 hours [@kotton2018].
- Valganciclovir starts at 900 mg by mouth twice a day, taken with food \
[@valcyte-label; @martin2002].
- Both doses are lowered when the kidneys work less well [@valcyte-label; @kotton2018].
- Treatment lasts at least two weeks and goes on until symptoms have settled and the viral load \
in the blood is below the laboratory's cut-off on one or two weekly tests [@kotton2018].
- For retinitis, the first three weeks are followed by a lower daily maintenance dose until \
antiretroviral therapy has restored the immune system [@valcyte-label; @hiv-oi].

## Monitoring during treatment

- A blood test for CMV (a viral load by PCR) once a week shows whether the treatment is \
working [@kotton2018].
- A full blood count at least weekly picks up falls in white cells, platelets and red cells \
early [@valcyte-label; @kotton2018].
- Kidney tests guide the dose, and matter even more with foscarnet or cidofovir \
[@kotton2018; @lalezari1997].
- People with retinitis need regular dilated eye examinations by an eye specialist [@hiv-oi].

## Side effects and cautions

- Ganciclovir and valganciclovir commonly lower white cells, platelets and red cells; \
diarrhoea, nausea and fever are also reported [@valcyte-label].
- They should not be used in pregnancy unless the benefit clearly outweighs the risk, and \
effective contraception is advised during and after treatment [@valcyte-label].
- Foscarnet can injure the kidneys and upset calcium, magnesium, potassium and phosphate \
levels [@kotton2018; @soca1996].
- Cidofovir is given with probenecid and fluids to protect the kidneys; it can also lower \
white cells and inflame the eye [@lalezari1997].
- Maribavir often changes how food tastes [@avery2022].

## When treatment does not work

- Resistance is suspected when the viral load stays up or rises after about two weeks of \
properly dosed treatment [@kotton2018].
- A genetic test of the virus looks for changes in the UL97 gene (ganciclovir only) and the \
UL54 gene (which can affect several drugs at once) [@kotton2018].
- Foscarnet is the usual switch when ganciclovir no longer works; cidofovir is a further \
option [@kotton2018].
- After a transplant, maribavir is an option when the infection is refractory, with or without \
proven resistance [@avery2022].
- Letermovir prevents CMV infection after a stem cell transplant; it is not a treatment for \
established disease [@marty2017].
"""

CMV_PATIENT_SUMMARY = """\
CMV is treated with an antiviral medicine. This is a medicine that stops the virus from making \
copies of itself. Most people get ganciclovir through a drip or take valganciclovir pills for \
at least two weeks [@kotton2018; @valcyte-label].
"""

CMV_PATIENT_BODY = """\
## What CMV is

- CMV (cytomegalovirus) is a common virus. Most healthy people who carry it never notice it \
[@kotton2018].
- It can make you sick if your immune system is weak. This can happen after a transplant or \
with advanced HIV [@kotton2018; @hiv-oi].
- It can harm the eyes, lungs, gut or liver [@hiv-oi].

## The medicines

- An antiviral is a medicine that fights a virus. It keeps the virus from copying itself \
[@kotton2018].
- Ganciclovir goes into a vein through a drip. It is often used in hospital \
[@kotton2018].
- Valganciclovir is a pill. Your body turns it into ganciclovir [@valcyte-label].
- A study found the pills worked as well as the drip for an eye infection caused by CMV \
[@martin2002].

## How long treatment lasts

- Treatment lasts at least two weeks. It often lasts longer [@kotton2018].
- Your doctor stops it when you feel better and blood tests no longer find the virus \
[@kotton2018].
- If CMV harmed your eyes, you may take a smaller dose for a while longer. This helps stop \
it from coming back [@valcyte-label; @hiv-oi].
- Take valganciclovir pills with food [@valcyte-label].

## Tests during treatment

- You will have blood tests about once a week [@kotton2018].
- One test measures how much virus is in your blood [@kotton2018].
- Other tests check your blood cells and your kidneys [@valcyte-label].
- If CMV is in your eyes, an eye doctor will check them often [@hiv-oi].

## Side effects

- These medicines can lower your blood cells. This can make infections, bleeding or tiredness \
more likely [@valcyte-label].
- Tell your care team if you get a fever, bruise easily or feel very tired [@valcyte-label].
- Valganciclovir can harm an unborn baby. Use birth control during treatment and for a while \
after [@valcyte-label].
- Some other CMV medicines can hurt the kidneys [@lalezari1997; @soca1996].

## If the medicine does not work

- Sometimes the virus changes so the medicine stops working. This is called resistance \
[@kotton2018].
- A blood test can look for these changes [@kotton2018].
- Your doctor may then switch to another medicine, such as foscarnet or maribavir \
[@kotton2018; @avery2022].
- A medicine called letermovir can stop CMV before it starts after a stem cell transplant \
[@marty2017].
- Another study showed pills also work for transplant patients with mild CMV illness \
[@asberg2007].
"""

CMV_PROFESSIONAL_SUMMARY = """\
For CMV disease in immunocompromised hosts, give ganciclovir 5 mg/kg IV every 12 hours or \
valganciclovir 900 mg PO twice daily (both adjusted to creatinine clearance) for at least two \
weeks and until symptoms resolve and quantitative PCR falls below the assay threshold on one or \
two consecutive weekly samples [@kotton2018; @valcyte-label; @martin2002]. Suspected \
refractory infection calls for UL97/UL54 genotyping and a switch to foscarnet or, after \
transplantation, maribavir [@kotton2018; @avery2022].
"""

CMV_PROFESSIONAL_BODY = """\
## Labelled indications and dosing

- Valganciclovir is labelled for CMV retinitis in adults with AIDS: induction 900 mg twice \
daily for 21 days, maintenance 900 mg once daily, with food [@valcyte-label].
- It is labelled for prophylaxis in high-risk (D+/R−) kidney, heart and kidney–pancreas \
recipients: 900 mg once daily from within 10 days of transplant to day 100, or day 200 after \
kidney transplant [@valcyte-label].
- Boxed warning: haematological toxicity, impairment of fertility, fetal toxicity, \
mutagenesis and carcinogenesis [@valcyte-label].

## Evidence for the regimens

- Oral valganciclovir induction was as effective as IV ganciclovir for newly diagnosed AIDS \
retinitis [@martin2002].
- In solid organ transplant recipients with non-severe disease, valganciclovir 900 mg twice \
daily was non-inferior to IV ganciclovir 5 mg/kg twice daily for viraemia clearance \
[@asberg2007].
- Ganciclovir plus foscarnet delayed progression of relapsed retinitis more than either drug \
alone, with more treatment burden [@soca1996].
- Cidofovir 5 mg/kg weekly for two doses, then every other week, with probenecid and IV saline, \
delayed progression of peripheral retinitis [@lalezari1997].
- Maribavir 400 mg twice daily for 8 weeks achieved viraemia clearance at week 8 in about 56% \
of refractory post-transplant infections, against about 24% with investigator-assigned \
therapy [@avery2022].

## Treatment

- First line: IV ganciclovir for severe, tissue-invasive or high-load disease, or doubtful \
enteral absorption; valganciclovir for mild to moderate disease with reliable absorption \
[@kotton2018].
- Reduce immunosuppression where feasible [@kotton2018].
- In HIV, start or optimise ART; for immediately sight-threatening retinitis, add intravitreal \
ganciclovir to systemic therapy [@hiv-oi].
- Duration: minimum two weeks, until clinical resolution and virological clearance below \
threshold on one or two consecutive weekly samples [@kotton2018].
- Retinitis maintenance can stop once CD4 counts stay above 100 cells/µL for 3–6 months on ART \
with inactive lesions [@hiv-oi].

## Renal adjustment

- Valganciclovir induction by creatinine clearance: ≥60 mL/min 900 mg twice daily; 40–59 \
450 mg twice daily; 25–39 450 mg once daily; 10–24 450 mg every 2 days; below 10 or on \
haemodialysis, follow the label [@valcyte-label].
- Ganciclovir is reduced in the same creatinine-clearance bands [@kotton2018].
- Foscarnet and cidofovir need dose adjustment, pre-hydration and close renal monitoring \
[@kotton2018; @lalezari1997].

## Monitoring

- Quantitative CMV PCR weekly, on the same assay, reported in IU/mL [@kotton2018].
- CBC at least weekly; consider dose reduction or G-CSF for neutropenia rather than stopping \
early [@kotton2018; @valcyte-label].
- Creatinine weekly (more often with foscarnet), plus calcium, magnesium, potassium and \
phosphate on foscarnet [@kotton2018].
- Dilated fundoscopy for retinitis at baseline, after induction and monthly during therapy \
[@hiv-oi].

## Resistance and refractory infection

- Suspect refractory infection when viral load fails to fall by more than 1 log10 after at \
least two weeks of adequately dosed therapy [@kotton2018].
- Genotype UL97 (kinase; e.g. M460V/I, H520Q, A594V, L595S, C603W confer ganciclovir \
resistance) and UL54 (polymerase; may cross-resist to foscarnet and cidofovir) [@kotton2018].
- Switch to foscarnet 90 mg/kg IV every 12 hours (renally adjusted) for UL97 resistance \
[@kotton2018].
- Maribavir is an option for refractory or resistant infection after transplantation; it \
commonly causes dysgeusia [@avery2022].
- Letermovir is prophylaxis (480 mg daily, 240 mg with ciclosporin, to day 100 after HCT), \
not treatment [@marty2017].
"""

CMV_REFERENCES = [
    VALCYTE_LABEL,
    KOTTON2018,
    HIV_OI,
    MARTIN2002,
    ASBERG2007,
    SOCA1996,
    LALEZARI1997,
    AVERY2022,
    MARTY2017,
]

# --------------------------------------------------------------------------
# Article 2: What is the treatment for disseminated CMV infection?
# --------------------------------------------------------------------------

DCMV_SLUG = "disseminated-cmv-treatment"
DCMV_TITLE = "What is the treatment for disseminated cytomegalovirus (CMV) infection?"
DCMV_CONDITION = "Disseminated cytomegalovirus (CMV) infection"
DCMV_DRUGS = "ganciclovir, valganciclovir, foscarnet, cidofovir, maribavir"

DCMV_SUMMARY = """\
Disseminated CMV is treated first with intravenous ganciclovir, 5 mg/kg every 12 hours, \
changing to oral valganciclovir 900 mg twice a day once the person is improving and can absorb \
tablets [@kotton2018; @razonable2019]. Treatment lasts at least two to three weeks and continues \
until the virus can no longer be found in the blood [@kotton2018].
"""

DCMV_BODY = """\
## What disseminated CMV means

- CMV disease means symptoms together with signs of the virus in an organ, such as pneumonitis, \
colitis, oesophagitis, hepatitis, retinitis or encephalitis [@ljungman2017].
- It is called disseminated when the virus has spread through the blood to several organs or \
causes a severe illness of the whole body [@ljungman2017; @kotton2018].
- It mainly affects transplant recipients and people with advanced HIV [@kotton2018; @hiv-oi].

## First-line treatment

- Start antiviral treatment without delay; intravenous ganciclovir is the drug of choice for \
severe or multi-organ disease [@kotton2018; @razonable2019].
- Once symptoms improve, the viral load is falling and the gut works, the course can be \
finished with oral valganciclovir [@kotton2018; @asberg2007].
- Lower the immunosuppressive medicines when it is safe to do so [@kotton2018; @razonable2019].
- People with HIV should start or optimise antiretroviral therapy; with CMV of the brain or \
eyes, the timing is judged case by case because of the risk of an inflammatory flare \
[@hiv-oi].
- For CMV of the brain or spinal cord, some experts start with ganciclovir and foscarnet \
together [@hiv-oi].

## Doses and duration

- Ganciclovir: 5 mg/kg into a vein every 12 hours, adjusted to kidney function \
[@kotton2018; @razonable2019].
- Valganciclovir: 900 mg by mouth twice a day with food, also adjusted to kidney function \
[@valcyte-label; @kotton2018].
- Give at least two weeks of treatment and stop only when symptoms have gone and one or two \
weekly viral loads are below the laboratory's cut-off [@kotton2018].
- Some centres follow treatment with a period of once-daily valganciclovir to prevent relapse; \
the guidelines leave this to the individual case [@kotton2018; @razonable2019].
- After a stem cell transplant, immune globulin is sometimes added for CMV pneumonia, though \
the evidence for it is weak [@ljungman2019].

## Other drugs

- Foscarnet is the main alternative when the virus resists ganciclovir or when low blood counts \
rule ganciclovir out [@kotton2018; @ljungman2019].
- Cidofovir is a third choice because of its high risk of kidney damage [@kotton2018].
- After a transplant, maribavir can treat infection that has not cleared on the standard drugs \
[@avery2022].
- The maribavir trial did not include people with CMV disease of the brain or eyes, so it is \
not a choice for those sites [@avery2022].

## Monitoring during treatment

- Measure the CMV viral load weekly, using the same laboratory test each time \
[@kotton2018; @razonable2019].
- Check blood counts and kidney function at least weekly on ganciclovir or valganciclovir \
[@valcyte-label; @kotton2018].
- On foscarnet, check kidney function and calcium, magnesium, potassium and phosphate often \
[@kotton2018].
- With retinitis, an eye specialist examines the dilated eye at the start, after the first \
phase of treatment, and then monthly [@hiv-oi].

## Side effects and cautions

- Ganciclovir and valganciclovir: low white cells, platelets and red cells; nausea and \
diarrhoea [@valcyte-label].
- Foscarnet: kidney injury, salt and mineral imbalances, and seizures [@kotton2018].
- Cidofovir: kidney injury and low white cells; it is given with probenecid and fluids \
[@kotton2018].
- Valganciclovir can harm a developing baby; effective contraception is needed during and \
after treatment [@valcyte-label].

## How well treatment works

- In a multicentre series of solid organ transplant recipients given valganciclovir for CMV \
disease, about 84% were treated successfully [@len2008].
- Failure showed up as viraemia that did not clear, clinical worsening, or disease that came \
back [@len2008].
- Oral valganciclovir matched intravenous ganciclovir in transplant recipients who could take \
tablets [@asberg2007].
- Relapse is more likely with intense immunosuppression, a high starting viral load, or virus \
still present at the end of treatment [@kotton2018; @razonable2019].

## When to involve specialists

- Severe or disseminated CMV is best managed with an infectious diseases or transplant \
infectious diseases team [@razonable2019].
- Retinitis needs an eye specialist from the start [@hiv-oi].
"""

DCMV_PATIENT_SUMMARY = """\
Disseminated CMV means the virus has spread to several parts of the body. It is treated in \
hospital with an antiviral medicine called ganciclovir, given through a drip. Later, many \
people switch to valganciclovir pills to finish at least two to three weeks of treatment \
[@kotton2018; @razonable2019].
"""

DCMV_PATIENT_BODY = """\
## What disseminated CMV is

- CMV is a common virus. It rarely causes problems in healthy people [@kotton2018].
- In people with a weak immune system it can spread through the blood. It can then harm the \
lungs, gut, liver, eyes or brain [@ljungman2017; @hiv-oi].
- This most often happens after a transplant or with advanced HIV [@kotton2018; @hiv-oi].

## The first medicine

- An antiviral is a medicine that stops a virus from making copies of itself \
[@kotton2018].
- Most people first get ganciclovir through a drip into a vein [@kotton2018; @razonable2019].
- When you feel better and your gut works well, you may switch to pills called valganciclovir \
[@asberg2007; @valcyte-label].
- Your transplant team may lower your other medicines for a while. This helps your body fight \
the virus [@kotton2018].
- If you have HIV, your HIV medicines are also important [@hiv-oi].

## How long treatment lasts

- Treatment lasts at least two to three weeks [@kotton2018].
- It goes on until blood tests no longer find the virus [@kotton2018].
- Some people then take a smaller dose for a while to stop it coming back [@razonable2019].

## Tests during treatment

- You will have a blood test for the virus about once a week [@kotton2018].
- Other blood tests check your blood cells and kidneys [@valcyte-label].
- If the virus reached your eyes, an eye doctor will check them [@hiv-oi].
- Some people with lung infection also get a medicine made from donated blood, called immune \
globulin [@ljungman2019].

## Side effects

- Ganciclovir and valganciclovir can lower your blood cells [@valcyte-label].
- Tell your care team about fever, bleeding, bruising or feeling very tired \
[@valcyte-label].
- Other CMV medicines, such as foscarnet and cidofovir, can hurt the kidneys [@kotton2018].
- These medicines can harm an unborn baby. Use birth control [@valcyte-label].

## How well it works

- In one study, about 8 in 10 transplant patients treated with valganciclovir got better \
[@len2008].
- If the virus does not go away, your doctor may test it and change the medicine. Maribavir is \
one choice after a transplant [@kotton2018; @avery2022].
"""

DCMV_PROFESSIONAL_SUMMARY = """\
Treat disseminated or severe tissue-invasive CMV with IV ganciclovir 5 mg/kg every 12 hours \
(renally adjusted), stepping down to valganciclovir 900 mg PO twice daily once clinically \
improving with reliable absorption, for a minimum of two to three weeks and until one or two \
consecutive weekly PCRs are below threshold [@kotton2018; @razonable2019; @asberg2007]. Use \
foscarnet for UL97-mediated resistance or myelotoxicity, and consider maribavir for refractory \
post-transplant infection outside the CNS and retina [@kotton2018; @avery2022].
"""

DCMV_PROFESSIONAL_BODY = """\
## Definitions

- End-organ disease requires compatible symptoms plus CMV documented in tissue; CMV syndrome \
(fever, malaise, cytopenias with viraemia) is defined separately [@ljungman2017].
- Dissemination here means viraemia with multi-organ or severe systemic involvement in an \
immunocompromised host [@ljungman2017; @kotton2018].

## Initial therapy

- IV ganciclovir 5 mg/kg every 12 hours is first line for severe, multi-organ or \
life-threatening disease [@kotton2018; @razonable2019].
- Step down to valganciclovir 900 mg twice daily after clinical improvement and a falling \
viral load, provided enteral absorption is reliable [@kotton2018; @asberg2007].
- Reduce immunosuppression where feasible [@kotton2018].
- CNS disease in HIV: consider ganciclovir plus foscarnet as initial therapy; weigh ART timing \
against the risk of immune reconstitution inflammatory syndrome [@hiv-oi].
- CMV pneumonia after HCT: IVIG or CMV immune globulin may be added, on weak evidence \
[@ljungman2019].

## Renal adjustment

- Valganciclovir treatment dose by creatinine clearance: ≥60 mL/min 900 mg twice daily; 40–59 \
450 mg twice daily; 25–39 450 mg once daily; 10–24 450 mg every 2 days; below 10 or on \
haemodialysis, follow the label [@valcyte-label].
- Ganciclovir is reduced across the same bands; recheck creatinine clearance at least weekly \
because doses drift as renal function changes [@kotton2018; @razonable2019].
- Foscarnet and cidofovir need renal dosing and pre-hydration; cidofovir is given with \
probenecid [@kotton2018].

## Duration and secondary prophylaxis

- Minimum two weeks, until symptoms resolve and viral load is below threshold on one or two \
consecutive weekly samples [@kotton2018].
- Secondary prophylaxis (valganciclovir 900 mg once daily) is optional and individualised, \
favoured with ongoing high-intensity immunosuppression [@kotton2018; @razonable2019].

## Monitoring

- Weekly quantitative CMV PCR on the same assay, in IU/mL [@kotton2018; @razonable2019].
- CBC and creatinine at least weekly on ganciclovir or valganciclovir; G-CSF or dose reduction \
for neutropenia [@valcyte-label; @kotton2018].
- On foscarnet: creatinine, calcium (including ionised), magnesium, potassium and phosphate \
several times a week [@kotton2018].
- Retinitis: dilated indirect ophthalmoscopy at diagnosis, after induction, one month after \
starting, then monthly [@hiv-oi].

## Resistance and refractory disease

- Suspect refractory infection if viral load has not fallen by more than 1 log10 after at \
least two weeks of adequate dosing; send UL97 and UL54 genotyping [@kotton2018].
- UL97 mutations alone: switch to foscarnet 90 mg/kg every 12 hours (renally adjusted) \
[@kotton2018].
- UL54 mutations can confer cross-resistance to foscarnet and cidofovir; seek expert advice \
[@kotton2018].
- Maribavir 400 mg twice daily cleared viraemia at week 8 in about 56% of refractory \
post-transplant infections, against about 24% with investigator-assigned therapy; the trial \
excluded CNS and retinal disease [@avery2022].

## Outcomes

- In a multicentre cohort of solid organ transplant recipients treated with valganciclovir, \
about 84% were treated successfully [@len2008].
- Failure presented as persistent viraemia, clinical progression or recurrence [@len2008].
- Recurrence is more likely with high-intensity immunosuppression, high baseline viral load and \
detectable viraemia at the end of treatment [@kotton2018; @razonable2019].
- Early infectious diseases consultation is advised for severe or disseminated disease \
[@razonable2019].
"""

DCMV_REFERENCES = [
    VALCYTE_LABEL,
    KOTTON2018,
    RAZONABLE2019,
    HIV_OI,
    LJUNGMAN2019,
    LJUNGMAN2017,
    ASBERG2007,
    LEN2008,
    AVERY2022,
]


# --------------------------------------------------------------------------
# Seeding
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    title: str
    condition: str
    drugs: str
    summary: str
    body: str
    references: list[Mapping]
    # audience slug -> (summary, body); audiences not listed read the default text
    variants: dict[str, tuple[str, str]] = field(default_factory=dict)


DEMO_ARTICLES = [
    DemoArticle(
        slug=CMV_SLUG,
        title=CMV_TITLE,
        condition=CMV_CONDITION,
        drugs=CMV_DRUGS,
        summary=CMV_SUMMARY,
        body=CMV_BODY,
        references=CMV_REFERENCES,
        variants={
            "patient": (CMV_PATIENT_SUMMARY, CMV_PATIENT_BODY),
            "professional": (CMV_PROFESSIONAL_SUMMARY, CMV_PROFESSIONAL_BODY),
        },
    ),
    DemoArticle(
        slug=DCMV_SLUG,
        title=DCMV_TITLE,
        condition=DCMV_CONDITION,
        drugs=DCMV_DRUGS,
        summary=DCMV_SUMMARY,
        body=DCMV_BODY,
        references=DCMV_REFERENCES,
        variants={
            "patient": (DCMV_PATIENT_SUMMARY, DCMV_PATIENT_BODY),
            "professional": (DCMV_PROFESSIONAL_SUMMARY, DCMV_PROFESSIONAL_BODY),
        },
    ),
]


def _variant_inputs(demo: DemoArticle) -> list[VariantInput]:
    audiences = {a.slug: a.pk for a in Audience.objects.filter(slug__in=demo.variants)}
    return [
        VariantInput(audience_id=audiences[slug], summary=summary, body=body)
        for slug, (summary, body) in demo.variants.items()
        if slug in audiences
    ]


# A few medical glossary terms, explained in plain words (editors add more in the admin).
DEMO_GLOSSARY = (
    (
        "cytomegalovirus",
        "A common virus most people carry without harm; it can make people with a weak immune system very ill.",
        "CMV",
    ),
    ("antiviral", "A medicine that stops a virus from making more copies of itself.", "antivirals"),
    ("retinitis", "Inflammation of the light-sensing layer at the back of the eye, which can harm sight.", ""),
    ("prophylaxis", "Medicine taken to stop an infection before it starts.", "prophylactic"),
    ("viremia", "Virus found in the blood.", "viraemia"),
    ("neutropenia", "Having too few of the white blood cells that fight infection.", ""),
    ("nephrotoxicity", "Harm to the kidneys caused by a medicine.", "nephrotoxic"),
)


def seed_glossary(*, editor: AbstractBaseUser | None, stdout: TextIO) -> None:
    """Propose the demo glossary terms that are missing, as the editor (the board's demo seed approves them).

    Existing terms are left as they are.
    """
    if editor is None:
        stdout.write("Glossary: no editor to propose the demo terms; skipped.")
        return
    added = 0
    for term, explanation, synonyms in DEMO_GLOSSARY:
        if GlossaryTerm.objects.filter(term__iexact=term).exists():
            continue
        glossary_term_save(None, acting_user=editor, word=term, explanation=explanation, synonyms=synonyms)
        added += 1
    stdout.write(f"Glossary: proposed {added} demo term{'s' if added != 1 else ''}.")


def seed(users: Mapping[str, AbstractBaseUser], *, stdout: TextIO) -> None:
    """Create the demo articles that do not exist yet, authored by users["author"].

    An existing article with a demo slug is left exactly as it is (whatever
    its status), so a second run adds no rows and no revisions.
    """
    author = users["author"]
    seed_glossary(editor=users.get("editor"), stdout=stdout)
    for demo in DEMO_ARTICLES:
        if Article.objects.filter(slug=demo.slug).exists():
            stdout.write(f"Kept article “{demo.slug}” (already there).")
            continue
        # Two steps, so the studio's history has something to compare and
        # restore: the first draft, then the professional version added.
        variants = _variant_inputs(demo)
        professional = Audience.objects.filter(slug="professional").values_list("pk", flat=True).first()
        article = article_create(
            acting_user=author,
            slug=demo.slug,
            title=demo.title,
            condition=demo.condition,
            drugs=demo.drugs,
            summary=demo.summary,
            body=demo.body,
            variants=[v for v in variants if v.audience_id != professional],
            references=[dict(reference) for reference in demo.references],
            comment="First draft, with the plain-language version for patients.",
        )
        article_update(
            article,
            acting_user=author,
            lock_version=article.lock_version,
            variants=variants,
            comment="Added the version for healthcare professionals.",
        )
        stdout.write(f"Created article “{demo.slug}”.")
