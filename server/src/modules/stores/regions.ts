import { readFileSync } from 'node:fs';

/** One administrative division of GB/T 2260. */
export interface Region {
  code: string;
  name: string;
  level: 'province' | 'city' | 'district';
  parentCode: string | null;
}

interface RawData {
  source: string;
  provinces: [string, string, [string, string, [string, string][]][]][];
}

let index: Map<string, Region> | undefined;
let children: Map<string | null, Region[]> | undefined;

function load(): void {
  if (index) return;
  const raw = JSON.parse(readFileSync(new URL('../../data/regions.json', import.meta.url), 'utf8')) as RawData;
  index = new Map();
  children = new Map();
  const add = (r: Region) => {
    index!.set(r.code, r);
    const list = children!.get(r.parentCode) ?? [];
    list.push(r);
    children!.set(r.parentCode, list);
  };
  for (const [pc, pn, cities] of raw.provinces) {
    add({ code: pc, name: pn, level: 'province', parentCode: null });
    for (const [cc, cn, districts] of cities) {
      add({ code: cc, name: cn, level: 'city', parentCode: pc });
      for (const [dc, dn] of districts) add({ code: dc, name: dn, level: 'district', parentCode: cc });
    }
  }
}

/** A division by its 6-digit code, or undefined. */
export function findRegion(code: string): Region | undefined {
  load();
  return index!.get(code);
}

/** The divisions under a parent (provinces when parent is null), in code order. */
export function regionChildren(parentCode: string | null): Region[] {
  load();
  return children!.get(parentCode) ?? [];
}

/** Province, city and district of a county-level code, or undefined when it is not a district. */
export function regionPath(code: string): { province: Region; city: Region; district: Region } | undefined {
  const district = findRegion(code);
  if (!district || district.level !== 'district') return undefined;
  const city = findRegion(district.parentCode!)!;
  const province = findRegion(city.parentCode!)!;
  return { province, city, district };
}

/** "广东省 深圳市 南山区" for a district code (municipalities' 市辖区 omitted). */
export function regionLabel(code: string): string {
  const path = regionPath(code);
  if (!path) return findRegion(code)?.name ?? code;
  const city = ['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划'].includes(path.city.name) ? '' : ` ${path.city.name}`;
  return `${path.province.name}${city} ${path.district.name}`;
}
