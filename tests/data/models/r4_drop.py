from zipw import *
import struct
D=[('archive/data/0',b'\0'*16)]
pt('drop_stride.pt', b'\x80\x02}('+X('w')+T('0',stride=b'\x88\x85')+X('v')+T('0')+b'u.', D)   # stride (True,)
pt('drop_size.pt', b'\x80\x02}('+X('w')+T('0',size=b'\x8a\x08'+struct.pack('<q',-1)+b'\x85')+b'u.', D)  # size (-1,)
