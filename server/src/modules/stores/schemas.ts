import { Type, type Static } from 'typebox';
import { Timestamp } from '../../platform/schemas.ts';

const Brand = Type.String({ minLength: 1, maxLength: 20 });

export const StoreBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'Store name, e.g. 菜鸟驿站（南山科技园店）' }),
    brands: Type.Array(Brand, { maxItems: 20, default: [], description: 'Express brands handled, e.g. 中通, 圆通' }),
    regionCode: Type.String({ pattern: '^\\d{6}$', description: 'GB/T 2260 county-level (district) code' }),
    address: Type.String({ minLength: 1, maxLength: 200, description: 'Detailed address' }),
    lat: Type.Number({ minimum: -90, maximum: 90, description: 'WGS-84 latitude' }),
    lng: Type.Number({ minimum: -180, maximum: 180, description: 'WGS-84 longitude' }),
    contactPhone: Type.String({ minLength: 5, maxLength: 20, description: 'Mobile or landline; stored encrypted, shown masked' }),
  },
  { additionalProperties: false },
);
export type StoreBody = Static<typeof StoreBody>;

export const StorePatch = Type.Partial(StoreBody, { additionalProperties: false });
export type StorePatch = Static<typeof StorePatch>;

export const StorePhotoView = Type.Object(
  {
    id: Type.String(),
    url: Type.String({ description: 'GET it with a session: /api/v1/store-photos/{id}' }),
    mime: Type.Union([Type.Literal('image/jpeg'), Type.Literal('image/png')]),
    sizeBytes: Type.Integer(),
    createdAt: Timestamp,
  },
  { $id: 'StorePhotoView' },
);
export type StorePhotoView = Static<typeof StorePhotoView>;
export const StorePhotoList = Type.Object({ items: Type.Array(Type.Ref('StorePhotoView')) });

export const StoreView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    brands: Type.Array(Type.String()),
    regionCode: Type.String(),
    regionName: Type.String({ description: 'Province, city and district, e.g. 广东省 深圳市 南山区' }),
    address: Type.String(),
    lat: Type.Number(),
    lng: Type.Number(),
    contactPhoneMasked: Type.String({ description: 'e.g. 138****5678' }),
    photos: Type.Array(Type.Ref('StorePhotoView'), { description: 'Oldest first; at most 9' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'StoreView' },
);
export type StoreView = Static<typeof StoreView>;

export const StoreList = Type.Object({ items: Type.Array(Type.Ref('StoreView')) });

export const RegionView = Type.Object({
  code: Type.String(),
  name: Type.String(),
  level: Type.Union([Type.Literal('province'), Type.Literal('city'), Type.Literal('district')]),
  parentCode: Type.Union([Type.String(), Type.Null()]),
});

export const RegionsQuery = Type.Object({
  parent: Type.Optional(Type.String({ pattern: '^\\d{6}$', description: 'Parent code; omit for provinces' })),
});

export const RegionList = Type.Object({ items: Type.Array(RegionView) });
