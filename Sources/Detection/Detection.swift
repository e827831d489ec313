// Detection: placeholder until its layer lands.
