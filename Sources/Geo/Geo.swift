// Geo: placeholder until its layer lands.
