#!/usr/bin/env python3
# Fails when a source file of a crate imports (crate::/super::/self::) a file that imports it back.
# Usage: python3 .ci/import-cycles.py CRATE_DIR...
import re,os,sys,itertools
def modfile(src, parts):
    # resolve module path parts to a file
    p=os.path.join(src,*parts)
    for c in (p+'.rs', os.path.join(p,'mod.rs')):
        if os.path.exists(c): return c
    return None
found=False
for crate in sys.argv[1:]:
    src=os.path.join(crate,'src')
    files=[os.path.join(d,f) for d,_,fs in os.walk(src) for f in fs if f.endswith('.rs')]
    def mpath(f):
        rel=os.path.relpath(f,src)[:-3].split(os.sep)
        if rel[-1] in ('mod','lib'): rel=rel[:-1]
        return rel
    edges={}
    for f in files:
        s=open(f).read()
        s=re.sub(r'(?s)#\[cfg\(test\)\]\s*mod tests \{.*','',s)
        s=re.sub(r'(?m)^\s*//.*$','',s)
        me=mpath(f); deps=set()
        # expand `use crate::{a, b::c}` one level
        s=re.sub(r'\b(crate|super|self)::\{([^{}]*)\}', lambda m: ' '.join(m.group(1)+'::'+x.strip() for x in m.group(2).split(',') if x.strip()), s)
        for m in re.finditer(r'\b(crate|super|self)::([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)',s):
            head=m.group(1); rest=[x for x in m.group(2).split('::') if x]
            if head=='crate': base=[]
            elif head=='super':
                base=me[:-1] if not f.endswith('mod.rs') else me[:-1]
            else: base=me
            parts=base+rest
            # longest prefix that is a file
            for k in range(len(parts),-1,-1):
                t=modfile(src,parts[:k]) if k else os.path.join(src,'lib.rs')
                if t: 
                    if t!=f: deps.add(t)
                    break
        edges[f]=deps
    for a in edges:
        for b in edges[a]:
            if a in edges.get(b,()) and a<b:
                print(crate,'CYCLE',a,'<->',b)
                found=True
if found:
    sys.exit(1)
print('no import cycles')
