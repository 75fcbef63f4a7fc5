"""The controlled vocabularies every KB database starts with: frozen for migration 0002.

A migration copies what it seeds (the leading underscore keeps Django from loading this as a
migration), so editing vocabularies later never changes what an old migration does.

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
        "UEC, urgent and emergency services",
    ),
    (
        "elective-care",
        "Elective care",
        "Planned care: referral to treatment, outpatients, theatres, waiting list validation.",
        "planned care, elective surgery",
    ),
    (
        "cancer",
        "Cancer",
        "Faster diagnosis, treatment and follow-up on cancer pathways.",
        "oncology, cancer services",
    ),
    (
        "maternity-and-neonatal",
        "Maternity and neonatal",
        "Care in pregnancy, birth and for newborn babies.",
        "maternity and neonatal services, maternity services",
    ),
    (
        "mental-health",
        "Mental health",
        "Adult and children's mental health services, crisis care and talking therapies.",
        "mental health services",
    ),
    (
        "primary-care",
        "Primary care",
        "General practice, community pharmacy, dentistry and optometry.",
        "primary care services",
    ),
    (
        "community-and-neighbourhood-care",
        "Community and neighbourhood care",
        "Community health services, virtual wards, intermediate care and neighbourhood teams.",
        "community services, community health services, neighbourhood health",
    ),
    (
        "diagnostics",
        "Diagnostics",
        "Imaging, pathology, endoscopy and physiological measurement, including community "
        "diagnostic centres.",
        "diagnostic services, diagnostic tests",
    ),
    (
        "end-of-life-care",
        "End of life care",
        "Palliative and end of life care in every setting.",
        "EOLC, end of life, palliative and end of life care",
    ),
    (
        "learning-disability-and-autism",
        "Learning disability and autism",
        "Care and support for people with a learning disability, autistic people, or both.",
        "LDA, learning disabilities and autism",
    ),
]

METHODS = [
    (
        "model-for-improvement",
        "Model for Improvement",
        "Three questions (aim, measures, changes) and rapid plan-do-study-act cycles to test "
        "changes on a small scale before spreading them.",
        "PDSA, plan do study act, PDSA cycle, PDSA cycles, MFI",
    ),
    (
        "lean",
        "Lean",
        "Maximising value to patients by removing waste from processes, using tools such as "
        "value stream mapping, 5S and standard work.",
        "lean thinking, lean methodology",
    ),
    (
        "six-sigma",
        "Six Sigma",
        "Reducing variation and defects in a process with the DMAIC cycle (define, measure, "
        "analyse, improve, control).",
        "6 sigma, DMAIC",
    ),
    (
        "statistical-process-control",
        "Statistical process control",
        "Plotting data over time with control limits to tell real change (special cause) from "
        "noise (common cause); the basis of Making Data Count.",
        "SPC, SPC chart, control chart, XmR chart",
    ),
    (
        "experience-based-co-design",
        "Experience-based co-design",
        "Patients, families and staff jointly redesign services from their experience of them.",
        "EBCD, experience based co-design, experience based codesign",
    ),
    (
        "theory-of-constraints",
        "Theory of constraints",
        "Finding the one bottleneck that limits a whole system and managing flow around it.",
        "TOC, constraints theory",
    ),
    (
        "total-quality-management",
        "Total quality management",
        "An organisation-wide commitment to quality in which every member of staff takes part "
        "in continuous improvement.",
        "TQM",
    ),
    (
        "business-process-reengineering",
        "Business process reengineering",
        "Radical redesign of whole processes rather than incremental change to them.",
        "BPR, business process re-engineering",
    ),
]

CONTENT_KINDS = [
    (
        "improvement-guide",
        "Improvement guide",
        "National guidance on what good looks like, the measures to watch and the changes to test.",
        "improvement guidance",
    ),
    (
        "girft-standard",
        "GIRFT standard",
        "A clinically led standard from the Getting It Right First Time programme.",
        "GIRFT standards",
    ),
    (
        "blueprint",
        "Blueprint",
        "A model service design, such as the Model Emergency Department.",
        "model service",
    ),
    (
        "case-study",
        "Case study",
        "What a trust, practice or system changed, how, and the measured result.",
        "case studies",
    ),
    (
        "idea",
        "Frontline idea",
        "An idea from frontline staff to cut waste and improve care.",
        "frontline ideas, staff ideas",
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
        "anaesthetics, anesthesia, perioperative medicine",
    ),
    ("breast-surgery", "Breast surgery", "", "breast services"),
    ("cardiology", "Cardiology", "", "cardiac medicine"),
    ("cardiothoracic-surgery", "Cardiothoracic surgery", "", "cardiac surgery, thoracic"),
    ("cranial-neurosurgery", "Cranial neurosurgery", "", "neurosurgery"),
    ("dermatology", "Dermatology", "", "skin services"),
    ("diabetes", "Diabetes", "", "diabetes care"),
    ("ear-nose-and-throat", "Ear, nose and throat", "", "ENT, otolaryngology"),
    ("emergency-medicine", "Emergency medicine", "", "EM"),
    ("endocrinology", "Endocrinology", "", "endocrine medicine"),
    ("gastroenterology", "Gastroenterology", "", "GI, gastro"),
    ("general-surgery", "General surgery", "", "GS"),
    (
        "geriatric-medicine",
        "Geriatric medicine",
        "",
        "care of older people, COTE, elderly medicine",
    ),
    ("gynaecology", "Gynaecology", "", "gynae"),
    ("lung-cancer", "Lung cancer", "", "lung cancer services"),
    ("maternity", "Maternity", "", "obstetrics"),
    ("mental-health", "Mental health", "", "psychiatry, adult mental health"),
    ("neurology", "Neurology", "", "neurological services"),
    ("ophthalmology", "Ophthalmology", "", "eye care, eye services"),
    ("oral-and-maxillofacial-surgery", "Oral and maxillofacial surgery", "", "OMFS"),
    ("outpatients", "Outpatients", "", "outpatient services, outpatient care"),
    ("paediatric-critical-care", "Paediatric critical care", "", "PICU, pediatric critical care"),
    ("paediatric-surgery", "Paediatric surgery", "", "pediatric surgery, children's surgery"),
    ("pathology", "Pathology", "", "laboratory medicine, lab medicine"),
    ("plastic-surgery", "Plastic surgery", "", "plastics"),
    ("radiology", "Radiology", "", "imaging, diagnostic imaging"),
    ("renal-medicine", "Renal medicine", "", "nephrology, kidney medicine"),
    ("respiratory-medicine", "Respiratory medicine", "", "chest medicine, respiratory"),
    ("rheumatology", "Rheumatology", "", "rheumatology services"),
    ("spinal-surgery", "Spinal surgery", "", "spine surgery"),
    ("stroke", "Stroke", "", "stroke medicine, stroke services"),
    (
        "trauma-and-orthopaedics",
        "Trauma and orthopaedics",
        "",
        "T&O, orthopaedics, orthopedics, trauma and orthopedics",
    ),
    ("urology", "Urology", "", "urological surgery"),
    ("vascular-surgery", "Vascular surgery", "", "vascular services"),
]

# Lean's eight wastes ("DOWNTIME"), the categories frontline ideas are filed under.
WASTES = [
    (
        "transport",
        "Transport",
        "Moving patients, samples, equipment or information further or more often than needed.",
        "transportation, unnecessary transport",
    ),
    (
        "inventory",
        "Inventory",
        "Stock, supplies or work waiting in a queue beyond what is needed now.",
        "excess inventory, excess stock",
    ),
    (
        "motion",
        "Motion",
        "Unnecessary movement of staff: walking, searching, reaching.",
        "unnecessary motion, unnecessary movement",
    ),
    (
        "waiting",
        "Waiting",
        "Patients or staff waiting for the next step, a result, a bed or a decision.",
        "waiting waste, waiting time",
    ),
    (
        "overproduction",
        "Overproduction",
        "Doing things earlier or in greater quantity than needed, such as tests ordered just "
        "in case.",
        "over-production",
    ),
    (
        "overprocessing",
        "Overprocessing",
        "More work than the patient needs: duplicate forms, repeated questions, extra approvals.",
        "over-processing, extra processing",
    ),
    (
        "defects",
        "Defects",
        "Errors and rework: wrong information, repeated tests, avoidable readmissions.",
        "defect waste, rework",
    ),
    (
        "skills",
        "Unused skills",
        "Not using the knowledge, skills and ideas of staff.",
        "unused skills, unused talent, underused skills, non-utilised talent",
    ),
]

# Every specialty is described the same way: it is a GIRFT workstream.
SPECIALTIES = [
    (
        slug,
        name,
        description or f"The Getting It Right First Time workstream for {name.lower()}.",
        synonyms,
    )
    for slug, name, description, synonyms in SPECIALTIES
]
