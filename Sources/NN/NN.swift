// NN: placeholder until its layer lands.
