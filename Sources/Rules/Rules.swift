// Rules: placeholder until its layer lands.
