from zipw import *
import struct
q=lambda xs: b'('+b''.join(b'\x8a\x08'+struct.pack('<q',x) for x in xs)+b't'
pt('gather.pt', b'\x80\x02}'+X('w')+T('0',size=q([2**31,2**31]),stride=q([0,0]))+b's.', [('archive/data/0',b'\0'*16)])
pt('gather2.pt', b'\x80\x02}'+X('w')+T('0',size=q([10**6,10**6]),stride=q([0,0]))+b's.', [('archive/data/0',b'\0'*16)])
