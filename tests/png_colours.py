#!/usr/bin/env python3
"""png_colours.py: counts the pixels of given colours in a PNG, with the standard
library only (an independent reader: it shares no code with the renderer).
usage: png_colours.py FILE.png RRGGBB...   prints "WIDTH HEIGHT DISTINCT" then "RRGGBB COUNT" lines.
Reads 8-bit RGB/RGBA non-interlaced PNGs (what cairo writes); anything else exits 1."""
import collections
import struct
import sys
import zlib


def unfilter(raw, w, h, bpp):
    stride, prev, rows = w * bpp, bytearray(w * bpp), []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return rows


def colours(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("png_colours: %s is not a PNG" % path)
    pos, idat, hdr = 8, b"", None
    while pos + 8 <= len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if typ == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat += body
    if not hdr or hdr[2] != 8 or hdr[3] not in (2, 6) or hdr[6] != 0:
        sys.exit("png_colours: %s: only 8-bit RGB/RGBA non-interlaced PNGs" % path)
    w, h, bpp = hdr[0], hdr[1], 4 if hdr[3] == 6 else 3
    count = collections.Counter()
    for line in unfilter(zlib.decompress(idat), w, h, bpp):
        count.update(bytes(line[i:i + 3]) for i in range(0, w * bpp, bpp))
    return w, h, count


def main():
    w, h, count = colours(sys.argv[1])
    print(w, h, len(count))
    for c in sys.argv[2:]:
        print(c.lstrip("#").upper(), count[bytes.fromhex(c.lstrip("#"))])


if __name__ == "__main__":
    main()
