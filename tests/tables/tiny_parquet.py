"""A minimal Parquet writer for tests: one REQUIRED FIXED_LEN_BYTE_ARRAY
column in one PLAIN, uncompressed data page, with a chosen converted or
logical type (Thrift compact protocol written out by hand). For types no
writer on the test machine makes (FLOAT16, INTERVAL, raw FLBA); DuckDB
reads the files it writes.
"""
import struct
def uvar(n):
    out=b""
    while True:
        b=n&0x7f; n>>=7
        if n: out+=bytes([b|0x80])
        else: return out+bytes([b])
def zz(n): return uvar((n<<1)^(n>>63))
class S:
    """a thrift compact struct: fields in increasing id order"""
    def __init__(s): s.b=b""; s.last=0
    def h(s,fid,t):
        d=fid-s.last; s.last=fid
        s.b+=bytes([(d<<4)|t]) if 0<d<16 else bytes([t])+zz(fid)
        return s
    def i32(s,f,v): s.h(f,5); s.b+=zz(v); return s
    def i64(s,f,v): s.h(f,6); s.b+=zz(v); return s
    def bin(s,f,v): s.h(f,8); s.b+=uvar(len(v))+v; return s
    def st(s,f,o): s.h(f,12); s.b+=o.end(); return s
    def lst(s,f,t,items):
        s.h(f,9); n=len(items)
        s.b+=bytes([(n<<4)|t]) if n<15 else bytes([0xf0|t])+uvar(n)
        for it in items: s.b+= it.end() if isinstance(it,S) else it
        return s
    def end(s): return s.b+b"\x00"
def flba_file(name, tlen, values, conv=None, logical=None):
    """a Parquet file of one REQUIRED FIXED_LEN_BYTE_ARRAY(tlen) column, one PLAIN page"""
    data=b"".join(values)
    ph=S().i32(1,0).i32(2,len(data)).i32(3,len(data)).st(5,S().i32(1,len(values)).i32(2,0).i32(3,3).i32(4,3)).end()
    off=4
    leaf=S().i32(1,7).i32(2,tlen).i32(3,0).bin(4,name.encode())
    if conv is not None: leaf.i32(6,conv)
    if logical is not None: leaf.st(10,S().st(logical,S()))
    cmd=S().i32(1,7).lst(2,5,[zz(0)]).lst(3,8,[uvar(len(name))+name.encode()]).i32(4,0).i64(5,len(values)).i64(6,len(ph)+len(data)).i64(7,len(ph)+len(data)).i64(9,off)
    cc=S().i64(2,off).st(3,cmd)
    rg=S().lst(1,12,[cc]).i64(2,len(ph)+len(data)).i64(3,len(values))
    fm=S().i32(1,1).lst(2,12,[S().bin(4,b"schema").i32(5,1),leaf]).i64(3,len(values)).lst(4,12,[rg]).end()
    return b"PAR1"+ph+data+fm+struct.pack("<I",len(fm))+b"PAR1"
