"""Which email addresses may open a staff account: those at the allowed domains or below them.

`KB_ACCOUNT_EMAIL_DOMAINS` lists the domains (comma separated; default `nhs.net,nhs.uk`); an
address is allowed when its domain is one of them or a subdomain of one (`nhs.net`, `x.nhs.uk`),
never merely ending in the same letters (`notnhs.net`). Pure: no Django.
"""

DEFAULT_DOMAINS = ("nhs.net", "nhs.uk")


def parse_domains(text):
    """The allowed domains from a comma separated setting: lower case, without a leading @ or
    dot, empty items dropped."""
    domains = []
    for item in str(text or "").split(","):
        domain = item.strip().lower().lstrip("@").strip(".")
        if domain and domain not in domains:
            domains.append(domain)
    return tuple(domains)


def email_domain(email):
    """The domain of an address, lower case, without a trailing dot; "" if it has none."""
    _, at, domain = str(email or "").strip().rpartition("@")
    return domain.lower().rstrip(".") if at else ""


def is_allowed(email, domains):
    domain = email_domain(email)
    if not domain:
        return False
    return any(domain == allowed or domain.endswith("." + allowed) for allowed in domains)


def describe(domains):
    """'nhs.net or nhs.uk' for messages."""
    if not domains:
        return "no domain"
    if len(domains) == 1:
        return domains[0]
    return ", ".join(domains[:-1]) + " or " + domains[-1]
