// CaseStore: placeholder until its layer lands.
