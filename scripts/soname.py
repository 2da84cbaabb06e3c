#!/usr/bin/env python3
"""soname.py CC LIB: the soname of the shared library -lLIB links with (for
the libraries opened on first use, src/util/lazylib.h).  Asks the compiler
where libLIB.so is (-print-file-name) and reads DT_SONAME from its ELF
dynamic section; prints nothing and fails when it cannot."""
import os
import struct
import subprocess
import sys


def soname(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        return None
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2E)
    sections = []
    for i in range(shnum):
        off = shoff + i * shentsize
        if is64:
            _, stype, _, _, soff, size, link, _, _, entsize = struct.unpack_from(end + "IIQQQQIIQQ", data, off)
        else:
            _, stype, _, _, soff, size, link, _, _, entsize = struct.unpack_from(end + "IIIIIIIIII", data, off)
        sections.append((stype, soff, size, link, entsize))
    for stype, soff, size, link, entsize in sections:
        if stype != 6:  # SHT_DYNAMIC
            continue
        strtab = sections[link][1]
        fmt = end + ("qQ" if is64 else "iI")
        step = struct.calcsize(fmt)
        for off in range(soff, soff + size, step):
            tag, val = struct.unpack_from(fmt, data, off)
            if tag == 0:
                break
            if tag == 14:  # DT_SONAME
                name = data[strtab + val:data.index(b"\0", strtab + val)]
                return name.decode()
    return None


def main():
    cc, lib = sys.argv[1:3]
    out = subprocess.run(cc.split() + ["-print-file-name=lib%s.so" % lib], capture_output=True, text=True)
    path = out.stdout.strip()
    if out.returncode != 0 or not os.path.isabs(path) or not os.path.exists(path):
        sys.exit("soname.py: no lib%s.so for %s" % (lib, cc))
    name = soname(os.path.realpath(path))
    if not name:
        sys.exit("soname.py: %s has no soname" % path)
    print(name)


main()
