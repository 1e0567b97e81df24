def submission_evidence_check(article, content):
    return []
