"""The controlled vocabularies every KB database starts with.

Data migrations load these lists; editors then maintain them as snippets. Slugs are stable
identifiers used in URLs, import files and the search API: never rename one that has shipped.
Each entry is (slug, name, description, synonyms), synonyms being the abbreviations and other
words clinicians type for the same thing, comma-separated.
"""

PATHWAYS = [
    (
        "urgent-and-emergency-care",
        "Urgent and emergency care",
        "Emergency departments, same day emergency care, ambulance handover, urgent treatment "
        "centres, hospital flow and discharge.",
        "UEC, A&E, ED, emergency department, accident and emergency, SDEC, "
        "same day emergency care, UTC, urgent treatment centre",
    ),
    (
        "elective-care",
        "Elective care",
        "Planned care: referral to treatment, outpatients, theatres, waiting list validation.",
        "RTT, referral to treatment, planned care, waiting list, outpatients, theatres, "
        "day case, 18 weeks",
    ),
    (
        "cancer",
        "Cancer",
        "Faster diagnosis, treatment and follow-up on cancer pathways.",
        "FDS, faster diagnosis standard, 2WW, two week wait, oncology, 62-day",
    ),
    (
        "maternity-and-neonatal",
        "Maternity and neonatal",
        "Care in pregnancy, birth and for newborn babies.",
        "maternity, obstetrics, midwifery, neonatal, antenatal, postnatal, NICU",
    ),
    (
        "mental-health",
        "Mental health",
        "Adult and children's mental health services, crisis care and talking therapies.",
        "IAPT, NHS Talking Therapies, CAMHS, CYPMHS, psychiatric, crisis care, out of area "
        "placements",
    ),
    (
        "primary-care",
        "Primary care",
        "General practice, community pharmacy, dentistry and optometry.",
        "GP, general practice, PCN, primary care network, pharmacy, dental",
    ),
    (
        "community-and-neighbourhood-care",
        "Community and neighbourhood care",
        "Community health services, virtual wards, intermediate care and neighbourhood teams.",
        "community services, virtual ward, hospital at home, intermediate care, UCR, "
        "urgent community response, neighbourhood health",
    ),
    (
        "diagnostics",
        "Diagnostics",
        "Imaging, pathology, endoscopy and physiological measurement, including community "
        "diagnostic centres.",
        "CDC, community diagnostic centre, imaging, radiology, MRI, CT, pathology, endoscopy, DM01",
    ),
    (
        "end-of-life-care",
        "End of life care",
        "Palliative and end of life care in every setting.",
        "palliative care, EOLC, hospice, advance care planning",
    ),
    (
        "learning-disability-and-autism",
        "Learning disability and autism",
        "Care and support for people with a learning disability, autistic people, or both.",
        "LD, learning disabilities, autism, autistic, LeDeR, reasonable adjustments",
    ),
]

METHODS = [
    (
        "model-for-improvement",
        "Model for Improvement",
        "Three questions (aim, measures, changes) and rapid plan-do-study-act cycles to test "
        "changes on a small scale before spreading them.",
        "PDSA, plan do study act, plan-do-study-act, PDSA cycle, IHI model, test of change",
    ),
    (
        "lean",
        "Lean",
        "Maximising value to patients by removing waste from processes, using tools such as "
        "value stream mapping, 5S and standard work.",
        "lean thinking, value stream mapping, VSM, 5S, kaizen, rapid improvement event, "
        "muda, waste reduction",
    ),
    (
        "six-sigma",
        "Six Sigma",
        "Reducing variation and defects in a process with the DMAIC cycle (define, measure, "
        "analyse, improve, control).",
        "DMAIC, lean six sigma, LSS, variation reduction",
    ),
    (
        "statistical-process-control",
        "Statistical process control",
        "Plotting data over time with control limits to tell real change (special cause) from "
        "noise (common cause); the basis of Making Data Count.",
        "SPC, XmR chart, control chart, run chart, Making Data Count, special cause, common cause",
    ),
    (
        "experience-based-co-design",
        "Experience-based co-design",
        "Patients, families and staff jointly redesign services from their experience of them.",
        "EBCD, co-design, co-production, patient experience, patient involvement",
    ),
    (
        "theory-of-constraints",
        "Theory of constraints",
        "Finding the one bottleneck that limits a whole system and managing flow around it.",
        "TOC, bottleneck, constraint, drum buffer rope, flow",
    ),
    (
        "total-quality-management",
        "Total quality management",
        "An organisation-wide commitment to quality in which every member of staff takes part "
        "in continuous improvement.",
        "TQM, continuous improvement, quality management",
    ),
    (
        "business-process-reengineering",
        "Business process reengineering",
        "Radical redesign of whole processes rather than incremental change to them.",
        "BPR, business process re-engineering, process redesign, reengineering",
    ),
]

CONTENT_KINDS = [
    (
        "improvement-guide",
        "Improvement guide",
        "National guidance on what good looks like, the measures to watch and the changes to test.",
        "guide, guidance, NHS IMPACT guide",
    ),
    (
        "girft-standard",
        "GIRFT standard",
        "A clinically led standard from the Getting It Right First Time programme.",
        "GIRFT, getting it right first time, standard, best practice",
    ),
    (
        "blueprint",
        "Blueprint",
        "A model service design, such as the Model Emergency Department.",
        "model, blueprint, model service",
    ),
    (
        "case-study",
        "Case study",
        "What a trust, practice or system changed, how, and the measured result.",
        "case study, example, peer learning, good practice",
    ),
    (
        "idea",
        "Frontline idea",
        "An idea from frontline staff to cut waste and improve care.",
        "idea, suggestion, frontline idea, waste reduction",
    ),
]

REGIONS = [
    ("london", "London", "NHS England London region.", "London"),
    ("south-east", "South East", "NHS England South East region.", "SE"),
    ("south-west", "South West", "NHS England South West region.", "SW"),
    (
        "east-of-england",
        "East of England",
        "NHS England East of England region.",
        "EoE, East",
    ),
    ("midlands", "Midlands", "NHS England Midlands region.", "East Midlands, West Midlands"),
    (
        "north-east-and-yorkshire",
        "North East and Yorkshire",
        "NHS England North East and Yorkshire region.",
        "NEY, North East, Yorkshire and the Humber",
    ),
    ("north-west", "North West", "NHS England North West region.", "NW"),
]

# The Getting It Right First Time programme's clinical specialty workstreams.
SPECIALTIES = [
    ("acute-and-general-medicine", "Acute and general medicine", "", "AGM, acute medicine, AMU"),
    ("adult-critical-care", "Adult critical care", "", "ICU, ITU, intensive care, critical care"),
    (
        "anaesthesia-and-perioperative-medicine",
        "Anaesthesia and perioperative medicine",
        "",
        "anaesthetics, perioperative care, POM",
    ),
    ("breast-surgery", "Breast surgery", "", "breast"),
    ("cardiology", "Cardiology", "", "cardiac, heart"),
    ("cardiothoracic-surgery", "Cardiothoracic surgery", "", "cardiac surgery, thoracic"),
    ("cranial-neurosurgery", "Cranial neurosurgery", "", "neurosurgery"),
    ("dermatology", "Dermatology", "", "skin"),
    ("diabetes", "Diabetes", "", "diabetic"),
    ("ear-nose-and-throat", "Ear, nose and throat", "", "ENT, otolaryngology"),
    ("emergency-medicine", "Emergency medicine", "", "EM, A&E, ED, emergency department"),
    ("endocrinology", "Endocrinology", "", "endocrine"),
    ("gastroenterology", "Gastroenterology", "", "GI, gastro, endoscopy"),
    ("general-surgery", "General surgery", "", "emergency general surgery, EGS"),
    ("geriatric-medicine", "Geriatric medicine", "", "care of older people, frailty, COTE"),
    ("gynaecology", "Gynaecology", "", "gynae"),
    ("lung-cancer", "Lung cancer", "", "lung"),
    ("maternity", "Maternity", "", "obstetrics, midwifery"),
    ("mental-health", "Mental health", "", "psychiatry, adult crisis and acute care"),
    ("neurology", "Neurology", "", "neuro"),
    ("ophthalmology", "Ophthalmology", "", "eyes, eye care, cataract"),
    ("oral-and-maxillofacial-surgery", "Oral and maxillofacial surgery", "", "OMFS"),
    ("outpatients", "Outpatients", "", "outpatient, OPD, clinic"),
    ("paediatric-critical-care", "Paediatric critical care", "", "PICU"),
    ("paediatric-surgery", "Paediatric surgery", "", "children's surgery"),
    ("pathology", "Pathology", "", "laboratory, lab medicine"),
    ("plastic-surgery", "Plastic surgery", "", "plastics"),
    ("radiology", "Radiology", "", "imaging, diagnostic imaging"),
    ("renal-medicine", "Renal medicine", "", "nephrology, kidney, dialysis"),
    ("respiratory-medicine", "Respiratory medicine", "", "respiratory, COPD, chest medicine"),
    ("rheumatology", "Rheumatology", "", "rheum"),
    ("spinal-surgery", "Spinal surgery", "", "spine"),
    ("stroke", "Stroke", "", "stroke medicine, TIA"),
    ("trauma-and-orthopaedics", "Trauma and orthopaedics", "", "T&O, orthopaedics, ortho"),
    ("urology", "Urology", "", "urological"),
    ("vascular-surgery", "Vascular surgery", "", "vascular"),
]

# Lean's eight wastes ("DOWNTIME"), the categories frontline ideas are filed under.
WASTES = [
    (
        "transport",
        "Transport",
        "Moving patients, samples, equipment or information further or more often than needed.",
        "moving, transfers, portering",
    ),
    (
        "inventory",
        "Inventory",
        "Stock, supplies or work waiting in a queue beyond what is needed now.",
        "stock, supplies, backlog, queue, expired stock",
    ),
    (
        "motion",
        "Motion",
        "Unnecessary movement of staff: walking, searching, reaching.",
        "walking, searching, movement",
    ),
    (
        "waiting",
        "Waiting",
        "Patients or staff waiting for the next step, a result, a bed or a decision.",
        "delay, delays, queueing, idle time",
    ),
    (
        "overproduction",
        "Overproduction",
        "Doing things earlier or in greater quantity than needed, such as tests ordered just "
        "in case.",
        "duplicate tests, just in case",
    ),
    (
        "overprocessing",
        "Overprocessing",
        "More work than the patient needs: duplicate forms, repeated questions, extra approvals.",
        "over-processing, duplication, paperwork, red tape",
    ),
    (
        "defects",
        "Defects",
        "Errors and rework: wrong information, repeated tests, avoidable readmissions.",
        "errors, mistakes, rework, incidents",
    ),
    (
        "skills",
        "Unused skills",
        "Not using the knowledge, skills and ideas of staff.",
        "unused talent, underused skills, talent",
    ),
]
