import struct, zlib
def zipb(recs, base=0):  # stored zip: (locals, central dir)
    loc=cd=b''
    for n,d in recs:
        n=n.encode(); c=zlib.crc32(d); off=base+len(loc)
        loc+=struct.pack('<IHHHHHIIIHH',0x04034b50,20,0,0,0,0,c,len(d),len(d),len(n),0)+n+d
        cd+=struct.pack('<IHHHHHHIIIHHHHHII',0x02014b50,20,20,0,0,0,0,c,len(d),len(d),len(n),0,0,0,0,0,off)+n
    return loc,cd
def eocd(n,cd,cdoff,comment=b''): return struct.pack('<IHHHHIIH',0x06054b50,0,0,n,n,len(cd),cdoff,len(comment))+comment
def pt(path,pkl,data=()):
    r=[('archive/data.pkl',pkl),*data,('archive/version',b'3\n')]; l,c=zipb(r); open(path,'wb').write(l+c+eocd(len(r),c,len(l)))
def X(s): return b'X'+struct.pack('<I',len(s))+s.encode()
def T(key,size=b'K\x04\x85',stride=b'K\x01\x85'):  # _rebuild_tensor_v2 of FloatStorage key, 4 elements
    return (b'ctorch._utils\n_rebuild_tensor_v2\n(('+X('storage')+b'ctorch\nFloatStorage\n'+X(key)+X('cpu')+b'K\x04tQK\x00'
            +size+stride+b'\x89ccollections\nOrderedDict\n)RtR')
