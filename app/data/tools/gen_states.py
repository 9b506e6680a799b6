# Generates app/data/nanp_area_code_states.csv and app/data/us_zip_states.csv (see app/data/README.md).
import collections, csv, sys, re
import phonenumbers
from phonenumbers.geodata import GEOCODE_DATA
import zipcodes

STATES = {'Alabama':'AL','Alaska':'AK','Arizona':'AZ','Arkansas':'AR','California':'CA','Colorado':'CO','Connecticut':'CT','Delaware':'DE','Florida':'FL','Georgia':'GA','Hawaii':'HI','Idaho':'ID','Illinois':'IL','Indiana':'IN','Iowa':'IA','Kansas':'KS','Kentucky':'KY','Louisiana':'LA','Maine':'ME','Maryland':'MD','Massachusetts':'MA','Michigan':'MI','Minnesota':'MN','Mississippi':'MS','Missouri':'MO','Montana':'MT','Nebraska':'NE','Nevada':'NV','New Hampshire':'NH','New Jersey':'NJ','New Mexico':'NM','New York':'NY','North Carolina':'NC','North Dakota':'ND','Ohio':'OH','Oklahoma':'OK','Oregon':'OR','Pennsylvania':'PA','Rhode Island':'RI','South Carolina':'SC','South Dakota':'SD','Tennessee':'TN','Texas':'TX','Utah':'UT','Vermont':'VT','Virginia':'VA','Washington':'WA','West Virginia':'WV','Wisconsin':'WI','Wyoming':'WY','Washington D.C.':'DC','Washington, D.C.':'DC','District of Columbia':'DC','Puerto Rico':'PR','US Virgin Islands':'VI','Guam':'GU','American Samoa':'AS','Northern Mariana Islands':'MP'}
CODES = set(STATES.values())

def state_of(desc):
    desc = desc.strip()
    if desc in STATES: return STATES[desc]
    m = re.search(r',\s*([A-Z]{2})$', desc)
    if m and m.group(1) in CODES: return m.group(1)
    return None

# Overlays newer than the geocoding data, from NANPA's assignment: 564 overlays 360 (Washington).
OVERRIDES = {'564': 'WA'}
rows = list(csv.DictReader(open('app/data/nanp_area_code_timezones.csv')))
out = []
missing = []
for r in rows:
    if r['region'] != 'US':
        continue
    ac = r['area_code']
    found = collections.Counter()
    for prefix, d in GEOCODE_DATA.items():
        if prefix.startswith('1' + ac) and 'en' in d:
            s = state_of(d['en'])
            if s: found[s] += 1
    if not found and ac in OVERRIDES:
        found[OVERRIDES[ac]] = 1
    if not found:
        missing.append(ac); continue
    # An area code lies in one state (NANPA assigns them per state); the count guards against stray city entries.
    state, n = found.most_common(1)[0]
    if len(found) > 1:
        print('several states', ac, found, file=sys.stderr)
    out.append((ac, state))
print('missing', missing, file=sys.stderr)
with open('app/data/nanp_area_code_states.csv', 'w') as f:
    f.write('area_code,state\n')
    for ac, s in out: f.write(f'{ac},{s}\n')

by = collections.defaultdict(collections.Counter)
zips = zipcodes.list_all()
for z in zips: by[z['zip_code'][:3]][z['state']] += 1
lines = []
for p in sorted(by):
    major = by[p].most_common(1)[0][0]
    lines.append((p, major))
    for z in zips:
        if z['zip_code'][:3] == p and z['state'] != major:
            lines.append((z['zip_code'], z['state']))
with open('app/data/us_zip_states.csv', 'w') as f:
    f.write('zip,state\n')
    for z, s in sorted(lines): f.write(f'{z},{s}\n')
print(len(out), 'area codes;', len(lines), 'zip rows', file=sys.stderr)
