from zipw import *
import struct
D=[('archive/data/0',struct.pack('<4f',1,1,1,1)),('archive/data/1',b'\0'*16)]
# tensor A -> BINPUT 0 ; tensor B -> MEMOIZE (Python: memo[len(memo)]=memo[1]; whorl: memo[0]) ; {'w': BINGET 0}
pt('memo.pt', b'\x80\x02'+T('0')+b'q\x000'+T('1')+b'\x940}'+X('w')+b'h\x00s.', D)
# one storage key referenced as FloatStorage then IntStorage: torch reuses the first (float)
pt('stdtype.pt', b'\x80\x02}('+X('a')+T('0')+X('b')+T('0').replace(b'FloatStorage',b'IntStorage')+b'u.', D[:1])
# protocol-0 string escapes in keys
pt('esc.pt', b"\x80\x02}(S'w\\x31'\n"+T('0')+b"Vv\\u0032\n"+T('0')+b'u.', D[:1])
