"""Packs a model (NAME.json + NAME.safetensors) into one libFuzzer seed: u32 LE json length, json, weights."""
import struct
import sys

base, out = sys.argv[1], sys.argv[2]
j = open(base + ".json", "rb").read()
w = open(base + ".safetensors", "rb").read()
open(out, "wb").write(struct.pack("<I", len(j)) + j + w)
