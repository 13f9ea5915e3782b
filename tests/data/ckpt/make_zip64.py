# Rewrites module_zip.pt into module_zip64.pt: the same stored entries, but the central directory written the
# zip64 way (sizes and local-header offsets as 0xFFFFFFFF with a zip64 extra field, a zip64 end record and
# locator, 0xFFFF/0xFFFFFFFF in the classic end record). Python's zipfile reads the result back (checked below).
import struct, zipfile

src = open("module_zip.pt", "rb").read()
eocd = src.rindex(b"PK\x05\x06")
n, cd_size, cd_off = struct.unpack("<HII", src[eocd + 10:eocd + 20])
out = bytearray(src[:cd_off])
pos, cd = cd_off, bytearray()
for _ in range(n):
    fixed = bytearray(src[pos:pos + 46])
    nlen, xlen, clen = struct.unpack("<HHH", fixed[28:34])
    csize, usize = struct.unpack("<II", fixed[20:28])
    local = struct.unpack("<I", fixed[42:46])[0]
    name = src[pos + 46:pos + 46 + nlen]
    extra = struct.pack("<HHQQQ", 1, 24, usize, csize, local)
    fixed[20:28] = struct.pack("<II", 0xFFFFFFFF, 0xFFFFFFFF)
    fixed[42:46] = struct.pack("<I", 0xFFFFFFFF)
    fixed[30:32] = struct.pack("<H", len(extra))
    fixed[4:6] = struct.pack("<H", 45)
    cd += fixed + name + extra + src[pos + 46 + nlen + xlen:pos + 46 + nlen + xlen + clen]
    pos += 46 + nlen + xlen + clen
new_cd_off = len(out)
out += cd
z64 = len(out)
out += struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0, n, n, len(cd), new_cd_off)
out += struct.pack("<IIQI", 0x07064b50, 0, z64, 1)
out += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
open("module_zip64.pt", "wb").write(out)

a, b = zipfile.ZipFile("module_zip.pt"), zipfile.ZipFile("module_zip64.pt")
assert a.namelist() == b.namelist()
for name in a.namelist():
    assert a.read(name) == b.read(name), name
print("module_zip64.pt: %d entries, zipfile reads it back identically" % n)
