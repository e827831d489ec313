// VideoIO: placeholder until its layer lands.
